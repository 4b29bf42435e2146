/**
 * Raw YAML data → Registry, applying defaults. Tolerant: an item too broken to
 * use (no name, wrong type) is skipped, because the schema check already
 * reports it; the remaining items still get their semantic checks, so one run
 * reports every problem.
 */
import { parseSize } from './sizes.js';
import type {
  Broker,
  BrokerLimits,
  BrokerTls,
  ClientTlsFiles,
  Consumer,
  ConsumerSelection,
  Credentials,
  ExplicitLink,
  NetworkSettings,
  NodePath,
  Pair,
  PairLock,
  Registry,
  SecretRef,
  SecuritySettings,
  Site,
  TopologyKind,
} from './types.js';

export const DEFAULT_PREFIX = 'grid.probe';
export const DEFAULT_PATTERN = '{prefix}.metricOutput.{tenant}.{role}.{site}';
export const DEFAULT_ROLE = 'site';
export const DEFAULT_NETWORK_USER = 'gridmsg-network';
export const DEFAULT_MONITORING_USER = 'gridmsg-monitor';
export const DEFAULT_LISTEN = '0.0.0.0';

const MB = 1024 ** 2;
const GB = 1024 ** 3;

export const DEFAULT_LIMITS: BrokerLimits = {
  memoryBytes: 256 * MB,
  storeBytes: 8 * GB,
  tempBytes: 2 * GB,
  destinationMemoryBytes: 16 * MB,
  maxFrameSizeBytes: 1 * MB,
  maxConnections: 1000,
  heapBytes: 512 * MB,
};

/** Expected size of one message (a site bridge batch) when the registry gives no `network.messageSize`. */
export const DEFAULT_MESSAGE_BYTES = 64 * 1024;

export const DEFAULT_LOCK: PairLock = { keepAliveMs: 5000, retryMs: 2000 };

/** Where sites and consumers find their PEM files unless the registry says otherwise (grid conventions). */
export const DEFAULT_CLIENT_TLS: ClientTlsFiles = {
  caFile: '/etc/gridmsg/tls/ca-bundle.pem',
  certFile: '/etc/grid-security/hostcert.pem',
  keyFile: '/etc/grid-security/hostkey.pem',
};

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const strList = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
const items = (v: unknown): Array<{ item: Obj; index: number }> =>
  Array.isArray(v) ? v.flatMap((item, index) => (isObj(item) ? [{ item, index }] : [])) : [];

/** Built-in share of the heap that the broker's memory limit (systemUsage memoryUsage) takes when no `memory` is given. */
export const DEFAULT_MEMORY_SHARE_OF_HEAP = 0.5;

/**
 * Limits from a `limits` mapping over `base`. Where no level sets `memory`,
 * it follows the heap (half of it, in whole MB): a bigger heap gets a bigger
 * memory limit without restating it.
 */
function limitsOf(raw: unknown, base: BrokerLimits, baseMemorySet: boolean): { limits: BrokerLimits; memorySet: boolean } {
  if (!isObj(raw)) return { limits: base, memorySet: baseMemorySet };
  const heapBytes = parseSize(raw['heap']) ?? base.heapBytes;
  const memory = parseSize(raw['memory']);
  const memorySet = memory !== undefined || baseMemorySet;
  const limits = {
    memoryBytes: memory ?? (baseMemorySet ? base.memoryBytes : Math.max(MB, Math.floor((heapBytes * DEFAULT_MEMORY_SHARE_OF_HEAP) / MB) * MB)),
    storeBytes: parseSize(raw['store']) ?? base.storeBytes,
    tempBytes: parseSize(raw['temp']) ?? base.tempBytes,
    destinationMemoryBytes: parseSize(raw['destinationMemory']) ?? base.destinationMemoryBytes,
    maxFrameSizeBytes: parseSize(raw['maxFrameSize']) ?? base.maxFrameSizeBytes,
    maxConnections: int(raw['maxConnections']) ?? base.maxConnections,
    heapBytes,
  };
  return { limits, memorySet };
}

function lockOf(raw: unknown, base: PairLock): PairLock {
  if (!isObj(raw)) return base;
  return { keepAliveMs: int(raw['keepAliveMs']) ?? base.keepAliveMs, retryMs: int(raw['retryMs']) ?? base.retryMs };
}

