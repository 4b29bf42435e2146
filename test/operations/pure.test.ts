import test from 'ava';
import path from 'node:path';
import { planNetwork } from '../../broker-config/index.js';
import {
  brokerRole,
  evaluateNetwork,
  metric,
  pairRows,
  parsePrometheus,
  planProbes,
  renderNagios,
  type BrokerObservation,
  type ProbeObservations,
  type ProbePlan,
} from '../../operations/index.js';
import { loadRegistry } from '../../topology/index.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const example = loadRegistry(path.join(ROOT, 'examples', 'registry.yaml'));
const fixture = loadRegistry(path.join(import.meta.dirname, 'fixtures', 'network.yaml'));
const RTT = { warningMs: 1000, criticalMs: 5000 };

test('probe plan of the example: a local probe per consumer pair and a path from every pair on a route; each link is crossed', (t) => {
  const plan = planProbes(example);
  t.deepEqual(plan.targets, ['central', 'eu-north']);
  t.deepEqual(
    plan.paths.map((p) => p.id),
    ['central', 'eu-north>central', 'eu-south>central', 'eu-north', 'central>eu-north', 'eu-south>central>eu-north'],
  );
  for (const l of plan.links) t.true(plan.paths.some((p) => p.links[0] === l.name), `no path starts with ${l.name}`);
  // Each hop of a path is a connector that forwards that path's probe queue (the generated XML's static includes).
  const connectors = new Map(planNetwork(example).brokers.flatMap((b) => b.connectors.map((c) => [c.name, c.staticQueues] as const)));
  for (const p of plan.paths) {
    t.is(p.queue, `grid.probe.probe.${p.to}`);
    for (const link of p.links) t.true(connectors.get(link)?.includes(p.queue), `${link} does not forward ${p.queue}`);
  }
});

/** Observations where every probe arrived except on the given paths; `down` pairs have no active broker. */
function observe(plan: ProbePlan, failing: string[], down: string[] = [], lossy: string[] = []): ProbeObservations {
  return {
    run: 'r',
    startedAt: 0,
    durationMs: 10,
    count: 4,
    pairs: plan.pairs.map((p) => (down.includes(p) ? { pair: p, attempts: [{ broker: `${p}-a`, error: 'refused', kind: 'refused' as const }] } : { pair: p, active: `${p}-a`, attempts: [{ broker: `${p}-a` }] })),
    paths: plan.paths.map((p) => {
      const dead = failing.includes(p.id) || p.pairs.some((x) => down.includes(x));
      const received = dead ? 0 : lossy.includes(p.id) ? 2 : 4;
      return { id: p.id, sent: 4, accepted: 4, received, rtts: Array.from({ length: received }, (_, i) => 10 + i * p.pairs.length) };
    }),
  };
}

test('verdict: a connector that forwards nothing while the way on works is "broken" and named first', (t) => {
  const plan = planProbes(fixture);
  const v = evaluateNetwork(plan, observe(plan, ['south>central', 'south>central>north']), RTT);
  t.is(v.code, 2);
  t.deepEqual(
    v.links.map((l) => [l.name, l.state]),
    [
      ['bridge.central.north', 'ok'],
      ['bridge.north.central', 'ok'],
      ['bridge.south.central', 'broken'],
    ],
  );
  t.true(v.summary.startsWith('link bridge.south.central broken;'));
});

test('verdict: behind a broken link the links further on stay verified by other paths; a failing last hop makes the earlier one "unverified"', (t) => {
  const plan = planProbes(fixture);
  // central -> north forwards nothing: every path into north except the local one fails.
  const v = evaluateNetwork(plan, observe(plan, ['central>north', 'south>central>north']), RTT);
  const links = new Map(v.links.map((l) => [l.name, l.state]));
  t.is(links.get('bridge.central.north'), 'broken');
  t.is(links.get('bridge.south.central'), 'ok', 'south>central still delivers');
  // If central's own delivery also fails, nothing can be said about south -> central.
  const w = evaluateNetwork(plan, observe(plan, ['central', 'north>central', 'south>central', 'central>north', 'south>central>north']), RTT);
  t.is(new Map(w.links.map((l) => [l.name, l.state])).get('bridge.south.central'), 'unverified');
  t.true(w.summary.includes('pair central does not deliver its own probes'));
});

