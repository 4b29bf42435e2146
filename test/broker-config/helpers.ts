/**
 * Helpers for the broker-config tests: the CLI as a child process, and the
 * example registry's network started (in part) on this machine.
 */
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { prepareLocalNetwork, startLocalNetwork, type LocalNetwork, type StartedBroker } from '../../broker-config/index.js';
import { loadRegistry } from '../../topology/index.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { tempDir } from '../helpers/tmp.js';

export const ROOT = path.join(import.meta.dirname, '..', '..');
export const EXAMPLE = path.join(ROOT, 'examples', 'registry.yaml');
/** The example network with plain ports and password logins only (what the password-login tests use). */
export const PLAIN_EXAMPLE = path.join(ROOT, 'test', 'fixtures', 'registries', 'valid-example-plain.yaml');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'registries');
const ENTRY = path.join(import.meta.dirname, 'cli-entry.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gridmsg ARGS` from the TypeScript sources (no build needed). */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; onStdout?: (text: string, child: import('node:child_process').ChildProcess) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ExampleNetwork {
  net: LocalNetwork;
  brokers: Map<string, StartedBroker>;
  broker(name: string): StartedBroker;
  password(user: string): string;
  /** STOMP login as `user` at broker `name` (its STOMP port, whether or not it is up). */
  connect(name: string, user: string): Promise<RawStompClient>;
  stateDir: string;
}

/**
 * The example registry (plain ports and password logins, unless `registry`
 * names another) localized into a temp dir, with the given pairs started
 * (standbys only when asked). Everything is stopped and removed in teardown.
 */
export async function startExample(t: ExecutionContext, options: { pairs: string[]; standbys?: boolean; registry?: string }): Promise<ExampleNetwork> {
  const tmp = tempDir('gridmsg-net-');
  const started: StartedBroker[] = [];
  t.teardown(async () => {
    await Promise.all(started.map((b) => b.process.stop(20_000)));
    tmp.cleanup();
  });
  const net = await prepareLocalNetwork(loadRegistry(options.registry ?? PLAIN_EXAMPLE), tmp.dir);
  const list = await startLocalNetwork(net, { logger: silentLogger(), pairs: options.pairs, standbys: options.standbys ?? false });
  started.push(...list);
  const brokers = new Map(list.map((b) => [b.name, b]));
  const descriptors = new Map(net.plan.brokers.map((b) => [b.broker.name, b.broker]));
  const password = (user: string): string => {
    const p = net.secrets.get(user);
    if (p === undefined) throw new Error(`no user ${user}`);
    return p;
  };
  return {
    net,
    brokers,
    stateDir: tmp.dir,
    broker(name) {
      const b = brokers.get(name);
      if (!b) throw new Error(`broker ${name} was not started`);
      return b;
    },
    password,
    connect(name, user) {
      const d = descriptors.get(name);
      if (!d) throw new Error(`no broker ${name}`);
      if (d.ports.stomp === undefined) throw new Error(`broker ${name} has no plain STOMP port`);
      return RawStompClient.connect({ port: d.ports.stomp, login: user, passcode: password(user) });
    },
  };
}

/** Reads a file's permission bits. */
export function modeOf(file: string): number {
  return fs.statSync(file).mode & 0o777;
}
