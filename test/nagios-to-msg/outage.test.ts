/**
 * The broker goes away for a while: results pile up in the spool (and the
 * self-check says so), then all arrive when the broker is back on the same
 * store and ports.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { Bridge, evaluateStatus, loadBridgeConfig, readStatus } from '../../bridges/nagios-to-msg/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { startBrokerPair } from '../helpers/broker-pair.js';
import { tempDir } from '../helpers/tmp.js';
import { collect, perfdataLine, writeBridgeConfig, writeSiteClientConfig } from './helpers.js';

test('broker stopped for a while: results accumulate in the spool and all arrive when it returns', async (t) => {
  const tmp = tempDir('gridmsg-outage-');
  t.teardown(tmp.cleanup);
  const brokerDir = path.join(tmp.dir, 'broker');
  let broker = await startTestBroker({ dir: brokerDir });
  const ports = { stompPort: broker.stompPort, openwirePort: broker.openwirePort };
  t.teardown(() => broker.stop());
  const dest = '/queue/test.outage';
  const client = writeSiteClientConfig(tmp.dir, broker.stompPort, dest);
  const perf = path.join(tmp.dir, 'service-perfdata');
  const cfgFile = writeBridgeConfig(tmp.dir, {
    client,
    inputs: [{ path: perf }],
    spoolDir: path.join(tmp.dir, 'spool'),
    extra: 'check:\n  lastReceipt: { warning: 1s, critical: 2s }\npublisher:\n  receiptTimeout: 3s\n',
  });
  const config = loadBridgeConfig(cfgFile);
  const bridge = await Bridge.start({ config, logger: silentLogger() });
  t.teardown(() => bridge.stop());
  const line = (i: number): string => perfdataLine({ host: 'se01.example.org', service: `r${i}` }) + '\n';

  let received = await collect(broker.stompPort, dest);
  for (let i = 0; i < 1000; i++) fs.appendFileSync(perf, line(i));
  await received.waitFor(1000);
  await received.close();

  await broker.stop();
  for (let i = 1000; i < 6000; i++) fs.appendFileSync(perf, line(i));
  // The results are spooled, not lost; the self-check turns CRITICAL while nothing is receipted.
  const deadline = Date.now() + 30_000;
  let verdict = evaluateStatus(readStatus(config.statusFile), config.check, Date.now());
  while (Date.now() < deadline && !(bridge.status().spool.records >= 5000 && verdict.code === 2)) {
    await new Promise((r) => setTimeout(r, 200));
    verdict = evaluateStatus(readStatus(config.statusFile), config.check, Date.now());
  }
  t.true(bridge.status().spool.records >= 5000, `spooled: ${bridge.status().spool.records}`);
  t.is(verdict.code, 2, verdict.output);
  t.regex(verdict.output, /no broker receipt for \d+ s/);
  t.regex(verdict.output, /spool_records=\d+;/);

  broker = await startTestBroker({ dir: brokerDir, ...ports });
  received = await collect(broker.stompPort, dest);
  t.teardown(() => received.close());
  await received.waitFor(5000, 120_000);
  t.deepEqual(received.errors, []);
  const names = new Set(received.records.map((r) => r.metricName));
  for (let i = 1000; i < 6000; i++) t.true(names.has(`r${i}`), `r${i}`);
  // Once everything is receipted the check is OK again.
  const okDeadline = Date.now() + 20_000;
  while (Date.now() < okDeadline && (bridge.status().spool.records > 0 || evaluateStatus(readStatus(config.statusFile), config.check, Date.now()).code !== 0)) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const after = evaluateStatus(readStatus(config.statusFile), config.check, Date.now());
  t.is(after.code, 0, after.output);
  t.true(fs.existsSync(config.statusFile));
});

test('the active broker of the site pair is killed mid-stream: the standby takes over and every result arrives', async (t) => {
  const tmp = tempDir('gridmsg-pairfail-');
  t.teardown(tmp.cleanup);
  const pair = await startBrokerPair();
  t.teardown(() => pair.stop());
  const ports = [pair.a.stompPort, pair.b.stompPort];
  const dest = '/queue/test.pair';
  const client = writeSiteClientConfig(tmp.dir, ports, dest);
  const perf = path.join(tmp.dir, 'service-perfdata');
  const config = loadBridgeConfig(writeBridgeConfig(tmp.dir, { client, inputs: [{ path: perf }], spoolDir: path.join(tmp.dir, 'spool'), extra: 'publisher:\n  receiptTimeout: 5s\n' }));
  const bridge = await Bridge.start({ config, logger: silentLogger() });
  t.teardown(() => bridge.stop());
  const received = await collect(ports, dest);
  t.teardown(() => received.close());
  const TOTAL = 20_000;
  let written = 0;
  const feed = async (upTo: number): Promise<void> => {
    while (written < upTo) {
      let text = '';
      for (let i = written; i < Math.min(upTo, written + 500); i++) text += perfdataLine({ host: 'ce.example.org', service: `r${i}` }) + '\n';
      fs.appendFileSync(perf, text);
      written = Math.min(upTo, written + 500);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await feed(TOTAL / 2);
  await pair.kill9(pair.a);
  await feed(TOTAL);
  await pair.waitUntilActive(pair.b, 60_000);
  await received.waitFor(TOTAL, 120_000);
  t.deepEqual(received.errors, []);
  const names = new Set(received.records.map((r) => r.metricName));
  t.is(names.size, TOTAL);
  t.is(received.records.length, TOTAL, 'a result seen twice always came under the same key (counted once)');
});
