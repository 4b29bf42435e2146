/**
 * The network model: which pair may send to which (from the topology), the
 * route every site's messages take to each consumer that reads it, and the
 * directed links those routes use. Pure; deterministic (names sorted).
 *
 * Routing: for every consumer home pair t, a breadth-first tree towards t over
 * the allowed links gives each pair one next hop (ties go to the smaller
 * name). A route follows next hops, so routes to one pair never cross, never
 * loop, and are shortest.
 */
import type { Consumer, Pair, Registry, Site } from './types.js';

export interface DirectedEdge {
  from: string;
  to: string;
}

/** A direction that carries traffic: one network connector, declared on `from`. */
export interface NetworkLink extends DirectedEdge {
  /** Unique connector name, `bridge.<from>.<to>` (names hold no dots, so it is unambiguous). */
  name: string;
  /** Consumers whose queues cross this link, sorted. */
  consumers: string[];
}

export type PublishKind = 'primary' | 'fallback';

export interface Route {
  site: string;
  consumer: string;
  /** Pair the site publishes to (its own pair or a fallback). */
  from: string;
  kind: PublishKind;
  /** Pairs from `from` to the consumer's pair, both included. */
  path: string[];
}

export interface Unreachable {
  site: string;
  consumer: string;
  from: string;
  kind: PublishKind;
  to: string;
}

export interface PairNode {
  name: string;
  brokers: string[];
  /** Sites publishing here first. */
  sites: string[];
  /** Sites publishing here when their own pair is down. */
  fallbackSites: string[];
  consumers: string[];
}

export interface NetworkModel {
  pairs: PairNode[];
  /** Directions the topology allows. */
  allowed: DirectedEdge[];
  /** Directions routes actually use, each realised by one connector. */
  links: NetworkLink[];
  routes: Route[];
  unreachable: Unreachable[];
  /** Consumers reading each site (by site name). */
  readers: Map<string, string[]>;
  /** Longest route in hops (at least 1): the networkTTL of messages. */
  messageTtl: number;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** True when `consumer` selects `site`. */
export function reads(consumer: Consumer, site: Site): boolean {
  const r = consumer.reads;
  if (r.all) return true;
  if (r.sites && !r.sites.includes(site.name)) return false;
  if (r.tenants && !r.tenants.includes(site.tenant)) return false;
  if (r.roles && !r.roles.includes(site.role)) return false;
  if (r.ngis && (site.ngi === undefined || !r.ngis.includes(site.ngi))) return false;
  return r.sites !== undefined || r.tenants !== undefined || r.roles !== undefined || r.ngis !== undefined;
}

/** Pairs a site publishes to, in order: own pair then fallbacks (unknown and repeated ones dropped). */
export function publishPairs(site: Site, known: ReadonlySet<string>): Array<{ pair: string; kind: PublishKind }> {
  const out: Array<{ pair: string; kind: PublishKind }> = [];
  const seen = new Set<string>();
  for (const [i, pair] of [site.pair, ...site.fallback].entries()) {
    if (!known.has(pair) || seen.has(pair)) continue;
    seen.add(pair);
    out.push({ pair, kind: i === 0 ? 'primary' : 'fallback' });
  }
  return out;
}

/** Directed edges the topology allows between known pairs. */
export function allowedEdges(registry: Pick<Registry, 'network' | 'pairs'>): DirectedEdge[] {
  const names = registry.pairs.map((p) => p.name);
  const known = new Set(names);
  const edges = new Map<string, DirectedEdge>();
  const add = (from: string, to: string): void => {
    if (from === to || !known.has(from) || !known.has(to)) return;
    edges.set(`${from}\0${to}`, { from, to });
  };
  const net = registry.network;
  if (net.topology === 'full-mesh') {
    for (const a of names) for (const b of names) add(a, b);
  } else if (net.topology === 'hub-and-spoke') {
    const hub = net.hub;
    if (hub !== undefined) {
      for (const p of names) {
        add(p, hub);
        add(hub, p);
      }
    }
  } else {
    for (const l of net.links) {
      add(l.from, l.to);
      if (l.direction === 'both') add(l.to, l.from);
    }
  }
  return [...edges.values()].sort((x, y) => byName(x.from, y.from) || byName(x.to, y.to));
}

/** Next hop towards `target` for every pair that can reach it (BFS on reversed edges). */
export function nextHops(target: string, edges: DirectedEdge[]): Map<string, string> {
  const incoming = new Map<string, string[]>();
  for (const e of edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.from]);
  const dist = new Map<string, number>([[target, 0]]);
  const queue = [target];
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i]!;
    for (const prev of incoming.get(cur) ?? []) {
      if (!dist.has(prev)) {
        dist.set(prev, dist.get(cur)! + 1);
        queue.push(prev);
      }
    }
  }
  const next = new Map<string, string>();
  const outgoing = new Map<string, string[]>();
  for (const e of edges) outgoing.set(e.from, [...(outgoing.get(e.from) ?? []), e.to]);
  for (const [pair, d] of dist) {
    if (d === 0) continue;
    const hop = (outgoing.get(pair) ?? []).filter((q) => dist.get(q) === d - 1).sort(byName)[0];
    if (hop !== undefined) next.set(pair, hop);
  }
  return next;
}

