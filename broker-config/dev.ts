/**
 * A registry's whole broker network on one machine (`gridmsg dev up/down`).
 * The registry is localized (loopback, free ports, state-dir paths, generated
 * passwords), generated into the state directory and started broker by
 * broker: the first broker of each pair becomes active and must accept a
 * STOMP login; the second must be alive and waiting for the store lock.
 * dev.json in the state directory records every pid so `dev down` (another
 * process) can stop them all.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GridmsgError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import type { Logger } from '../core/logger.js';
import { freePorts, portOpen } from '../core/ports.js';
import { pidAlive, stopPid, type ManagedProcess } from '../core/process.js';
import { identityPaths } from '../security/pki-layout.js';
import { localize, localPortCount, localSecretFile, loadRegistry, type Registry } from '../topology/index.js';
import { ensureDevPki } from './dev-pki.js';
import { generateBrokerNetwork, type GeneratedFile } from './generate.js';
import { instanceRuntime, logSaysStandby } from './instance-dir.js';
import { brokerDescriptor, type BrokerDescriptor } from './instance-files.js';
import type { NetworkPlan } from './plan.js';
import { spawnBroker } from './runner.js';
import { registryUsers, requireSecrets } from './secrets.js';
import { stompPing, type PingTls } from './stomp-ping.js';
import { writeGeneratedFiles } from './write.js';

export const DEV_STATE_FILE = 'dev.json';
/** Heap of each local broker: a dozen brokers must fit on a small machine. */
export const DEV_MAX_HEAP_MB = 256;

export type DevRole = 'starting' | 'active' | 'standby';

export interface DevBroker {
  name: string;
  pair: string;
  pairIndex: number;
  role: DevRole;
  pid: number;
  host: string;
  /** The port STOMP clients use: stomp+ssl on a TLS broker, else plain STOMP. */
  stompPort: number;
  /** The port network bridges use: ssl on a TLS broker, else plain OpenWire. */
  openwirePort: number;
  /** TLS broker: clients need a certificate of the state's development CA (STATE/pki). */
  tls: boolean;
  /** Instance directory (conf/, broker.json, broker.log). */
  dir: string;
  log: string;
}

export interface DevState {
  /** Registry file the network was made from. */
  registry: string;
  stateDir: string;
  brokers: DevBroker[];
}

export interface LocalNetwork {
  stateDir: string;
  /** The localized registry. */
  registry: Registry;
  plan: NetworkPlan;
  files: GeneratedFile[];
  /** Password of each user (by username) and keystore passwords (keyStoreSecretId). */
  secrets: Map<string, string>;
  /** The development PKI (STATE/pki) when the registry uses TLS. */
  pkiDir?: string;
}

export function readDevState(stateDir: string): DevState | undefined {
  const file = path.join(stateDir, DEV_STATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as DevState;
  } catch (err) {
    throw new GridmsgError('DEV_STATE_INVALID', `cannot read ${file}: ${(err as Error).message}`, { file });
  }
}

