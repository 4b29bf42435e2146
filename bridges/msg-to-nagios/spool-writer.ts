import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/logger.js';
import { formatCheckResultFile, isSpoolName, randomSpoolName, spoolMarker } from './check-result-file.js';
import { NAGIOS_OUTPUT_LIMIT } from './external-command.js';
import { abortError, acceptedEntries, sleep, StatusTracker, type NagiosWriter, type WriterStatus } from './nagios-writer.js';
import { nagiosLiveness, type NagiosLivenessProbe } from './nagios-liveness.js';
import type { IntentOutcome, StateJournal } from './state-journal.js';
import type { PreparedResult } from './types.js';

/** A positive liveness answer holds this long (ms): one socket connect a second at most, not one per file. */
const LIVENESS_CACHE_MS = 1000;

/**
 * Default gather window (ms) of the spool writer. Messages trickling in one
 * at a time (a central bridge at its usual pace) would each cost a file, its
 * fsync, a directory fsync and a journal fsync; within this window they share
 * them. Small against the reaper interval (1 s) that a result waits anyway.
 */
export const SPOOL_GATHER_MS = 20;

export interface SpoolWriterOptions {
  /** Nagios' check_result_path. */
  dir: string;
  journal: StateJournal;
  logger: Logger;
  /** Written into each file, to recognize the bridge's own orphans. */
  instanceId: string;
  /** Results per spool file (default 500). */
  resultsPerFile?: number;
  /** Wait (ms) before a file that starts from idle, so trickling messages share it (default SPOOL_GATHER_MS; 0: none). */
  gatherMs?: number;
  /** Escaped output above this is cut with a marker (default 8192). */
  maxOutputBytes?: number;
  /** How to tell that Nagios runs (query socket and/or lock file): files are released only while it does. */
  liveness?: NagiosLivenessProbe;
  /** Released files not yet reaped by Nagios above which the bridge waits (default 2000). */
  maxBacklogFiles?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  onStatus?: (status: WriterStatus, previous: WriterStatus) => void;
}

/**
 * Writes passive results as Nagios check-result files. A file `cXXXXXX` is
 * written and fsync'd completely; then an intent naming it is journaled; then
 * `cXXXXXX.ok` is created, the moment Nagios may read it; then the commit is
 * journaled. After a crash, an intent without commit is settled from the
 * directory (see `resolveSpoolIntent`), so no result is lost or written twice.
 * Nagios deletes files older than max_check_result_file_age unread, so the
 * writer only releases files while Nagios runs (lock file) and reaps them.
 */
export class SpoolWriter implements NagiosWriter {
  readonly mode = 'spool' as const;
  readonly gatherMs: number;
  private readonly tracker: StatusTracker;
  private readonly released = new Set<string>();
  filesWritten = 0;
  resultsWritten = 0;
  /** When Nagios was last seen running (liveness asked at most once per LIVENESS_CACHE_MS while it runs). */
  private runningSeenAt = -Infinity;

  constructor(private readonly options: SpoolWriterOptions) {
    this.gatherMs = options.gatherMs ?? SPOOL_GATHER_MS;
    this.tracker = new StatusTracker((next, previous) => {
      if (next.state === 'ready') options.logger.info('Nagios check-result spool accepts results again', { dir: options.dir, after_s: Math.round((Date.now() - previous.since) / 1000) });
      else options.logger.warn(`holding results: ${next.reason ?? next.state}; retrying`, { dir: options.dir });
      options.onStatus?.(next, previous);
    });
  }

  get status(): WriterStatus {
    return this.tracker.status;
  }

  async write(results: readonly PreparedResult[], signal: AbortSignal): Promise<void> {
    const per = this.options.resultsPerFile ?? 500;
    for (let i = 0; i < results.length; i += per) {
      await this.writeFile(results.slice(i, i + per), signal);
    }
    if (results.length > 0) await fsyncDirAsync(this.options.dir);
  }

  close(): void {
    /* nothing held open */
  }

