/**
 * loadClientConfig: reads a site or consumer client config (YAML, written by
 * `gridmsg broker-config generate`) and checks it against the shapes of
 * client-config.ts. Every error is a ConfigError naming file:line:column and
 * the field path. Relative file paths in the config (password, TLS, signing
 * files) are resolved against the config file's directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isNode, isSeq } from 'yaml';
import { ConfigError, type ErrorContext } from '../core/errors.js';
import { fieldLocation, fieldPathText, nodeAt, parseYamlSource, type YamlSource } from '../core/yaml-source.js';
import type {
  BrokerEndpoint,
  ClientConfig,
  ConsumerClientConfig,
  ConsumerQueue,
  Credentials,
  SiteClientConfig,
  TlsSettings,
} from './client-config.js';

type Path = Array<string | number>;

class Checker {
  constructor(private readonly src: YamlSource) {}

  private get source(): string {
    return this.src.file;
  }

  /** Fails at the field, or at its closest existing parent when it is missing. */
  fail(p: Path, message: string): never {
    throw new ConfigError(message, fieldLocation(this.src, p));
  }

  node(p: Path): unknown {
    return nodeAt(this.src, p);
  }

  value(p: Path): unknown {
    const node = this.node(p);
    return isNode(node) ? node.toJSON() : node;
  }

  object(p: Path, required: readonly string[], optional: readonly string[]): Record<string, unknown> {
    const node = this.node(p);
    if (!isMap(node)) this.fail(p, 'must be a mapping (key: value lines)');
    const obj = this.value(p) as Record<string, unknown>;
    const known = new Set([...required, ...optional]);
    for (const key of Object.keys(obj)) {
      if (key === 'password') this.fail([...p, key], 'inline passwords are not allowed: use passwordFile or passwordEnv');
      if (!known.has(key)) this.fail([...p, key], `unknown field "${key}" (expected one of: ${[...known].join(', ')})`);
    }
    for (const key of required) if (obj[key] === undefined || obj[key] === null) this.fail([...p, key], `missing required field "${key}"`);
    return obj;
  }

  string(p: Path, options: { optional?: boolean; pattern?: RegExp; hint?: string } = {}): string | undefined {
    const v = this.value(p);
    if (v === undefined || v === null) {
      if (options.optional) return undefined;
      this.fail(p, 'missing required field');
    }
    if (typeof v !== 'string' || v.trim() === '') this.fail(p, `must be a non-empty string${options.hint ? ` (${options.hint})` : ''}`);
    if (options.pattern && !options.pattern.test(v)) this.fail(p, `invalid value ${JSON.stringify(v)}${options.hint ? `: ${options.hint}` : ''}`);
    return v;
  }

  req(p: Path, options: { pattern?: RegExp; hint?: string } = {}): string {
    return this.string(p, options)!;
  }

  file(p: Path, optional = false): string | undefined {
    const v = this.string(p, { optional });
    return v === undefined ? undefined : path.resolve(path.dirname(this.source), v);
  }

  port(p: Path): number {
    const v = this.value(p);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) this.fail(p, `must be a port number 1-65535, not ${JSON.stringify(v)}`);
    return v;
  }

  list(p: Path, min = 0): unknown[] {
    const node = this.node(p);
    if (!isSeq(node)) this.fail(p, 'must be a list');
    const items = this.value(p) as unknown[];
    if (items.length < min) this.fail(p, `must list at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
    return items;
  }
}


const DESTINATION = /^\/(topic|queue)\/\S+$/;
const DEST_HINT = 'a STOMP destination such as /topic/a.b or /queue/a.b';

function tlsSettings(c: Checker, p: Path): TlsSettings {
  c.object(p, ['caFile'], ['certFile', 'keyFile', 'serverName']);
  const tls: TlsSettings = { caFile: c.file([...p, 'caFile'])! };
  const cert = c.file([...p, 'certFile'], true);
  const key = c.file([...p, 'keyFile'], true);
  if ((cert === undefined) !== (key === undefined)) c.fail(p, 'certFile and keyFile go together');
  if (cert !== undefined) tls.certFile = cert;
  if (key !== undefined) tls.keyFile = key;
  const sn = c.string([...p, 'serverName'], { optional: true });
  if (sn !== undefined) tls.serverName = sn;
  return tls;
}

function brokers(c: Checker): BrokerEndpoint[] {
  return c.list(['brokers'], 1).map((_, i) => {
    const p: Path = ['brokers', i];
    const obj = c.object(p, ['name', 'host', 'port'], ['tls']);
    const endpoint: BrokerEndpoint = { name: c.req([...p, 'name']), host: c.req([...p, 'host']), port: c.port([...p, 'port']) };
    if (obj['tls'] !== undefined) endpoint.tls = tlsSettings(c, [...p, 'tls']);
    return endpoint;
  });
}

function credentials(c: Checker): Credentials {
  const p: Path = ['credentials'];
  c.object(p, [], ['username', 'passwordFile', 'passwordEnv']);
  const creds: Credentials = {};
  const user = c.string([...p, 'username'], { optional: true });
  const file = c.file([...p, 'passwordFile'], true);
  const env = c.string([...p, 'passwordEnv'], { optional: true, pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, hint: 'an environment variable name' });
  if (file !== undefined && env !== undefined) c.fail(p, 'give passwordFile or passwordEnv, not both');
  if (user !== undefined) creds.username = user;
  if (file !== undefined) creds.passwordFile = file;
  if (env !== undefined) creds.passwordEnv = env;
  return creds;
}

function site(c: Checker): SiteClientConfig {
  const obj = c.object([], ['kind', 'site', 'tenant', 'role', 'brokers', 'destination', 'credentials'], ['nagiosHost', 'signing']);
  const cfg: SiteClientConfig = {
    kind: 'site',
    site: c.req(['site']),
    tenant: c.req(['tenant']),
    role: c.req(['role']),
    brokers: brokers(c),
    destination: c.req(['destination'], { pattern: DESTINATION, hint: DEST_HINT }),
    credentials: credentials(c),
  };
  const host = c.string(['nagiosHost'], { optional: true });
  if (host !== undefined) cfg.nagiosHost = host;
  if (obj['signing'] !== undefined) {
    c.object(['signing'], ['certFile', 'keyFile'], []);
    cfg.signing = { certFile: c.file(['signing', 'certFile'])!, keyFile: c.file(['signing', 'keyFile'])! };
  }
  return cfg;
}

function queues(c: Checker): ConsumerQueue[] {
  return c.list(['queues'], 1).map((_, i) => {
    const p: Path = ['queues', i];
    const obj = c.object(p, ['site', 'tenant', 'role', 'destination'], ['hosts', 'signerDn']);
    const q: ConsumerQueue = {
      site: c.req([...p, 'site']),
      tenant: c.req([...p, 'tenant']),
      role: c.req([...p, 'role']),
      destination: c.req([...p, 'destination'], { pattern: DESTINATION, hint: DEST_HINT }),
    };
    if (obj['hosts'] !== undefined) q.hosts = c.list([...p, 'hosts']).map((_, j) => c.req([...p, 'hosts', j]));
    const dn = c.string([...p, 'signerDn'], { optional: true });
    if (dn !== undefined) q.signerDn = dn;
    return q;
  });
}

function consumer(c: Checker): ConsumerClientConfig {
  const obj = c.object([], ['kind', 'consumer', 'brokers', 'queues', 'errorDestination', 'credentials'], ['verification', 'prefetch']);
  const cfg: ConsumerClientConfig = {
    kind: 'consumer',
    consumer: c.req(['consumer']),
    brokers: brokers(c),
    queues: queues(c),
    errorDestination: c.req(['errorDestination'], { pattern: DESTINATION, hint: DEST_HINT }),
    credentials: credentials(c),
  };
  if (obj['verification'] !== undefined) {
    c.object(['verification'], ['caFile'], []);
    cfg.verification = { caFile: c.file(['verification', 'caFile'])! };
  }
  if (obj['prefetch'] !== undefined) {
    const v = obj['prefetch'];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 10_000) c.fail(['prefetch'], `must be a whole number 1-10000, not ${JSON.stringify(v)}`);
    cfg.prefetch = v;
  }
  return cfg;
}

/** Parses and checks client config text; `file` is used for messages and relative paths. */
export function parseClientConfig(text: string, file: string): ClientConfig {
  const src = parseYamlSource(text, file);
  const c = new Checker(src);
  if (!isMap(src.doc.contents)) c.fail([], 'a client config must be a mapping with a "kind" field');
  const kind = c.value(['kind']);
  if (kind === 'site') return site(c);
  if (kind === 'consumer') return consumer(c);
  return c.fail(['kind'], `kind must be "site" or "consumer", not ${JSON.stringify(kind ?? null)}`);
}

/** Reads a client config file (YAML). Errors are ConfigErrors naming file:line:column and field. */
export function loadClientConfig(file: string): ClientConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read client config: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  return parseClientConfig(text, file);
}

/**
 * Where a field of a client config file is (file, line, column, path), for
 * problems found after loading, such as a signing key that cannot be read.
 * When the file or the field cannot be found, the context names the file
 * and the path only.
 */
export function clientConfigLocation(file: string, fieldPath: Path): ErrorContext {
  const context: ErrorContext = { file, path: fieldPathText(fieldPath) };
  try {
    const src = parseYamlSource(fs.readFileSync(file, 'utf8'), file);
    const node = nodeAt(src, fieldPath);
    return isNode(node) && node.range ? fieldLocation(src, fieldPath) : context;
  } catch {
    return context;
  }
}
