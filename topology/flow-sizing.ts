/**
 * Prefetch sizing (pure): how many messages each network bridge and each
 * consumer may hold dispatched but unacknowledged, so that the messages in
 * flight fit the brokers' memory limits.
 *
 * ActiveMQ keeps every dispatched, unacknowledged message in the broker's
 * memory until its ack. A subscription with prefetch P on a queue of
 * messages of S bytes can pin P x S of memory; a broker whose queue
 * subscriptions (network-bridge consumers and local consumers) can pin more
 * than its memory limit stops paging messages in from the store (the store
 * cursor blocks: delivery stalls), and a network bridge with a large
 * prefetch of large messages runs the JVM out of heap before flow control
 * starts (found by bench/grid.ts at 12,500 results/s: prefetch 1,000 of
 * ~40 KB messages on 256 MB brokers; prefetch 100 on 125 consumer queues).
 *
 * The rule: all subscriptions of a broker together may pin at most
 * PREFETCH_MEMORY_SHARE of its memory limit, shared equally; one
 * subscription at most DESTINATION_PREFETCH_SHARE of a destination's
 * memory limit; never more than the previous fixed values (1,000 for a
 * bridge, 100 for a consumer), never less than 1.
 */
import { consumerQueue, siteTopic } from './naming.js';
import type { NetworkModel } from './network.js';
import type { Broker, Registry } from './types.js';

/** Share of a broker's memory limit that prefetched messages of all its subscriptions together may pin. */
export const PREFETCH_MEMORY_SHARE = 0.5;
/**
 * Share of a broker's memory limit that messages arriving from other pairs'
 * network bridges may take at once: a bridge keeps up to its prefetch of each
 * queue in flight towards the remote broker, and 4 regional bridges with a
 * prefetch sized only by their own memory ran a 256 MB central broker out of
 * heap (bench/grid.ts at 10,000 results/s).
 */
export const INBOUND_MEMORY_SHARE = 0.25;
/** Share of one destination's memory limit that one subscription's prefetch may pin. */
export const DESTINATION_PREFETCH_SHARE = 0.5;
/** Upper bounds: the fixed values used before sizing (small messages keep them). */
export const MAX_NETWORK_PREFETCH = 1000;
export const MAX_CONSUMER_PREFETCH = 100;

export interface PrefetchInput {
  /** systemUsage memoryUsage of the broker. */
  memoryBytes: number;
  /** policyEntry memoryLimit of each queue. */
  destinationMemoryBytes: number;
  /** Expected size of one message. */
  messageBytes: number;
  /** Queue subscriptions on the broker that hold prefetched messages (bridges and consumers together). */
  subscriptions: number;
  /** Upper bound (MAX_NETWORK_PREFETCH or MAX_CONSUMER_PREFETCH). */
  max: number;
}

export interface PrefetchSize {
  prefetch: number;
  /** False when not even one message per subscription fits: the prefetch is 1 and delivery may stall. */
  fits: boolean;
  /** What the broker's memory limit would have to be for one message per subscription (bytes). */
  memoryNeededBytes: number;
  /** Which bound decided: the broker's memory share, the destination's, or the maximum. */
  limitedBy: 'memory' | 'destination' | 'max';
}

/** The prefetch of one subscription on a broker. Pure. */
export function sizePrefetch(i: PrefetchInput): PrefetchSize {
  const subs = Math.max(1, i.subscriptions);
  const size = Math.max(1, i.messageBytes);
  const byMemory = Math.floor((i.memoryBytes * PREFETCH_MEMORY_SHARE) / (subs * size));
  const byDestination = Math.floor((i.destinationMemoryBytes * DESTINATION_PREFETCH_SHARE) / size);
  const raw = Math.min(byMemory, byDestination, i.max);
  const limitedBy = raw === i.max ? 'max' : byMemory <= byDestination ? 'memory' : 'destination';
  return {
    prefetch: Math.max(1, raw),
    fits: raw >= 1,
    memoryNeededBytes: Math.ceil((subs * size) / PREFETCH_MEMORY_SHARE),
    limitedBy,
  };
}

export interface PairFlow {
  pair: string;
  /** Queues each network connector leaving this pair forwards (by connector name). */
  linkQueues: Map<string, number>;
  /** Their names, sorted: the connector's static includes (never a wildcard, see docs/broker-network.md). */
  linkQueueNames: Map<string, string[]>;
  /** Queues each consumer of this pair reads. */
  consumerQueues: Map<string, number>;
  /** All queue subscriptions on a broker of this pair (when active). */
  subscriptions: number;
  /** Queues other pairs' network bridges forward into this pair (one in-flight window each). */
  inboundQueues: number;
}

