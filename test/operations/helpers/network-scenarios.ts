/**
 * The scenarios both operations fixtures (network.yaml, plain STOMP;
 * network-tls.yaml, TLS only) go through, on the same shape of network:
 * a central failover pair (hub) and the regions north and south, one broker
 * each. Each function acts on the dev network and asserts what the
 * operator must see; the test files add what differs (passwords vs
 * certificates, the TLS handshake evidence).
 */
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { instanceRuntime, readDescriptor, spawnBroker } from '../../../broker-config/index.js';
import { freePort, portOpen } from '../../../core/ports.js';
import { pidAlive } from '../../../core/process.js';
import type { NetworkVerdict } from '../../../operations/index.js';
import { runCli } from '../../broker-config/helpers.js';
import { kill9, until, type DevNetwork } from './dev-network.js';

/** The fixture's three links and six paths, every one carrying its probes. */
export function assertEveryRouteOk(t: ExecutionContext, verdict: NetworkVerdict): void {
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
}

/** The first broker of each pair active. */
export function assertFirstBrokersActive(t: ExecutionContext, pairs: readonly { pair: string; state: string; active: string[] }[]): void {
  t.deepEqual(
    pairs.map((p) => [p.pair, p.state, p.active]),
    [
      ['central', 'up', ['central-a']],
      ['north', 'up', ['north-a']],
      ['south', 'up', ['south-a']],
    ],
  );
}

/** kill -9 of central-a: status shows central-b take over, and every probe flows again. */
export async function assertStandbyTakesOver(t: ExecutionContext, network: DevNetwork): Promise<void> {
  await kill9(network.pidOf('central-a'));
  const { code, report } = await until(network.status, (r) => r.report.pairs.find((p) => p.pair === 'central')?.active[0] === 'central-b');
  t.is(code, 0);
  t.deepEqual(
    report.pairs.find((p) => p.pair === 'central')!.brokers.map((b) => [b.name, b.role]),
    [
      ['central-a', 'down'],
      ['central-b', 'active'],
    ],
  );
  const net = await until(network.checkNetwork, (r) => r.code === 0);
  t.is(net.code, 0, net.verdict.summary);
  t.true(net.verdict.pairs.find((p) => p.pair === 'central')!.detail.startsWith('central-b active'));
}

/**
 * Restarts south-a with its connector to the central pair pointing at a port
 * nothing listens on (`scheme`: the connector's transport, tcp or ssl), waits
 * until every pair answers again, and checks that exactly that link is
 * reported broken, in JSON and as a Nagios plugin. Returns the JSON verdict.
 */
export async function assertBrokenConnectorNamed(t: ExecutionContext, network: DevNetwork, scheme: 'tcp' | 'ssl'): Promise<NetworkVerdict> {
  const dir = path.join(network.stateDir, 'brokers', 'south-a');
  const pid = network.pidOf('south-a');
  process.kill(pid, 'SIGTERM');
  await until(async () => pidAlive(pid), (alive) => !alive);
  const xmlFile = path.join(dir, 'conf', 'activemq.xml');
  const xml = fs.readFileSync(xmlFile, 'utf8');
  const dead = await freePort();
  const uri = new RegExp(`masterslave:\\(${scheme}://127\\.0\\.0\\.1:\\d+,${scheme}://127\\.0\\.0\\.1:\\d+\\)`);
  const broken = xml.replace(uri, `masterslave:(${scheme}://127.0.0.1:${dead},${scheme}://127.0.0.1:${dead})`);
  t.not(broken, xml, 'the connector URI was not found in the XML');
  fs.writeFileSync(xmlFile, broken);
  const descriptor = readDescriptor(dir);
  const runtime = instanceRuntime(dir, descriptor);
  network.restarted = spawnBroker({ dir, heapMb: descriptor.heapMb, detached: true, logFile: path.join(dir, 'broker.log'), systemProperties: runtime.systemProperties });
  const up = await until(() => portOpen('127.0.0.1', runtime.stompPort), (open) => open);
  t.true(up, 'south-a did not come back');

  // Until south-a accepts logins the pair is down; then only its connector fails.
  const { code, verdict } = await until(network.checkNetwork, (r) => r.verdict.pairs.every((p) => p.up));
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

  const nagios = await runCli(['check-network', '--registry', network.registry, '--state', network.stateDir, '--format', 'nagios', '--timeout', '3']);
  t.is(nagios.code, 2);
  t.regex(nagios.stdout, /^NETWORK CRITICAL - link bridge\.south\.central broken; 2\/3 links, 4\/6 paths OK \| .*'bridge\.south\.central_rtt'=U;1000;5000;0 'bridge\.south\.central_loss'=100%/);
  t.regex(nagios.stdout, /\[CRITICAL\] link bridge\.south\.central: broken: probes sent at south never reached central/);
  return verdict;
}
