import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { spawnBroker, stompPing } from '../../broker-config/index.js';
import { freePort } from '../../core/ports.js';
import { pidAlive } from '../../core/process.js';
import { runCli } from '../broker-config/helpers.js';
import { kill9, until, useDevNetwork } from './helpers/dev-network.js';

/**
 * check-network and status against a real dev network (dev up logic) of the
 * fixture: central (failover pair, hub), north and south (one broker each).
 * The tests run in order on one network: healthy, the active central broker
 * killed -9 (the standby takes over), south's connector broken, then the
 * whole hub pair killed.
 */

const REGISTRY = path.join(import.meta.dirname, 'fixtures', 'network.yaml');
const network = useDevNetwork(REGISTRY, 'gridmsg-ops-net-');
const { stateDir, pidOf, checkNetwork, status } = network;

test.serial('status: every pair up, the first central broker active, its partner standby', async (t) => {
  const { code, report } = await status();
  t.is(code, 0);
  const central = report.pairs.find((p) => p.pair === 'central')!;
  t.is(central.state, 'up');
  t.deepEqual(
    central.brokers.map((b) => [b.name, b.role, b.process]),
    [
      ['central-a', 'active', 'alive'],
      ['central-b', 'standby', 'alive'],
    ],
  );
  t.true(central.brokers[1]!.logSaysStandby);
  t.deepEqual(
    report.pairs.map((p) => [p.pair, p.state, p.active]),
    [
      ['central', 'up', ['central-a']],
      ['north', 'up', ['north-a']],
      ['south', 'up', ['south-a']],
    ],
  );
});

test.serial('check-network: every link and path carries probes; Nagios output has rtt and loss per link', async (t) => {
  // Network bridges connect asynchronously after the brokers start: wait until the network is whole.
  const { code, verdict } = await until(checkNetwork, (r) => r.code === 0);
  t.is(code, 0);
  t.deepEqual(
    verdict.links.map((l) => [l.name, l.state, l.lossPct]),
    [
      ['bridge.central.north', 'ok', 0],
      ['bridge.north.central', 'ok', 0],
      ['bridge.south.central', 'ok', 0],
    ],
  );
  t.deepEqual(
    verdict.paths.map((p) => [p.id, p.state, p.received]),
    [
      ['central', 'ok', 3],
      ['north>central', 'ok', 3],
      ['south>central', 'ok', 3],
      ['north', 'ok', 3],
      ['central>north', 'ok', 3],
      ['south>central>north', 'ok', 3],
    ],
  );
  const nagios = await runCli(['check-network', '--registry', REGISTRY, '--state', stateDir, '--format', 'nagios', '--count', '2']);
  t.is(nagios.code, 0, nagios.stdout + nagios.stderr);
  const [first = '', ...rest] = nagios.stdout.trimEnd().split('\n');
  t.regex(first, /^NETWORK OK - 3\/3 links, 6\/6 paths OK \| /);
  for (const link of ['bridge.central.north', 'bridge.north.central', 'bridge.south.central']) {
    t.regex(first, new RegExp(`'${link.replaceAll('.', '\\.')}_rtt'=\\d+ms;1000;5000;0 '${link.replaceAll('.', '\\.')}_loss'=0%;;;0;100`));
  }
  t.is(rest.length, 3 + 3 + 6, 'one long-output line per pair, link and path');
});

test.serial('kill -9 of the active central broker: status shows the standby take over, probes flow again', async (t) => {
  await kill9(pidOf('central-a'));
  const { code, report } = await until(status, (r) => r.report.pairs.find((p) => p.pair === 'central')?.active[0] === 'central-b');
  t.is(code, 0);
  const central = report.pairs.find((p) => p.pair === 'central')!;
  t.deepEqual(
    central.brokers.map((b) => [b.name, b.role]),
    [
      ['central-a', 'down'],
      ['central-b', 'active'],
    ],
  );
  const net = await until(checkNetwork, (r) => r.code === 0);
  t.is(net.code, 0, net.verdict.summary);
  t.true(net.verdict.pairs.find((p) => p.pair === 'central')!.detail.startsWith('central-b active'));
});

