import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { prepareLocalNetwork, startLocalNetwork, type StartedBroker } from '../../broker-config/index.js';
import { createConsumer, createPublisher, type ReceivedMessage } from '../../clients/index.js';
import { loadClientConfig } from '../../clients/config-loader.js';
import { parseRegistry } from '../../topology/index.js';
import { tempDir } from '../helpers/tmp.js';
import { FIXTURES } from './helpers.js';

/**
 * The sized configuration on real brokers: with large messages
 * (network.messageSize 1 mb) the generated XML carries a small
 * network-connector prefetch and the consumer config a small prefetch; the
 * brokers boot with it, large messages cross the network connector to the
 * consumer reading with that prefetch, and no queue named with a wildcard
 * appears in either store (a wildcard bridge subscription used to create
 * `Consumer.<consumer>.>`, docs/broker-network.md).
 */
test.serial('sized prefetch: the generated XML boots, 600 KB messages cross the network, no wildcard-named queue', async (t) => {
  const tmp = tempDir('gridmsg-sizing-');
  const started: StartedBroker[] = [];
  t.teardown(async () => {
    await Promise.all(started.map((b) => b.process.stop(20_000)));
    tmp.cleanup();
  });
  const file = path.join(FIXTURES, 'valid-dev.yaml');
  const text = fs.readFileSync(file, 'utf8').replace('  hub: central\n', '  hub: central\n  messageSize: 1 mb\n');
  const registry = parseRegistry(text, file, FIXTURES);
  const net = await prepareLocalNetwork(registry, tmp.dir);

  // region-a: 8 mb per destination, half of it for one subscription's prefetch: 4 messages of 1 mb.
  const regionXml = fs.readFileSync(path.join(tmp.dir, 'brokers', 'region-a', 'conf', 'activemq.xml'), 'utf8');
  t.regex(regionXml, /<networkConnector name="bridge\.region\.central"[^>]* prefetchSize="4"/);
  t.notRegex(/<staticallyIncludedDestinations>([\s\S]*?)<\/staticallyIncludedDestinations>/.exec(regionXml)?.[1] ?? '', /&gt;|\*/);
  const consumerCfg = loadClientConfig(path.join(tmp.dir, 'consumers', 'central-nagios.yaml'));
  const siteCfg = loadClientConfig(path.join(tmp.dir, 'sites', 'CERN-PROD.yaml'));
  if (consumerCfg.kind !== 'consumer' || siteCfg.kind !== 'site') throw new Error('unexpected client config kinds');
  t.is(consumerCfg.prefetch, 4);

  started.push(...(await startLocalNetwork(net, { logger: silentLogger(), standbys: false })));
  const body = 'x'.repeat(600 * 1024);
  const count = 30;
  const publisher = createPublisher({ brokers: siteCfg.brokers, credentials: siteCfg.credentials, destination: siteCfg.destination });
  t.teardown(() => publisher.close());
  await publisher.ready();
  await Promise.all(Array.from({ length: count }, (_, i) => publisher.send({ body: `${i}:${body}`, idempotencyKey: `sizing-${i}` })));

  const queue = consumerCfg.queues.find((q) => q.site === 'CERN-PROD')!;
  const consumer = createConsumer({ brokers: consumerCfg.brokers, credentials: consumerCfg.credentials });
  t.teardown(() => consumer.close());
  const got: ReceivedMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, 120_000);
    consumer
      .subscribe({ destination: queue.destination, prefetch: consumerCfg.prefetch! }, async (m) => {
        got.push(m);
        if (got.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      })
      .catch(reject);
  });
  t.is(got.length, count);
  t.deepEqual(new Set(got.map((m) => new TextDecoder().decode(m.body).split(':')[0])).size, count);

  await consumer.close();
  await publisher.close();
  await Promise.all(started.map((b) => b.process.stop(20_000)));
  started.length = 0;
  // KahaDB's index names every destination it ever held.
  for (const store of fs.readdirSync(path.join(tmp.dir, 'stores'))) {
    const index = fs.readFileSync(path.join(tmp.dir, 'stores', store, 'kahadb', 'db.data')).toString('latin1');
    t.true(index.includes('Consumer.central-nagios.grid.probe'), `${store}: the consumer queues are in the index`);
    t.false(index.includes('Consumer.central-nagios.>'), `${store}: no queue named Consumer.central-nagios.>`);
  }
});
