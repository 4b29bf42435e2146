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

/**
 * Connectors of a broker. TLS ports (`stompSsl`, `openwireSsl`) need the
 * broker's `tls` identity; plain ports (`stomp`, `openwire`) exist only when
 * the registry lists them (a warning each: TLS is the default).
 */
export interface BrokerPorts {
  /** Plain STOMP (password logins, unencrypted). */
  stomp?: number;
  /** Plain OpenWire (network bridges, unencrypted). */
  openwire?: number;
  /** STOMP over TLS (`stomp+ssl`), client certificate required. */
  stompSsl?: number;
  /** OpenWire over TLS (`ssl`): where other brokers' network bridges arrive. */
  openwireSsl?: number;
}

/** Where a secret comes from: a file (relative to the registry) or an environment variable. Never the secret. */
export interface SecretRef {
  file?: string;
  env?: string;
}

/** A broker's TLS identity (docs/security.md). */
export interface BrokerTls {
  /** Subject DN of the broker certificate (OpenSSL or RFC 2253 form). */
  dn: string;
  /** PKCS#12 keystore on the broker host; default `<instance>/conf/tls/keystore.p12`. */
  keyStore?: string;
  /** PKCS#12 truststore (the CAs whose clients are accepted); default `<instance>/conf/tls/truststore.p12`. */
  trustStore?: string;
  keyStorePassword: SecretRef;
  trustStorePassword: SecretRef;
  srcPath: NodePath;
}

/** PEM files of a TLS client (a site or consumer), on its own host. */
export interface ClientTlsFiles {
  /** CA bundle that signs the brokers' certificates. */
  caFile: string;
  certFile: string;
  keyFile: string;
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
  /** TLS identity: with it the broker gets its ssl connectors and certificate logins. */
  tls?: BrokerTls;
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
  /**
   * User the network bridges log in with where a password is needed (plain
   * OpenWire, and the local login of a bridge on a broker using the dual
   * plugin); over ssl bridges are identified by the broker certificates.
   */
  credentials: Credentials;
  /**
   * Expected size of one message (a site bridge batch, `network.messageSize`):
   * sizes the prefetch of the network bridges and of the consumers so that
   * the messages in flight fit the brokers' memory limits (flow-sizing.ts).
   */
  messageBytes: number;
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
  /** Username, and a password reference for plain ports (optional with a certificate). */
  credentials: Credentials;
  /** Subject DN of the site's certificate: its TLS identity and, in signed mode, its signer. */
  certificateDn?: string;
  /** Its certificate files where they differ from the registry's `tls` defaults. */
  tls?: Partial<ClientTlsFiles>;
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
  /** Subject DN of the consumer's certificate (its TLS identity). */
  certificateDn?: string;
  tls?: Partial<ClientTlsFiles>;
  srcPath: NodePath;
}

/** Registry-wide client TLS and signing settings. */
export interface SecuritySettings {
  /** Default PEM files of sites and consumers (each may override). */
  clientTls: ClientTlsFiles;
  /** Signed mode: sites sign each message, consumers verify against the site's certificateDn. */
  signing: { enabled: boolean; /** CA bundle consumers verify site certificates against. */ caFile: string };
}

/** The user `gridmsg check-network` and `gridmsg status` log in with (docs/operations.md). */
export interface MonitoringSettings {
  /** Exists on every broker; may only write and read the probe queues `<prefix>.probe.<pair>`. A password only for plain ports. */
  credentials: Credentials;
  /** Subject DN of the monitoring certificate: its login on TLS brokers (stomp+ssl). */
  certificateDn?: string;
  /** Its PEM files on the checking host where they differ from the registry's `tls` defaults. */
  tls?: Partial<ClientTlsFiles>;
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
  security: SecuritySettings;
}
