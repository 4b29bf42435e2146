import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';

/** A child process we started and must stop by pid. */
export interface ManagedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has gone. */
  readonly exited: Promise<number | string>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after graceMs. Resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** kill -9. Resolves when the process is gone. */
  kill9(): Promise<void>;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** File that receives stdout and stderr (appended). */
  logFile?: string;
  /** Start in its own process group so the whole tree can be signalled. */
  detached?: boolean;
}

export function startProcess(command: string, args: string[], options: StartOptions = {}): ManagedProcess {
  const out = options.logFile === undefined ? 'ignore' : fs.openSync(options.logFile, 'a');
  const spawnOptions: SpawnOptions = {
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
    env: options.env ?? process.env,
  };
  if (options.cwd !== undefined) spawnOptions.cwd = options.cwd;
  const child = spawn(command, args, spawnOptions);
  if (typeof out === 'number') fs.closeSync(out);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      running = false;
      resolve('spawn-error');
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  const signal = (sig: NodeJS.Signals): void => {
    try {
      if (options.detached) process.kill(-pid, sig);
      else process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  return {
    pid,
    child,
    exited,
    alive: () => running,
    async stop(graceMs = 10_000) {
      if (!running) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      if (!running) return;
      signal('SIGKILL');
      await exited;
    },
  };
}

/** True when a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops a process we only know by pid (e.g. from a pid file): TERM, wait, then KILL. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!pidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (pidAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
}
