import test from 'ava';
import path from 'node:path';
import { runCli } from '../broker-config/helpers.js';
import { kill9, until, useDevNetwork } from './helpers/dev-network.js';
import { assertBrokenConnectorNamed, assertEveryRouteOk, assertFirstBrokersActive, assertStandbyTakesOver } from './helpers/network-scenarios.js';

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
  assertFirstBrokersActive(t, report.pairs);
});

test.serial('check-network: every link and path carries probes; Nagios output has rtt and loss per link', async (t) => {
  // Network bridges connect asynchronously after the brokers start: wait until the network is whole.
  const { code, verdict } = await until(checkNetwork, (r) => r.code === 0);
  t.is(code, 0);
  assertEveryRouteOk(t, verdict);
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
  await assertStandbyTakesOver(t, network);
});

test.serial('a network connector that cannot reach its pair is CRITICAL, naming the link; the rest stays OK', async (t) => {
  const verdict = await assertBrokenConnectorNamed(t, network, 'tcp');
  t.true(verdict.pairs.every((p) => p.up));
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
