/**
 * The spool: every accepted record is on disk (framed, CRC'd, fdatasync'd)
 * before anyone is told it is accepted, and leaves only after the broker
 * receipted it.
 *
 * Layout of DIR:
 *   segments/<firstSeq>.seg   append-only frame files (see frame.ts)
 *   ack                       receipted-up-to sequence number + drop counter (ack-file.ts)
 *   spool-id                  random id, part of every idempotency key
 *   quarantine/               corrupt bytes set aside
 *   lock                      pid of the owning process
 *
 * Records are appended in groups; each group ends with a commit frame whose
 * payload is the caller's checkpoint (the bridge stores its input cursor
 * there), so "records spooled" and "input consumed" are one atomic fact.
 * One group = one message: its idempotency key is derived from its sequence
 * numbers, so a resend after a crash carries the same key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GridmsgError } from '../../core/errors.js';
import { fsyncDir } from '../../core/files.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { AckFile, readAckFile, type AckState } from './ack-file.js';
import { encodeFrame, encodeGroup, type Frame } from './frame.js';
import { acquireLock } from './lock.js';
import { quarantine } from './quarantine.js';
import { SpoolReader } from './reader.js';
import { scanSegment } from './scan.js';
import { listSegments, segmentName } from './segments.js';

export type FullPolicy = 'block' | 'drop-oldest';

export interface SpoolOptions {
  dir: string;
  /** Total bytes of segment files before the spool counts as full (default 1 GiB). */
  maxBytes?: number;
  /** Age of the oldest unsent record before the spool counts as full; 0 = no age limit (default 7 days). */
  maxAgeSeconds?: number;
  /** What happens when full: stop accepting (backpressure), or drop the oldest segments with a count. */
  whenFull?: FullPolicy;
  /** Segment size (default 16 MiB, at most maxBytes / 4). */
  segmentBytes?: number;
  /** Acks are persisted at most this often (default 100 ms): a crash resends at most that much, with the same keys. */
  ackPersistMs?: number;
  logger?: Logger;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** One record to append: its bytes and a one-byte tag (the bridge stores the body format). */
export interface SpoolEntry {
  payload: Buffer | string;
  flags: number;
}

export interface SpooledRecord {
  seq: number;
  flags: number;
  /** Epoch seconds the record was spooled. */
  time: number;
  payload: Buffer;
}

/** One committed group of records: one message. */
export interface SpoolBatch {
  firstSeq: number;
  lastSeq: number;
  /** Deterministic idempotency key: `<spool id>:<first seq>-<last seq>`. */
  key: string;
  /** Epoch seconds the group was spooled. */
  time: number;
  records: SpooledRecord[];
  bytes: number;
  /** Every record payload back to back (the records' payloads are views of it). */
  payloads: Buffer;
}

export type RoomState =
  | { state: 'ok' }
  | { state: 'full'; reason: string }
  | { state: 'dropped'; count: number; reason: string };

export interface SpoolStats {
  segments: number;
  bytes: number;
  /** Next sequence number to assign. */
  nextSeq: number;
  /** Every record below this is receipted. */
  ackSeq: number;
  /** Records spooled and not yet receipted (upper bound). */
  unacked: number;
  /** Records thrown away by the drop-oldest policy, ever. */
  dropped: number;
  /** Corrupt regions set aside since start. */
  quarantined: number;
  /** fdatasync calls for appends since start (group commit: fewer than appends). */
  flushes: number;
  /** fdatasync calls of the ack file since start (only before segment deletions, drops and on close). */
  ackSyncs: number;
}

interface Segment {
  firstSeq: number;
  file: string;
  size: number;
  mtimeMs: number;
  /** When its first frame was written (segments also roll by age, so that old records can be dropped by age). */
  bornMs: number;
}

interface PendingGroup {
  firstSeq: number;
  nextSeq: number;
  frames: Buffer[];
  bytes: number;
  checkpoint: Buffer;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

function writevOnce(fd: number, buffers: Buffer[], position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.writev(fd, buffers, position, (err, written) => (err ? reject(err) : resolve(written))));
}

