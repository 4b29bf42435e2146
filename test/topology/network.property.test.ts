import test from 'ava';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { generateBrokerNetwork, planNetwork, type NetworkPlan } from '../../broker-config/index.js';
import {
  checkRegistryText,
  consumerQueue,
  describeProblem,
  publishPairs,
  siteTopic,
  type Registry,
} from '../../topology/index.js';

/**
 * Random valid registries (1-6 pairs of one or two brokers, any topology,
 * sites with fallbacks, consumers selecting by site/tenant/NGI) must give
 * networks in which a message of every site, published at its own pair or
 * any fallback, reaches every consumer that reads it: exactly one connector
 * forwards it at each hop, it never revisits a pair, never exceeds the
 * network TTL and never leaves its consumer's pair.
 */

const TENANTS = ['EGI', 'WLCG', 'EOSC'];
const NGIS = ['NGI_UK', 'NGI_HR', 'NGI_IT'];
const SITE_NAMES = ['CERN-PROD', 'egee.srce.hr', 'UKI-LT2-QMUL', 'FZK-LCG2', 'IN2P3-CC', 'pic', 'praguelcg2', 'NDGF-T1', 'INFN-T1', 'RAL-LCG2', 'SARA-MATRIX', 'GR-01-AUTH'];

const registryArb = fc
  .record({
    pairSizes: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 6 }),
    topology: fc.constantFrom('full-mesh', 'hub-and-spoke', 'explicit'),
    hubSeed: fc.nat(),
    treeSeeds: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    extraLinks: fc.array(fc.record({ a: fc.nat(), b: fc.nat(), forward: fc.boolean() }), { maxLength: 6 }),
    sites: fc.array(
      fc.record({
        pair: fc.nat(),
        fallback: fc.array(fc.nat(), { maxLength: 3 }),
        tenant: fc.constantFrom(...TENANTS),
        role: fc.constantFrom('site', 'ngi'),
        ngi: fc.constantFrom(...NGIS),
      }),
      { minLength: 1, maxLength: SITE_NAMES.length },
    ),
    consumers: fc.array(
      fc.record({
        pair: fc.nat(),
        reads: fc.oneof(
          fc.constant('all' as const),
          fc.record({ tenants: fc.subarray(TENANTS, { minLength: 1 }) }),
          fc.record({ ngis: fc.subarray(NGIS, { minLength: 1 }) }),
          fc.record({ sites: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }) }),
        ),
      }),
      { maxLength: 3 },
    ),
    centralPair: fc.nat(),
  })
  .map((r) => {
    const n = r.pairSizes.length;
    const pairName = (i: number): string => `p${i % n}`;
    const brokers: unknown[] = [];
    const pairs = r.pairSizes.map((size, i) => {
      const names = Array.from({ length: size }, (_, j) => `b${i}${String.fromCharCode(97 + j)}`);
      for (const b of names) brokers.push({ name: b, host: `${b}.mq.example.org`, ports: { stomp: 61613, openwire: 61616 } });
      return { name: `p${i}`, brokers: names };
    });
    const network: Record<string, unknown> = { topology: r.topology, credentials: { passwordEnv: 'NET_PW' } };
    if (r.topology === 'hub-and-spoke') network['hub'] = pairName(r.hubSeed);
    if (r.topology === 'explicit') {
      // A random spanning tree of two-way links keeps every pair reachable; extra links may be one-way.
      const links: Array<{ from: string; to: string; direction?: string }> = [];
      const linked = new Set<string>();
      for (let i = 1; i < n; i++) {
        const j = r.treeSeeds[i - 1]! % i;
        links.push({ from: `p${i}`, to: `p${j}` });
        linked.add([i, j].sort().join('-'));
      }
      for (const e of r.extraLinks) {
        const a = e.a % n;
        const b = e.b % n;
        const key = [a, b].sort().join('-');
        if (a === b || linked.has(key)) continue;
        linked.add(key);
        links.push({ from: `p${a}`, to: `p${b}`, ...(e.forward ? { direction: 'forward' } : {}) });
      }
      network['links'] = links;
    }
    const siteNames = SITE_NAMES.slice(0, r.sites.length);
    const sites = r.sites.map((s, i) => {
      const own = s.pair % n;
      const fallback = [...new Set(s.fallback.map((f) => f % n))].filter((f) => f !== own).map((f) => `p${f}`);
      return {
        name: siteNames[i],
        tenant: s.tenant,
        role: s.role,
        ngi: s.ngi,
        pair: `p${own}`,
        ...(fallback.length > 0 ? { fallback } : {}),
        credentials: { passwordFile: `secrets/${i}.pw` },
      };
    });
    // One consumer reads everything (a valid registry leaves no site unread); the others select.
    const consumers = [
      { name: 'central', pair: pairName(r.centralPair), reads: 'all', credentials: { passwordEnv: 'C0' } },
      ...r.consumers
        .map((c, i) => ({
          name: `ngi-${i}`,
          pair: pairName(c.pair),
          reads: c.reads === 'all' ? ('all' as const) : 'sites' in c.reads ? { sites: [...new Set(c.reads.sites.map((x) => siteNames[x % siteNames.length]!))] } : c.reads,
          credentials: { passwordEnv: `C${i + 1}` },
        }))
        // A consumer selecting no site is an error the checker reports: keep selective ones that select something.
        .filter((c) => {
          const sel: 'all' | { tenants?: string[]; ngis?: string[]; sites?: string[] } = c.reads;
          if (sel === 'all' || sel.sites) return true;
          return sites.some((s) => sel.tenants?.includes(s.tenant) || sel.ngis?.includes(s.ngi));
        }),
    ];
    return stringify({ version: 1, network, brokers, pairs, sites, consumers });
  });

