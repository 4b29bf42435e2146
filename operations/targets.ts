/**
 * Where the brokers of a registry are and how the monitoring user logs in
 * (a password over plain STOMP, a certificate over stomp+ssl): from the
 * registry itself (production), or from a `gridmsg dev up` state directory
 * (every broker on loopback with its own ports and pid, passwords under
 * DIR/secrets, the monitoring certificate in DIR/pki). The overlay is pure; reading files is at the edges.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, describeError } from '../core/errors.js';
import { readDescriptor, readDevState, type BrokerDescriptor, type DevState } from '../broker-config/index.js';
import type { TlsSettings } from '../clients/client-config.js';
import { loadClientTls, type LoadedClientTls } from '../security/index.js';
import { formatPath, hasPassword, localClientTls, localSecretFile, LOCAL_MONITOR_IDENTITY, type Registry } from '../topology/index.js';
import type { SessionEndpoint, SessionLogin } from './stomp-session.js';

export interface BrokerTarget {
  name: string;
  pair: string;
  /** Position in the pair: 0 is started first and normally active. */
  pairIndex: number;
  partner?: string;
  host: string;
  /** Plain STOMP port; undefined for a broker that only opens stomp+ssl. */
  stompPort?: number;
  /** stomp+ssl port of a broker with a TLS identity. */
  stompSslPort?: number;
  /** Known only for a dev network (dev.json). */
  pid?: number;
  /** Broker log file (dev network). */
  log?: string;
}

export interface Targets {
  brokers: BrokerTarget[];
  /** `registry`: hosts and ports as the registry says; `dev`: a local network from `gridmsg dev up`. */
  source: 'registry' | 'dev';
}

