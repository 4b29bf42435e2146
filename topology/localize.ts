/**
 * "Localize" a registry so its whole network runs on one machine: every host
 * becomes 127.0.0.1, every port one of the given free ports, data directories
 * and stores move under a state directory (the two brokers of a pair still
 * share one store), every password comes from a file under it and every TLS
 * identity from the development PKI under it (DIR/pki, same DNs as the
 * registry, issued by `gridmsg dev up`). Pure.
 */
import { caPaths, identityPaths, type IdentityKind } from '../security/pki-layout.js';
import type { Broker, BrokerLimits, ClientTlsFiles, Credentials, MonitoringSettings, Registry } from './types.js';

export const LOOPBACK = '127.0.0.1';

export interface LocalizeOptions {
  /** Absolute directory that will hold data, stores and secrets. */
  stateDir: string;
  /** Free ports, at least localPortCount(registry) of them, used in order. */
  ports: readonly number[];
  /** Caps every broker's heap (and scales memory limits to fit), to run many brokers on one machine. */
  maxHeapMb?: number;
}

const PORT_KINDS = ['stomp', 'openwire', 'stompSsl', 'openwireSsl'] as const;

/** How many ports localize needs: one per port each broker declares. */
export function localPortCount(registry: Pick<Registry, 'brokers'>): number {
  return registry.brokers.reduce((n, b) => n + PORT_KINDS.filter((k) => b.ports[k] !== undefined).length, 0);
}

/** The development PKI of a localized registry (`gridmsg dev up` creates it). */
export function localPkiDir(stateDir: string): string {
  return `${stateDir.replace(/\/+$/, '')}/pki`;
}

/** Name of the monitoring user's identity in a development PKI (`DIR/monitors/monitoring/`). */
export const LOCAL_MONITOR_IDENTITY = 'monitoring';

/** PEM files of a localized site, consumer or monitoring user, in the development PKI. */
export function localClientTls(stateDir: string, kind: Extract<IdentityKind, 'site' | 'consumer' | 'monitor'>, name: string): ClientTlsFiles {
  const p = identityPaths(localPkiDir(stateDir), kind, name);
  return { caFile: caPaths(localPkiDir(stateDir)).cert, certFile: p.cert, keyFile: p.key };
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

/** The monitoring user of a localized registry: its password under the state dir, its certificate in the development PKI. */
function localMonitoring(m: MonitoringSettings, state: string, creds: (c: Credentials) => Credentials): MonitoringSettings {
  const { tls: _own, ...rest } = m;
  const out: MonitoringSettings = { ...rest, credentials: creds(m.credentials) };
  if (m.certificateDn !== undefined) out.tls = localClientTls(state, 'monitor', LOCAL_MONITOR_IDENTITY);
  return out;
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
  const pki = localPkiDir(state);
  const brokers: Broker[] = registry.brokers.map((b) => {
    const ports: Broker['ports'] = {};
    for (const kind of PORT_KINDS) if (b.ports[kind] !== undefined) ports[kind] = take();
    const local: Broker = {
      ...b,
      host: LOOPBACK,
      listen: LOOPBACK,
      ports,
      dataDir: `${state}/brokers/${b.name}/data`,
      store: `${state}/stores/${pairOf.get(b.name) ?? b.name}/kahadb`,
      limits: capLimits(b.limits, options.maxHeapMb),
    };
    if (b.tls) {
      const id = identityPaths(pki, 'broker', b.name);
      local.tls = {
        dn: b.tls.dn,
        keyStore: id.keystore,
        trustStore: id.truststore,
        keyStorePassword: { file: id.keystorePassword },
        trustStorePassword: { file: id.truststorePassword },
        srcPath: b.tls.srcPath,
      };
    }
    return local;
  });
  // Only users that log in with a password get one (a certificate-only site stays so).
  const creds = (c: Credentials): Credentials =>
    c.passwordFile === undefined && c.passwordEnv === undefined
      ? { username: c.username, srcPath: c.srcPath }
      : { username: c.username, passwordFile: localSecretFile(state, c.username), srcPath: c.srcPath };
  const caFile = caPaths(pki).cert;
  const clientTls = <T extends { name: string; certificateDn?: string; tls?: unknown }>(x: T, kind: 'site' | 'consumer'): T => {
    const { tls: _own, ...rest } = x;
    return (x.certificateDn === undefined ? rest : { ...rest, tls: localClientTls(state, kind, x.name) }) as T;
  };

  return {
    ...registry,
    brokers,
    network: { ...registry.network, credentials: creds(registry.network.credentials) },
    ...(registry.monitoring ? { monitoring: localMonitoring(registry.monitoring, state, creds) } : {}),
    sites: registry.sites.map((s) => ({ ...clientTls(s, 'site'), credentials: creds(s.credentials) })),
    consumers: registry.consumers.map((c) => ({ ...clientTls(c, 'consumer'), credentials: creds(c.credentials) })),
    security: {
      clientTls: { ...registry.security.clientTls, caFile },
      signing: { ...registry.security.signing, caFile },
    },
  };
}
