/**
 * The central bridge's Prometheus endpoint against a real ActiveMQ and a real
 * Nagios 4 (spool mode), and `gridmsg status` reading it: Nagios not running
 * (results held, Nagios not taking them), then running (results written,
 * last receipt), then stopped with SIGSTOP (released check-result files pile
 * up: the spool depth), duplicates, stale results and refusals by reason.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isoTimestamp } from '../../bridges/format/index.js';
import { startNagios, type NagiosPaths, type RunningNagios } from '../../bridges/nagios-instance.js';
import { parseServiceStatus } from '../../bridges/nagios-status.js';
import { centralObjects, DEBIAN_DEFAULTS, parseBridgeConfig } from '../../bridges/msg-to-nagios/index.js';
import { ConfigError } from '../../core/errors.js';
import { freePort } from '../../core/ports.js';
import { bridgeFromConfig, fetchText, gatherStatus, metric, parsePrometheus, readBridge, renderStatusText, type Sample } from '../../operations/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';
import { goodRecord, SITE, SITE_HOSTS } from './corpus.js';
import { eventually, publish, resultMessage, startBridge, writeBridgeConfig, writeConsumerConfig, writePrivateNagios, type BridgeProcess } from './helpers/harness.js';

let broker: TestBroker;
let nagios: RunningNagios | undefined;
let paths: NagiosPaths;
let bridge: BridgeProcess;
let config: string;
let url: string;
let cleanup: () => void;
let stopped = false;

const now = Math.floor(Date.now() / 1000);
const passive = { use: 'gridmsg-passive-service' };
const SERVICES = ['org.sam.CE-JobSubmit', 'org.sam.CE-Metrics'];

async function scrape(): Promise<Sample[]> {
  return parsePrometheus(await fetchText(url, 5000));
}
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined => {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hits.length === 0 ? undefined : hits.reduce((n, s) => n + s.value, 0);
};
async function until(check: (s: Sample[]) => boolean, timeoutMs = 60_000): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  let s = await scrape();
  while (!check(s) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    s = await scrape();
  }
  return s;
}
const status = () => parseServiceStatus(fs.existsSync(paths.statusFile) ? fs.readFileSync(paths.statusFile, 'utf8') : '');

test.before(async () => {
  const tmp = tempDir('gridmsg-central-metrics-');
  cleanup = tmp.cleanup;
  paths = writePrivateNagios(path.join(tmp.dir, 'nagios'), {
    hosts: [{ name: 'ce01.cern.ch', services: SERVICES.map((description) => ({ description, directives: passive })), directives: { use: 'gridmsg-passive-host' } }],
    extraObjects: centralObjects({ freshnessSeconds: 0, pluginDir: DEBIAN_DEFAULTS.pluginDir } as Parameters<typeof centralObjects>[0]),
  });
  broker = await startTestBroker();
  const consumerFile = writeConsumerConfig(tmp.dir, broker.stompPort, [{ site: SITE, hosts: SITE_HOSTS }]);
  const port = await freePort();
  url = `http://127.0.0.1:${port}/metrics`;
  config = writeBridgeConfig(tmp.dir, {
    consumerFile,
    stateDir: path.join(tmp.dir, 'state'),
    nagios: { mode: 'spool', checkResultPath: paths.checkResultPath, querySocket: paths.querySocket, objectCache: path.join(paths.dir, 'objects.cache') },
  });
  fs.appendFileSync(config, `metrics:\n  host: 127.0.0.1\n  port: ${port}\n`);
  bridge = startBridge(config, path.join(tmp.dir, 'bridge.log'));
  await bridge.waitForLog(/consuming/);
});

test.after.always(async () => {
  if (stopped && nagios) process.kill(nagios.process.pid, 'SIGCONT');
  await bridge?.process.stop();
  await Promise.all([nagios?.stop(), broker?.stop()]);
  cleanup?.();
});

test.serial('before Nagios runs: connected, nothing received, then results held and Nagios not taking them', async (t) => {
  const first = await scrape();
  t.is(value(first, 'gridmsg_central_connected'), 1);
  t.is(value(first, 'gridmsg_central_last_receipt_timestamp_seconds'), 0, 'no message yet');
  t.is(value(first, 'gridmsg_central_spool_files'), 0);
  t.is(value(first, 'gridmsg_central_results_submitted_total'), 0);
  t.regex(bridge.log(), /metrics served.*http:\/\/127\.0\.0\.1:\d+\/metrics/);

  const before = Date.now() / 1000;
  await publish(broker.stompPort, [resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', summaryData: 'held while Nagios is down', timestamp: isoTimestamp(now - 100) })], 'm-1')]);
  const s = await until((x) => value(x, 'gridmsg_central_nagios_accepting') === 0 && (value(x, 'gridmsg_central_inflight_messages') ?? 0) > 0);
  t.is(value(s, 'gridmsg_central_nagios_accepting'), 0, bridge.log().slice(-2000));
  t.is(value(s, 'gridmsg_central_inflight_messages'), 1, 'the message stays unacked while Nagios does not take it');
  t.is(value(s, 'gridmsg_central_messages_received_total'), 1);
  t.is(value(s, 'gridmsg_central_results_submitted_total'), 1, 'it passed the checks');
  t.is(value(s, 'gridmsg_central_results_written_total'), 0, 'but Nagios has not taken it');
  t.true(value(s, 'gridmsg_central_last_receipt_timestamp_seconds')! >= Math.floor(before));
});

test.serial('Nagios running: the held result is written, Nagios takes results, the spool drains', async (t) => {
  nagios = await startNagios(paths);
  // The bridge sees Nagios running by its query socket (this foreground Nagios writes no lock file).
  const s = await until((x) => value(x, 'gridmsg_central_nagios_accepting') === 1 && value(x, 'gridmsg_central_inflight_messages') === 0 && value(x, 'gridmsg_central_spool_files') === 0);
  t.true(await eventually(() => status().get('ce01.cern.ch;org.sam.CE-JobSubmit')?.pluginOutput === 'held while Nagios is down'));
  t.is(value(s, 'gridmsg_central_nagios_accepting'), 1);
  t.is(value(s, 'gridmsg_central_results_submitted_total'), 1);
  t.is(value(s, 'gridmsg_central_results_written_total'), 1);
  t.is(value(s, 'gridmsg_central_pending_results'), 0);
  t.is(value(s, 'gridmsg_central_spool_files'), 0);
  // The next test needs the object cache Nagios wrote at start (unknown services).
  await bridge.waitForLog(/read the Nagios object cache/, 30_000);
});

test.serial('duplicates, stale results and refusals are counted, refusals by reason', async (t) => {
  const again = resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', summaryData: 'held while Nagios is down', timestamp: isoTimestamp(now - 100) })], 'm-1');
  await publish(broker.stompPort, [
    again,
    resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', summaryData: 'older', timestamp: isoTimestamp(now - 3600) })], 'm-stale'),
    resultMessage(SITE, [goodRecord({ hostName: 'ce09.other.org', summaryData: 'not the site\'s host', timestamp: isoTimestamp(now - 50) })], 'm-host'),
    resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', metricName: 'org.sam.Undefined', summaryData: 'no such service', timestamp: isoTimestamp(now - 50) })], 'm-svc'),
  ]);
  const s = await until((x) => value(x, 'gridmsg_central_messages_received_total') === 5 && value(x, 'gridmsg_central_inflight_messages') === 0);
  t.is(value(s, 'gridmsg_central_messages_received_total'), 5, bridge.log().slice(-2000));
  t.is(value(s, 'gridmsg_central_duplicates_dropped_total'), 1);
  t.is(value(s, 'gridmsg_central_results_stale_total'), 1);
  t.is(value(s, 'gridmsg_central_records_rejected_total', { reason: 'host-not-allowed' }), 1);
  t.is(value(s, 'gridmsg_central_records_rejected_total', { reason: 'unknown-service' }), 1);
  t.is(metric(s, 'gridmsg_central_records_rejected_total'), 2);
  t.is(value(s, 'gridmsg_central_unknown_objects_total'), 1);
  t.is(value(s, 'gridmsg_central_results_submitted_total'), 1, 'nothing more went to Nagios');
  t.is(value(s, 'gridmsg_central_results_written_total'), 1);
});

test.serial('Nagios stopped (SIGSTOP): released check-result files pile up; status shows the spool depth and last receipt; SIGCONT drains it', async (t) => {
  process.kill(nagios!.process.pid, 'SIGSTOP');
  stopped = true;
  await publish(
    broker.stompPort,
    [1, 2, 3].map((i) => resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', metricName: 'org.sam.CE-Metrics', summaryData: `while stopped ${i}`, timestamp: isoTimestamp(now - 40 + i) })], `m-stop-${i}`)),
  );
  const s = await until((x) => (value(x, 'gridmsg_central_spool_files') ?? 0) >= 1 && value(x, 'gridmsg_central_results_written_total') === 4);
  const depth = value(s, 'gridmsg_central_spool_files')!;
  t.true(depth >= 1, `spool depth ${depth}`);
  t.is(value(s, 'gridmsg_central_nagios_accepting'), 1, 'Nagios runs (its pid is alive): files are released to it');

  // gridmsg status, from the bridge's own configuration file.
  const source = bridgeFromConfig(config);
  t.is(source.kind, 'msg-to-nagios');
  t.is(source.name, 'central');
  t.is(source.metricsUrl, url);
  const report = await gatherStatus([], [source], { access: {}, timeoutMs: 5000, source: 'registry' });
  t.is(report.code, 0);
  const row = report.bridges[0]!;
  t.true(row.reachable && row.running && row.connected && row.nagiosAccepting);
  t.true((row.spoolFiles ?? 0) >= 1);
  t.is(row.submitted, 4);
  t.is(row.written, 4, 'released to Nagios, which has not reaped them yet');
  t.is(row.rejected, 2);
  t.true(typeof row.lastReceiptAt === 'number' && Math.abs(row.lastReceiptAt - Date.now() / 1000) < 600);
  t.regex(
    renderStatusText(report),
    /central \(msg-to-nagios\) http:\/\/127\.0\.0\.1:\d+\/metrics: running, connected to a broker, Nagios takes results, spool [1-9]\d* check-result files, last receipt \d+ s ago, 4 results written, 2 records refused\n/,
  );

  process.kill(nagios!.process.pid, 'SIGCONT');
  stopped = false;
  const drained = await until((x) => value(x, 'gridmsg_central_spool_files') === 0);
  t.is(value(drained, 'gridmsg_central_spool_files'), 0);
  // Nagios reaps the piled-up files in its own order: one of the three is the last it shows.
  t.true(await eventually(() => /^while stopped [123]$/.test(status().get('ce01.cern.ch;org.sam.CE-Metrics')?.pluginOutput ?? '')));
  const after = await readBridge(source, 5000);
  t.is(after.spoolFiles, 0);
});

test.serial('configuration: metrics needs a port; errors name file, line and field; a port in use stops the bridge with the field', async (t) => {
  const base = fs.readFileSync(config, 'utf8').replace(/metrics:\n[\s\S]*$/, '');
  const fail = (extra: string): string => {
    const err = t.throws(() => parseBridgeConfig(base + extra, '/etc/gridmsg/msg-to-nagios.yaml'));
    t.true(err instanceof ConfigError);
    return (err as ConfigError).describe();
  };
  const lineOf = (base.match(/\n/g) ?? []).length + 1;
  t.regex(fail('metrics:\n  host: 127.0.0.1\n'), new RegExp(`msg-to-nagios\\.yaml:${lineOf}:\\d+: metrics\\.port: missing required field "port"`));
  t.regex(fail('metrics:\n  port: 70000\n'), new RegExp(`msg-to-nagios\\.yaml:${lineOf + 1}:\\d+: metrics\\.port: must be a whole number from 0 to 65535`));
  t.regex(fail('metrics:\n  port: 9466\n  path: /x\n'), /metrics\.path: unknown field "path"/);
  t.deepEqual(parseBridgeConfig(`${base}metrics: { port: 9466 }\n`, '/x.yaml').metrics?.port, 9466);
  t.is(parseBridgeConfig(base, '/x.yaml').metrics, undefined);

  // The running bridge holds the port: a second bridge on it exits with the field named.
  const dir = path.dirname(config);
  const second = path.join(dir, 'second.yaml');
  fs.writeFileSync(second, base.replace(/stateDir: .*/, `stateDir: ${path.join(dir, 'state2')}`) + `metrics:\n  port: ${new URL(url).port}\n`);
  const other = startBridge(second, path.join(dir, 'second.log'));
  const code = await other.process.exited;
  t.not(code, 0);
  t.regex(other.log(), /second\.yaml:\d+:\d+: metrics\.port: cannot serve metrics on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
});
