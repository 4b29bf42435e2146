/**
 * The client configuration files that `gridmsg broker-config generate` writes
 * (DIR/sites/<site>.yaml, DIR/consumers/<consumer>.yaml) and that the clients
 * and bridges read. Field names here are the YAML keys.
 */

/** TLS settings for a stomp+ssl endpoint (PEM files). */
export interface TlsSettings {
  /** CA bundle that signs the brokers' certificates. */
  caFile: string;
  /** Client certificate and key (client authentication). */
  certFile?: string;
  keyFile?: string;
  /** Name checked against the broker certificate; defaults to the host. */
  serverName?: string;
}

/** One STOMP endpoint of a broker. */
export interface BrokerEndpoint {
  /** Registry name of the broker (e.g. `eu-north-a`). */
  name: string;
  host: string;
  port: number;
  /** Present for stomp+ssl. */
  tls?: TlsSettings;
}

/** How to log in. Secrets are never inline: a file or an environment variable holds the password. */
export interface Credentials {
  username?: string;
  passwordFile?: string;
  passwordEnv?: string;
}

/** What a site bridge (nagios-to-msg) and `gridmsg send --config` need. */
export interface SiteClientConfig {
  kind: 'site';
  site: string;
  tenant: string;
  role: string;
  /** Nagios host that runs the site bridge. */
  nagiosHost?: string;
  /** Ordered: the site's pair (active first) then the fallback pairs. */
  brokers: BrokerEndpoint[];
  /** STOMP destination the site publishes to, e.g. `/topic/grid.probe.metricOutput.EGI.site.CERN-PROD`. */
  destination: string;
  credentials: Credentials;
  /** Present when the registry asks sites to sign their messages (issue: signed results). */
  signing?: { certFile: string; keyFile: string };
}

/** One queue a consumer reads. */
export interface ConsumerQueue {
  site: string;
  tenant: string;
  role: string;
  /** STOMP destination of the queue, e.g. `/queue/Consumer.central.grid.probe.metricOutput.EGI.site.CERN-PROD`. */
  destination: string;
  /** Glob patterns (`*.cern.ch`, `ce01.example.org`) of the hosts this site may report on; absent = any host. */
  hosts?: string[];
  /** Certificate subject DN expected to sign this site's messages (signed mode). */
  signerDn?: string;
}

/** What a central bridge (msg-to-nagios) and `gridmsg subscribe --config` need. */
export interface ConsumerClientConfig {
  kind: 'consumer';
  consumer: string;
  /** Ordered: the consumer's pair, active first. */
  brokers: BrokerEndpoint[];
  queues: ConsumerQueue[];
  /** Where rejected messages go, with the reason in a header. */
  errorDestination: string;
  credentials: Credentials;
  /** Signed mode: reject unsigned messages; CA bundle that signs the sites' certificates. */
  verification?: { caFile: string };
  /**
   * Prefetch (activemq.prefetchSize) of each queue subscription, sized by the
   * generator so that all the consumer's queues together fit its brokers'
   * memory limit (topology/flow-sizing.ts). Absent: the consumer's own default.
   */
  prefetch?: number;
}

export type ClientConfig = SiteClientConfig | ConsumerClientConfig;