test('verdict: a pair down is the cause; lost probes are WARNING; slow links follow the RTT thresholds', (t) => {
  const plan = planProbes(fixture);
  const down = evaluateNetwork(plan, observe(plan, [], ['central']), RTT);
  t.is(down.code, 2);
  t.true(down.summary.startsWith('pair central down;'));
  t.is(down.links.find((l) => l.name === 'bridge.central.north')!.state, 'source-down');
  t.is(down.links.find((l) => l.name === 'bridge.north.central')!.state, 'target-down');

  const lossy = evaluateNetwork(plan, observe(plan, [], [], ['south>central', 'south>central>north']), RTT);
  t.is(lossy.code, 1);
  t.is(lossy.links.find((l) => l.name === 'bridge.south.central')!.state, 'degraded');
  t.regex(renderNagios(lossy, RTT), /^NETWORK WARNING - link bridge\.south\.central loses probes; .*'bridge\.south\.central_loss'=50%;;;0;100/);

  const slow = evaluateNetwork(plan, observe(plan, []), { warningMs: 5, criticalMs: 11 });
  t.is(slow.code, 2);
  t.true(slow.summary.includes('slow'));
});

const obs = (name: string, pair: string, pairIndex: number, answer: BrokerObservation['answer'], extra: Partial<BrokerObservation> = {}): BrokerObservation => ({
  name,
  pair,
  pairIndex,
  endpoint: 'h:1',
  answer,
  answerDetail: answer,
  ...extra,
});

test('broker roles: active answers STOMP; a closed partner is standby, starting or down depending on what is known', (t) => {
  const a = obs('a', 'p', 0, 'accepts');
  t.is(brokerRole(a, undefined).role, 'active');
  t.is(brokerRole(obs('a', 'p', 0, 'refuses-login'), undefined).role, 'active');
  t.is(brokerRole(obs('b', 'p', 1, 'closed', { process: 'alive', pid: 7 }), a).role, 'standby');
  t.is(brokerRole(obs('b', 'p', 1, 'closed'), a).role, 'standby');
  t.is(brokerRole(obs('b', 'p', 1, 'closed', { process: 'dead', pid: 7 }), a).role, 'down');
  t.is(brokerRole(obs('b', 'p', 1, 'closed', { process: 'alive', pid: 7 }), obs('a', 'p', 0, 'closed')).role, 'starting');
  t.is(brokerRole(obs('b', 'p', 1, 'no-answer'), obs('a', 'p', 0, 'closed')).role, 'down');
  const rows = pairRows([obs('x1', 'x', 0, 'accepts'), obs('x2', 'x', 1, 'accepts'), obs('y1', 'y', 0, 'closed')]);
  t.deepEqual(
    rows.map((r) => [r.pair, r.state, r.active]),
    [
      ['x', 'split', ['x1', 'x2']],
      ['y', 'down', []],
    ],
  );
});

test('Prometheus text: samples with labels, comments skipped; metrics found by name or suffix', (t) => {
  const text = [
    '# HELP gridmsg_bridge_spool_records Results spooled',
    '# TYPE gridmsg_bridge_spool_records gauge',
    'gridmsg_bridge_spool_records 42',
    'central_spool_records{queue="a"} 1',
    'central_spool_records{queue="b",x="q\\"uote"} 2',
    'other_last_receipt_timestamp_seconds 1700000000.5',
    'weird_value NaN',
    '',
  ].join('\n');
  const s = parsePrometheus(text);
  t.is(s.length, 4);
  t.deepEqual(s[2]!.labels, { queue: 'b', x: 'q"uote' });
  t.is(metric(s, 'gridmsg_bridge_spool_records', '_spool_records'), 42);
  t.is(metric(s, 'nope', '_spool_records'), 42);
  t.is(metric(s.slice(1), 'nope', '_spool_records'), 3);
  t.is(metric(s, 'nope', '_last_receipt_timestamp_seconds'), 1700000000.5);
  t.is(metric(s, 'nope'), undefined);
});
