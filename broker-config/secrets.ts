/**
 * Reading the secrets a registry references (I/O edge): user passwords and
 * the keystore/truststore passwords of TLS brokers. The registry never holds
 * a secret: it names a file (relative to the registry) or an environment
 * variable. Problems name where the registry references a secret, never the
 * secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeProblem, formatPath, type Credentials, type NodePath, type Problem, type Registry } from '../topology/index.js';
import { ConfigError } from '../core/errors.js';
import { keyStoreSecretId, trustStoreSecretId } from './tls-instance.js';

export interface SecretSource {
  readFile(file: string): string;
  env: NodeJS.ProcessEnv;
}

const realSource: SecretSource = { readFile: (f) => fs.readFileSync(f, 'utf8'), env: process.env };

/** Every user the registry defines, with where its password comes from. */
export function registryUsers(registry: Registry): Credentials[] {
  return [
    registry.network.credentials,
    ...(registry.monitoring ? [registry.monitoring.credentials] : []),
    ...registry.sites.map((s) => s.credentials),
    ...registry.consumers.map((c) => c.credentials),
  ];
}

/** Why a password cannot go into credentials.properties, or undefined. */
export function secretProblem(secret: string): string | undefined {
  if (secret === '') return 'is empty';
  if (secret.includes('${')) return 'contains "${", which the broker would read as a placeholder';
  if (/[\r\n]/.test(secret)) return 'spans several lines';
  return undefined;
}

/** One secret the registry references: a user's password or a broker's keystore/truststore password. */
export interface SecretReference {
  /** Key in the secrets map: the username, or keyStoreSecretId/trustStoreSecretId of a broker. */
  id: string;
  /** `password`, `keystore password`, `truststore password`. */
  kind: string;
  /** `user "CERN-PROD"`, `broker "central-a"`. */
  owner: string;
  file?: string;
  env?: string;
  srcPath: NodePath;
}

/**
 * Every secret the registry references: the password of each user that has
 * one (certificate-only users have none) and the store passwords of each TLS
 * broker.
 */
export function secretReferences(registry: Registry): SecretReference[] {
  const refs: SecretReference[] = [];
  for (const c of registryUsers(registry)) {
    if (c.passwordFile === undefined && c.passwordEnv === undefined) continue;
    refs.push({ id: c.username, kind: 'password', owner: `user "${c.username}"`, ...(c.passwordFile === undefined ? {} : { file: c.passwordFile }), ...(c.passwordEnv === undefined ? {} : { env: c.passwordEnv }), srcPath: c.srcPath });
  }
  for (const b of registry.brokers) {
    if (!b.tls) continue;
    const owner = `broker "${b.name}"`;
    for (const [id, kind, ref] of [
      [keyStoreSecretId(b.name), 'keystore password', b.tls.keyStorePassword],
      [trustStoreSecretId(b.name), 'truststore password', b.tls.trustStorePassword],
    ] as const) {
      refs.push({ id, kind, owner, ...(ref.file === undefined ? {} : { file: ref.file }), ...(ref.env === undefined ? {} : { env: ref.env }), srcPath: b.tls.srcPath });
    }
  }
  return refs;
}

/**
 * Resolves every secret the registry references. Returns them by id
 * (usernames for passwords) and, for each one missing or unusable, a
 * problem located where the registry references it. Never puts a secret
 * into a message.
 */
export function resolveSecrets(registry: Registry, source: SecretSource = realSource): { secrets: Map<string, string>; problems: Problem[] } {
  const secrets = new Map<string, string>();
  const problems: Problem[] = [];
  for (const r of secretReferences(registry)) {
    const fail = (message: string): void => {
      problems.push({ severity: 'error', message, path: formatPath(r.srcPath), file: registry.file, ...registry.locate(r.srcPath) });
    };
    let value: string | undefined;
    if (r.file !== undefined) {
      const file = path.resolve(registry.baseDir, r.file);
      try {
        value = source.readFile(file).replace(/\r?\n$/, '');
      } catch (err) {
        fail(`${r.kind} file of ${r.owner} cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        continue;
      }
    } else if (r.env !== undefined) {
      value = source.env[r.env];
      if (value === undefined) {
        fail(`environment variable ${r.env} (${r.kind} of ${r.owner}) is not set`);
        continue;
      }
    } else {
      fail(`${r.owner} has no ${r.kind} file or variable`);
      continue;
    }
    const why = secretProblem(value);
    if (why) fail(`${r.kind} of ${r.owner} ${why}`);
    else secrets.set(r.id, value);
  }
  return { secrets, problems };
}

/** resolveSecrets, throwing one ConfigError that lists every missing secret. */
export function requireSecrets(registry: Registry, source: SecretSource = realSource): Map<string, string> {
  const { secrets, problems } = resolveSecrets(registry, source);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new ConfigError(
      `${problems.length} secret${problems.length > 1 ? 's' : ''} missing:\n${problems.map((p) => `  ${describeProblem(p)}`).join('\n')}`,
      { file: registry.file, path: first.path },
    );
  }
  return secrets;
}
