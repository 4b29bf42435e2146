/**
 * Which network probes `gridmsg check-network` sends, decided from the
 * network model alone (pure). A probe towards consumer pair T travels in
 * queue `<prefix>.probe.<T>`, which the generated network connectors forward
 * exactly like T's consumer queues. So from every pair that lies on a route
 * to T (a publishing pair or a transit pair), a probe sent into that queue
 * follows the route's remaining hops to T, where the checker reads it. Each
 * consumer pair also gets a local probe (sent and read on the pair itself).
 */
import { buildNetwork, probeQueue, type NetworkLink, type NetworkModel, type Registry } from '../topology/index.js';

export interface ProbePath {
  /** `a>b>c`: the pairs in order (unique). */
  id: string;
  /** Pair the probe is sent at. */
  from: string;
  /** Consumer pair it is read at. */
  to: string;
  /** Pairs from `from` to `to`, both included (one pair for a local probe). */
  pairs: string[];
  /** Connector names (`bridge.<from>.<to>`) of the hops, in order; empty for a local probe. */
  links: string[];
  /** Queue (no `/queue/`) the probe is sent into and read from. */
  queue: string;
}

export interface ProbePlan {
  /** Every pair of the registry, sorted: each is connected to (is it up?). */
  pairs: string[];
  /** Pairs where a consumer lives: probes end there. */
  targets: string[];
  paths: ProbePath[];
  /** The network connectors (directions routes use), sorted. */
  links: NetworkLink[];
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const pathId = (pairs: readonly string[]): string => pairs.join('>');
export const linkName = (from: string, to: string): string => `bridge.${from}.${to}`;

export function planProbes(registry: Registry, network: NetworkModel = buildNetwork(registry)): ProbePlan {
  const pairNames = new Set(registry.pairs.map((p) => p.name));
  const targets = [...new Set(registry.consumers.map((c) => c.pair).filter((p) => pairNames.has(p)))].sort(byName);
  const paths = new Map<string, ProbePath>();
  const add = (pairs: string[]): void => {
    const id = pathId(pairs);
    if (paths.has(id)) return;
    const to = pairs[pairs.length - 1]!;
    const links: string[] = [];
    for (let i = 0; i + 1 < pairs.length; i++) links.push(linkName(pairs[i]!, pairs[i + 1]!));
    paths.set(id, { id, from: pairs[0]!, to, pairs, links, queue: probeQueue(registry.naming, to) });
  };
  for (const t of targets) add([t]);
  // Every suffix of a route is itself the route from that pair (routes to one pair form a tree).
  for (const route of network.routes) for (let i = 0; i + 1 < route.path.length; i++) add(route.path.slice(i));
  const sorted = [...paths.values()].sort((a, b) => byName(a.to, b.to) || a.pairs.length - b.pairs.length || byName(a.id, b.id));
  return { pairs: [...pairNames].sort(byName), targets, paths: sorted, links: network.links };
}