/** ActiveMQ destination wildcard match ('*' one segment, '>' the rest). */
function matches(pattern: string, name: string): boolean {
  const p = pattern.split('.');
  const n = name.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return n.length > i;
    if (i >= n.length || (p[i] !== '*' && p[i] !== n[i])) return false;
  }
  return p.length === n.length;
}

/** Follows a message of `site` for `consumer` from `start` through the generated connectors; returns the pairs visited or throws. */
function deliver(registry: Registry, plan: NetworkPlan, site: string, consumer: string, start: string): string[] {
  const s = registry.sites.find((x) => x.name === site)!;
  const c = registry.consumers.find((x) => x.name === consumer)!;
  const queue = consumerQueue(consumer, siteTopic(registry.naming, s));
  const brokersOf = (pair: string) => plan.brokers.filter((b) => b.pair.name === pair);
  for (const b of brokersOf(start)) {
    if (!b.queues.includes(queue)) throw new Error(`${queue} is not pre-created on ${b.broker.name}: the virtual topic would drop the copy`);
    if (!b.topics.includes(siteTopic(registry.naming, s))) throw new Error(`topic of ${site} is not created on ${b.broker.name}`);
  }
  const visited = [start];
  let at = start;
  for (;;) {
    const members = brokersOf(at);
    const forwarding = members[0]!.connectors.filter((k) => k.staticQueues.some((q) => matches(q, queue)));
    for (const m of members) {
      if (JSON.stringify(m.connectors) !== JSON.stringify(members[0]!.connectors)) throw new Error(`brokers of ${at} differ in their connectors`);
    }
    if (at === c.pair) {
      if (forwarding.length > 0) throw new Error(`${queue} would leave its consumer's pair ${at} via ${forwarding[0]!.name}`);
      for (const m of members) if (!m.queues.includes(queue)) throw new Error(`${queue} not pre-created at home ${m.broker.name}`);
      return visited;
    }
    if (forwarding.length !== 1) throw new Error(`${forwarding.length} connectors forward ${queue} from ${at}`);
    const k = forwarding[0]!;
    const hopsSoFar = visited.length - 1;
    if (hopsSoFar >= k.messageTtl) throw new Error(`TTL ${k.messageTtl} stops ${queue} at ${at}`);
    if (visited.includes(k.toPair)) throw new Error(`loop: ${[...visited, k.toPair].join(' > ')}`);
    visited.push(k.toPair);
    at = k.toPair;
  }
}

test('random valid registries give loop-free networks where every site reaches every consumer of it', (t) => {
  let checked = 0;
  fc.assert(
    fc.property(registryArb, (text) => {
      const result = checkRegistryText(text, 'random.yaml');
      if (!result.registry) throw new Error(`generated registry is invalid:\n${result.problems.map(describeProblem).join('\n')}\n${text}`);
      const registry = result.registry;
      const plan = planNetwork(registry);
      const pairNames = new Set(registry.pairs.map((p) => p.name));
      for (const s of registry.sites) {
        const readers = plan.network.readers.get(s.name) ?? [];
        if (readers.length === 0) throw new Error(`${s.name} has no reader`);
        for (const { pair } of publishPairs(s, pairNames)) {
          for (const c of readers) {
            deliver(registry, plan, s.name, c, pair);
            checked++;
          }
        }
      }
      // Connector names are unique network-wide (both brokers of a pair declare the same ones).
      const names = registry.pairs.flatMap((p) => (plan.brokers.find((b) => b.pair.name === p.name)?.connectors ?? []).map((k) => k.name));
      for (const b of plan.brokers) {
        const own = b.connectors.map((k) => k.name);
        if (new Set(own).size !== own.length) throw new Error(`duplicate connector names on ${b.broker.name}`);
        for (const k of b.connectors) {
          if (k.toPair === b.pair.name) throw new Error('connector to its own pair');
          const to = registry.pairs.find((p) => p.name === k.toPair)!;
          if (JSON.stringify(k.remotes.map((r) => r.name)) !== JSON.stringify(to.brokers)) throw new Error('connector misses a broker of the remote pair');
        }
      }
      // Every direction is declared once, on the sending side.
      const directions = plan.network.links.map((l) => `${l.from}>${l.to}`);
      if (new Set(directions).size !== directions.length) throw new Error('a direction is declared twice');
      if (new Set(names).size !== names.length) throw new Error('connector names collide');
    }),
    { numRuns: 150, includeErrorInReport: true },
  );
  t.true(checked > 150, `only ${checked} deliveries checked`);
});

test('generation is deterministic for random registries', (t) => {
  t.notThrows(() =>
   fc.assert(
    fc.property(registryArb, (text) => {
      const a = checkRegistryText(text, 'a.yaml').registry!;
      const b = checkRegistryText(text, 'a.yaml').registry!;
      const fa = generateBrokerNetwork(a).files;
      const fb = generateBrokerNetwork(b).files;
      if (JSON.stringify(fa) !== JSON.stringify(fb)) throw new Error('two generations differ');
    }),
    { numRuns: 30, includeErrorInReport: true },
  ));
});

test('the checker never throws, whatever the YAML holds', (t) => {
  t.notThrows(() =>
   fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const result = checkRegistryText(stringify(value), 'fuzz.yaml');
      if (result.ok) throw new Error('random data accepted as a registry');
      if (result.problems.length === 0) throw new Error('rejected without a problem');
    }),
    { numRuns: 300, includeErrorInReport: true },
  ));
  t.notThrows(() =>
   fc.assert(
    fc.property(registryArb, fc.nat(), fc.string(), (text, cut, junk) => {
      const at = cut % text.length;
      checkRegistryText(text.slice(0, at) + junk + text.slice(at), 'mutated.yaml');
    }),
    { numRuns: 200, includeErrorInReport: true },
  ));
});