function writeDevState(state: DevState): void {
  writeFileAtomic(path.join(state.stateDir, DEV_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Brokers of a state that still run (checked by pid and by their command line). */
export function runningBrokers(state: DevState): DevBroker[] {
  return state.brokers.filter((b) => isOurBroker(b));
}

function isOurBroker(b: DevBroker): boolean {
  if (!pidAlive(b.pid)) return false;
  try {
    // A recycled pid must not be mistaken for our broker.
    return fs.readFileSync(`/proc/${b.pid}/cmdline`, 'utf8').includes(`-Dactivemq.base=${b.dir}`);
  } catch {
    return true;
  }
}

/**
 * Localizes the registry into `stateDir`, creates missing passwords (kept
 * across runs, mode 0600) and writes the generated network there. No broker
 * is started.
 */
export async function prepareLocalNetwork(source: Registry, stateDirIn: string, options: { maxHeapMb?: number } = {}): Promise<LocalNetwork> {
  const stateDir = path.resolve(stateDirIn);
  fs.mkdirSync(stateDir, { recursive: true });
  const ports = await freePorts(localPortCount(source));
  const registry = localize(source, { stateDir, ports, maxHeapMb: options.maxHeapMb ?? DEV_MAX_HEAP_MB });
  for (const c of registryUsers(registry)) {
    if (c.passwordFile === undefined) continue; // a certificate-only user
    const file = localSecretFile(stateDir, c.username);
    if (!fs.existsSync(file)) writeFileAtomic(file, `${crypto.randomBytes(18).toString('base64url')}\n`, 0o600);
  }
  const pki = await ensureDevPki(registry, source, stateDir);
  const secrets = requireSecrets(registry);
  const { files, plan } = generateBrokerNetwork(registry, { secrets });
  writeGeneratedFiles(stateDir, files);
  return { stateDir, registry, plan, files, secrets, ...(pki.dir === undefined ? {} : { pkiDir: pki.dir }) };
}

/**
 * How dev up proves a broker accepts STOMP logins: over stomp+ssl with the
 * broker's own development certificate (every broker certificate is a
 * network-bridge identity on every TLS broker), else with a password user of
 * the broker (the network user first).
 */
function pingLogin(net: LocalNetwork, b: DevBroker): [{ login: string; passcode: string }, number, PingTls?] {
  if (b.tls && net.pkiDir !== undefined) {
    const id = identityPaths(net.pkiDir, 'broker', b.name);
    return [{ login: '', passcode: '' }, 10_000, { ca: fs.readFileSync(id.ca), cert: fs.readFileSync(id.cert), key: fs.readFileSync(id.key) }];
  }
  const users = net.plan.brokers.find((p) => p.broker.name === b.name)?.users ?? [];
  const user = users.find((u) => u.passwordKey !== undefined && u.username === net.registry.network.credentials.username) ?? users.find((u) => u.passwordKey !== undefined);
  return [{ login: user?.username ?? '', passcode: user === undefined ? '' : (net.secrets.get(user.username) ?? '') }, 10_000];
}

function tail(file: string, bytes = 2500): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

export interface StartOptions {
  logger: Logger;
  /** Per broker (default 120 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called after every change, e.g. to save dev.json. */
  onChange?: (brokers: DevBroker[]) => void;
  /**
   * Run the brokers with the full JIT (C2) as run.sh does in production
   * (broker-config/runner.ts `fullJit`). Benchmarks set it: C1-only brokers
   * spend more CPU per message (bench/broker-hop.ts); tests keep the quicker start.
   */
  fullJit?: boolean;
}

/** A broker of the network we started, with its process handle. */
export interface StartedBroker extends DevBroker {
  process: ManagedProcess;
}

/**
 * Starts the brokers of the given pairs (all by default): first brokers of
 * each pair in parallel until each accepts a STOMP login, then the second
 * ones until each is alive and waiting for the lock (`standbys: false`
 * leaves them out). On failure every broker started here is stopped again.
 */
export async function startLocalNetwork(
  net: LocalNetwork,
  options: StartOptions & { pairs?: string[]; standbys?: boolean },
): Promise<StartedBroker[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const wanted = new Set(options.pairs ?? net.registry.pairs.map((p) => p.name));
  const descriptors = net.plan.brokers.filter((b) => wanted.has(b.pair.name)).map(brokerDescriptor);
  const started: StartedBroker[] = [];
  const changed = (): void => options.onChange?.(started.map(({ process: _p, ...rest }) => rest));

  const start = (d: BrokerDescriptor): StartedBroker => {
    const dir = path.join(net.stateDir, 'brokers', d.name);
    const log = path.join(dir, 'broker.log');
    fs.rmSync(log, { force: true });
    const runtime = instanceRuntime(dir, d);
    const proc = spawnBroker({ dir, heapMb: d.heapMb, detached: true, logFile: log, systemProperties: runtime.systemProperties, fullJit: options.fullJit === true });
    const b: StartedBroker = {
      name: d.name,
      pair: d.pair,
      pairIndex: d.pairIndex,
      role: 'starting',
      pid: proc.pid,
      host: d.host,
      stompPort: runtime.stompPort,
      openwirePort: runtime.openwirePort,
      tls: d.tls === true,
      dir,
      log,
      process: proc,
    };
    started.push(b);
    changed();
    options.logger.debug('broker starting', { broker: d.name, pid: proc.pid });
    return b;
  };

  const fail = (b: DevBroker, why: string): never => {
    throw new GridmsgError('BROKER_START_FAILED', `broker ${b.name} ${why}\n--- ${b.log} (tail) ---\n${tail(b.log)}`, {
      broker: `${b.name} (${b.host}:${b.stompPort})`,
    });
  };

  const waitActive = async (b: StartedBroker): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last = 'not listening yet';
    while (Date.now() < deadline) {
      if (options.signal?.aborted) fail(b, 'start interrupted');
      if (!b.process.alive()) fail(b, `exited (${String(await b.process.exited)}) before accepting STOMP`);
      if (await portOpen(b.host, b.stompPort)) {
        const ping = await stompPing(b.host, b.stompPort, ...pingLogin(net, b));
        if (ping.ok) {
          b.role = 'active';
          changed();
          return;
        }
        last = ping.reason;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return fail(b, `did not accept a STOMP login within ${timeoutMs} ms (${last})`);
  };

  const waitStandby = async (b: StartedBroker): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (options.signal?.aborted) fail(b, 'start interrupted');
      if (!b.process.alive()) fail(b, `exited (${String(await b.process.exited)}) instead of waiting for the store lock`);
      if (logSaysStandby(b.log)) {
        b.role = 'standby';
        changed();
        return;
      }
      if (await portOpen(b.host, b.stompPort)) fail(b, 'became active although its partner holds the store: the pair does not share a store');
      await new Promise((r) => setTimeout(r, 250));
    }
    return fail(b, `was not seen waiting for the store lock within ${timeoutMs} ms`);
  };

  try {
    const firsts = descriptors.filter((d) => d.pairIndex === 0 || d.partner === undefined);
    const seconds = options.standbys === false ? [] : descriptors.filter((d) => !firsts.includes(d));
    await Promise.all(firsts.map((d) => waitActive(start(d))));
    await Promise.all(seconds.map((d) => waitStandby(start(d))));
  } catch (err) {
    await Promise.all(started.map((b) => b.process.stop(15_000)));
    throw err;
  }
  for (const b of started) options.logger.info(`broker ${b.role}`, { broker: b.name, pair: b.pair, pid: b.pid });
  return started;
}

/** `gridmsg dev up`: localize, generate, start everything, save dev.json. */
export async function devUp(registryFile: string, stateDirIn: string, options: StartOptions & { maxHeapMb?: number }): Promise<DevState> {
  const stateDir = path.resolve(stateDirIn);
  const previous = readDevState(stateDir);
  if (previous) {
    const running = runningBrokers(previous);
    if (running.length > 0) {
      throw new GridmsgError(
        'DEV_RUNNING',
        `a dev network already runs from ${stateDir} (pids ${running.map((b) => b.pid).join(', ')}); run: gridmsg dev down --state ${stateDirIn}`,
      );
    }
  }
  const registry = loadRegistry(registryFile);
  const net = await prepareLocalNetwork(registry, stateDir, options.maxHeapMb === undefined ? {} : { maxHeapMb: options.maxHeapMb });
  const state: DevState = { registry: path.resolve(registryFile), stateDir, brokers: [] };
  writeDevState(state);
  const started = await startLocalNetwork(net, {
    ...options,
    onChange: (brokers) => {
      state.brokers = brokers;
      writeDevState(state);
    },
  });
  state.brokers = started.map(({ process: _p, ...rest }) => rest);
  writeDevState(state);
  return state;
}

/**
 * `gridmsg dev down`: stops every broker recorded in dev.json, standbys first
 * (so none takes over), then the active ones. Returns the brokers stopped.
 */
export async function devDown(stateDirIn: string, logger: Logger): Promise<DevBroker[]> {
  const stateDir = path.resolve(stateDirIn);
  const state = readDevState(stateDir);
  if (!state) return [];
  const running = runningBrokers(state);
  const order = [...running.filter((b) => b.role !== 'active'), ...running.filter((b) => b.role === 'active')];
  const stop = (list: DevBroker[]): Promise<unknown> =>
    Promise.all(
      list.map((b) => {
        logger.debug('stopping broker', { broker: b.name, pid: b.pid });
        return stopPid(b.pid, 20_000);
      }),
    );
  await stop(order.filter((b) => b.role !== 'active'));
  await stop(order.filter((b) => b.role === 'active'));
  const left = runningBrokers(state);
  if (left.length > 0) {
    throw new GridmsgError('DEV_STOP_FAILED', `brokers still running: ${left.map((b) => `${b.name} (pid ${b.pid})`).join(', ')}`);
  }
  fs.rmSync(path.join(stateDir, DEV_STATE_FILE), { force: true });
  return order;
}
