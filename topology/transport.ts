/**
 * How the parties of a registry connect: which connectors a broker opens,
 * which scheme a network link uses, which JAAS login a broker needs and how
 * each site or consumer reaches its brokers. Pure; shared by the registry
 * checks and the broker-config generator so that both decide alike.
 *
 * TLS is the default: a broker with a `tls` identity opens stomp+ssl and ssl
 * connectors requiring client certificates; plain ports exist only where the
 * registry lists them.
 */
import type { NetworkLink, NetworkModel } from './network.js';
import type { Broker, Consumer, Credentials, Pair, Registry, Site } from './types.js';

/** Broker login scheme: plain brokers use ActiveMQ's simple plugin; TLS brokers JAAS certificate or dual. */
export type AuthMode = 'password' | 'certificate' | 'dual';

/** User name of a broker certificate (a network bridge identity) on every TLS broker. */
export const brokerUser = (broker: string): string => `broker.${broker}`;

export const isTlsBroker = (b: Broker): boolean => b.tls !== undefined;
export const hasPassword = (c: Credentials): boolean => c.passwordFile !== undefined || c.passwordEnv !== undefined;

/** The brokers of a pair that exist in the registry, in pair order. */
export function pairBrokers(registry: Pick<Registry, 'brokers'>, pair: Pair | undefined): Broker[] {
  if (!pair) return [];
  return pair.brokers.flatMap((n) => registry.brokers.filter((b) => b.name === n).slice(0, 1));
}

export interface PairAccess {
  /** Clients with a certificate connect over stomp+ssl. */
  stompSsl: boolean;
  /** Clients with a password connect over plain STOMP. */
  stompPlain: boolean;
  /** Bridges of TLS brokers arrive over ssl. */
  openwireSsl: boolean;
  /** Bridges arrive over plain OpenWire (password). */
  openwirePlain: boolean;
}

/** What every broker of a pair accepts (a connector counts only when all its brokers open it). */
export function pairAccess(registry: Pick<Registry, 'brokers'>, pair: Pair | undefined): PairAccess {
  const bs = pairBrokers(registry, pair);
  const all = (f: (b: Broker) => boolean): boolean => bs.length > 0 && bs.every(f);
  return {
    stompSsl: all((b) => isTlsBroker(b) && b.ports.stompSsl !== undefined),
    stompPlain: all((b) => b.ports.stomp !== undefined),
    openwireSsl: all((b) => isTlsBroker(b) && b.ports.openwireSsl !== undefined),
    openwirePlain: all((b) => b.ports.openwire !== undefined),
  };
}

export type LinkScheme = 'ssl' | 'tcp';

/**
 * Scheme of the network connector of a link: ssl when the sending pair has
 * TLS identities and the receiving pair an ssl OpenWire port, else plain tcp
 * when the receiving pair opens one; undefined when the pairs cannot talk.
 */
export function linkScheme(registry: Pick<Registry, 'brokers' | 'pairs'>, link: { from: string; to: string }): LinkScheme | undefined {
  const from = pairBrokers(registry, registry.pairs.find((p) => p.name === link.from));
  const to = pairAccess(registry, registry.pairs.find((p) => p.name === link.to));
  if (to.openwireSsl && from.length > 0 && from.every(isTlsBroker)) return 'ssl';
  if (to.openwirePlain) return 'tcp';
  return undefined;
}

/** The links a pair declares (it is the sending side). */
export function outgoingLinks(model: Pick<NetworkModel, 'links'>, pair: string): NetworkLink[] {
  return model.links.filter((l) => l.from === pair);
}

/**
 * Login scheme of a broker. A TLS broker uses the certificate plugin unless
 * something on it logs in with a password: a plain port, or a network bridge
 * it declares (the bridge's local in-VM connection is not an ssl connection,
 * so ActiveMQ's dual plugin logs it in with the networkConnector password;
 * the certificate plugin alone only works for `static:(ssl://one)`, where
 * ActiveMQ copies the remote certificate, and that breaks with failover
 * pairs: see docs/security.md).
 */
export function brokerAuthMode(registry: Pick<Registry, 'brokers' | 'pairs'>, model: Pick<NetworkModel, 'links'>, broker: Broker): AuthMode {
  if (!isTlsBroker(broker)) return 'password';
  if (broker.ports.stomp !== undefined || broker.ports.openwire !== undefined) return 'dual';
  const pair = registry.pairs.find((p) => p.brokers.includes(broker.name));
  if (!pair) return 'certificate';
  const links = outgoingLinks(model, pair.name);
  const needsPassword = links.some((l) => {
    const scheme = linkScheme(registry, l);
    const remote = pairBrokers(registry, registry.pairs.find((p) => p.name === l.to));
    return scheme === 'tcp' || remote.length > 1;
  });
  return needsPassword ? 'dual' : 'certificate';
}

/** True when some bridge logs in with the network user's password (a dual broker sends, or a link is plain). */
export function networkPasswordNeeded(registry: Pick<Registry, 'brokers' | 'pairs'>, model: Pick<NetworkModel, 'links'>): boolean {
  return model.links.some((l) => {
    if (linkScheme(registry, l) === 'tcp') return true;
    return pairBrokers(registry, registry.pairs.find((p) => p.name === l.from)).some((b) => brokerAuthMode(registry, model, b) === 'dual');
  });
}

/** A party's own certificate and password, whichever it has. */
export interface PartyIdentity {
  certificateDn?: string;
  credentials: Credentials;
}

export type ClientScheme = 'stomp+ssl' | 'stomp';

/**
 * How a site or consumer connects to one broker: over stomp+ssl when the
 * broker has a TLS identity and the party a certificate (preferred), else
 * over plain STOMP when the broker opens it and the party has a password.
 */
export function clientScheme(broker: Broker, party: PartyIdentity): ClientScheme | undefined {
  if (isTlsBroker(broker) && broker.ports.stompSsl !== undefined && party.certificateDn !== undefined) return 'stomp+ssl';
  if (broker.ports.stomp !== undefined && hasPassword(party.credentials)) return 'stomp';
  return undefined;
}

/** Pairs a party connects to: a site's own and fallback pairs, a consumer's pair. */
export function partyPairs(party: Site | Consumer): string[] {
  return 'fallback' in party ? [party.pair, ...party.fallback] : [party.pair];
}
