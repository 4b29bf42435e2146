import fs from 'node:fs';
import path from 'node:path';
import { GridmsgError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/files.js';
import { DeliveryState, type DeliverySnapshot, type DeliveryStateLimits, type DoneEntry, DEFAULT_LIMITS } from './delivery-state.js';

/**
 * Durable DeliveryState: a snapshot file plus an append-only journal of JSON
 * lines in the state directory. Every change is appended with one write(2)
 * right after the Nagios write it describes (so a kill -9 loses nothing the
 * page cache holds), and fsync'd before the broker is told (ack). Replay is
 * idempotent, so a crash between snapshot and journal truncation is harmless.
 *
 * Journal lines:
 *   {"d":[DoneEntry...],"n":[[objectKey,ts]...]}        records done
 *   {"i":"cXXXXXX","d":[...],"n":[...]}                  spool file about to be released (intent)
 *   {"c":"cXXXXXX"}                                      spool file released (commit)
 *   {"a":"cXXXXXX"}                                      spool file withdrawn (abort)
 */

export type NewestEntry = [objectKey: string, timestamp: number];

/** A done record serialized in advance (see StateJournal.prepareDone). */
export interface PreparedRecord {
  buf: Buffer;
  done: DoneEntry[];
  newest: NewestEntry[];
}

interface JournalLine {
  d?: DoneEntry[];
  n?: NewestEntry[];
  i?: string;
  c?: string;
  a?: string;
}

/** What became of a spool file whose release was interrupted. */
export type IntentOutcome = 'submitted' | 'not-submitted';

export interface StateJournalOptions {
  dir: string;
  limits?: DeliveryStateLimits;
  /** Journal size (bytes) above which `maybeCompact` rewrites the snapshot. */
  compactBytes?: number;
  /**
   * Decides pending intents found at start-up (spool mode) by looking at the
   * spool directory; must not change anything. Default: not submitted.
   */
  resolveIntent?: (file: string) => IntentOutcome;
  /** Removes a spool file found not submitted; called only once that is durably recorded. */
  discardIntent?: (file: string) => void;
  /** Called for each unreadable journal line (a torn last line after a power loss). */
  onCorruptLine?: (lineNumber: number, detail: string) => void;
}

export class StateJournal {
  readonly state: DeliveryState;
  private fd: number;
  private bytes: number;
  private readonly pending = new Map<string, JournalLine>();
  private syncing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** Appends so far, and how many of them the running fsync covers (it started after them). */
  private appends = 0;
  private syncingAppends = 0;
  private closed = false;
  /** fsyncs done (group commit: far fewer than messages). */
  fsyncs = 0;

  private constructor(
    private readonly options: StateJournalOptions,
    state: DeliveryState,
    fd: number,
    bytes: number,
  ) {
    this.state = state;
    this.fd = fd;
    this.bytes = bytes;
  }

  get snapshotFile(): string {
    return path.join(this.options.dir, 'delivery-state.json');
  }

  get journalFile(): string {
    return path.join(this.options.dir, 'delivery-journal.jsonl');
  }

  /** Loads snapshot and journal, settles interrupted spool releases, compacts. */
  static open(options: StateJournalOptions): StateJournal {
    fs.mkdirSync(options.dir, { recursive: true });
    const limits = options.limits ?? DEFAULT_LIMITS;
    const snapshotFile = path.join(options.dir, 'delivery-state.json');
    const journalFile = path.join(options.dir, 'delivery-journal.jsonl');
    let state = new DeliveryState(limits);
    if (fs.existsSync(snapshotFile)) {
      try {
        const snap = JSON.parse(fs.readFileSync(snapshotFile, 'utf8')) as DeliverySnapshot;
        if (snap.v !== 1) throw new Error(`unknown snapshot version ${String(snap.v)}`);
        state = DeliveryState.fromSnapshot(snap, limits);
      } catch (err) {
        throw new GridmsgError('STATE_CORRUPT', `cannot read the delivery state snapshot: ${(err as Error).message}`, { file: snapshotFile, cause: err });
      }
    }
    const pending = new Map<string, JournalLine>();
    if (fs.existsSync(journalFile)) {
      const text = fs.readFileSync(journalFile, 'utf8');
      const lines = text.split('\n');
      lines.forEach((raw, i) => {
        if (raw.trim() === '') return;
        let line: JournalLine;
        try {
          line = JSON.parse(raw) as JournalLine;
        } catch (err) {
          options.onCorruptLine?.(i + 1, (err as Error).message);
          return;
        }
        if (line.i !== undefined) pending.set(line.i, line);
        else if (line.c !== undefined) {
          const p = pending.get(line.c);
          if (p) applyLine(state, p);
          pending.delete(line.c);
        } else if (line.a !== undefined) pending.delete(line.a);
        else applyLine(state, line);
      });
    }
    const discarded: string[] = [];
    for (const [file, line] of pending) {
      const outcome = options.resolveIntent?.(file) ?? 'not-submitted';
      if (outcome === 'submitted') applyLine(state, line);
      else discarded.push(file);
    }
    // Start from a fresh snapshot in which pending intents are settled, then
    // an empty journal; only then remove the files found not submitted (a
    // crash before this point re-decides them from an unchanged directory).
    writeFileAtomic(snapshotFile, JSON.stringify(state.snapshot()));
    fs.writeFileSync(journalFile, '');
    const fd = fs.openSync(journalFile, 'a');
    fs.fsyncSync(fd);
    for (const file of discarded) options.discardIntent?.(file);
    return new StateJournal(options, state, fd, 0);
  }

  /** Records done results and their newest times (one write, no fsync). */
  appendDone(done: DoneEntry[], newest: NewestEntry[]): void {
    this.appendPrepared(this.prepareDone(done, newest));
  }

  /**
   * Serializes a done record ahead of time, so that recording it right after
   * the Nagios write it describes is a single write(2) with nothing before it.
   */
  prepareDone(done: DoneEntry[], newest: NewestEntry[]): PreparedRecord {
    return { buf: Buffer.from(JSON.stringify({ d: done, n: newest } satisfies JournalLine) + '\n'), done, newest };
  }

  appendPrepared(record: PreparedRecord): void {
    this.write(record.buf);
    for (const e of record.done) this.state.applyDone(e);
    for (const [k, ts] of record.newest) this.state.applyNewest(k, ts);
  }

  /** Spool mode: before a file is released to Nagios. Applied to the state only at commit. */
  appendIntent(file: string, done: DoneEntry[], newest: NewestEntry[]): void {
    const line: JournalLine = { i: file, d: done, n: newest };
    this.pending.set(file, line);
    this.append(line);
  }

  /** Spool mode: the file is released (its `.ok` exists). */
  appendCommit(file: string): void {
    const line = this.pending.get(file);
    if (line === undefined) throw new Error(`no intent for spool file ${file}`);
    applyLine(this.state, line);
    this.pending.delete(file);
    this.append({ c: file });
  }

  /** Spool mode: the file was withdrawn before release. */
  appendAbort(file: string): void {
    this.pending.delete(file);
    this.append({ a: file });
  }

  /**
   * Makes everything appended so far durable. Group commit: callers arriving
   * while an fsync runs share it when nothing was appended since it started
   * (messages written together), else share the next one (which starts after
   * their append).
   */
  sync(): Promise<void> {
    if (this.syncing !== undefined && this.appends === this.syncingAppends) return this.syncing;
    if (this.syncing === undefined) {
      this.fsyncs++;
      this.syncingAppends = this.appends;
      this.syncing = new Promise<void>((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
        this.syncing = undefined;
      });
      return this.syncing;
    }
    this.queued ??= this.syncing.then(
      () => {
        this.queued = undefined;
        return this.sync();
      },
      () => {
        this.queued = undefined;
        return this.sync();
      },
    );
    return this.queued;
  }

  /** Rewrites the snapshot and empties the journal when it has grown large and nothing is pending. */
  maybeCompact(): boolean {
    if (this.bytes < (this.options.compactBytes ?? 16 * 1024 * 1024) || this.pending.size > 0 || this.syncing) return false;
    writeFileAtomic(this.snapshotFile, JSON.stringify(this.state.snapshot()));
    fs.ftruncateSync(this.fd, 0);
    fs.fsyncSync(this.fd);
    this.bytes = 0;
    return true;
  }

  get journalBytes(): number {
    return this.bytes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private append(line: JournalLine): void {
    this.write(Buffer.from(JSON.stringify(line) + '\n'));
  }

  private write(buf: Buffer): void {
    // One write(2) on an O_APPEND file: the record is whole in the page cache or absent.
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
    this.bytes += buf.length;
    this.appends++;
  }
}

function applyLine(state: DeliveryState, line: JournalLine): void {
  for (const e of line.d ?? []) state.applyDone(e);
  for (const [k, ts] of line.n ?? []) state.applyNewest(k, ts);
}
