import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startTestBroker } from '../helpers/broker.js';
import { runCli, ROOT } from '../broker-config/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { perfdataLine, writeBridgeConfig, writeSiteClientConfig } from '../nagios-to-msg/helpers.js';
import { startNagios } from '../../bridges/nagios-instance.js';
import { centralObjects, DEBIAN_DEFAULTS } from '../../bridges/msg-to-nagios/index.js';
import { goodRecord, SITE, SITE_HOSTS } from '../msg-to-nagios/corpus.js';
import { isoTimestamp } from '../../bridges/format/index.js';
import {
  CONSUMER,
  eventually,
  publish,
  resultMessage,
  startBridge,
  writeBridgeConfig as writeCentralBridgeConfig,
  writeConsumerConfig,
  writePrivateNagios,
} from '../msg-to-nagios/helpers/harness.js';

/**
 * Logs of the long-running commands with --log-format json: one JSON object
 * per stderr line (level, message, timestamp), with the site, broker and
 * destination as fields where the event concerns them.
 */

type Line = Record<string, unknown>;

/** Every stderr line must be one JSON object with level, message and timestamp. */
function parseLines(t: import('ava').ExecutionContext, stderr: string): Line[] {
  const lines = stderr.split('\n').filter((l) => l !== '');
  t.true(lines.length > 0, 'no log line at all');
  return lines.map((l) => {
    let obj: Line = {};
    t.notThrows(() => (obj = JSON.parse(l) as Line), `not JSON: ${l}`);
    t.is(typeof obj['level'], 'string', l);
    t.is(typeof obj['message'], 'string', l);
    t.regex(String(obj['timestamp']), /^\d{4}-\d\d-\d\dT/, l);
    return obj;
  });
}

const DESTINATION = '/topic/grid.probe.metricOutput.EGI.site.TEST-SITE';

test('gridmsg send --log-format json: JSON lines; the summary names the destination and the broker', async (t) => {
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  const r = await runCli(['send', '--brokers', `tcp://127.0.0.1:${broker.stompPort}`, '--destination', DESTINATION, '--count', '3', '--log-format', 'json'], {});
  t.is(r.code, 0, r.stderr);
  const lines = parseLines(t, r.stderr);
  const done = lines.find((l) => l['message'] === 'all messages receipted');
  t.truthy(done, r.stderr);
  t.is(done?.['destination'], DESTINATION);
  t.regex(String(done?.['brokers']), new RegExp(`127\\.0\\.0\\.1:${broker.stompPort}`));
  // The client layer's connection event names the broker and, for a publisher, its destination.
  const connected = lines.find((l) => l['message'] === 'connected');
  t.truthy(connected, r.stderr);
  t.regex(String(connected?.['broker']), new RegExp(`127\\.0\\.0\\.1:${broker.stompPort}`));
  t.is(connected?.['destination'], DESTINATION);
});

test('site bridge (nagios-to-msg) --log-format json: JSON lines; start names site and destination, connection events the broker', async (t) => {
  const broker = await startTestBroker();
  const tmp = tempDir('gridmsg-logs-');
  t.teardown(async () => {
    await broker.stop();
    tmp.cleanup();
  });
  const client = writeSiteClientConfig(tmp.dir, broker.stompPort, DESTINATION);
  const input = path.join(tmp.dir, 'service-perfdata');
  fs.writeFileSync(input, `${perfdataLine({ host: 'ce01.example.org', service: 'org.sam.CE-JobSubmit' })}\n`);
  const config = writeBridgeConfig(tmp.dir, { client, inputs: [{ path: input }], spoolDir: path.join(tmp.dir, 'spool') });

  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'broker-config', 'cli-entry.ts'), 'nagios-to-msg', '--config', config, '--log-format', 'json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => void child.kill('SIGKILL'));
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  // Stop it once the result was receipted (the line saying so, or 60 s at most).
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/"broker connection connected"/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // Let the one result be sent, then stop: the drain reports it.
  child.kill('SIGTERM');
  t.is(await exited, 0, stderr);

  const lines = parseLines(t, stderr);
  const started = lines.find((l) => l['message'] === 'nagios-to-msg started');
  t.is(started?.['destination'], DESTINATION);
  // Every line of a site bridge concerns its site.
  for (const l of lines) t.is(l['site'], 'TEST-SITE', JSON.stringify(l));
  // Every connection event names the broker, also `closed` at the end (the last broker it was connected to).
  const states = lines.filter((l) => String(l['message']).startsWith('broker connection '));
  t.true(states.some((l) => l['message'] === 'broker connection connected'), stderr);
  t.true(states.some((l) => l['message'] === 'broker connection closed'), stderr);
  for (const l of states) t.regex(String(l['broker']), /127\.0\.0\.1|test-broker/, JSON.stringify(l));
  // The client layer's own line: broker and the site's destination.
  const connected = lines.find((l) => l['message'] === 'connected');
  t.truthy(connected, stderr);
  t.regex(String(connected?.['broker']), new RegExp(`127\\.0\\.0\\.1:${broker.stompPort}`));
  t.is(connected?.['destination'], DESTINATION);
  t.true(lines.some((l) => String(l['message']).startsWith('stopped')), stderr);
});

