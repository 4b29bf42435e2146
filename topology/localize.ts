/**
 * "Localize" a registry so its whole network runs on one machine: every host
 * becomes 127.0.0.1, every port one of the given free ports, data directories
 * and stores move under a state directory (the two brokers of a pair still
 * share one store) and every password comes from a file under it. Pure.
 */
import type { Broker, BrokerLimits, Credentials, Registry } from './types.js';

export const LOOPBACK = '127.0.0.1';

export interface LocalizeOptions {
  /** Absolute directory that will hold data, stores and secrets. */
  stateDir: string;
  /** Free ports, at least localPortCount(registry) of them, used in order. */
  ports: readonly number[];
  /** Caps every broker's heap (and scales memory limits to fit), to run many brokers on one machine. */
  maxHeapMb?: number;
}

/** How many ports localize needs: STOMP and OpenWire (and STOMP+SSL where declared) per broker. */
export function localPortCount(registry: Pick<Registry, 'brokers'>): number {
  return registry.brokers.reduce((n, b) => n + (b.ports.stompSsl === undefined ? 2 : 3), 0);
}

/** Where localize puts a user's password. */
export function localSecretFile(stateDir: string, username: string): string {
  return `${stateDir}/secrets/${username}.password`;
}

function capLimits(l: BrokerLimits, maxHeapMb: number | undefined): BrokerLimits {
  if (maxHeapMb === undefined) return l;
  const heap = Math.min(l.heapBytes, maxHeapMb * 1024 ** 2);
  const memory = Math.min(l.memoryBytes, Math.floor((heap * 0.5) / 1024 ** 2) * 1024 ** 2);
  const destinationMemory = Math.min(l.destinationMemoryBytes, memory);
  return { ...l, heapBytes: heap, memoryBytes: memory, destinationMemoryBytes: destinationMemory, maxFrameSizeBytes: Math.min(l.maxFrameSizeBytes, destinationMemory) };
}

export function localize(registry: Registry, options: LocalizeOptions): Registry {
  const needed = localPortCount(registry);
  if (options.ports.length < needed) throw new Error(`localize needs ${needed} ports, got ${options.ports.length}`);
  if (new Set(options.ports).size !== options.ports.length) throw new Error('localize needs distinct ports');
  const state = options.stateDir.replace(/\/+$/, '');
  const pairOf = new Map<string, string>();
  for (const p of registry.pairs) for (const b of p.brokers) if (!pairOf.has(b)) pairOf.set(b, p.name);

  let next = 0;
  const take = (): number => options.ports[next++]!;
  const brokers: Broker[] = registry.brokers.map((b) => {
    const ports: Broker['ports'] = { stomp: take(), openwire: take() };
    if (b.ports.stompSsl !== undefined) ports.stompSsl = take();
    return {
      ...b,
      host: LOOPBACK,
      listen: LOOPBACK,
      ports,
      dataDir: `${state}/brokers/${b.name}/data`,
      store: `${state}/stores/${pairOf.get(b.name) ?? b.name}/kahadb`,
      limits: capLimits(b.limits, options.maxHeapMb),
    };
  });
  const creds = (c: Credentials): Credentials => ({ username: c.username, passwordFile: localSecretFile(state, c.username), srcPath: c.srcPath });

  return {
    ...registry,
    brokers,
    network: { ...registry.network, credentials: creds(registry.network.credentials) },
    ...(registry.monitoring ? { monitoring: { ...registry.monitoring, credentials: creds(registry.monitoring.credentials) } } : {}),
    sites: registry.sites.map((s) => ({ ...s, credentials: creds(s.credentials) })),
    consumers: registry.consumers.map((c) => ({ ...c, credentials: creds(c.credentials) })),
  };
}
