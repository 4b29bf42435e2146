/**
 * Connection settings from command-line style inputs (no yargs here): either
 * a client config file or a broker URI with credentials and TLS files.
 * Shared by `gridmsg send` and `gridmsg subscribe`.
 */
import { ConfigError } from '../core/errors.js';
import type { ConnectionOptions } from './api.js';
import type { ClientConfig, Credentials, TlsSettings } from './client-config.js';
import { loadClientConfig } from './config-loader.js';

export interface CliConnectionInput {
  config?: string | undefined;
  brokers?: string | undefined;
  user?: string | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  serverName?: string | undefined;
}

export interface CliConnection {
  options: ConnectionOptions;
  /** The loaded config, when --config was given. */
  config: ClientConfig | undefined;
}

export function connectionFromCli(input: CliConnectionInput): CliConnection {
  if ((input.config === undefined) === (input.brokers === undefined)) {
    throw new ConfigError('give either --config FILE or --brokers URI (exactly one)', { path: '--config/--brokers' });
  }
  if (input.config !== undefined) {
    const extra = (['user', 'passwordFile', 'passwordEnv', 'ca', 'cert', 'key', 'serverName'] as const).filter((k) => input[k] !== undefined);
    if (extra.length > 0) {
      throw new ConfigError(`--${extra[0]!.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} cannot be combined with --config (the config file holds credentials and TLS settings)`, {
        file: input.config,
      });
    }
    const config = loadClientConfig(input.config);
    return { config, options: { brokers: config.brokers, credentials: config.credentials } };
  }
  const options: ConnectionOptions = { brokers: input.brokers! };
  if (input.passwordFile !== undefined && input.passwordEnv !== undefined) {
    throw new ConfigError('give --password-file or --password-env, not both', { path: '--password-file' });
  }
  if ((input.passwordFile !== undefined || input.passwordEnv !== undefined) && input.user === undefined) {
    throw new ConfigError('a password needs --user', { path: '--user' });
  }
  if (input.user !== undefined) {
    const credentials: Credentials = { username: input.user };
    if (input.passwordFile !== undefined) credentials.passwordFile = input.passwordFile;
    if (input.passwordEnv !== undefined) credentials.passwordEnv = input.passwordEnv;
    options.credentials = credentials;
  }
  if (input.ca !== undefined) {
    const tls: TlsSettings = { caFile: input.ca };
    if (input.cert !== undefined) tls.certFile = input.cert;
    if (input.key !== undefined) tls.keyFile = input.key;
    if (input.serverName !== undefined) tls.serverName = input.serverName;
    options.tls = tls;
  } else if (input.cert !== undefined || input.key !== undefined || input.serverName !== undefined) {
    throw new ConfigError('--cert/--key/--server-name need --ca', { path: '--ca' });
  }
  return { config: undefined, options };
}

/** `k=v` strings (from --header) to a record; a ConfigError names a malformed one. */
export function parseHeaderArgs(items: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`header ${JSON.stringify(item)} is not k=v`, { path: '--header' });
    headers[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return headers;
}