function credentialsOf(raw: unknown, defaultUser: string, srcPath: NodePath): Credentials {
  const c = isObj(raw) ? raw : {};
  const out: Credentials = { username: str(c['username']) ?? defaultUser, srcPath };
  const file = str(c['passwordFile']);
  const env = str(c['passwordEnv']);
  if (file !== undefined) out.passwordFile = file;
  if (env !== undefined) out.passwordEnv = env;
  return out;
}

function secretOf(raw: Obj, prefix: string): SecretRef {
  const out: SecretRef = {};
  const file = str(raw[`${prefix}File`]);
  const env = str(raw[`${prefix}Env`]);
  if (file !== undefined) out.file = file;
  if (env !== undefined) out.env = env;
  return out;
}

function brokerTlsOf(raw: unknown, srcPath: NodePath): BrokerTls | undefined {
  if (!isObj(raw)) return undefined;
  const dn = str(raw['dn']);
  if (dn === undefined) return undefined;
  const tls: BrokerTls = {
    dn,
    keyStorePassword: secretOf(raw, 'keyStorePassword'),
    trustStorePassword: secretOf(raw, 'trustStorePassword'),
    srcPath,
  };
  const ks = str(raw['keyStore']);
  const ts = str(raw['trustStore']);
  if (ks !== undefined) tls.keyStore = ks;
  if (ts !== undefined) tls.trustStore = ts;
  return tls;
}

