/**
 * Passwords come from a file or an environment variable, never from a config
 * file inline, and are never logged.
 */
import fs from 'node:fs';
import { ConfigError } from '../core/errors.js';
import type { Credentials } from './client-config.js';

/** Login and passcode for CONNECT, or undefined when no username is configured. */
export interface ResolvedCredentials {
  login: string;
  passcode: string;
}

/**
 * The password named by `credentials` (file first line, trailing newline
 * stripped; or env var). Undefined when neither is set.
 */
export function resolvePassword(credentials: Credentials | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (credentials === undefined) return undefined;
  if (credentials.passwordFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(credentials.passwordFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read password file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        file: credentials.passwordFile,
        path: 'credentials.passwordFile',
      });
    }
    return text.replace(/\r?\n$/, '');
  }
  if (credentials.passwordEnv !== undefined) {
    const value = env[credentials.passwordEnv];
    if (value === undefined) {
      throw new ConfigError(`environment variable ${credentials.passwordEnv} (the password) is not set`, {
        path: 'credentials.passwordEnv',
      });
    }
    return value;
  }
  return undefined;
}

/** Username + password for CONNECT; undefined when anonymous. */
export function resolveCredentials(credentials: Credentials | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedCredentials | undefined {
  if (credentials?.username === undefined) return undefined;
  return { login: credentials.username, passcode: resolvePassword(credentials, env) ?? '' };
}