/** The brokers as the registry describes them, in pair order. */
export function registryTargets(registry: Registry): BrokerTarget[] {
  const out: BrokerTarget[] = [];
  for (const pair of [...registry.pairs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    pair.brokers.forEach((name, i) => {
      const b = registry.brokers.find((x) => x.name === name);
      if (!b) return;
      const partner = pair.brokers.find((x) => x !== name);
      out.push({
        name,
        pair: pair.name,
        pairIndex: i,
        ...(partner === undefined ? {} : { partner }),
        host: b.host,
        ...(b.ports.stomp === undefined ? {} : { stompPort: b.ports.stomp }),
        ...(b.tls === undefined || b.ports.stompSsl === undefined ? {} : { stompSslPort: b.ports.stompSsl }),
      });
    });
  }
  return out;
}

/** Replaces hosts and ports by those of a dev network (its broker.json files) and adds pids and logs (dev.json). Pure. */
export function overlayDev(brokers: BrokerTarget[], descriptors: ReadonlyMap<string, BrokerDescriptor>, state: DevState | undefined, stateDir: string): BrokerTarget[] {
  return brokers.map((b) => {
    const d = descriptors.get(b.name);
    const dev = state?.brokers.find((x) => x.name === b.name);
    const out: BrokerTarget = { ...b, log: path.join(stateDir, 'brokers', b.name, 'broker.log') };
    if (d) {
      out.host = d.host;
      if (d.ports.stomp === undefined) delete out.stompPort;
      else out.stompPort = d.ports.stomp;
      if (d.tls !== true || d.ports.stompSsl === undefined) delete out.stompSslPort;
      else out.stompSslPort = d.ports.stompSsl;
    }
    if (dev) out.pid = dev.pid;
    return out;
  });
}

/** Targets of a registry, or of its dev network when `stateDir` is given (I/O: reads broker.json and dev.json). */
export function resolveTargets(registry: Registry, stateDir?: string): Targets {
  const base = registryTargets(registry);
  if (stateDir === undefined) return { brokers: base, source: 'registry' };
  const dir = path.resolve(stateDir);
  if (!fs.existsSync(path.join(dir, 'brokers'))) {
    throw new ConfigError(`${dir} is not a dev network state directory (no brokers/): run gridmsg dev up ${registry.file} --state ${stateDir}`, { file: dir });
  }
  const descriptors = new Map<string, BrokerDescriptor>();
  for (const b of base) {
    const bdir = path.join(dir, 'brokers', b.name);
    if (fs.existsSync(bdir)) descriptors.set(b.name, readDescriptor(bdir));
  }
  return { brokers: overlayDev(base, descriptors, readDevState(dir), dir), source: 'dev' };
}

/**
 * The monitoring user's login. Dev network: its generated password under
 * DIR/secrets. Otherwise the registry's passwordFile (relative to the
 * registry) or passwordEnv. Errors name the registry file and field.
 */
export function monitoringLogin(registry: Registry, stateDir?: string, env: NodeJS.ProcessEnv = process.env): SessionLogin {
  const m = registry.monitoring;
  if (!m) {
    throw new ConfigError('the registry defines no monitoring user: add monitoring.credentials (see docs/registry.md), generate the brokers again and restart them', {
      file: registry.file,
      path: 'monitoring',
    });
  }
  const c = m.credentials;
  const where = { file: registry.file, ...registry.locate(c.srcPath), path: formatPath(c.srcPath) };
  const readFile = (file: string, what: string): string => {
    try {
      return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(`cannot read the monitoring password ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, where);
    }
  };
  if (stateDir !== undefined) return { login: c.username, passcode: readFile(localSecretFile(path.resolve(stateDir), c.username), 'of the dev network') };
  if (c.passwordFile !== undefined) return { login: c.username, passcode: readFile(path.resolve(registry.baseDir, c.passwordFile), 'file') };
  if (c.passwordEnv !== undefined) {
    const v = env[c.passwordEnv];
    if (v === undefined) throw new ConfigError(`environment variable ${c.passwordEnv} (the monitoring password) is not set`, where);
    return { login: c.username, passcode: v };
  }
  throw new ConfigError('monitoring.credentials needs passwordFile or passwordEnv', where);
}

/** Command-line overrides of the monitoring certificate's PEM files (`--tls-cert`, `--tls-key`, `--tls-ca`). */
export interface TlsFileOverrides {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

/**
 * The monitoring certificate's PEM files: `--tls-*` options first, then the
 * dev network's PKI (`--state`: STATE/pki/monitors/monitoring/), then the
 * registry (`monitoring.tls`, else the top-level `tls` files; relative to the
 * registry). Undefined when the registry gives monitoring no certificateDn
 * and no option names a certificate. Pure.
 */
export function monitoringTlsFiles(registry: Registry, stateDir?: string, overrides: TlsFileOverrides = {}): TlsSettings | undefined {
  const m = registry.monitoring;
  const given = overrides.certFile !== undefined || overrides.keyFile !== undefined;
  if (m?.certificateDn === undefined && !given) return undefined;
  const base =
    stateDir !== undefined
      ? localClientTls(path.resolve(stateDir), 'monitor', LOCAL_MONITOR_IDENTITY)
      : (() => {
          const f = { ...registry.security.clientTls, ...m?.tls };
          return { caFile: path.resolve(registry.baseDir, f.caFile), certFile: path.resolve(registry.baseDir, f.certFile), keyFile: path.resolve(registry.baseDir, f.keyFile) };
        })();
  return {
    caFile: overrides.caFile ?? base.caFile,
    certFile: overrides.certFile ?? base.certFile,
    keyFile: overrides.keyFile ?? base.keyFile,
  };
}

/** How the monitoring user reaches the brokers: its password (plain STOMP) and/or its certificate (stomp+ssl). */
export interface MonitoringAccess {
  login?: SessionLogin;
  tls?: LoadedClientTls;
}

/**
 * Loads what the monitoring user logs in with (I/O: password file, PEM
 * files). Never throws: what cannot be loaded is returned as `problems`
 * (naming the registry field or file); check-network makes them UNKNOWN
 * where they matter, status asks without them.
 */
export function monitoringAccess(
  registry: Registry,
  options: { stateDir?: string; tls?: TlsFileOverrides; env?: NodeJS.ProcessEnv } = {},
): { access: MonitoringAccess; problems: string[] } {
  const access: MonitoringAccess = {};
  const problems: string[] = [];
  const m = registry.monitoring;
  if (m && hasPassword(m.credentials)) {
    try {
      access.login = monitoringLogin(registry, options.stateDir, options.env);
    } catch (err) {
      problems.push(describeError(err));
    }
  }
  const files = monitoringTlsFiles(registry, options.stateDir, options.tls);
  if (files) {
    try {
      access.tls = loadClientTls(files);
    } catch (err) {
      problems.push(`monitoring certificate: ${describeError(err)}`);
    }
  }
  if (!m && files === undefined) problems.push('the registry defines no monitoring user: add monitoring with a certificateDn (TLS brokers) or credentials (plain ports), see docs/registry.md; generate the brokers again and restart them');
  return { access, problems };
}

/** How one broker is asked: stomp+ssl with the certificate (preferred), else plain STOMP with the password; why not, when neither. Pure. */
export function sessionEndpoint(b: BrokerTarget, access: MonitoringAccess): { endpoint: SessionEndpoint; login?: SessionLogin } | { why: string } {
  if (b.stompSslPort !== undefined && access.tls) return { endpoint: { host: b.host, port: b.stompSslPort, tls: access.tls } };
  if (b.stompPort !== undefined) return { endpoint: { host: b.host, port: b.stompPort }, ...(access.login ? { login: access.login } : {}) };
  if (b.stompSslPort !== undefined) return { why: 'stomp+ssl only, and no monitoring certificate (monitoring.certificateDn in the registry, or --tls-cert/--tls-key)' };
  return { why: 'no STOMP port in the registry' };
}

/** `host:port (scheme)` of the port a broker is asked on, for reports. */
export function endpointText(b: BrokerTarget, access: MonitoringAccess): string {
  const e = sessionEndpoint(b, access);
  if ('endpoint' in e) return `${e.endpoint.host}:${e.endpoint.port}${e.endpoint.tls ? ' (ssl)' : ''}`;
  return b.stompSslPort !== undefined ? `${b.host}:${b.stompSslPort} (ssl)` : `${b.host} (no STOMP port)`;
}
