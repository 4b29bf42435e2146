/**
 * Who a broker knows and how each one logs in: by password (a registry
 * password reference), by certificate (its subject DN, on TLS brokers), or
 * both. Every broker certificate of the network is a network-bridge
 * identity on every TLS broker: the connecting broker's certificate is what
 * the receiving broker sees, and ActiveMQ gives the bridge's local
 * connection the REMOTE broker's certificate (docs/security.md). Pure.
 */
import {
  brokerUser,
  hasPassword,
  isTlsBroker,
  pairBrokers,
  type Credentials,
  type Pair,
  type Registry,
} from '../topology/index.js';

/** Group of the network bridges (the network user and every broker certificate). */
export const NETWORK_GROUP = 'network';
/** Key of a user's password in conf/credentials.properties. */
export const passwordKey = (username: string): string => `gridmsg.password.${username}`;

export interface PlannedUser {
  username: string;
  /** Key of its password in credentials.properties; absent for a user without a password. */
  passwordKey?: string;
  /** Certificate subject mapped to this user (TLS brokers only). */
  dn?: string;
  groups: string[];
  /** What this user is, for the comment in the XML. */
  role: string;
  credentials: Credentials;
}

interface Party {
  credentials: Credentials;
  certificateDn?: string;
}

/**
 * The users of a pair's brokers, sorted: password keys only for users that
 * have a password, DNs only on TLS brokers, the network user only when it has
 * a password, and on TLS brokers one user per broker certificate of the
 * network (`broker.<name>`, group `network`).
 */
export function planIdentities(registry: Registry, pair: Pair, candidates: PlannedUser[]): PlannedUser[] {
  const tls = pairBrokers(registry, pair).some(isTlsBroker);
  const parties: Party[] = [...registry.sites, ...registry.consumers, ...(registry.monitoring ? [registry.monitoring] : [])];
  const dnOf = new Map(parties.flatMap((p) => (p.certificateDn === undefined ? [] : [[p.credentials.username, p.certificateDn] as const])));
  const users: PlannedUser[] = [];
  for (const u of candidates) {
    const { passwordKey: _key, dn: _dn, ...rest } = u;
    const user: PlannedUser = rest;
    if (hasPassword(u.credentials)) user.passwordKey = passwordKey(u.username);
    const dn = tls ? dnOf.get(u.username) : undefined;
    if (dn !== undefined) user.dn = dn;
    if (user.passwordKey !== undefined || user.dn !== undefined) users.push(user);
  }
  if (tls) {
    for (const b of registry.brokers) {
      if (!b.tls) continue;
      const username = brokerUser(b.name);
      users.push({ username, dn: b.tls.dn, groups: [NETWORK_GROUP], role: `network bridges of broker ${b.name}`, credentials: { username, srcPath: b.tls.srcPath } });
    }
  }
  return users.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}
