import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { loadClientTls } from '../../security/index.js';
import { localClientTls, LOCAL_MONITOR_IDENTITY } from '../../topology/index.js';
import { SessionError, StompSession, type StatusReport } from '../../operations/index.js';
import { runCli } from '../broker-config/helpers.js';
import { until, useDevNetwork } from './helpers/dev-network.js';
import { assertBrokenConnectorNamed, assertEveryRouteOk, assertFirstBrokersActive, assertStandbyTakesOver } from './helpers/network-scenarios.js';

/**
 * check-network and status against a real TLS-only dev network: the
 * operations fixture with every broker opening only stomp+ssl and ssl, and
 * the monitoring user identified by its certificate DN alone (no password
 * anywhere). dev up issues the monitoring certificate; the commands find it
 * with --state. In order on one network: healthy, the monitoring
 * certificate's permissions, the active central broker killed -9, south's
 * connector broken.
 */

const REGISTRY = path.join(import.meta.dirname, 'fixtures', 'network-tls.yaml');
const network = useDevNetwork(REGISTRY, 'gridmsg-ops-tls-');
const { stateDir, checkNetwork, status } = network;

test.serial('TLS-only network: check-network logs in with the monitoring certificate; every route OK with RTT perfdata', async (t) => {
  t.true(network.state.brokers.every((b) => b.tls), 'every broker is TLS-only');
  t.false(fs.existsSync(path.join(stateDir, 'secrets', 'ops-monitor.password')), 'the monitoring user has no password');
  const { code, verdict } = await until(checkNetwork, (r) => r.code === 0);
  t.is(code, 0, verdict.summary);
  assertEveryRouteOk(t, verdict);
  const nagios = await runCli(['check-network', '--registry', REGISTRY, '--state', stateDir, '--format', 'nagios', '--count', '2']);
  t.is(nagios.code, 0, nagios.stdout + nagios.stderr);
  const [first = ''] = nagios.stdout.split('\n');
  t.regex(first, /^NETWORK OK - 3\/3 links, 6\/6 paths OK \| /);
  for (const name of ['bridge.central.north', 'bridge.north.central', 'bridge.south.central', 'central_local', 'north_local']) {
    const n = name.replaceAll('.', '\\.');
    t.regex(first, new RegExp(`'${n}_rtt'=\\d+ms;1000;5000;0 '${n}_loss'=0%;;;0;100`));
  }
});

test.serial('the monitoring certificate maps to the monitoring user: probe queues only, no consumer queue, no site topic', async (t) => {
  const files = localClientTls(stateDir, 'monitor', LOCAL_MONITOR_IDENTITY);
  const tls = loadClientTls(files);
  const central = network.state.brokers.find((b) => b.name === 'central-a')!;
  const endpoint = { host: central.host, port: central.stompPort, tls };
  // Allowed: its probe queue.
  const ok = await StompSession.open(endpoint, undefined, 10_000);
  await t.notThrowsAsync(ok.send('/queue/grid.probe.probe.central', { expires: String(Date.now() + 60_000) }, '{}', 10_000));
  await ok.close();
  // Refused: reading a consumer queue, writing a site topic.
  const reader = await StompSession.open(endpoint, undefined, 10_000);
  const readErr = await t.throwsAsync(reader.subscribe('/queue/Consumer.central-nagios.grid.probe.metricOutput.EGI.site.site-n', {}, () => {}, 10_000));
  t.regex(readErr?.message ?? '', /not authorized to read/);
  await reader.close();
  const writer = await StompSession.open(endpoint, undefined, 10_000);
  const writeErr = await t.throwsAsync(writer.send('/topic/grid.probe.metricOutput.EGI.site.site-n', {}, '{}', 10_000));
  t.regex(writeErr?.message ?? '', /not authorized to write/);
  await writer.close();
  // Without the certificate the broker refuses the TLS handshake; the session says so.
  const noCert = loadClientTls({ caFile: files.caFile });
  const refused = await t.throwsAsync(StompSession.open({ ...endpoint, tls: noCert }, undefined, 10_000));
  t.true(refused instanceof SessionError && refused.kind === 'tls', String(refused));
});

test.serial('status over TLS: the first central broker active on its ssl port, its partner standby', async (t) => {
  const { code, report } = await status();
  t.is(code, 0);
  assertFirstBrokersActive(t, report.pairs);
  const central = report.pairs.find((p) => p.pair === 'central')!;
  t.deepEqual(
    central.brokers.map((b) => [b.name, b.role, b.answer]),
    [
      ['central-a', 'active', 'accepts'],
      ['central-b', 'standby', 'closed'],
    ],
  );
  const port = network.state.brokers.find((b) => b.name === 'central-a')!.stompPort;
  t.is(central.brokers[0]!.endpoint, `127.0.0.1:${port} (ssl)`);
  t.regex(central.brokers[0]!.evidence, /^accepts STOMP \(ActiveMQ/);
});

test.serial('status without a monitoring certificate still tells roles: a TLS handshake shows which broker listens', async (t) => {
  const noMonitoring = path.join(network.dir, 'no-monitoring.yaml');
  fs.writeFileSync(noMonitoring, fs.readFileSync(REGISTRY, 'utf8').replace(/^monitoring:\n(  .*\n)+/m, ''));
  const r = await runCli(['status', '--registry', noMonitoring, '--state', stateDir, '--format', 'json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as StatusReport;
  t.deepEqual(
    report.pairs.flatMap((p) => p.brokers.map((b) => [b.name, b.role, b.answer])),
    [
      ['central-a', 'active', 'answers-tls'],
      ['central-b', 'standby', 'closed'],
      ['north-a', 'active', 'answers-tls'],
      ['south-a', 'active', 'answers-tls'],
    ],
  );
  t.regex(report.pairs[0]!.brokers[0]!.evidence, /^its ssl port answers TLS; not logged in: stomp\+ssl only, and no monitoring certificate/);
  t.regex(r.stderr, /no monitoring user/);
  // check-network cannot probe without it: UNKNOWN, saying why.
  const net = await runCli(['check-network', '--registry', noMonitoring, '--state', stateDir, '--format', 'nagios']);
  t.is(net.code, 3);
  t.regex(net.stdout, /^NETWORK UNKNOWN - the monitoring user cannot log in: the registry defines no monitoring user/);
});

test.serial('a wrong --tls-cert makes check-network UNKNOWN naming the file', async (t) => {
  const missing = path.join(network.dir, 'no-such-cert.pem');
  const r = await runCli(['check-network', '--registry', REGISTRY, '--state', stateDir, '--format', 'nagios', '--tls-cert', missing]);
  t.is(r.code, 3);
  t.regex(r.stdout, /^NETWORK UNKNOWN - /);
  t.true(r.stdout.includes(missing), r.stdout);
  t.false(/\n\s+at /.test(r.stdout + r.stderr), 'no stack trace');
});

test.serial('kill -9 of the active central broker: status over TLS shows the standby take over, probes flow again', async (t) => {
  await assertStandbyTakesOver(t, network);
});

test.serial('a TLS network connector that cannot reach its pair is CRITICAL, naming the link; the rest stays OK', async (t) => {
  await assertBrokenConnectorNamed(t, network, 'ssl');
});