test.serial('a network connector that cannot reach its pair is CRITICAL, naming the link; the rest stays OK', async (t) => {
  // Restart south-a with its connector to central pointing at a port nothing listens on.
  const dir = path.join(stateDir, 'brokers', 'south-a');
  await new Promise<void>((resolve) => {
    process.kill(pidOf('south-a'), 'SIGTERM');
    void until(async () => pidAlive(pidOf('south-a')), (alive) => !alive).then(() => resolve());
  });
  const xmlFile = path.join(dir, 'conf', 'activemq.xml');
  const xml = fs.readFileSync(xmlFile, 'utf8');
  const dead = await freePort();
  const broken = xml.replace(/masterslave:\(tcp:\/\/127\.0\.0\.1:\d+,tcp:\/\/127\.0\.0\.1:\d+\)/, `masterslave:(tcp://127.0.0.1:${dead},tcp://127.0.0.1:${dead})`);
  t.not(broken, xml, 'the connector URI was not found in the XML');
  fs.writeFileSync(xmlFile, broken);
  const descriptor = JSON.parse(fs.readFileSync(path.join(dir, 'broker.json'), 'utf8')) as { heapMb: number; ports: { stomp: number } };
  network.restarted = spawnBroker({ dir, heapMb: descriptor.heapMb, detached: true, logFile: path.join(dir, 'broker.log') });
  const password = fs.readFileSync(path.join(stateDir, 'secrets', 'ops-monitor.password'), 'utf8').trim();
  const up = await until(() => stompPing('127.0.0.1', descriptor.ports.stomp, { login: 'ops-monitor', passcode: password }), (p) => p.ok);
  t.true(up.ok, 'south-a did not come back');

  const { code, verdict } = await checkNetwork();
  t.is(code, 2);
  t.deepEqual(
    verdict.links.map((l) => [l.name, l.state]),
    [
      ['bridge.central.north', 'ok'],
      ['bridge.north.central', 'ok'],
      ['bridge.south.central', 'broken'],
    ],
  );
  t.true(verdict.summary.startsWith('link bridge.south.central broken'), verdict.summary);
  t.deepEqual(
    verdict.paths.filter((p) => p.state !== 'ok').map((p) => p.id),
    ['south>central', 'south>central>north'],
  );
  t.true(verdict.pairs.every((p) => p.up));

  const nagios = await runCli(['check-network', '--registry', REGISTRY, '--state', stateDir, '--format', 'nagios', '--timeout', '3']);
  t.is(nagios.code, 2);
  t.regex(nagios.stdout, /^NETWORK CRITICAL - link bridge\.south\.central broken; 2\/3 links, 4\/6 paths OK \| .*'bridge\.south\.central_rtt'=U;1000;5000;0 'bridge\.south\.central_loss'=100%/);
  t.regex(nagios.stdout, /\[CRITICAL\] link bridge\.south\.central: broken: probes sent at south never reached central/);
});

test.serial('both brokers of the hub pair killed: CRITICAL naming the pair and the links it breaks; status exits 1', async (t) => {
  await kill9(pidOf('central-b'));
  const { code, verdict } = await checkNetwork();
  t.is(code, 2);
  t.true(verdict.summary.startsWith('pair central down'), verdict.summary);
  const links = new Map(verdict.links.map((l) => [l.name, l.state]));
  t.is(links.get('bridge.central.north'), 'source-down');
  t.is(links.get('bridge.north.central'), 'target-down');
  t.is(links.get('bridge.south.central'), 'target-down');
  t.deepEqual(
    verdict.paths.filter((p) => p.state === 'ok').map((p) => p.id),
    ['north'],
  );

  const s = await status();
  t.is(s.code, 1);
  const central = s.report.pairs.find((p) => p.pair === 'central')!;
  t.is(central.state, 'down');
  t.deepEqual(
    central.brokers.map((b) => b.role),
    ['down', 'down'],
  );
});