test('central bridge (msg-to-nagios) --log-format json: every line names the consumer; connection events the broker, also when closed; result lines the site, broker and destination', async (t) => {
  const tmp = tempDir('gridmsg-logs-central-');
  const paths = writePrivateNagios(path.join(tmp.dir, 'nagios'), {
    hosts: [{ name: 'ce01.cern.ch', services: [{ description: 'org.sam.CE-JobSubmit', directives: { use: 'gridmsg-passive-service' } }], directives: { use: 'gridmsg-passive-host' } }],
    extraObjects: centralObjects({ freshnessSeconds: 0, pluginDir: DEBIAN_DEFAULTS.pluginDir } as Parameters<typeof centralObjects>[0]),
  });
  const [broker, nagios] = await Promise.all([startTestBroker(), startNagios(paths)]);
  t.teardown(async () => {
    await Promise.all([nagios.stop(), broker.stop()]);
    tmp.cleanup();
  });
  const consumerFile = writeConsumerConfig(tmp.dir, broker.stompPort, [{ site: SITE, hosts: SITE_HOSTS }]);
  const config = writeCentralBridgeConfig(tmp.dir, {
    consumerFile,
    stateDir: path.join(tmp.dir, 'state'),
    nagios: { mode: 'pipe', commandFile: paths.commandFile },
    summaryIntervalSeconds: 1,
  });
  const bridge = startBridge(config, path.join(tmp.dir, 'bridge.log'), ['--log-format', 'json']);
  t.teardown(() => bridge.process.stop());
  await bridge.waitForLog(/"consuming"/);
  await publish(broker.stompPort, [resultMessage(SITE, [goodRecord()], 'logs-test-1')]);
  t.true(await eventually(() => /"message":"stats"[^\n]*"submitted":1/.test(bridge.log()), 60_000), bridge.log());
  // An older result for the same service: dropped as stale, with one log line about it.
  await publish(broker.stompPort, [resultMessage(SITE, [goodRecord({ timestamp: isoTimestamp(Math.floor(Date.now() / 1000) - 600) })], 'logs-test-2')]);
  t.true(await eventually(() => bridge.log().includes('result older than the one Nagios has'), 60_000), bridge.log());
  await bridge.process.stop();

  const lines = parseLines(t, bridge.log());
  for (const l of lines) t.is(l['consumer'], CONSUMER, JSON.stringify(l));
  const consuming = lines.find((l) => l['message'] === 'consuming');
  t.regex(String(consuming?.['brokers']), new RegExp(`127\\.0\\.0\\.1:${broker.stompPort}`));
  const states = lines.filter((l) => String(l['message']).startsWith('broker connection '));
  t.true(states.some((l) => l['message'] === 'broker connection connected'), bridge.log());
  t.true(states.some((l) => l['message'] === 'broker connection closed'), bridge.log());
  for (const l of states) t.truthy(l['broker'], JSON.stringify(l));
  const stale = lines.find((l) => String(l['message']).startsWith('result older than'));
  t.is(stale?.['site'], SITE);
  t.regex(String(stale?.['broker']), new RegExp(`127\\.0\\.0\\.1:${broker.stompPort}`));
  t.regex(String(stale?.['destination']), /^\/queue\//);
  // The client layer's own connection line names the broker.
  const connected = lines.find((l) => l['message'] === 'connected');
  t.regex(String(connected?.['broker']), new RegExp(`127\\.0\\.0\\.1:${broker.stompPort}`));
});
