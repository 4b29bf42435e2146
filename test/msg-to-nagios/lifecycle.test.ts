/**
 * The daemon's life: SIGHUP-style reload (naming rules change live; a broken
 * file is refused and the running configuration kept), SIGTERM-style drain
 * (returns 0; with Nagios not reading, messages stay unacked and a later
 * bridge delivers them), and one bridge per state directory.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { isoTimestamp } from '../../bridges/format/index.js';
import { runBridge } from '../../bridges/msg-to-nagios/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';
import { goodRecord, SITE, SITE_HOSTS } from './corpus.js';
import { FifoReader, makeFifo } from './helpers/fifo-reader.js';
import { eventually, publish, resultMessage, writeBridgeConfig, writeConsumerConfig } from './helpers/harness.js';
import { parseCommandStream } from './helpers/nagios-parse.js';

function capturingLogger(): { logger: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: winston.createLogger({ level: 'debug', format: winston.format.simple(), transports: [new winston.transports.Stream({ stream })] }), lines };
}

test('reload changes naming live, refuses a broken file; drain leaves unheld work unacked for the next bridge; one bridge per state dir', async (t) => {
  const tmp = tempDir('gridmsg-life-');
  t.teardown(tmp.cleanup);
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  const fifo = path.join(tmp.dir, 'nagios.cmd');
  makeFifo(fifo);
  let reader = new FifoReader(fifo);
  t.teardown(() => reader.close());
  const consumerFile = writeConsumerConfig(tmp.dir, broker.stompPort, [{ site: SITE, hosts: SITE_HOSTS }]);
  const input = { consumerFile, stateDir: path.join(tmp.dir, 'state'), nagios: { mode: 'pipe', commandFile: fifo, longOutput: 'truncate' }, limits: { drainTimeoutSeconds: 1 } };
  const config = writeBridgeConfig(tmp.dir, input);
  const { logger, lines } = capturingLogger();
  const abort = new AbortController();
  const reloaders: Array<() => void> = [];
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  const running = runBridge(config, { logger, signal: abort.signal, onReload: (l) => reloaders.push(l), onReady: () => ready() });
  await started;

  // Only one bridge per state directory.
  await t.throwsAsync(runBridge(config, { logger, signal: new AbortController().signal, onReload: () => {} }), { message: /another msg-to-nagios \(pid \d+\) uses this state directory/ });

  const ts = Math.floor(Date.now() / 1000) - 100;
  const services = () => parseCommandStream(reader.text()).map((p) => p?.service);
  await publish(broker.stompPort, [resultMessage(SITE, [goodRecord({ metricName: 'probe', timestamp: isoTimestamp(ts) })], 'life-1')]);
  t.true(await eventually(() => services().includes('probe')));

  // Reload with a role suffix: the next result lands on the renamed service.
  writeBridgeConfig(tmp.dir, { ...input, naming: { default: { suffix: '-v2' } } });
  reloaders.forEach((r) => r());
  t.true(await eventually(() => lines.some((l) => l.includes('configuration reloaded'))));
  await publish(broker.stompPort, [resultMessage(SITE, [goodRecord({ metricName: 'probe', timestamp: isoTimestamp(ts + 1) })], 'life-2')]);
  t.true(await eventually(() => services().includes('probe-v2')));

  // A broken file is refused; the running configuration stays.
  fs.writeFileSync(config, 'consumer: [');
  reloaders.forEach((r) => r());
  t.true(await eventually(() => lines.some((l) => /reload refused, keeping the running configuration: .*YAML syntax error/.test(l))));
  await publish(broker.stompPort, [resultMessage(SITE, [goodRecord({ metricName: 'other', timestamp: isoTimestamp(ts + 2) })], 'life-3')]);
  t.true(await eventually(() => services().includes('other-v2')));

  // Nagios stops reading; a result arrives; SIGTERM: the drain times out, the message stays unacked.
  reader.close();
  await publish(broker.stompPort, [resultMessage(SITE, [goodRecord({ metricName: 'held', timestamp: isoTimestamp(ts + 3) })], 'life-4')]);
  t.true(await eventually(() => lines.some((l) => l.includes('holding results'))));
  abort.abort();
  t.is(await running, 0);
  t.true(lines.some((l) => l.includes('drain timeout: leaving messages unacked for redelivery')));

  // The next bridge (Nagios back) delivers it.
  writeBridgeConfig(tmp.dir, { ...input, naming: { default: { suffix: '-v2' } } });
  reader = new FifoReader(fifo);
  const abort2 = new AbortController();
  const second = runBridge(config, { logger, signal: abort2.signal, onReload: () => {} });
  t.true(await eventually(() => reader.lines().length === 1), lines.slice(-5).join(''));
  t.deepEqual(parseCommandStream(reader.text()).map((p) => p?.service), ['held-v2']);
  abort2.abort();
  t.is(await second, 0);
});
