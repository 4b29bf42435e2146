/**
 * `registry check` warnings when the expected message size
 * (`network.messageSize`) and the brokers' memory limits cannot fit the
 * messages the network bridges and consumers hold in flight (flow-sizing.ts).
 * Warnings, not errors: the generated prefetch is then 1 and the network
 * still works, but delivery may stall under load.
 */
import { brokerPrefetch, inboundPrefetch, INBOUND_MEMORY_SHARE, MAX_NETWORK_PREFETCH, pairFlows, PREFETCH_MEMORY_SHARE, DESTINATION_PREFETCH_SHARE } from './flow-sizing.js';
import { buildNetwork } from './network.js';
import type { Problem } from './problems.js';
import { formatSize } from './sizes.js';
import { rawAt, type SourceDoc } from './source.js';
import type { NodePath, Registry } from './types.js';

/** Skipped when earlier checks found errors (the network model may not be buildable; the errors come first). */
export function sizingProblems(registry: Registry, source: SourceDoc, prior: readonly Problem[] = []): Problem[] {
  if (prior.some((p) => p.severity === 'error')) return [];
  const has = (path: NodePath): boolean => rawAt(source.data, path) !== undefined;
  /** Where a broker's limit comes from: its own field, the defaults' field, its limits, the defaults' limits, the broker. */
  const limitPath = (srcPath: NodePath, field: string): NodePath =>
    [[...srcPath, 'limits', field], ['defaults', 'limits', field], [...srcPath, 'limits'], ['defaults', 'limits']].find(has) ?? srcPath;
  const sizePath: NodePath = has(['network', 'messageSize']) ? ['network', 'messageSize'] : ['network'];
  const size = formatSize(registry.network.messageBytes);
  const sizeSource = has(['network', 'messageSize']) ? `network.messageSize ${size}` : `the default network.messageSize ${size}`;

  const network = buildNetwork(registry);
  const flows = pairFlows(registry, network);
  const pairOf = new Map(registry.pairs.flatMap((p) => p.brokers.map((b) => [b, p.name] as const)));
  // One warning per place in the file (brokers sharing a default share it).
  const grouped = new Map<string, { path: NodePath; brokers: string[]; text: (brokers: string[]) => string }>();
  const add = (path: NodePath, kind: string, broker: string, text: (brokers: string[]) => string): void => {
    const key = `${kind}\u0000${JSON.stringify(path)}`;
    const g = grouped.get(key);
    if (g) g.brokers.push(broker);
    else grouped.set(key, { path, brokers: [broker], text });
  };
  const names = (bs: string[]): string => (bs.length === 1 ? `broker "${bs[0]}"` : `brokers ${bs.map((b) => `"${b}"`).join(', ')}`);

  for (const b of registry.brokers) {
    const flow = flows.get(pairOf.get(b.name) ?? '');
    if (!flow || (flow.subscriptions === 0 && flow.inboundQueues === 0)) continue;
    const l = b.limits;
    if (registry.network.messageBytes > l.maxFrameSizeBytes) {
      add(sizePath, 'frame', b.name, (bs) => `${sizeSource} exceeds maxFrameSize ${formatSize(l.maxFrameSizeBytes)} of ${names(bs)}: such messages are refused (raise limits.maxFrameSize or lower the site bridges' batch.maxBytes)`);
    }
    if (flow.inboundQueues > 0 && !inboundPrefetch(registry, flows, flow.pair).fits) {
      const need = Math.ceil((flow.inboundQueues * registry.network.messageBytes) / INBOUND_MEMORY_SHARE);
      add(limitPath(b.srcPath, 'memory'), 'inbound', b.name, (bs) =>
        `${names(bs)}: ${flow.inboundQueues} queues arrive from other pairs' network bridges; one message of ${sizeSource} in flight on each needs a memory limit of at least ${formatSize(need)} (${Math.round(INBOUND_MEMORY_SHARE * 100)}% of it for arriving messages), it is ${formatSize(l.memoryBytes)}: the bridges' prefetch is set to 1 and delivery may stall (raise limits.memory and heap, or lower network.messageSize)`,
      );
    }
    const s = brokerPrefetch(registry, b, flow, MAX_NETWORK_PREFETCH);
    if (s.fits) continue;
    if (s.limitedBy === 'destination') {
      add(limitPath(b.srcPath, 'destinationMemory'), 'destination', b.name, (bs) =>
        `${names(bs)}: destinationMemory ${formatSize(l.destinationMemoryBytes)} holds fewer than ${Math.round(1 / DESTINATION_PREFETCH_SHARE)} messages of ${sizeSource}; prefetch is set to 1 and delivery may stall (raise destinationMemory or lower network.messageSize)`,
      );
    } else {
      const bridges = [...flow.linkQueues.values()].reduce((a, n) => a + n, 0);
      const consumers = flow.subscriptions - bridges;
      add(limitPath(b.srcPath, 'memory'), 'memory', b.name, (bs) =>
        `${names(bs)}: ${flow.subscriptions} queue subscriptions (${bridges} of network bridges, ${consumers} of consumers) with one message of ${sizeSource} in flight each need a memory limit of at least ${formatSize(s.memoryNeededBytes)} (${Math.round(PREFETCH_MEMORY_SHARE * 100)}% of it for prefetched messages), it is ${formatSize(l.memoryBytes)}: prefetch is set to 1 and delivery may stall (raise limits.memory and heap, or lower network.messageSize)`,
      );
    }
  }
  return [...grouped.values()].map((g) => source.problem(g.path, g.text(g.brokers), { severity: 'warning' }));
}
