/**
 * The daemon as systemd runs it: `gridmsg nagios-to-msg --config FILE` in
 * the foreground; SIGHUP reloads (filters, body format), SIGTERM drains and
 * exits 0; Prometheus metrics on the configured port; check-bridge reads
 * the status it leaves.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../core/ports.js';
import { startProcess } from '../../core/process.js';
import { readStatus } from '../../bridges/nagios-to-msg/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { collect, perfdataLine, writeSiteClientConfig } from './helpers.js';

test('SIGHUP reloads filters and format, metrics are served, SIGTERM drains and exits 0', async (t) => {
  const tmp = tempDir('gridmsg-daemon-');
  t.teardown(tmp.cleanup);
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  const dest = '/queue/test.daemon';
  const client = writeSiteClientConfig(tmp.dir, broker.stompPort, dest);
  const perf = path.join(tmp.dir, 'service-perfdata');
  const metricsPort = await freePort();
  const cfg = path.join(tmp.dir, 'bridge.yaml');
  const base = `client: ${client}\ninputs:\n  - path: ${perf}\nspool:\n  dir: ${path.join(tmp.dir, 'spool')}\npoll: 50ms\nmetrics:\n  port: ${metricsPort}\n`;
  fs.writeFileSync(cfg, base);
  const received = await collect(broker.stompPort, dest);
  t.teardown(() => received.close());
  const log = path.join(tmp.dir, 'bridge.log');
  const bridge = startProcess(process.execPath, [CLI, 'nagios-to-msg', '--config', cfg], { logFile: log });
  t.teardown(() => bridge.kill9());

  fs.appendFileSync(perf, perfdataLine({ host: 'a.example.org', service: 'one' }) + '\n' + perfdataLine({ host: 'b.example.org', service: 'two' }) + '\n');
  await received.waitFor(2, 60_000);
  t.true(received.headers.every((h) => h['bodyFormat'] === 'grid'));

  // Reload: exclude host b, switch to JSON.
  fs.writeFileSync(cfg, base + 'format: json\nfilters:\n  exclude:\n    hosts: [b.example.org]\n');
  process.kill(bridge.pid, 'SIGHUP');
  const deadline = Date.now() + 20_000;
  while (!fs.readFileSync(log, 'utf8').includes('configuration reloaded') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  fs.appendFileSync(perf, perfdataLine({ host: 'b.example.org', service: 'three' }) + '\n' + perfdataLine({ host: 'a.example.org', service: 'four' }) + '\n');
  await received.waitFor(3, 60_000);
  t.deepEqual(received.records.map((r) => r.metricName), ['one', 'two', 'four']);
  t.is(received.headers.at(-1)!['bodyFormat'], 'json');

  // A broken config on reload is refused; the bridge keeps running.
  fs.writeFileSync(cfg, base + 'format: xml\n');
  process.kill(bridge.pid, 'SIGHUP');
  while (!fs.readFileSync(log, 'utf8').includes('reload failed') && Date.now() < deadline + 20_000) await new Promise((r) => setTimeout(r, 50));
  t.regex(fs.readFileSync(log, 'utf8'), /reload failed: keeping the running configuration error=.*bridge\.yaml:\d+:\d+: format: must be one of grid, json/);
  t.true(bridge.alive());

  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  t.regex(metrics, /gridmsg_bridge_results_receipted_total 3/);
  t.regex(metrics, /gridmsg_bridge_results_filtered_total 1/);
  t.regex(metrics, /gridmsg_bridge_spool_records 0/);
  t.regex(metrics, /gridmsg_bridge_connected 1/);

  // The config is broken right now: the plugin says UNKNOWN; with it restored, OK.
  const check = await runCli(['check-bridge', '--config', cfg]);
  t.is(check.code, 3);
  fs.writeFileSync(cfg, base);
  // The status file is rewritten every few seconds (at once when the verdict would change): wait for the one after the last receipt.
  let ok = await runCli(['check-bridge', '--config', cfg]);
  for (const until = Date.now() + 20_000; Date.now() < until && !ok.stdout.includes(' 0 results spooled'); ) {
    await new Promise((r) => setTimeout(r, 500));
    ok = await runCli(['check-bridge', '--config', cfg]);
  }
  t.is(ok.code, 0, ok.stdout);
  t.regex(ok.stdout, /^BRIDGE OK - 0 results spooled/);

  await bridge.stop(20_000);
  t.is(await bridge.exited, 0);
  t.regex(fs.readFileSync(log, 'utf8'), /stopped: everything was receipted/);
  const st = readStatus(path.join(tmp.dir, 'spool', 'status.json'));
  t.true(st.ok && st.status.state === 'stopped');
  const after = await runCli(['check-bridge', '--config', cfg]);
  t.is(after.code, 2);
  t.regex(after.stdout, /bridge is stopped/);
});
