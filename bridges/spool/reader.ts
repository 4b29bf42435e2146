/**
 * Reads committed groups back from the spool, in order, from a starting
 * sequence number on. Never reads past what is fdatasync'd; a corrupt frame
 * is set aside (quarantine) and reading goes on with the next valid one.
 */
import fs from 'node:fs';
import type { Logger } from '../../core/logger.js';
import { readFrame, findNextFrame } from './frame.js';
import { quarantine } from './quarantine.js';
import type { Spool, SpoolBatch, SpooledRecord } from './spool.js';

const CHUNK = 1024 * 1024;

function readInto(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

export class SpoolReader {
  private file: string | undefined;
  private firstSeqOfFile = -1;
  private fd: number | undefined;
  /** File offset of buf[0]. */
  private base = 0;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private records: SpooledRecord[] = [];
  private bytes = 0;
  private minSeq: number;
  private closed = false;

  constructor(
    private readonly spool: Spool,
    startSeq: number,
    private readonly logger: Logger,
  ) {
    this.minSeq = startSeq;
  }

  /** Skips ahead (e.g. after drop-oldest): nothing below `seq` is returned. */
  seek(seq: number): void {
    if (seq <= this.minSeq) return;
    this.minSeq = seq;
    const target = this.spool.segmentFor(seq);
    if (target !== undefined && target.firstSeq > this.firstSeqOfFile) {
      this.closeFile();
      this.firstSeqOfFile = -1;
      this.records = [];
      this.bytes = 0;
    }
  }

  /** The next committed group, waiting for one if needed; undefined once closed or aborted. */
  async next(signal?: AbortSignal): Promise<SpoolBatch | undefined> {
    for (;;) {
      if (this.closed || signal?.aborted || this.spool.isClosed) return undefined;
      if (this.spool.ackSeq > this.minSeq) this.seek(this.spool.ackSeq);
      if (this.fd === undefined && !this.openNext()) {
        await this.wait(signal);
        continue;
      }
      const batch = this.parse();
      if (batch) return batch;
      if (!(await this.fill())) {
        if (!this.spool.isActive(this.file!) && this.spool.segmentAfter(this.firstSeqOfFile) !== undefined) {
          const orphan = this.finishSealed();
          if (orphan) return orphan;
          continue;
        }
        await this.wait(signal);
      }
    }
  }

  private async wait(signal?: AbortSignal): Promise<void> {
    const more = this.spool.waitForData(this.spool.committedSeq);
    if (!signal) return more;
    let onAbort: (() => void) | undefined;
    await Promise.race([more, new Promise<void>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve()), { once: true }))]);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }

  private openNext(): boolean {
    const seg = this.firstSeqOfFile < 0 ? this.spool.segmentFor(this.minSeq) : this.spool.segmentAfter(this.firstSeqOfFile);
    if (seg === undefined) return false;
    try {
      this.fd = fs.openSync(seg.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // Deleted meanwhile (acked or dropped): move on.
        this.firstSeqOfFile = seg.firstSeq;
        return this.openNext();
      }
      throw err;
    }
    this.file = seg.file;
    this.firstSeqOfFile = seg.firstSeq;
    this.base = 0;
    this.buf = this.store.subarray(0, 0);
    this.pos = 0;
    this.records = [];
    this.bytes = 0;
    return true;
  }

  private closeFile(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Reads more committed bytes into the reused store (unparsed bytes are
   * moved to its front first); false when there are none yet. Batches copy
   * their payloads out, so nothing else points into the store.
   */
  private async fill(): Promise<boolean> {
    const end = this.spool.durableEnd(this.file!);
    const fileOffset = this.base + this.buf.length;
    const want = Math.min(CHUNK, end - fileOffset);
    if (want <= 0) return false;
    const rest = this.buf.length - this.pos;
    // Records of the group being read point into the store, which is about to be overwritten: give them their own copies.
    for (const r of this.records) r.payload = Buffer.from(r.payload);
    if (this.store.length < rest + want) {
      const grown = Buffer.allocUnsafe(Math.max(this.store.length * 2, rest + want));
      this.buf.copy(grown, 0, this.pos);
      this.store = grown;
    } else if (rest > 0 && this.buf.buffer === this.store.buffer && this.buf.byteOffset === this.store.byteOffset) {
      this.store.copyWithin(0, this.pos, this.buf.length);
    } else if (rest > 0) {
      this.buf.copy(this.store, 0, this.pos);
    }
    // Caught up with the writer: the bytes just written are copied from memory, not read back through the thread pool.
    const n = this.spool.copyRecent(this.file!, fileOffset, want, this.store, rest) ? want : await readInto(this.fd!, this.store, rest, want, fileOffset);
    this.base += this.pos;
    this.pos = 0;
    this.buf = this.store.subarray(0, rest + n);
    return n > 0;
  }
  private store: Buffer = Buffer.allocUnsafe(2 * CHUNK);

  /** Parses buffered frames; returns a group when its commit frame is reached. */
  private parse(): SpoolBatch | undefined {
    for (;;) {
      const r = readFrame(this.buf, this.pos);
      if (r.kind === 'incomplete') return undefined;
      if (r.kind === 'corrupt') {
        const next = findNextFrame(this.buf, this.pos + 1);
        if (next < 0) return undefined; // decide once the segment is complete (finishSealed) or more data arrives
        this.setAside(this.pos, next, r.reason);
        this.pos = next;
        continue;
      }
      const f = r.frame;
      this.pos += f.size;
      if (f.type === 'record') {
        if (f.seq >= this.minSeq) {
          this.records.push({ seq: f.seq, flags: f.flags, time: f.time, payload: f.payload });
          this.bytes += f.payload.length;
        }
        continue;
      }
      const batch = this.takeBatch();
      if (batch) return batch;
    }
  }

  private takeBatch(): SpoolBatch | undefined {
    if (this.records.length === 0) return undefined;
    // Copy the payloads into one buffer of the batch's own: the read chunk is not kept alive by batches in flight.
    const own = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    const records = this.records.map((r) => {
      r.payload.copy(own, at);
      const payload = own.subarray(at, at + r.payload.length);
      at += r.payload.length;
      return { ...r, payload };
    });
    const first = records[0]!;
    const last = records[records.length - 1]!;
    const batch: SpoolBatch = {
      payloads: own,
      firstSeq: first.seq,
      lastSeq: last.seq,
      key: `${this.spool.id}:${first.seq}-${last.seq}`,
      time: first.time,
      records,
      bytes: this.bytes,
    };
    this.records = [];
    this.bytes = 0;
    this.minSeq = Math.max(this.minSeq, last.seq + 1);
    return batch;
  }

  /** End of a sealed segment: leftover bytes are a torn frame; records without a commit still go out. */
  private finishSealed(): SpoolBatch | undefined {
    if (this.pos < this.buf.length) this.setAside(this.pos, this.buf.length, 'truncated frame at the end of a sealed segment');
    const orphan = this.takeBatch();
    this.closeFile();
    return orphan;
  }

  private setAside(start: number, end: number, reason: string): void {
    const region = { start: this.base + start, end: this.base + end, reason };
    quarantine(this.spool.quarantineDir, this.file!, Buffer.from(this.buf.subarray(start, end)), region, this.logger);
    this.spool.noteQuarantine();
  }

  close(): void {
    this.closed = true;
    this.closeFile();
  }
}
