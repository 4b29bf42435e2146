/**
 * ActiveMQ-style broker URIs, as operators know them:
 *   failover:(tcp://a:61613,stomp+ssl://b:61614)?randomize=false&initialReconnectDelay=100&maxReconnectDelay=5000
 *   failover:tcp://a:61613,tcp://b:61613
 *   tcp://a:61613     stomp://a:61613     a:61613
 * As in ActiveMQ, a `failover:` URI randomizes unless `randomize=false`; a plain URI list does not.
 */
import { ConfigError } from '../core/errors.js';
import type { BrokerEndpoint, TlsSettings } from './client-config.js';

export interface FailoverSpec {
  brokers: BrokerEndpoint[];
  randomize: boolean;
  initialReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Options ActiveMQ knows but gridmsg ignores (e.g. `timeout`), to warn about. */
  ignored: string[];
}

const PLAIN_SCHEMES = new Set(['tcp', 'stomp', 'nio', 'stomp+nio', 'auto', 'auto+nio']);
const TLS_SCHEMES = new Set(['ssl', 'stomp+ssl', 'stomp+nio+ssl', 'nio+ssl', 'tls', 'auto+ssl', 'auto+nio+ssl']);

function fail(uri: string, message: string): never {
  throw new ConfigError(`${message} in broker URI ${JSON.stringify(uri)}`, { path: 'brokers' });
}

function parseEndpoint(uri: string, text: string, tls: TlsSettings | undefined): BrokerEndpoint {
  const m = /^(?:([a-z+]+):\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/?#\s[\]]+):(\d{1,5})\/?(?:\?.*)?$/.exec(text.trim());
  if (!m) fail(uri, `cannot read broker address ${JSON.stringify(text)} (want scheme://host:port)`);
  const scheme = (m[1] ?? 'tcp').toLowerCase();
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = Number(m[3]);
  if (port < 1 || port > 65535) fail(uri, `port ${port} out of range`);
  const endpoint: BrokerEndpoint = { name: `${host}:${port}`, host, port };
  if (TLS_SCHEMES.has(scheme)) {
    if (tls === undefined) fail(uri, `${scheme}:// needs TLS settings (a CA file)`);
    endpoint.tls = tls;
  } else if (!PLAIN_SCHEMES.has(scheme)) {
    fail(uri, `unsupported scheme ${JSON.stringify(scheme)}`);
  }
  return endpoint;
}

function parseMs(uri: string, name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) fail(uri, `${name} must be a whole number of milliseconds, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** Parses a failover URI or a single broker URI. Errors are ConfigErrors naming the URI. */
export function parseFailoverUri(uri: string, tls?: TlsSettings): FailoverSpec {
  const text = uri.trim();
  if (text === '') fail(uri, 'empty');
  const failover = /^failover:/i.test(text);
  let list = failover ? text.slice('failover:'.length) : text;
  let query = '';
  if (list.startsWith('(')) {
    const close = list.indexOf(')');
    if (close < 0) fail(uri, 'missing ")"');
    query = list.slice(close + 1);
    list = list.slice(1, close);
    if (query !== '' && !query.startsWith('?')) fail(uri, `unexpected ${JSON.stringify(query)} after ")"`);
    query = query.slice(1);
  } else if (failover) {
    const q = list.indexOf('?');
    if (q >= 0) {
      query = list.slice(q + 1);
      list = list.slice(0, q);
    }
  }
  const parts = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) fail(uri, 'no broker listed');
  const brokers = parts.map((p) => parseEndpoint(uri, p, tls));
  const spec: FailoverSpec = { brokers, randomize: failover, ignored: [] };
  if (query !== '') {
    for (const pair of query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
      switch (key) {
        case 'randomize':
          if (value !== 'true' && value !== 'false') fail(uri, `randomize must be true or false, not ${JSON.stringify(value)}`);
          spec.randomize = value === 'true';
          break;
        case 'initialReconnectDelay':
          spec.initialReconnectDelayMs = parseMs(uri, key, value);
          break;
        case 'maxReconnectDelay':
          spec.maxReconnectDelayMs = parseMs(uri, key, value);
          break;
        default:
          spec.ignored.push(key);
      }
    }
  }
  return spec;
}
