/**
 * The client configuration files (DIR/sites/<site>.yaml,
 * DIR/consumers/<consumer>.yaml), shaped exactly as clients/client-config.ts.
 */
import path from 'node:path';
import { toYaml } from './yaml-emit.js';
import type { BrokerEndpoint, ConsumerClientConfig, Credentials, SiteClientConfig, TlsSettings } from '../clients/client-config.js';
import {
  buildNetwork,
  clientScheme,
  consumerPrefetch,
  pairFlows,
  consumerQueue,
  hasPassword,
  publishPairs,
  siteTopic,
  stompQueue,
  stompTopic,
  type ClientTlsFiles,
  type NetworkModel,
  type PartyIdentity,
} from '../topology/index.js';
import type { Consumer, Credentials as RegistryCredentials, Registry, Site } from '../topology/index.js';

/** A site's or consumer's PEM files: its own where given, else the registry's defaults; relative paths against the registry. */
export function partyTlsFiles(registry: Registry, party: Site | Consumer): ClientTlsFiles {
  const files = { ...registry.security.clientTls, ...party.tls };
  return {
    caFile: path.resolve(registry.baseDir, files.caFile),
    certFile: path.resolve(registry.baseDir, files.certFile),
    keyFile: path.resolve(registry.baseDir, files.keyFile),
  };
}

/**
 * The party's endpoints at the brokers of a pair: stomp+ssl with its
 * certificate where the broker has a TLS identity and the party a DN (TLS
 * preferred), plain STOMP where the registry opened it and the party has a
 * password. The registry check guarantees one of them for every broker.
 */
function endpointsOf(registry: Registry, pairName: string, party: PartyIdentity, tls: TlsSettings | undefined): BrokerEndpoint[] {
  const pair = registry.pairs.find((p) => p.name === pairName);
  if (!pair) return [];
  return pair.brokers.flatMap((name) => {
    const b = registry.brokers.find((x) => x.name === name);
    if (!b) return [];
    const scheme = clientScheme(b, party);
    if (scheme === 'stomp+ssl' && tls) return [{ name: b.name, host: b.host, port: b.ports.stompSsl!, tls: { ...tls } }];
    if (scheme === 'stomp') return [{ name: b.name, host: b.host, port: b.ports.stomp! }];
    return [];
  });
}

/** The credentials a client config carries: its password reference only when some endpoint is plain (TLS logins use the certificate). */
function configCredentials(c: RegistryCredentials, baseDir: string, brokers: BrokerEndpoint[]): Credentials {
  return hasPassword(c) && brokers.some((b) => b.tls === undefined) ? clientCredentials(c, baseDir) : {};
}

/** Registry credentials → client credentials; a relative password file is resolved against the registry's directory. */
export function clientCredentials(c: RegistryCredentials, baseDir: string): Credentials {
  const out: Credentials = { username: c.username };
  if (c.passwordFile !== undefined) out.passwordFile = path.resolve(baseDir, c.passwordFile);
  if (c.passwordEnv !== undefined) out.passwordEnv = c.passwordEnv;
  return out;
}

export function siteClientConfigs(registry: Registry): SiteClientConfig[] {
  const pairNames = new Set(registry.pairs.map((p) => p.name));
  return registry.sites.map((s) => {
    const files = partyTlsFiles(registry, s);
    const tls = s.certificateDn === undefined ? undefined : files;
    const brokers = publishPairs(s, pairNames).flatMap((p) => endpointsOf(registry, p.pair, s, tls));
    const cfg: SiteClientConfig = {
      kind: 'site',
      site: s.name,
      tenant: s.tenant,
      role: s.role,
      ...(s.nagiosHost === undefined ? {} : { nagiosHost: s.nagiosHost }),
      brokers,
      destination: stompTopic(siteTopic(registry.naming, s)),
      credentials: configCredentials(s.credentials, registry.baseDir, brokers),
    };
    // Signed mode: the site bridge signs with its certificate (the registry check requires its DN).
    if (registry.security.signing.enabled && s.certificateDn !== undefined) cfg.signing = { certFile: files.certFile, keyFile: files.keyFile };
    return cfg;
  });
}

export function consumerClientConfigs(registry: Registry, network: NetworkModel = buildNetwork(registry)): ConsumerClientConfig[] {
  const signed = registry.security.signing.enabled;
  const flows = pairFlows(registry, network);
  return registry.consumers.map((c) => {
    const brokers = endpointsOf(registry, c.pair, c, c.certificateDn === undefined ? undefined : partyTlsFiles(registry, c));
    const cfg: ConsumerClientConfig = {
      kind: 'consumer',
      consumer: c.name,
      brokers,
      queues: registry.sites
        .filter((s) => (network.readers.get(s.name) ?? []).includes(c.name))
        .map((s) => {
          const q: ConsumerClientConfig['queues'][number] = {
            site: s.name,
            tenant: s.tenant,
            role: s.role,
            destination: stompQueue(consumerQueue(c.name, siteTopic(registry.naming, s))),
          };
          if (s.hosts) q.hosts = [...s.hosts];
          if (signed && s.certificateDn !== undefined) q.signerDn = s.certificateDn;
          return q;
        }),
      errorDestination: stompQueue(c.errorQueue),
      credentials: configCredentials(c.credentials, registry.baseDir, brokers),
      prefetch: consumerPrefetch(registry, flows, c).prefetch,
    };
    if (signed) cfg.verification = { caFile: path.resolve(registry.baseDir, registry.security.signing.caFile) };
    return cfg;
  });
}

const HEADER = '# Generated by `gridmsg broker-config generate` from the site registry: do not edit.\n';

/** YAML text of a client configuration, with a header line. */
export function renderClientConfig(config: SiteClientConfig | ConsumerClientConfig): string {
  return HEADER + toYaml(config);
}
