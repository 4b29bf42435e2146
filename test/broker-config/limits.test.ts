import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { prepareLocalNetwork, startLocalNetwork, type StartedBroker } from '../../broker-config/index.js';
import { parseRegistry } from '../../topology/index.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { tempDir } from '../helpers/tmp.js';
import { FIXTURES } from './helpers.js';

/** The registry's connection limit reaches the broker: one STOMP login too many is refused. */
test.serial('maxConnections from the registry caps STOMP connections on a real broker', async (t) => {
  const tmp = tempDir('gridmsg-limits-');
  const started: StartedBroker[] = [];
  t.teardown(async () => {
    await Promise.all(started.map((b) => b.process.stop(20_000)));
    tmp.cleanup();
  });
  const file = path.join(FIXTURES, 'valid-dev.yaml');
  const text = fs.readFileSync(file, 'utf8').replace('destinationMemory: 8 mb }', 'destinationMemory: 8 mb, maxConnections: 3 }');
  const registry = parseRegistry(text, file, FIXTURES);
  t.is(registry.brokers[0]!.limits.maxConnections, 3);
  const net = await prepareLocalNetwork(registry, tmp.dir);
  started.push(...(await startLocalNetwork(net, { logger: silentLogger(), pairs: ['region'] })));
  const region = started[0]!;
  const login = { port: region.stompPort, login: 'CERN-PROD', passcode: net.secrets.get('CERN-PROD')! };
  const clients: RawStompClient[] = [];
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  for (let i = 0; i < 3; i++) clients.push(await RawStompClient.connect(login));
  await t.throwsAsync(RawStompClient.connect({ ...login, timeoutMs: 10_000 }));
  // Freeing one makes room again.
  await clients.pop()!.close();
  let again: RawStompClient | undefined;
  for (let i = 0; i < 40 && !again; i++) {
    again = await RawStompClient.connect({ ...login, timeoutMs: 5000 }).catch(() => undefined);
    if (!again) await new Promise((r) => setTimeout(r, 250));
  }
  t.truthy(again);
  if (again) clients.push(again);
});