/** The queue subscriptions on each pair: network connectors (one per queue they forward) and consumers (one per queue they read). Pure. */
export function pairFlows(registry: Registry, network: NetworkModel): Map<string, PairFlow> {
  const flows = new Map<string, PairFlow>(
    registry.pairs.map((p) => [p.name, { pair: p.name, linkQueues: new Map(), linkQueueNames: new Map(), consumerQueues: new Map(), subscriptions: 0, inboundQueues: 0 }]),
  );
  const siteByName = new Map(registry.sites.map((s) => [s.name, s]));
  const linkByEnds = new Map(network.links.map((l) => [`${l.from}\u0000${l.to}`, l.name]));
  const queuesOnLink = new Map<string, Set<string>>();
  for (const r of network.routes) {
    const site = siteByName.get(r.site);
    if (!site) continue;
    const queue = consumerQueue(r.consumer, siteTopic(registry.naming, site));
    for (let i = 0; i + 1 < r.path.length; i++) {
      const link = linkByEnds.get(`${r.path[i]}\u0000${r.path[i + 1]}`);
      if (link === undefined) continue;
      let set = queuesOnLink.get(link);
      if (!set) queuesOnLink.set(link, (set = new Set()));
      set.add(queue);
    }
  }
  for (const l of network.links) {
    const f = flows.get(l.from);
    if (!f) continue;
    const names = [...(queuesOnLink.get(l.name) ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    f.linkQueues.set(l.name, names.length);
    f.linkQueueNames.set(l.name, names);
    const to = flows.get(l.to);
    if (to) to.inboundQueues += names.length;
  }
  for (const c of registry.consumers) {
    const f = flows.get(c.pair);
    if (!f) continue;
    let n = 0;
    for (const [site, readers] of network.readers) if (readers.includes(c.name) && siteByName.has(site)) n++;
    f.consumerQueues.set(c.name, n);
  }
  for (const f of flows.values()) {
    f.subscriptions = [...f.linkQueues.values(), ...f.consumerQueues.values()].reduce((a, b) => a + b, 0);
  }
  return flows;
}

/** The prefetch of every subscription on `broker` (bridges and consumers get the same share; only their maximum differs). */
export function brokerPrefetch(registry: Registry, broker: Broker, flow: PairFlow | undefined, max: number): PrefetchSize {
  return sizePrefetch({
    memoryBytes: broker.limits.memoryBytes,
    destinationMemoryBytes: broker.limits.destinationMemoryBytes,
    messageBytes: registry.network.messageBytes,
    subscriptions: flow?.subscriptions ?? 0,
    max,
  });
}

/** A consumer's prefetch: the smallest over the brokers of its pair (either may be the active one). */
export function consumerPrefetch(registry: Registry, flows: Map<string, PairFlow>, consumer: { pair: string }): PrefetchSize {
  const pair = registry.pairs.find((p) => p.name === consumer.pair);
  const brokers = (pair?.brokers ?? []).flatMap((n) => registry.brokers.filter((b) => b.name === n));
  const sizes = brokers.map((b) => brokerPrefetch(registry, b, flows.get(consumer.pair), MAX_CONSUMER_PREFETCH));
  if (sizes.length === 0) return sizePrefetch({ memoryBytes: 0, destinationMemoryBytes: 0, messageBytes: 1, subscriptions: 1, max: MAX_CONSUMER_PREFETCH });
  return sizes.reduce((a, b) => (b.prefetch < a.prefetch ? b : a));
}

/** How many messages per queue the bridges into `pair` may have in flight so that all of them fit INBOUND_MEMORY_SHARE of each of its brokers. */
export function inboundPrefetch(registry: Registry, flows: Map<string, PairFlow>, pair: string): PrefetchSize {
  const p = registry.pairs.find((x) => x.name === pair);
  const brokers = (p?.brokers ?? []).flatMap((n) => registry.brokers.filter((b) => b.name === n));
  const inbound = Math.max(1, flows.get(pair)?.inboundQueues ?? 0);
  const size = Math.max(1, registry.network.messageBytes);
  const memory = Math.min(...brokers.map((b) => b.limits.memoryBytes), Number.MAX_SAFE_INTEGER);
  const raw = Math.min(Math.floor((memory * INBOUND_MEMORY_SHARE) / (inbound * size)), MAX_NETWORK_PREFETCH);
  return { prefetch: Math.max(1, raw), fits: raw >= 1, memoryNeededBytes: Math.ceil((inbound * size) / INBOUND_MEMORY_SHARE), limitedBy: raw === MAX_NETWORK_PREFETCH ? 'max' : 'memory' };
}

/** A network connector's prefetch on `broker` towards pair `to`: what the sending broker can hold out, and what the receiving pair can take in. */
export function networkPrefetch(registry: Registry, broker: Broker, flows: Map<string, PairFlow>, from: string, to: string): PrefetchSize {
  const out = brokerPrefetch(registry, broker, flows.get(from), MAX_NETWORK_PREFETCH);
  const inbound = inboundPrefetch(registry, flows, to);
  return inbound.prefetch < out.prefetch ? inbound : out;
}