function clientFilesOf(raw: unknown): Partial<ClientTlsFiles> | undefined {
  if (!isObj(raw)) return undefined;
  const out: Partial<ClientTlsFiles> = {};
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    const v = str(raw[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function securityOf(root: Obj): SecuritySettings {
  const clientTls = { ...DEFAULT_CLIENT_TLS, ...clientFilesOf(root['tls']) };
  const signing = isObj(root['signing']) ? root['signing'] : {};
  return { clientTls, signing: { enabled: signing['enabled'] === true, caFile: str(signing['caFile']) ?? clientTls.caFile } };
}

function selectionOf(raw: unknown, srcPath: NodePath): ConsumerSelection {
  if (!isObj(raw)) return { all: raw === 'all', srcPath };
  const sel: ConsumerSelection = { all: false, srcPath };
  for (const key of ['sites', 'tenants', 'roles', 'ngis'] as const) {
    const list = strList(raw[key]);
    if (list) sel[key] = list;
  }
  return sel;
}

export function normalizeRegistry(
  data: unknown,
  file: string,
  baseDir: string,
  locate: Registry['locate'] = () => undefined,
): Registry {
  const root = isObj(data) ? data : {};
  const namingRaw = isObj(root['naming']) ? root['naming'] : {};
  const defaults = isObj(root['defaults']) ? root['defaults'] : {};
  const { limits: baseLimits, memorySet: baseMemorySet } = limitsOf(defaults['limits'], DEFAULT_LIMITS, false);
  const baseLock = lockOf(defaults['lock'], DEFAULT_LOCK);
  const listen = str(defaults['listen']) ?? DEFAULT_LISTEN;
  const defaultTenant = str(defaults['tenant']);
  const defaultRole = str(defaults['role']) ?? DEFAULT_ROLE;

  const naming = {
    prefix: str(namingRaw['prefix']) ?? DEFAULT_PREFIX,
    pattern: str(namingRaw['pattern']) ?? DEFAULT_PATTERN,
    srcPath: ['naming'],
  };

  const pairs: Pair[] = items(root['pairs']).flatMap(({ item, index }) => {
    const name = str(item['name']);
    if (name === undefined) return [];
    return [{ name, brokers: strList(item['brokers']) ?? [], lock: lockOf(item['lock'], baseLock), srcPath: ['pairs', index] }];
  });
  // Broker → the first pair that lists it, for the default store directory.
  const pairOf = new Map<string, { name: string; store: string | undefined }>();
  for (const { item } of items(root['pairs'])) {
    const name = str(item['name']);
    if (name === undefined) continue;
    for (const b of strList(item['brokers']) ?? []) {
      if (!pairOf.has(b)) pairOf.set(b, { name, store: str(item['store']) });
    }
  }

  const brokers: Broker[] = items(root['brokers']).flatMap(({ item, index }) => {
    const name = str(item['name']);
    const host = str(item['host']);
    const portsRaw = isObj(item['ports']) ? item['ports'] : {};
    if (name === undefined || host === undefined) return [];
    const ports: Broker['ports'] = {};
    for (const kind of ['stomp', 'openwire', 'stompSsl', 'openwireSsl'] as const) {
      const port = int(portsRaw[kind]);
      if (port !== undefined) ports[kind] = port;
    }
    const pair = pairOf.get(name);
    const broker: Broker = {
      name,
      host,
      listen: str(item['listen']) ?? listen,
      ports,
      dataDir: str(item['dataDir']) ?? `/var/lib/gridmsg/brokers/${name}`,
      store: str(item['store']) ?? pair?.store ?? `/var/lib/gridmsg/pairs/${pair?.name ?? name}/kahadb`,
      limits: limitsOf(item['limits'], baseLimits, baseMemorySet).limits,
      srcPath: ['brokers', index],
    };
    const tls = brokerTlsOf(item['tls'], ['brokers', index, 'tls']);
    if (tls) broker.tls = tls;
    return [broker];
  });

  const netRaw = isObj(root['network']) ? root['network'] : {};
  const topology = (['full-mesh', 'hub-and-spoke', 'explicit'] as const).find((t) => t === netRaw['topology']) ?? 'full-mesh';
  const links: ExplicitLink[] = items(netRaw['links']).flatMap(({ item, index }) => {
    const from = str(item['from']);
    const to = str(item['to']);
    if (from === undefined || to === undefined) return [];
    return [{ from, to, direction: item['direction'] === 'forward' ? 'forward' : 'both', srcPath: ['network', 'links', index] }];
  });
  const network: NetworkSettings = {
    topology: topology satisfies TopologyKind,
    links,
    credentials: credentialsOf(netRaw['credentials'], DEFAULT_NETWORK_USER, ['network', 'credentials']),
    messageBytes: parseSize(netRaw['messageSize']) ?? DEFAULT_MESSAGE_BYTES,
    srcPath: ['network'],
  };
  const hub = str(netRaw['hub']);
  if (hub !== undefined) network.hub = hub;

  const sites: Site[] = items(root['sites']).flatMap(({ item, index }) => {
    const name = str(item['name']);
    const pair = str(item['pair']);
    if (name === undefined || pair === undefined) return [];
    const srcPath = ['sites', index];
    const site: Site = {
      name,
      tenant: str(item['tenant']) ?? defaultTenant ?? '',
      role: str(item['role']) ?? defaultRole,
      pair,
      fallback: strList(item['fallback']) ?? [],
      credentials: credentialsOf(item['credentials'], name, [...srcPath, 'credentials']),
      srcPath,
    };
    const ngi = str(item['ngi']);
    if (ngi !== undefined) site.ngi = ngi;
    const nagiosHost = str(item['nagiosHost']);
    if (nagiosHost !== undefined) site.nagiosHost = nagiosHost;
    const hosts = strList(item['hosts']);
    if (hosts !== undefined && hosts.length > 0) site.hosts = hosts;
    const dn = str(item['certificateDn']);
    if (dn !== undefined) site.certificateDn = dn;
    const files = clientFilesOf(item['tls']);
    if (files) site.tls = files;
    return [site];
  });

  const consumers: Consumer[] = items(root['consumers']).flatMap(({ item, index }) => {
    const name = str(item['name']);
    const pair = str(item['pair']);
    if (name === undefined || pair === undefined) return [];
    const srcPath = ['consumers', index];
    const consumer: Consumer = {
      name,
      pair,
      reads: selectionOf(item['reads'], [...srcPath, 'reads']),
      credentials: credentialsOf(item['credentials'], name, [...srcPath, 'credentials']),
      errorQueue: str(item['errorQueue']) ?? `${naming.prefix}.errors.${name}`,
      srcPath,
    };
    const dn = str(item['certificateDn']);
    if (dn !== undefined) consumer.certificateDn = dn;
    const files = clientFilesOf(item['tls']);
    if (files) consumer.tls = files;
    return [consumer];
  });

  const registry: Registry = { file, baseDir, locate, naming, network, brokers, pairs, sites, consumers, security: securityOf(root) };
  if (isObj(root['monitoring'])) {
    const m = root['monitoring'];
    registry.monitoring = {
      credentials: credentialsOf(m['credentials'], DEFAULT_MONITORING_USER, ['monitoring', 'credentials']),
      srcPath: ['monitoring'],
    };
    const dn = str(m['certificateDn']);
    if (dn !== undefined) registry.monitoring.certificateDn = dn;
    const files = clientFilesOf(m['tls']);
    if (files) registry.monitoring.tls = files;
  }
  return registry;
}
