/**
 * Everything the demo starts, in start order, so it can be stopped in the
 * reverse order, by pid, whatever happens (end of the demo, an error, Ctrl-C).
 * Bridges are children of the real CLI (the same node and entry point that
 * runs the demo), each in its own process group with its log in a file.
 */
import fs from 'node:fs';
import { describeError } from '../core/errors.js';
import { pidAlive, startProcess, type ManagedProcess } from '../core/process.js';

export interface Stoppable {
  /** What it is, as the demo prints it: `site bridge CERN-PROD`. */
  name: string;
  /** Process ids (empty for a group stopped another way, e.g. the brokers through dev.json). */
  pids: () => number[];
  stop: () => Promise<void>;
}

export interface StopReport {
  name: string;
  pids: number[];
  error?: string;
}

/** The demo's processes, stopped newest first. */
export class ProcessSet {
  private readonly items: Stoppable[] = [];

  add(item: Stoppable): void {
    this.items.push(item);
  }

  get size(): number {
    return this.items.length;
  }

  /** Stops everything, newest first; one failure does not keep the others running. */
  async stopAll(onStopping?: (name: string) => void): Promise<StopReport[]> {
    const reports: StopReport[] = [];
    while (this.items.length > 0) {
      const item = this.items.pop()!;
      const pids = item.pids();
      onStopping?.(item.name);
      try {
        await item.stop();
        reports.push({ name: item.name, pids });
      } catch (err) {
        reports.push({ name: item.name, pids, error: describeError(err) });
      }
    }
    return reports;
  }
}

/** The command line that runs this same CLI (built or from source) with other arguments. */
export function cliCommand(args: string[]): { command: string; args: string[] } {
  const entry = process.argv[1];
  if (entry === undefined) throw new Error('cannot tell which script runs the CLI (process.argv[1] is missing)');
  return { command: process.execPath, args: [...process.execArgv, entry, ...args] };
}

/** Starts `gridmsg <args>` as a child in its own process group, output appended to `logFile`. */
export function startCli(args: string[], logFile: string): ManagedProcess {
  const { command, args: full } = cliCommand(args);
  return startProcess(command, full, { logFile, detached: true });
}

/** This process and its ancestors (a shell or `timeout` that started the demo names the state directory too). */
export function selfAndAncestors(): number[] {
  const out: number[] = [];
  for (let pid = process.pid; pid > 1 && out.length < 64; ) {
    out.push(pid);
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/**
 * Processes whose command line mentions `dir` (Linux /proc): what would be
 * left running of a demo whose every file lives under that directory.
 */
export function processesUsing(dir: string, except: number[] = selfAndAncestors()): Array<{ pid: number; command: string }> {
  const out: Array<{ pid: number; command: string }> = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (except.includes(pid)) continue;
    try {
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      // The directory itself or a path under it, not a sibling that merely starts with the same characters.
      const names = command.includes(`${dir}/`) || command.includes(`${dir} `) || command.endsWith(dir);
      if (names && pidAlive(pid)) out.push({ pid, command });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}
