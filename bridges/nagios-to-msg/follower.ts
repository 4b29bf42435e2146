/**
 * Follows one input file as Nagios (or the OCSP handler) appends to it.
 *
 * State machine of the current file:
 *   live      the file at the input path: read to the end, then wait for growth
 *             (fs.watch on the directory, polling as a fallback)
 *   rotated   renamed away (Nagios' perfdata processing command, logrotate, or
 *             the bridge itself at rotateAtBytes): read to the end, wait until
 *             it stopped growing for rotationGraceMs, then report it finished
 *   (none)    between files: the oldest rotated file waiting, else the live
 *             file, else wait for it to appear
 *
 * Waiting for growth: while the directory watch works, it wakes the reader
 * and a slow safety poll (watchPollMs, 2 s) only covers a lost event; without
 * a watch (it failed, or it missed a write: growth over a second old that no
 * event announced) the reader polls every pollMs (250 ms).
 *
 * Rotated files are recognised by name (`<base>.<digits>`, `<base>-<digits>`)
 * in the input's directory, processed oldest first, and deleted by the
 * bridge once their end is durable in the spool (release()). A truncated
 * file (copytruncate) is read again from the start, with a warning.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/logger.js';
import type { InputCursor } from './cursor.js';

export interface FollowerOptions {
  /** Input name (key of its cursor). */
  id: string;
  path: string;
  /** Rename the live file once this many bytes are consumed (inputs Nagios does not rotate, e.g. the OCSP file). */
  rotateAtBytes?: number;
  pollMs?: number;
  /** Safety poll while the directory watch works (default 2000 ms; never below pollMs). */
  watchPollMs?: number;
  /** Directory watch (default fs.watch); tests inject one that loses events. */
  watch?: (dir: string, onChange: () => void) => DirWatch;
  /** A rotated file counts as finished after this long without growth (a writer may still hold it open). */
  rotationGraceMs?: number;
  chunkBytes?: number;
  logger: Logger;
  /** Where to resume (from the spool's last checkpoint). */
  start?: InputCursor;
  now?: () => number;
}

