/**
 * A real dev network (dev up logic) of one registry for the operations
 * tests: brought up once before the tests, taken down after; the CLI's
 * check-network and status run against it with --state.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { devDown, devUp, type DevState } from '../../../broker-config/index.js';
import { pidAlive, type ManagedProcess } from '../../../core/process.js';
import { silentLogger } from '../../../core/logger.js';
import type { NetworkVerdict, StatusReport } from '../../../operations/index.js';
import { runCli } from '../../broker-config/helpers.js';
import { tempDir } from '../../helpers/tmp.js';

export interface DevNetwork {
  readonly registry: string;
  /** A temporary directory of the test file's, removed after the tests; the network's state is in stateDir below it. */
  readonly dir: string;
  readonly stateDir: string;
  /** Set by test.before. */
  readonly state: DevState;
  /** A broker a test restarted by hand, stopped after the tests. */
  restarted: ManagedProcess | undefined;
  pidOf(name: string): number;
  checkNetwork(extra?: string[]): Promise<{ code: number | null; verdict: NetworkVerdict; stdout: string }>;
  status(): Promise<{ code: number | null; report: StatusReport; stdout: string }>;
}

/** Registers the before/after hooks of the calling test file. */
export function useDevNetwork(registry: string, tmpPrefix: string): DevNetwork {
  const tmp = tempDir(tmpPrefix);
  const stateDir = path.join(tmp.dir, 'state');
  let state: DevState | undefined;
  const net: DevNetwork = {
    registry,
    dir: tmp.dir,
    stateDir,
    get state(): DevState {
      if (state === undefined) throw new Error('the dev network is not up (test.before failed?)');
      return state;
    },
    restarted: undefined,
    pidOf: (name) => net.state.brokers.find((b) => b.name === name)!.pid,
    async checkNetwork(extra = []) {
      const r = await runCli(['check-network', '--registry', registry, '--state', stateDir, '--timeout', '5', '--format', 'json', ...extra]);
      return { code: r.code, verdict: JSON.parse(r.stdout) as NetworkVerdict, stdout: r.stdout };
    },
    async status() {
      const r = await runCli(['status', '--registry', registry, '--state', stateDir, '--format', 'json']);
      return { code: r.code, report: JSON.parse(r.stdout) as StatusReport, stdout: r.stdout };
    },
  };
  test.before(async () => {
    state = await devUp(registry, stateDir, { logger: silentLogger() });
  });
  test.after.always(async () => {
    await net.restarted?.stop(20_000);
    if (fs.existsSync(stateDir)) await devDown(stateDir, silentLogger());
    tmp.cleanup();
  });
  return net;
}

/** Repeats `probe` until `done` holds or 120 s passed; returns the last result (the test asserts on it). */
export async function until<T>(probe: () => Promise<T>, done: (r: T) => boolean): Promise<T> {
  const deadline = Date.now() + 120_000;
  let last = await probe();
  while (!done(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    last = await probe();
  }
  return last;
}

/** kill -9, then waits until the pid is gone. */
export function kill9(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  return until(async () => pidAlive(pid), (alive) => !alive).then(() => undefined);
}