/** Writes all of `buffers` at `position`; a short write is continued, so a full disk surfaces as ENOSPC. */
async function writev(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let rest = buffers;
  let at = position;
  while (rest.length > 0) {
    const written = await writevOnce(fd, rest, at);
    if (written === 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
    at += written;
    let skip = written;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      next.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    rest = next;
  }
}

function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export class Spool {
  readonly dir: string;
  readonly segmentDir: string;
  readonly quarantineDir: string;
  readonly id: string;
  /** The checkpoint of the last committed group (what the caller had consumed), at open and after each commit. */
  checkpoint: Buffer | undefined;

  private readonly logger: Logger;
  private readonly now: () => number;
  private maxBytes: number;
  private maxAgeSeconds: number;
  private readonly segmentBytes: number;
  private readonly ackPersistMs: number;
  whenFull: FullPolicy;

  private segments: Segment[] = [];
  private activeFd: number | undefined;
  private nextSeq = 0;
  private durableSeq = 0;
  private ack: AckState;
  private persistedAck: AckState;
  private ackFile: AckFile;
  private ackTimer: NodeJS.Timeout | undefined;
  private ackWriting: Promise<void> | undefined;
  /** The persisted ack slot was fdatasync'd (not only written to the page cache). */
  private ackSynced = true;
  private queue: PendingGroup[] = [];
  private flushing = false;
  /** Set by a failed write: appends are refused until resume(), so no later group can commit past lost ones. */
  private failure: GridmsgError | undefined;
  private forceRoll = false;
  private dataWaiters: Array<() => void> = [];
  private quarantined = 0;
  private flushes = 0;
  private ackSyncs = 0;
  private closed = false;
  private readonly releaseLock: () => void;
  /** The bytes of the last durable write: a reader that is caught up copies them from here instead of reading them back. */
  private recent: { file: string; position: number; end: number; buffers: Buffer[] } | undefined;

  private constructor(options: SpoolOptions, releaseLock: () => void, id: string, ackCounter: number, ack: AckState) {
    this.dir = path.resolve(options.dir);
    this.segmentDir = path.join(this.dir, 'segments');
    this.quarantineDir = path.join(this.dir, 'quarantine');
    this.logger = options.logger ?? silentLogger();
    this.now = options.now ?? Date.now;
    this.maxBytes = options.maxBytes ?? GiB;
    this.maxAgeSeconds = options.maxAgeSeconds ?? 7 * 24 * 3600;
    this.whenFull = options.whenFull ?? 'block';
    this.segmentBytes = Math.max(4096, Math.min(options.segmentBytes ?? 16 * MiB, Math.floor(this.maxBytes / 4)));
    this.ackPersistMs = options.ackPersistMs ?? 100;
    this.releaseLock = releaseLock;
    this.id = id;
    this.ack = { ...ack };
    this.persistedAck = { ...ack };
    this.ackFile = new AckFile(path.join(this.dir, 'ack'), ackCounter, ack);
  }

  /**
   * Opens (creating if needed) the spool in `options.dir`: takes the lock,
   * recovers from a crash (a torn tail is set aside and cut off after the
   * last commit) and is ready to append and read.
   */
  static open(options: SpoolOptions): Spool {
    const dir = path.resolve(options.dir);
    try {
      fs.mkdirSync(path.join(dir, 'segments'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'quarantine'), { recursive: true });
      const probe = path.join(dir, `.write-test.${process.pid}`);
      fs.writeFileSync(probe, '');
      fs.unlinkSync(probe);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new GridmsgError('SPOOL_UNWRITABLE', `spool directory ${dir} is not writable (${code}: ${(err as Error).message})`, { file: dir, cause: err });
    }
    const release = acquireLock(path.join(dir, 'lock'));
    try {
      const idFile = path.join(dir, 'spool-id');
      let id: string;
      if (fs.existsSync(idFile)) id = fs.readFileSync(idFile, 'utf8').trim();
      else {
        id = crypto.randomBytes(6).toString('hex');
        fs.writeFileSync(idFile, id + '\n');
        fsyncDir(dir);
      }
      const { state, counter } = readAckFile(path.join(dir, 'ack'));
      const spool = new Spool(options, release, id, counter, state);
      spool.recover();
      return spool;
    } catch (err) {
      release();
      if (err instanceof GridmsgError) throw err;
      throw new GridmsgError('SPOOL_OPEN_FAILED', `cannot open spool ${dir}: ${(err as Error).message}`, { file: dir, cause: err });
    }
  }

  private recover(): void {
    const files = listSegments(this.segmentDir);
    let found: { frame: Frame; segment: Segment } | undefined;
    while (files.length > 0) {
      const last = files[files.length - 1]!;
      const buf = fs.readFileSync(last.file);
      let lastCommit: Frame | undefined;
      let bornMs: number | undefined;
      const scan = scanSegment(buf, (f) => {
        bornMs ??= f.time * 1000;
        if (f.type === 'commit') lastCommit = f;
      });
      if (lastCommit === undefined) {
        if (buf.length > 0) {
          quarantine(this.quarantineDir, last.file, buf, { start: 0, end: buf.length, reason: 'segment without a commit (crash while creating it)' }, this.logger);
          this.quarantined++;
        }
        fs.unlinkSync(last.file);
        fsyncDir(this.segmentDir);
        files.pop();
        continue;
      }
      if (scan.lastCommitEnd < buf.length) {
        const region = { start: scan.lastCommitEnd, end: buf.length, reason: 'uncommitted tail (crash during a write): its input is read again' };
        if (scan.tail !== undefined) {
          quarantine(this.quarantineDir, last.file, buf.subarray(region.start), region, this.logger);
          this.quarantined++;
        } else {
          this.logger.info('spool: discarding an uncommitted group after a crash; its input is read again', { segment: last.file, bytes: region.end - region.start });
        }
        const fd = fs.openSync(last.file, 'r+');
        fs.ftruncateSync(fd, scan.lastCommitEnd);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      }
      const st = fs.statSync(last.file);
      found = { frame: lastCommit, segment: { firstSeq: last.firstSeq, file: last.file, size: scan.lastCommitEnd, mtimeMs: st.mtimeMs, bornMs: bornMs ?? st.mtimeMs } };
      break;
    }
    this.segments = files.slice(0, -1).map((f) => {
      const st = fs.statSync(f.file);
      return { firstSeq: f.firstSeq, file: f.file, size: st.size, mtimeMs: st.mtimeMs, bornMs: st.mtimeMs };
    });
    if (found) {
      this.segments.push(found.segment);
      this.nextSeq = found.frame.seq;
      this.checkpoint = Buffer.from(found.frame.payload);
      this.activeFd = fs.openSync(found.segment.file, 'r+');
    }
    if (this.ack.ackSeq > this.nextSeq) this.nextSeq = this.ack.ackSeq;
    this.durableSeq = this.nextSeq;
    this.deleteAckedSegments(this.ack.ackSeq);
  }

  /** Sequence number of the next record (records below it are spooled). */
  get committedSeq(): number {
    return this.durableSeq;
  }

  get ackSeq(): number {
    return this.ack.ackSeq;
  }

  /**
   * Appends one group of records and its checkpoint. Resolves once the group
   * is on disk (fdatasync'd); groups appended meanwhile share the next fsync
   * (group commit). An empty group only moves the checkpoint.
   */
  append(entries: readonly SpoolEntry[], checkpoint: Buffer | string): Promise<void> {
    if (this.closed) return Promise.reject(new GridmsgError('SPOOL_CLOSED', `spool ${this.dir} is closed`, { file: this.dir }));
    if (this.failure) return Promise.reject(this.failure);
    const time = Math.floor(this.now() / 1000);
    const firstSeq = this.nextSeq;
    const cp = typeof checkpoint === 'string' ? Buffer.from(checkpoint) : checkpoint;
    const group = encodeGroup(entries, firstSeq, time, cp);
    this.nextSeq += entries.length;
    const frames = [group];
    const bytes = group.length;
    return new Promise((resolve, reject) => {
      this.queue.push({ firstSeq, nextSeq: this.nextSeq, frames, bytes, checkpoint: cp, resolve, reject });
      void this.flushLoop();
    });
  }

  /** The write error that stopped appends, if any. */
  get writeFailure(): GridmsgError | undefined {
    return this.failure;
  }

  /**
   * Accepts appends again after a write error. The caller must first go back
   * to `checkpoint` (the last durable one): what it appended since was lost.
   */
  resume(): void {
    this.failure = undefined;
  }

  /** Changes the limits and policy (reload). */
  setLimits(limits: { maxBytes: number; maxAgeSeconds: number; whenFull: FullPolicy }): void {
    this.maxBytes = limits.maxBytes;
    this.maxAgeSeconds = limits.maxAgeSeconds;
    this.whenFull = limits.whenFull;
  }

  /** Groups waiting for their fsync. */
  get pendingGroups(): number {
    return this.queue.length;
  }

  private async flushLoop(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const groups = this.queue.splice(0, this.queue.length);
        try {
          await this.writeGroups(groups);
        } catch (err) {
          this.failure = err instanceof GridmsgError ? err : this.writeError(this.dir, err);
          for (const g of [...groups, ...this.queue.splice(0, this.queue.length)]) g.reject(this.failure);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private active(): Segment | undefined {
    return this.activeFd === undefined ? undefined : this.segments[this.segments.length - 1];
  }

  private roll(firstSeq: number): void {
    const file = path.join(this.segmentDir, segmentName(firstSeq));
    if (fs.existsSync(file)) return; // no record since the last roll: keep appending
    const fd = fs.openSync(file, 'wx', 0o644);
    const carry = encodeFrame('commit', 0, firstSeq, Math.floor(this.now() / 1000), this.checkpoint ?? Buffer.alloc(0));
    try {
      const written = fs.writeSync(fd, carry, 0, carry.length, 0);
      if (written !== carry.length) throw Object.assign(new Error(`short write (${written} of ${carry.length} bytes)`), { code: 'ENOSPC' });
    } catch (err) {
      fs.closeSync(fd);
      fs.unlinkSync(file);
      throw err;
    }
    if (this.activeFd !== undefined) fs.closeSync(this.activeFd);
    this.activeFd = fd;
    this.segments.push({ firstSeq, file, size: carry.length, mtimeMs: this.now(), bornMs: this.now() });
    this.forceRoll = false;
  }

  /** Writes groups, rolling segments at segmentBytes; each slice is fdatasync'd, then its groups resolve. */
  private async writeGroups(groups: PendingGroup[]): Promise<void> {
    const ageLimitMs = this.maxAgeSeconds > 0 ? Math.min((this.maxAgeSeconds * 1000) / 8, 3_600_000) : Infinity;
    let i = 0;
    while (i < groups.length) {
      let seg = this.active();
      let created = false;
      if (seg === undefined || seg.size >= this.segmentBytes || this.forceRoll || (seg.size > 4096 && this.now() - seg.bornMs > ageLimitMs)) {
        const firstSeq = groups[i]!.firstSeq;
        try {
          this.roll(firstSeq);
        } catch (err) {
          throw this.writeError(path.join(this.segmentDir, segmentName(firstSeq)), err);
        }
        created = this.active() !== seg;
        seg = this.active()!;
      }
      // As many groups as fit in the segment (at least one).
      let j = i;
      let total = 0;
      do {
        total += groups[j]!.bytes;
        j++;
      } while (j < groups.length && seg.size + total + groups[j]!.bytes <= this.segmentBytes);
      const slice = groups.slice(i, j);
      const fd = this.activeFd!;
      const position = seg.size;
      const buffers = slice.flatMap((g) => g.frames);
      try {
        await writev(fd, buffers, position);
        await fdatasync(fd);
        this.flushes++;
        if (created) fsyncDir(this.segmentDir);
      } catch (err) {
        try {
          fs.ftruncateSync(fd, position);
        } catch {
          /* the next recovery cuts the tail */
        }
        throw this.writeError(seg.file, err);
      }
      seg.size += total;
      seg.mtimeMs = this.now();
      this.recent = { file: seg.file, position, end: seg.size, buffers };
      const last = slice[slice.length - 1]!;
      this.durableSeq = last.nextSeq;
      this.checkpoint = last.checkpoint;
      for (const g of slice) g.resolve();
      const waiters = this.dataWaiters;
      this.dataWaiters = [];
      for (const w of waiters) w();
      i = j;
    }
  }

  private writeError(file: string, err: unknown): GridmsgError {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const full = code === 'ENOSPC' || code === 'EDQUOT';
    return new GridmsgError(full ? 'SPOOL_DISK_FULL' : 'SPOOL_WRITE_FAILED', `cannot write spool segment (${code}: ${(err as Error).message})`, { file, cause: err });
  }

  /** Resolves when more committed data exists than `seq` (or the spool closes). */
  waitForData(seq: number): Promise<void> {
    if (this.durableSeq > seq || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.dataWaiters.push(resolve));
  }

  /** Wakes every reader waiting for data (used on close and drop). */
  wakeReaders(): void {
    const waiters = this.dataWaiters;
    this.dataWaiters = [];
    for (const w of waiters) w();
  }

  /** Segment after `firstSeq`, if any. */
  segmentAfter(firstSeq: number): { firstSeq: number; file: string } | undefined {
    return this.segments.find((s) => s.firstSeq > firstSeq);
  }

  /** Segment holding `seq` (the last one starting at or before it). */
  segmentFor(seq: number): { firstSeq: number; file: string } | undefined {
    let found: Segment | undefined;
    for (const s of this.segments) {
      if (s.firstSeq <= seq) found = s;
      else break;
    }
    return found ?? this.segments[0];
  }

  /** Bytes of `file` that are committed: the active segment's durable size, a sealed one's full size. */
  durableEnd(file: string): number {
    const active = this.active();
    if (active !== undefined && active.file === file) return active.size;
    const s = this.segments.find((x) => x.file === file);
    return s?.size ?? Infinity;
  }

  /**
   * Copies `length` bytes of `file` from `position` into `target` at `targetOffset` when they all belong to the
   * last durable write (the bytes that are on disk, fdatasync'd); returns false otherwise (read them from the file).
   */
  copyRecent(file: string, position: number, length: number, target: Buffer, targetOffset: number): boolean {
    const r = this.recent;
    if (r === undefined || r.file !== file || position < r.position || position + length > r.end) return false;
    let skip = position - r.position;
    let at = targetOffset;
    let left = length;
    for (const b of r.buffers) {
      if (left === 0) break;
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      const n = Math.min(b.length - skip, left);
      b.copy(target, at, skip, skip + n);
      at += n;
      left -= n;
      skip = 0;
    }
    return left === 0;
  }

  /** True when `file` is still the segment being appended to. */
  isActive(file: string): boolean {
    return this.active()?.file === file;
  }

  /** A reader of committed groups from the first unacknowledged record on. */
  reader(): SpoolReader {
    return new SpoolReader(this, this.ack.ackSeq, this.logger);
  }

  /** Notes a corrupt region set aside by a reader. */
  noteQuarantine(): void {
    this.quarantined++;
  }

  /** Marks every record below `nextSeq` as receipted; persisted within ackPersistMs. */
  acknowledge(nextSeq: number): void {
    if (nextSeq <= this.ack.ackSeq) return;
    this.ack.ackSeq = nextSeq;
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      void this.persistAck();
    }, this.ackPersistMs);
  }

  /**
   * Writes the ack now (drain, drop, close) and deletes fully receipted segments.
   *
   * The slot is fdatasync'd only when it must survive a power loss: before
   * receipted segments are deleted (so the files on disk always cover
   * everything from the durable ack on), when the drop counter changed (it is
   * reported), and on close. Otherwise it goes to the page cache only: a
   * process crash (kill -9) loses nothing of it, and a power loss can only
   * take the ack back to its last synced value, i.e. at most the receipted
   * part of the oldest segment (segmentBytes) is resent, with the messages'
   * original idempotency keys, which the central bridge drops (its key window,
   * dedupWindowMessages, is far larger). The records' own durability does not
   * depend on it: a group is acknowledged only after it was fdatasync'd and
   * receipted.
   */
  async persistAck(final = false): Promise<void> {
    while (this.ackWriting) await this.ackWriting;
    const unchanged = this.ack.ackSeq === this.persistedAck.ackSeq && this.ack.dropped === this.persistedAck.dropped;
    if (unchanged && (!final || this.ackSynced)) return;
    const state = { ...this.ack };
    const sync = final || state.dropped !== this.persistedAck.dropped || this.wouldDelete(state.ackSeq);
    this.ackWriting = this.ackFile.write(state, sync);
    try {
      await this.ackWriting;
      this.persistedAck = state;
      this.ackSynced = sync;
      if (sync) this.ackSyncs++;
      this.deleteAckedSegments(state.ackSeq);
    } catch (err) {
      this.logger.error('spool: cannot persist the ack (records will be resent after a restart)', { file: this.ackFile.file, error: (err as Error).message });
      // Receipted segments can go anyway: nothing in them needs sending, and deleting them is what frees a full disk.
      this.deleteAckedSegments(state.ackSeq);
    } finally {
      this.ackWriting = undefined;
    }
  }

  /** True when an ack at `ackSeq` lets receipted segments be deleted. */
  private wouldDelete(ackSeq: number): boolean {
    return this.segments.length > 1 && this.segments[1]!.firstSeq <= ackSeq;
  }

  private deleteAckedSegments(ackSeq: number): void {
    let deleted = false;
    while (this.segments.length > 1 && this.segments[1]!.firstSeq <= ackSeq) {
      const s = this.segments.shift()!;
      try {
        fs.unlinkSync(s.file);
        deleted = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.logger.warn('spool: cannot delete a receipted segment', { file: s.file, error: (err as Error).message });
          this.segments.unshift(s);
          break;
        }
      }
    }
    if (deleted) {
      try {
        fsyncDir(this.segmentDir);
      } catch {
        /* best effort */
      }
    }
  }

  private bytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Why the spool is over its limits, if it is. `oldestUnsent`: epoch seconds of the oldest unsent record. */
  overLimit(oldestUnsent: number | undefined): string | undefined {
    const bytes = this.bytes();
    if (bytes >= this.maxBytes) return `spool holds ${bytes} bytes, limit ${this.maxBytes}`;
    if (this.maxAgeSeconds > 0 && oldestUnsent !== undefined) {
      const age = Math.floor(this.now() / 1000) - oldestUnsent;
      if (age > this.maxAgeSeconds) return `oldest unsent result is ${age} s old, limit ${this.maxAgeSeconds} s`;
    }
    return undefined;
  }

  /**
   * Applies the full policy. `block`: says full (the caller stops reading).
   * `drop-oldest`: deletes the oldest segments until under the limits and
   * counts what was lost; loud, never silent.
   */
  makeRoom(oldestUnsent: number | undefined): RoomState {
    const reason = this.overLimit(oldestUnsent);
    if (reason === undefined) return { state: 'ok' };
    if (this.whenFull === 'block') return { state: 'full', reason };
    let count = 0;
    const cutoffMs = this.now() - this.maxAgeSeconds * 1000;
    while (this.segments.length > 1) {
      const first = this.segments[0]!;
      const overSize = this.bytes() >= this.maxBytes;
      const overAge = this.maxAgeSeconds > 0 && oldestUnsent !== undefined && first.mtimeMs < cutoffMs;
      if (!overSize && !overAge) break;
      const next = this.segments[1]!.firstSeq;
      const lost = Math.max(0, next - Math.max(this.ack.ackSeq, first.firstSeq));
      count += lost;
      this.ack.ackSeq = Math.max(this.ack.ackSeq, next);
      this.ack.dropped += lost;
      this.segments.shift();
      try {
        fs.unlinkSync(first.file);
      } catch {
        /* gone already */
      }
    }
    if (this.segments.length === 1 && this.bytes() >= this.maxBytes) {
      // One segment holds it all: seal it now, so that the next call can drop it.
      if (this.flushing) this.forceRoll = true;
      else {
        try {
          this.roll(this.nextSeq);
        } catch {
          this.forceRoll = true;
        }
      }
    }
    if (count === 0) return { state: 'full', reason };
    void this.persistAck();
    this.wakeReaders();
    return { state: 'dropped', count, reason };
  }

  stats(): SpoolStats {
    return {
      segments: this.segments.length,
      bytes: this.bytes(),
      nextSeq: this.durableSeq,
      ackSeq: this.ack.ackSeq,
      unacked: Math.max(0, this.durableSeq - this.ack.ackSeq),
      dropped: this.ack.dropped,
      quarantined: this.quarantined,
      flushes: this.flushes,
      ackSyncs: this.ackSyncs,
    };
  }

  /** Persists the ack, closes files and releases the lock. Pending appends finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    this.closed = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    await this.persistAck(true);
    this.wakeReaders();
    if (this.activeFd !== undefined) fs.closeSync(this.activeFd);
    this.activeFd = undefined;
    this.recent = undefined;
    this.ackFile.close();
    this.releaseLock();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