/** What the follower needs of a directory watch (fs.FSWatcher has it). */
export interface DirWatch {
  close(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export type FollowerEvent =
  /** Complete lines; `ends[i]` is the offset after line i; `cursor` describes the file (offset = after the last line). */
  | { kind: 'lines'; lines: string[]; ends: number[]; cursor: InputCursor; bytes: number }
  /** The file is finished. Make `cursor` durable, then call release() (deletes the rotated file). */
  | { kind: 'finished'; cursor: InputCursor; release: () => void };

export type FollowerState = 'starting' | 'live' | 'rotated' | 'waiting-for-file' | 'stopped';

export interface FollowerStatus {
  id: string;
  path: string;
  state: FollowerState;
  /** File being read (differs from path while draining a rotated file). */
  file: string | undefined;
  offset: number;
  /** Bytes written but not yet read (live file). */
  lagBytes: number;
  /** Since when the input file has been missing (epoch ms), if it is. */
  missingSince: number | undefined;
}

const FP_BYTES = 256;
const MAX_LINE = 64 * 1024 * 1024;

interface Current {
  fd: number;
  dev: number;
  ino: number;
  name: string;
  gen: number;
  /** Consumed (complete lines). */
  offset: number;
  /** Read so far (offset + partial.length). */
  readPos: number;
  partial: Buffer;
  fp: string;
  fpLen: number;
  rotated: boolean;
  lastGrowth: number;
}

function rotatedPattern(base: string): RegExp {
  const esc = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc}[.-]\\d+([.-]\\d+)*$`);
}

function digest(buf: Buffer): string {
  return crypto.createHash('sha1').update(buf).digest('hex').slice(0, 20);
}

function readPrefix(fd: number, length: number): Buffer {
  if (length === 0) return Buffer.alloc(0);
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, 0);
  return buf.subarray(0, n);
}

export class FileFollower {
  readonly id: string;
  readonly path: string;
  private readonly dir: string;
  private readonly base: string;
  private readonly pattern: RegExp;
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly watchPollMs: number;
  private readonly graceMs: number;
  private readonly chunkBytes: number;
  private readonly rotateAtBytes: number | undefined;
  private readonly now: () => number;
  private cur: Current | undefined;
  private gen = 0;
  private state: FollowerState = 'starting';
  /** dev:ino of files finished but not yet released, and of leftovers to ignore. */
  private readonly skip = new Set<string>();
  private watcher: DirWatch | undefined;
  /** Watch events seen (a poll that finds growth compares it with the count when the wait began). */
  private watchEvents = 0;
  /** Set while waiting at the end of the live file: the watch event count and the size then. */
  private waitedAt: { events: number; size: number } | undefined;
  private wakers: Array<() => void> = [];
  private started = false;
  private missingSince: number | undefined;
  private lastMissingLog = 0;
  private stopped = false;

  constructor(private readonly options: FollowerOptions) {
    this.id = options.id;
    this.path = path.resolve(options.path);
    this.dir = path.dirname(this.path);
    this.base = path.basename(this.path);
    this.pattern = rotatedPattern(this.base);
    this.logger = options.logger;
    this.pollMs = options.pollMs ?? 250;
    this.watchPollMs = Math.max(this.pollMs, options.watchPollMs ?? 2000);
    this.graceMs = options.rotationGraceMs ?? 1000;
    this.chunkBytes = options.chunkBytes ?? 256 * 1024;
    this.rotateAtBytes = options.rotateAtBytes;
    this.now = options.now ?? Date.now;
  }

  status(): FollowerStatus {
    let lagBytes = 0;
    if (this.cur && !this.cur.rotated) {
      try {
        lagBytes = Math.max(0, fs.fstatSync(this.cur.fd).size - this.cur.offset);
      } catch {
        /* closed */
      }
    }
    return {
      id: this.id,
      path: this.path,
      state: this.state,
      file: this.cur?.name,
      offset: this.cur?.offset ?? 0,
      lagBytes,
      missingSince: this.missingSince,
    };
  }

  /** State and missing-since only (no system call): what the bridge watches for changes. */
  condition(): string {
    return `${this.state}:${this.missingSince ?? ''}`;
  }

  /** Stops following: next() returns undefined, the file is closed. */
  stop(): void {
    this.stopped = true;
    this.state = 'stopped';
    this.watcher?.close();
    this.watcher = undefined;
    if (this.cur) fs.closeSync(this.cur.fd);
    this.cur = undefined;
    this.wake();
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  private waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      // On the timer, done runs after the I/O phase: a watch event already queued (the loop was busy) is counted first (checkWatch).
      const timer = setTimeout(() => setImmediate(done), ms);
      this.wakers.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private startWatching(): void {
    const onChange = (): void => {
      this.watchEvents++;
      this.wake();
    };
    try {
      this.watcher = this.options.watch ? this.options.watch(this.dir, onChange) : fs.watch(this.dir, { persistent: false }, onChange);
      this.watcher.on('error', (err: Error) => this.stopWatching('the directory watch failed', err.message));
    } catch (err) {
      this.stopWatching('cannot watch the input directory', (err as Error).message);
    }
  }

  private stopWatching(why: string, error?: string): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.logger.warn(`${why}: polling every ${this.pollMs} ms instead`, { input: this.id, dir: this.dir, ...(error === undefined ? {} : { error }) });
    this.wake(); // a wait begun with the safety poll's interval starts again with the poll's
  }

  /** How long to wait for growth: the slow safety poll while the watch works, else the poll interval. */
  private get waitMs(): number {
    return this.watcher ? this.watchPollMs : this.pollMs;
  }

  /**
   * Growth found after a wait at the end of the live file: if no watch event
   * came although the write is over a second old, the watch does not see
   * this file's writes (e.g. a network file system): poll instead.
   */
  private checkWatch(st: fs.Stats): void {
    const waited = this.waitedAt;
    this.waitedAt = undefined;
    if (!this.watcher || waited === undefined || st.size <= waited.size) return;
    if (this.watchEvents === waited.events && this.now() - st.mtimeMs > 1000) this.stopWatching('the directory watch missed a write to the input file');
  }

  private key(dev: number, ino: number): string {
    return `${dev}:${ino}`;
  }

  /** Rotated files in the directory, oldest first, excluding those to skip. */
  private rotatedFiles(): Array<{ name: string; st: fs.Stats }> {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: Array<{ name: string; st: fs.Stats }> = [];
    for (const n of names) {
      if (!this.pattern.test(n)) continue;
      const full = path.join(this.dir, n);
      try {
        const st = fs.statSync(full);
        if (st.isFile() && !this.skip.has(this.key(st.dev, st.ino))) out.push({ name: full, st });
      } catch {
        /* vanished */
      }
    }
    return out.sort((a, b) => a.st.mtimeMs - b.st.mtimeMs || a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  private fingerprintMatches(file: string, cursor: InputCursor): boolean {
    if (cursor.fpLen === 0) return true;
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'r');
      const prefix = readPrefix(fd, cursor.fpLen);
      return prefix.length === cursor.fpLen && digest(prefix) === cursor.fp;
    } catch {
      return false;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  private open(name: string, offset: number, rotated: boolean, gen: number): boolean {
    let fd: number;
    try {
      fd = fs.openSync(name, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const st = fs.fstatSync(fd);
    let start = offset;
    if (start > st.size) {
      this.logger.warn('input file is shorter than the saved cursor: it was truncated; reading it from the start', { input: this.id, file: name, cursor: offset, size: st.size });
      start = 0;
    }
    const fpLen = Math.min(FP_BYTES, start);
    this.cur = {
      fd,
      dev: st.dev,
      ino: st.ino,
      name,
      gen,
      offset: start,
      readPos: start,
      partial: Buffer.alloc(0),
      fp: digest(readPrefix(fd, fpLen)),
      fpLen,
      rotated,
      lastGrowth: this.now(),
    };
    this.gen = gen;
    this.state = rotated ? 'rotated' : 'live';
    this.missingSince = undefined;
    return true;
  }

  /** Initial placement from the saved cursor. */
  private init(): void {
    this.startWatching();
    const start = this.options.start;
    const rotated = this.rotatedFiles();
    let live: fs.Stats | undefined;
    try {
      live = fs.statSync(this.path);
    } catch {
      live = undefined;
    }
    if (start === undefined) return;
    this.gen = start.gen;
    const same = (st: fs.Stats): boolean => st.dev === start.dev && st.ino === start.ino;
    const rot = rotated.find((r) => same(r.st) && this.fingerprintMatches(r.name, start));
    if (rot) {
      if (start.done) {
        this.removeRotated(rot.name, rot.st.dev, rot.st.ino);
      } else {
        this.open(rot.name, start.offset, true, start.gen);
      }
      return;
    }
    if (live && same(live) && this.fingerprintMatches(this.path, start)) {
      for (const r of rotated) {
        this.logger.warn('rotated input file predates the saved cursor (already forwarded): left in place, not read', { input: this.id, file: r.name });
        this.skip.add(this.key(r.st.dev, r.st.ino));
      }
      if (!start.done) this.open(this.path, start.offset, false, start.gen);
      return;
    }
    if (!start.done) {
      this.logger.warn('the file of the saved cursor is gone; continuing with the oldest rotated file, then the live one', {
        input: this.id,
        file: start.name,
        offset: start.offset,
      });
    }
  }

  private removeRotated(name: string, dev: number, ino: number): void {
    try {
      const st = fs.statSync(name);
      if (st.dev === dev && st.ino === ino) fs.unlinkSync(name);
    } catch {
      /* already gone */
    }
    this.skip.delete(this.key(dev, ino));
  }

  private cursorOf(c: Current, done: boolean): InputCursor {
    return { gen: c.gen, dev: c.dev, ino: c.ino, fp: c.fp, fpLen: c.fpLen, offset: c.offset, done, name: c.name };
  }

  /** Next lines or file end; waits for data. Undefined once stopped or aborted. */
  async next(signal?: AbortSignal): Promise<FollowerEvent | undefined> {
    if (!this.started) {
      this.started = true;
      this.init();
    }
    for (;;) {
      if (this.stopped || signal?.aborted) return undefined;
      const c = this.cur;
      if (c === undefined) {
        const rotated = this.rotatedFiles();
        if (rotated.length > 0) {
          this.open(rotated[0]!.name, 0, true, this.gen + 1);
          continue;
        }
        if (this.open(this.path, 0, false, this.gen + 1)) continue;
        this.state = 'waiting-for-file';
        this.missingSince ??= this.now();
        if (this.now() - this.lastMissingLog > 60_000) {
          this.lastMissingLog = this.now();
          this.logger.warn('input file does not exist (yet): waiting for Nagios to create it', { input: this.id, file: this.path });
        }
        await this.waitForChange(this.waitMs, signal);
        continue;
      }
      // The size first: a poll or a wake-up without growth costs one fstat, not a read through the thread pool.
      let st = fs.fstatSync(c.fd);
      if (this.waitedAt !== undefined) this.checkWatch(st);
      if (st.size > c.readPos) {
        const ev = await this.readMore(c);
        if (ev) return ev;
        if (this.cur !== c) continue;
        st = fs.fstatSync(c.fd);
      }
      const after = await this.atEnd(c, signal, st);
      if (after) return after;
    }
  }

  /** Reused for every read: lines are decoded to strings and the partial line is copied out. */
  private readBuffer: Buffer | undefined;

  private async readMore(c: Current): Promise<FollowerEvent | undefined> {
    const chunk = (this.readBuffer ??= Buffer.allocUnsafe(this.chunkBytes));
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(c.fd, chunk, 0, this.chunkBytes, c.readPos, (err, bytes) => (err ? reject(err) : resolve(bytes))),
    );
    if (n === 0 || this.cur !== c) return undefined;
    c.readPos += n;
    c.lastGrowth = this.now();
    const data = c.partial.length === 0 ? chunk.subarray(0, n) : Buffer.concat([c.partial, chunk.subarray(0, n)]);
    const lastNl = data.lastIndexOf(0x0a);
    if (lastNl < 0) {
      if (data.length < MAX_LINE) {
        c.partial = Buffer.from(data);
        return undefined;
      }
      this.logger.warn('input line longer than 64 MiB without a newline: taken as one line', { input: this.id, file: c.name });
      return this.emit(c, data, data.length, Buffer.alloc(0));
    }
    return this.emit(c, data, lastNl + 1, Buffer.from(data.subarray(lastNl + 1)));
  }

  /** Emits the complete lines in data[0, end) and keeps `rest` as the partial line. */
  private emit(c: Current, data: Buffer, end: number, rest: Buffer): FollowerEvent {
    const lines: string[] = [];
    const ends: number[] = [];
    const base = c.offset;
    let start = 0;
    while (start < end) {
      let nl = data.indexOf(0x0a, start);
      if (nl < 0 || nl >= end) nl = end;
      lines.push(data.toString('utf8', start, nl));
      ends.push(base + Math.min(nl + 1, end));
      start = nl + 1;
    }
    c.offset = base + end;
    c.partial = rest;
    if (c.fpLen < FP_BYTES && c.offset > c.fpLen) {
      c.fpLen = Math.min(FP_BYTES, c.offset);
      c.fp = digest(readPrefix(c.fd, c.fpLen));
    }
    return { kind: 'lines', lines, ends, cursor: this.cursorOf(c, false), bytes: end };
  }

  /** At the end of what is written: detect truncation, rotation, self-rotate, or wait. */
  private async atEnd(c: Current, signal: AbortSignal | undefined, st: fs.Stats): Promise<FollowerEvent | undefined> {
    if (st.size < c.readPos) {
      this.logger.warn('input file was truncated (copytruncate?): reading it again from the start; lines written between the copy and the truncation may be lost', {
        input: this.id,
        file: c.name,
        offset: c.readPos,
        size: st.size,
      });
      c.gen = ++this.gen;
      c.offset = 0;
      c.readPos = 0;
      c.partial = Buffer.alloc(0);
      c.fpLen = 0;
      c.fp = digest(Buffer.alloc(0));
      return undefined;
    }
    if (!c.rotated) {
      let live: fs.Stats | undefined;
      try {
        live = fs.statSync(this.path);
      } catch {
        live = undefined;
      }
      if (live && live.dev === c.dev && live.ino === c.ino) {
        if (this.rotateAtBytes !== undefined && c.readPos >= this.rotateAtBytes && c.partial.length === 0) {
          const target = `${this.path}.${this.now()}`;
          try {
            fs.renameSync(this.path, target);
            this.logger.info('input file rotated by the bridge', { input: this.id, file: target, bytes: c.readPos });
            c.rotated = true;
            c.name = target;
            c.lastGrowth = this.now();
            this.state = 'rotated';
            return undefined;
          } catch (err) {
            this.logger.warn('cannot rotate the input file', { input: this.id, file: this.path, error: (err as Error).message });
          }
        }
        this.waitedAt = { events: this.watchEvents, size: st.size };
        await this.waitForChange(this.waitMs, signal);
        return undefined;
      }
      // Renamed (or deleted) under us: drain what remains of it.
      c.rotated = true;
      c.lastGrowth = this.now();
      this.state = 'rotated';
      const found = this.rotatedFiles().find((r) => r.st.dev === c.dev && r.st.ino === c.ino);
      c.name = found?.name ?? c.name;
      return undefined;
    }
    const quiet = this.now() - c.lastGrowth;
    if (quiet < this.graceMs) {
      await this.waitForChange(Math.min(this.waitMs, this.graceMs - quiet), signal);
      return undefined;
    }
    if (c.partial.length > 0) {
      this.logger.warn('last line of a rotated input file has no newline: taken as a line', { input: this.id, file: c.name });
      const data = c.partial;
      return this.emit(c, data, data.length, Buffer.alloc(0));
    }
    // Finished.
    const cursor = this.cursorOf(c, true);
    fs.closeSync(c.fd);
    this.cur = undefined;
    const k = this.key(c.dev, c.ino);
    this.skip.add(k);
    const name = c.name;
    return { kind: 'finished', cursor, release: () => this.removeRotated(name, c.dev, c.ino) };
  }
}