  private async writeFile(items: readonly PreparedResult[], signal: AbortSignal): Promise<void> {
    const { dir, journal } = this.options;
    let delay = this.options.retryMinMs ?? 200;
    for (;;) {
      if (signal.aborted) throw abortError(signal);
      const blocked = await this.blockedReason();
      if (blocked !== undefined) {
        this.tracker.set(blocked.state, blocked.reason);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.options.retryMaxMs ?? 5000);
        continue;
      }
      const name = randomSpoolName();
      const file = path.join(dir, name);
      const content = formatCheckResultFile(items, this.options.instanceId, Date.now() / 1000, this.options.maxOutputBytes ?? NAGIOS_OUTPUT_LIMIT);
      // Written under a temporary name Nagios ignores, then linked to cXXXXXX
      // (link, unlike rename, never replaces an existing file): a cXXXXXX file
      // is always complete, whenever the bridge dies.
      const tmp = path.join(dir, `${tempPrefix(this.options.instanceId)}${name}.tmp`);
      try {
        // Asynchronous: messages keep being read and checked while the file is written and synced.
        const fh = await fs.promises.open(tmp, 'wx', 0o644);
        try {
          await fh.writeFile(content);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await fs.promises.link(tmp, file);
        await fs.promises.unlink(tmp);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        await fs.promises.rm(tmp, { force: true }).catch(() => {});
        if (code === 'EEXIST') continue;
        this.tracker.set('waiting', `cannot write a check-result file in ${dir}: ${(err as Error).message}`);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.options.retryMaxMs ?? 5000);
        continue;
      }
      const { done, newest } = acceptedEntries(items);
      journal.appendIntent(name, done, newest);
      try {
        await (await fs.promises.open(`${file}.ok`, 'wx', 0o644)).close();
      } catch (err) {
        journal.appendAbort(name);
        fs.rmSync(file, { force: true });
        this.tracker.set('waiting', `cannot release check-result file ${file}: ${(err as Error).message}`);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.options.retryMaxMs ?? 5000);
        continue;
      }
      journal.appendCommit(name);
      this.released.add(name);
      this.filesWritten++;
      this.resultsWritten += items.length;
      this.tracker.set('ready');
      return;
    }
  }

  /** Why files must not be released now, if they must not. */
  private async blockedReason(): Promise<{ state: 'waiting' | 'backlogged'; reason: string } | undefined> {
    if (this.options.liveness !== undefined && Date.now() - this.runningSeenAt > LIVENESS_CACHE_MS) {
      const live = await nagiosLiveness(this.options.liveness);
      if (!live.running) return { state: 'waiting', reason: live.reason };
      this.runningSeenAt = Date.now();
    }
    const max = this.options.maxBacklogFiles ?? 2000;
    if (this.released.size >= max) {
      for (const name of this.released) {
        if (!fs.existsSync(path.join(this.options.dir, `${name}.ok`)) && !fs.existsSync(path.join(this.options.dir, name))) this.released.delete(name);
      }
      if (this.released.size >= max) return { state: 'backlogged', reason: `${this.released.size} check-result files not yet read by Nagios in ${this.options.dir}` };
    }
    return undefined;
  }
}

/** fsync of a directory (its new entries survive a power loss), without blocking the event loop. */
async function fsyncDirAsync(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Settles an interrupted release from the directory alone: the data file was
 * complete before the intent, and only Nagios (after `.ok` exists) or the
 * bridge (after journaling an abort) removes it. So: `.ok` present, or both
 * gone (Nagios read them) -> submitted; data file without `.ok` -> not.
 */
export function resolveSpoolIntent(dir: string, name: string): IntentOutcome {
  const file = path.join(dir, name);
  if (fs.existsSync(`${file}.ok`)) return 'submitted';
  if (fs.existsSync(file)) return 'not-submitted';
  return 'submitted';
}

/** Removes a data file found not submitted. */
export function discardSpoolFile(dir: string, name: string): void {
  fs.rmSync(path.join(dir, name), { force: true });
}

/** Temporary file names of one bridge instance in the spool directory (Nagios ignores them). */
function tempPrefix(instanceId: string): string {
  return `.gridmsg-${instanceId}-`;
}

/**
 * Removes files this bridge instance wrote but never released (no `.ok`, not
 * pending): left by a crash between writing a file and journaling its intent,
 * or half-written temporary files.
 */
export function removeOrphanSpoolFiles(dir: string, instanceId: string): string[] {
  const marker = spoolMarker(instanceId);
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (name.startsWith(tempPrefix(instanceId)) && name.endsWith('.tmp')) {
      fs.rmSync(path.join(dir, name), { force: true });
      removed.push(name);
    }
  }
  for (const name of names) {
    if (!isSpoolName(name) || names.includes(`${name}.ok`)) continue;
    const file = path.join(dir, name);
    try {
      const fd = fs.openSync(file, 'r');
      const head = Buffer.alloc(marker.length);
      fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      if (head.toString('utf8') === marker) {
        fs.rmSync(file, { force: true });
        removed.push(name);
      }
    } catch {
      /* vanished or unreadable: not ours to judge */
    }
  }
  return removed;
}
