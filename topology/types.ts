/**
 * The site registry after loading: defaults applied, references still by
 * name. Every object remembers the path of its YAML node (`srcPath`) so that
 * later checks can point at the right line.
 *
 * The YAML shape itself is described by `registry.schema.json` and
 * docs/registry.md.
 */

/** Path of a node inside the registry document, e.g. ['sites', 3, 'pair']. */
export type NodePath = ReadonlyArray<string | number>;

/** Sizes are kept in bytes. */
export interface BrokerLimits {
  /** systemUsage memoryUsage: RAM for in-flight messages. */
  memoryBytes: number;
  /** systemUsage storeUsage: disk for persistent messages. */
  storeBytes: number;
  /** systemUsage tempUsage: disk for non-persistent overflow. */
  tempBytes: number;
  /** memoryLimit of each queue and topic (policyEntry). */
  destinationMemoryBytes: number;
  /** STOMP transport.maxFrameSize. */
  maxFrameSizeBytes: number;
  /** maximumConnections of each transport connector. */
  maxConnections: number;
  /** JVM heap (-Xmx) used by the run script. */
  heapBytes: number;
}

export interface BrokerPorts {
  stomp: number;
  openwire: number;
  /** STOMP over TLS: accepted and checked for clashes; generation is issue 6. */
  stompSsl?: number;
}

export interface Broker {
  name: string;
  /** Host name clients and other brokers connect to. */
  host: string;
  /** Address the connectors bind to (default 0.0.0.0). */
  listen: string;
  ports: BrokerPorts;
  /** activemq.data: broker-private files (temp store, logs). Absolute. */
  dataDir: string;
  /** KahaDB directory. Shared by the two brokers of a pair. Absolute. */
  store: string;
  limits: BrokerLimits;
  /** Open for issue 6 (TLS): carried through, not used by the generator yet. */
  ssl?: Record<string, unknown>;
  srcPath: NodePath;
}

export interface PairLock {
  /** kahaDB lockKeepAlivePeriod: the master re-checks it still holds the lock. */
  keepAliveMs: number;
  /** shared-file-locker lockAcquireSleepInterval: how often the standby retries. */
  retryMs: number;
}

export interface Pair {
  name: string;
  /** One or two broker names; the first is the preferred active one. */
  brokers: string[];
  lock: PairLock;
  srcPath: NodePath;
}

export type TopologyKind = 'full-mesh' | 'hub-and-spoke' | 'explicit';

export interface ExplicitLink {
  from: string;
  to: string;
  /** `both`: traffic may flow either way; `forward`: only from → to. */
  direction: 'both' | 'forward';
  srcPath: NodePath;
}

export interface Credentials {
  username: string;
  passwordFile?: string;
  passwordEnv?: string;
  srcPath: NodePath;
}

export interface NetworkSettings {
  topology: TopologyKind;
  hub?: string;
  links: ExplicitLink[];
  /** User the network bridges log in with, on every broker. */
  credentials: Credentials;
  srcPath: NodePath;
}

export interface Naming {
  /** Dot-separated prefix, default `grid.probe`. */
  prefix: string;
  /** Destination pattern with {prefix} {tenant} {role} {site}. */
  pattern: string;
  srcPath: NodePath;
}

export interface Site {
  name: string;
  tenant: string;
  role: string;
  /** NGI (or any federation) the site belongs to; consumers may select by it. */
  ngi?: string;
  /** Pair the site publishes to. */
  pair: string;
  /** Pairs tried, in order, when its own pair is unreachable. */
  fallback: string[];
  nagiosHost?: string;
  /** Glob patterns of the hosts this site reports on. */
  hosts?: string[];
  credentials: Credentials;
  /** Open for issue 6 (signed results): carried through, unused. */
  certificateDn?: string;
  srcPath: NodePath;
}

export interface ConsumerSelection {
  /** true: every site. Otherwise the intersection of the given criteria. */
  all: boolean;
  sites?: string[];
  tenants?: string[];
  roles?: string[];
  ngis?: string[];
  srcPath: NodePath;
}

export interface Consumer {
  name: string;
  pair: string;
  reads: ConsumerSelection;
  credentials: Credentials;
  /** Queue (without /queue/) for messages the consumer rejects. */
  errorQueue: string;
  srcPath: NodePath;
}

/** The user `gridmsg check-network` and `gridmsg status` log in with (docs/operations.md). */
export interface MonitoringSettings {
  /** Exists on every broker; may only write and read the probe queues `<prefix>.probe.<pair>`. */
  credentials: Credentials;
  srcPath: NodePath;
}

export interface Registry {
  /** File it was loaded from ('<inline>' for text). */
  file: string;
  /** Directory relative secret paths are resolved against. */
  baseDir: string;
  /** Line and column of a node of the source document (for errors found after loading). */
  locate: (path: NodePath) => { line: number; column: number } | undefined;
  naming: Naming;
  network: NetworkSettings;
  /** Optional monitoring user (network probes); absent: check-network cannot run. */
  monitoring?: MonitoringSettings;
  brokers: Broker[];
  pairs: Pair[];
  sites: Site[];
  consumers: Consumer[];
}
