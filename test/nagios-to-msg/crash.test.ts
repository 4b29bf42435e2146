/**
 * kill -9 of the bridge (the real CLI process) ten times during a
 * 100,000-result run fed straight into the perfdata file (with rotations):
 * every result arrives, and a result seen twice always carries the same
 * idempotency key (resend of the same spool group).
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { startProcess, type ManagedProcess } from '../../core/process.js';
import { startTestBroker } from '../helpers/broker.js';
import { CLI } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { collect, perfdataLine, writeBridgeConfig, writeSiteClientConfig } from './helpers.js';

const TOTAL = 100_000;
const KILLS = 10;

test('kill -9 ten times during 100,000 results: all arrive, duplicates only under the same idempotency key', async (t) => {
  const tmp = tempDir('gridmsg-crash-');
  t.teardown(tmp.cleanup);
  const broker = await startTestBroker({ heapMb: 512 });
  t.teardown(() => broker.stop());
  const dest = '/queue/test.crash';
  const client = writeSiteClientConfig(tmp.dir, broker.stompPort, dest);
  const perf = path.join(tmp.dir, 'service-perfdata');
  const cfg = writeBridgeConfig(tmp.dir, { client, inputs: [{ path: perf }], spoolDir: path.join(tmp.dir, 'spool'), extra: 'drainTimeout: 2s\n' });
  const received = await collect(broker.stompPort, dest);
  t.teardown(() => received.close());

  // Feed: 100,000 lines in slices, renaming the file now and then as Nagios' processing command does.
  let written = 0;
  let rotations = 0;
  const feeder = (async () => {
    while (written < TOTAL) {
      const n = Math.min(1000, TOTAL - written);
      let text = '';
      for (let i = 0; i < n; i++) text += perfdataLine({ host: `wn${(written + i) % 97}.example.org`, service: `r${written + i}`, output: `result ${written + i}` }) + '\n';
      fs.appendFileSync(perf, text);
      written += n;
      if (written % 20_000 === 0) {
        fs.renameSync(perf, `${perf}.${Date.now()}`);
        rotations++;
      }
      await new Promise((r) => setTimeout(r, 60));
    }
  })();

  let bridge: ManagedProcess | undefined;
  const start = (): ManagedProcess => startProcess(process.execPath, [CLI, 'nagios-to-msg', '--config', cfg, '--log-level', 'warn'], { logFile: path.join(tmp.dir, 'bridge.log') });
  t.teardown(async () => bridge?.kill9());
  for (let k = 0; k < KILLS; k++) {
    bridge = start();
    // Let it start and work for a varying while, then kill it without warning.
    await new Promise((r) => setTimeout(r, 700 + ((k * 389) % 900)));
    t.true(bridge.alive(), `bridge died on its own: ${fs.readFileSync(path.join(tmp.dir, 'bridge.log'), 'utf8').slice(-2000)}`);
    await bridge.kill9();
  }
  await feeder;
  bridge = start();
  await received.waitFor(TOTAL, 240_000);
  await bridge.stop();

  t.deepEqual(received.errors, []);
  const seen = new Map<string, string>();
  let duplicates = 0;
  for (const [key, recs] of received.byKey) {
    for (const r of recs) {
      const prev = seen.get(r.metricName);
      if (prev !== undefined) {
        t.fail(`${r.metricName} arrived under two keys: ${prev} and ${key}`);
        duplicates++;
      }
      seen.set(r.metricName, key);
    }
  }
  t.is(duplicates, 0);
  for (let i = 0; i < TOTAL; i++) if (!seen.has(`r${i}`)) t.fail(`result r${i} never arrived`);
  t.is(seen.size, TOTAL);
  t.true(rotations >= 4);
  const resent = received.keys.length - received.byKey.size;
  t.log(fs.readFileSync(path.join(tmp.dir, 'bridge.log'), 'utf8').split('\n').filter((l) => /error|warn/.test(l)).slice(0, 8).join('\n'));
  t.log(`${received.keys.length} messages, ${resent} resent with their original key, ${rotations} rotations`);
});
