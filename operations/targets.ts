/**
 * Where the brokers of a registry are and how the monitoring user logs in:
 * from the registry itself (production), or from a `gridmsg dev up` state
 * directory (every broker on loopback with its own ports and pid, passwords
 * under DIR/secrets). The overlay is pure; reading files is at the edges.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { readDescriptor, readDevState, type BrokerDescriptor, type DevState } from '../broker-config/index.js';
import { formatPath, localSecretFile, type Registry } from '../topology/index.js';
import type { SessionLogin } from './stomp-session.js';

export interface BrokerTarget {
  name: string;
  pair: string;
  /** Position in the pair: 0 is started first and normally active. */
  pairIndex: number;
  partner?: string;
  host: string;
  /** Plain STOMP port; undefined for a broker that only opens stomp+ssl. */
  stompPort?: number;
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