export function buildNetwork(registry: Registry): NetworkModel {
  const pairNames = new Set(registry.pairs.map((p: Pair) => p.name));
  const allowed = allowedEdges(registry);
  const consumers = [...registry.consumers].filter((c) => pairNames.has(c.pair)).sort((a, b) => byName(a.name, b.name));
  const hopsTo = new Map<string, Map<string, string>>();
  for (const c of consumers) if (!hopsTo.has(c.pair)) hopsTo.set(c.pair, nextHops(c.pair, allowed));

  const readers = new Map<string, string[]>();
  const routes: Route[] = [];
  const unreachable: Unreachable[] = [];
  const linkConsumers = new Map<string, Set<string>>();
  let messageTtl = 1;

  for (const site of registry.sites) {
    const mine = consumers.filter((c) => reads(c, site));
    readers.set(site.name, mine.map((c) => c.name));
    for (const { pair: from, kind } of publishPairs(site, pairNames)) {
      for (const c of mine) {
        const next = hopsTo.get(c.pair)!;
        const path = [from];
        let cur = from;
        while (cur !== c.pair) {
          const hop = next.get(cur);
          if (hop === undefined) break;
          path.push(hop);
          cur = hop;
        }
        if (cur !== c.pair) {
          unreachable.push({ site: site.name, consumer: c.name, from, kind, to: c.pair });
          continue;
        }
        routes.push({ site: site.name, consumer: c.name, from, kind, path });
        messageTtl = Math.max(messageTtl, path.length - 1);
        for (let i = 0; i + 1 < path.length; i++) {
          const key = `${path[i]}\0${path[i + 1]}`;
          const set = linkConsumers.get(key) ?? new Set<string>();
          set.add(c.name);
          linkConsumers.set(key, set);
        }
      }
    }
  }

  const links: NetworkLink[] = [...linkConsumers.entries()]
    .map(([key, set]) => {
      const [from, to] = key.split('\0') as [string, string];
      return { from, to, name: `bridge.${from}.${to}`, consumers: [...set].sort(byName) };
    })
    .sort((x, y) => byName(x.from, y.from) || byName(x.to, y.to));

  const pairs: PairNode[] = [...registry.pairs]
    .sort((a, b) => byName(a.name, b.name))
    .map((p) => ({
      name: p.name,
      brokers: [...p.brokers],
      sites: registry.sites.filter((s) => s.pair === p.name).map((s) => s.name),
      fallbackSites: registry.sites.filter((s) => s.fallback.includes(p.name) && s.pair !== p.name).map((s) => s.name),
      consumers: consumers.filter((c) => c.pair === p.name).map((c) => c.name),
    }));

  return { pairs, allowed, links, routes, unreachable, readers, messageTtl };
}
