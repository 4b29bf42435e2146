import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../core/ports.js';
import { bridgeFromConfig, readBridge, renderStatusText, type StatusReport } from '../../operations/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { ROOT } from '../broker-config/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { perfdataLine, writeBridgeConfig, writeSiteClientConfig } from '../nagios-to-msg/helpers.js';

const DESTINATION = '/topic/grid.probe.metricOutput.EGI.site.TEST-SITE';

test('status reads a running site bridge from its metrics endpoint: connected, spool depth, last receipt', async (t) => {
  const broker = await startTestBroker();
  const tmp = tempDir('gridmsg-status-bridge-');
  t.teardown(async () => {
    await broker.stop();
    tmp.cleanup();
  });
  const client = writeSiteClientConfig(tmp.dir, broker.stompPort, DESTINATION);
  const input = path.join(tmp.dir, 'service-perfdata');
  fs.writeFileSync(input, `${[1, 2, 3].map((i) => perfdataLine({ host: `ce0${i}.example.org`, service: 'org.sam.CE-JobSubmit' })).join('\n')}\n`);
  const port = await freePort();
  const config = writeBridgeConfig(tmp.dir, { client, inputs: [{ path: input }], spoolDir: path.join(tmp.dir, 'spool'), extra: `metrics:\n  port: ${port}\n` });

  const source = bridgeFromConfig(config);
  t.is(source.kind, 'nagios-to-msg');
  t.is(source.name, 'TEST-SITE');
  t.is(source.metricsUrl, `http://127.0.0.1:${port}/metrics`);

  // Not running yet: unreachable, said plainly.
  const before = await readBridge(source, 2000);
  t.false(before.reachable);
  t.regex(before.error ?? '', /metrics endpoint: .*bridge not running\?/);

  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'broker-config', 'cli-entry.ts'), 'nagios-to-msg', '--config', config], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  t.teardown(() => void child.kill('SIGKILL'));

  // Until the three results are receipted (or 60 s).
  let row = await readBridge(source, 2000);
  const deadline = Date.now() + 60_000;
  while (!(row.reachable && row.receipted === 3) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    row = await readBridge(source, 2000);
  }
  t.true(row.reachable, row.error);
  t.true(row.running);
  t.true(row.connected);
  t.is(row.receipted, 3);
  t.is(row.spoolRecords, 0);
  t.is(typeof row.lastReceiptAt, 'number');
  t.true(Math.abs(row.lastReceiptAt! - Date.now() / 1000) < 600, 'last receipt is a current epoch time');

  const report: StatusReport = { at: new Date().toISOString(), source: 'registry', pairs: [], bridges: [row], code: 0 };
  t.regex(renderStatusText(report), /TEST-SITE \(nagios-to-msg\) http:\/\/127\.0\.0\.1:\d+\/metrics: running, connected to a broker, spool 0 results, last receipt \d+ s ago, 3 results receipted/);

  child.kill('SIGTERM');
  t.is(await exited, 0);
  // Stopped: the endpoint is gone, and without it the status file tells the same numbers and that it stopped.
  const { metricsUrl: _gone, ...withoutEndpoint } = source;
  const fromFile = await readBridge(withoutEndpoint, 2000);
  t.true(fromFile.reachable);
  t.false(fromFile.running);
  t.is(fromFile.spoolRecords, 0);
  t.is(fromFile.receipted, 3);
});

test('status on a central bridge configuration says what it can: no metrics endpoint, process not running', async (t) => {
  const tmp = tempDir('gridmsg-status-central-');
  t.teardown(tmp.cleanup);
  const consumer = path.join(tmp.dir, 'consumer.yaml');
  fs.writeFileSync(
    consumer,
    'kind: consumer\nconsumer: central\nbrokers:\n  - { name: b, host: 127.0.0.1, port: 61613 }\nqueues:\n  - { site: S, tenant: EGI, role: site, destination: /queue/Consumer.central.x }\nerrorDestination: /queue/errors\ncredentials: {}\n',
  );
  const config = path.join(tmp.dir, 'msg-to-nagios.yaml');
  fs.writeFileSync(config, `consumer: ${consumer}\nstateDir: ${path.join(tmp.dir, 'state')}\nnagios:\n  mode: spool\n  checkResultPath: ${tmp.dir}\n`);
  const source = bridgeFromConfig(config);
  t.is(source.kind, 'msg-to-nagios');
  t.is(source.metricsUrl, undefined);
  const row = await readBridge(source, 1000);
  t.false(row.running);
  t.true(row.notes.some((n) => n.includes('no metrics endpoint')));

  // A broken configuration is reported with its file, line and field by the bridge's own loader.
  fs.writeFileSync(config, `consumer: ${consumer}\nstateDir: x\nnagios:\n  mode: sideways\n`);
  const err = t.throws(() => bridgeFromConfig(config));
  t.regex(String((err as { describe?: () => string }).describe?.() ?? err?.message), /msg-to-nagios\.yaml:4:\d+: nagios\.mode: must be one of pipe, spool/);
});
