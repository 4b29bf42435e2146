/**
 * The files a TLS broker instance needs beside activemq.xml (the recipe of
 * security/broker-tls.ts): login.config, cert-users.properties,
 * groups.properties and, with the dual plugin, users.properties (secret,
 * 0600). Keystore and truststore passwords go into credentials.properties.
 * Keystores themselves are never generated: they hold private keys and come
 * from the broker host (or the development PKI of `gridmsg dev up`). Pure.
 */
import path from 'node:path';
import {
  BROKER_TLS_FILES,
  certificateUsersProperties,
  groupsOf,
  groupsProperties,
  loginConfig,
  passwordUsersProperties,
  TLS_PASSWORD_PROPERTIES,
} from '../security/broker-tls.js';
import type { Broker, Registry } from '../topology/index.js';
import type { BrokerPlan, PlannedUser } from './plan.js';

/** Spring resources of a broker's keystore and truststore, for <sslContext>. */
export interface BrokerStores {
  keyStore: string;
  trustStore: string;
}

/** Keys of a broker's keystore/truststore passwords in the secrets map (`:` never occurs in a username). */
export const keyStoreSecretId = (broker: string): string => `keystore:${broker}`;
export const trustStoreSecretId = (broker: string): string => `truststore:${broker}`;

/** Where the broker finds its stores: the registry's paths (relative to it), else conf/tls/ of the instance. */
export function brokerStores(registry: Pick<Registry, 'baseDir'>, broker: Broker): BrokerStores | undefined {
  if (!broker.tls) return undefined;
  const resource = (file: string | undefined, fallback: string): string =>
    file === undefined ? `file:\${activemq.conf}/${fallback}` : `file:${path.resolve(registry.baseDir, file)}`;
  return {
    keyStore: resource(broker.tls.keyStore, BROKER_TLS_FILES.keyStore),
    trustStore: resource(broker.tls.trustStore, BROKER_TLS_FILES.trustStore),
  };
}

export interface InstanceFile {
  /** Relative to the instance directory. */
  path: string;
  content: string;
  mode: number;
}

const certificateUsers = (users: PlannedUser[]) => users.flatMap((u) => (u.dn === undefined ? [] : [{ user: u.username, dn: u.dn, groups: u.groups }]));

/**
 * login.config, cert-users.properties, groups.properties of a TLS broker;
 * with `secrets` and the dual plugin also users.properties (0600). Throws
 * when a password user has no secret (the caller resolved them all).
 */
export function tlsInstanceFiles(plan: BrokerPlan, secrets?: ReadonlyMap<string, string>): InstanceFile[] {
  if (plan.auth === 'password') return [];
  const mode = plan.auth;
  const passwordUsers = mode === 'dual' ? plan.users.filter((u) => u.passwordKey !== undefined) : [];
  const all = [...certificateUsers(plan.users), ...passwordUsers.map((u) => ({ user: u.username, groups: u.groups }))];
  const files: InstanceFile[] = [
    { path: `conf/${BROKER_TLS_FILES.loginConfig}`, content: loginConfig({ mode }), mode: 0o644 },
    { path: `conf/${BROKER_TLS_FILES.certificateUsers}`, content: certificateUsersProperties(certificateUsers(plan.users)), mode: 0o644 },
    { path: `conf/${BROKER_TLS_FILES.groups}`, content: groupsProperties(groupsOf(all)), mode: 0o644 },
  ];
  if (secrets && mode === 'dual') {
    const users = passwordUsers.map((u) => {
      const password = secrets.get(u.username);
      if (password === undefined) throw new Error(`no secret for user ${u.username}`);
      return { user: u.username, password, groups: u.groups };
    });
    files.push({ path: `conf/${BROKER_TLS_FILES.passwordUsers}`, content: passwordUsersProperties(users), mode: 0o600 });
  }
  return files;
}

/** credentials.properties lines of the TLS secrets: `[key, secret]`. */
export function tlsSecretLines(plan: BrokerPlan, secrets: ReadonlyMap<string, string>): Array<[string, string]> {
  if (!plan.broker.tls) return [];
  const get = (id: string): string => {
    const v = secrets.get(id);
    if (v === undefined) throw new Error(`no secret ${id}`);
    return v;
  };
  return [
    [TLS_PASSWORD_PROPERTIES.keyStore, get(keyStoreSecretId(plan.broker.name))],
    [TLS_PASSWORD_PROPERTIES.trustStore, get(trustStoreSecretId(plan.broker.name))],
  ];
}
