/**
 * Reading the secrets a registry references (I/O edge). The registry never
 * holds a password: each user names a file (relative to the registry) or an
 * environment variable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeProblem, formatPath, type Credentials, type Problem, type Registry } from '../topology/index.js';
import { ConfigError } from '../core/errors.js';

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

/**
 * Resolves every user's password. Returns the secrets by username and, for
 * each one missing or unusable, a problem located at its credentials.
 */
export function resolveSecrets(registry: Registry, source: SecretSource = realSource): { secrets: Map<string, string>; problems: Problem[] } {
  const secrets = new Map<string, string>();
  const problems: Problem[] = [];
  for (const c of registryUsers(registry)) {
    const fail = (message: string): void => {
      problems.push({ severity: 'error', message, path: formatPath(c.srcPath), file: registry.file, ...registry.locate(c.srcPath) });
    };
    let value: string | undefined;
    if (c.passwordFile !== undefined) {
      const file = path.resolve(registry.baseDir, c.passwordFile);
      try {
        value = source.readFile(file).replace(/\r?\n$/, '');
      } catch (err) {
        fail(`password file of user "${c.username}" cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        continue;
      }
    } else if (c.passwordEnv !== undefined) {
      value = source.env[c.passwordEnv];
      if (value === undefined) {
        fail(`environment variable ${c.passwordEnv} (password of user "${c.username}") is not set`);
        continue;
      }
    } else {
      fail(`user "${c.username}" has no passwordFile or passwordEnv`);
      continue;
    }
    const why = secretProblem(value);
    if (why) fail(`password of user "${c.username}" ${why}`);
    else secrets.set(c.username, value);
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
