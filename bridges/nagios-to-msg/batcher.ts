/**
 * Cuts the stream of accepted results into groups (one group = one spool
 * commit = one message): at maxRecords, at maxBytes, or lingerMs after the
 * group's first record. Every group carries the checkpoint (input cursors)
 * as of its last line, so a restart resumes exactly after what was spooled.
 * Lines that were read but not forwarded (filtered, unparsable) move the
 * cursors too; an empty group saves them after a quiet second.
 */
import type { Spool, SpoolEntry } from '../spool/index.js';
import { encodeCheckpoint, type InputCursor } from './cursor.js';

export interface BatcherOptions {
  maxRecords: number;
  maxBytes: number;
  lingerMs: number;
  /** Cursor-only progress is saved after this long without records (default 1000 ms). */
  idleCheckpointMs?: number;
  /** Groups awaiting their fsync before producers are held back (default 8). */
  maxPendingGroups?: number;
}

export class Batcher {
  private entries: SpoolEntry[] = [];
  private bytes = 0;
  private readonly positions: Record<string, InputCursor>;
  private dirty = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly spool: Spool,
    private options: BatcherOptions,
    initial: Record<string, InputCursor>,
    private readonly onCommitted: (records: number) => void = () => {},
    /** Called once, at the first failed append (the producers must stop: later groups would commit past lost ones). */
    private readonly onFailure: (err: unknown) => void = () => {},
  ) {
    this.positions = structuredClone(initial);
  }

  setOptions(options: BatcherOptions): void {
    this.options = options;
  }

  /** The file the next lines of input `id` come from. */
  setFile(id: string, cursor: InputCursor): void {
    this.positions[id] = { ...cursor };
  }

  /** Input `id` finished a file: the cursor says so; cut a group so it becomes durable. */
  finishFile(id: string, cursor: InputCursor): Promise<void> {
    this.positions[id] = { ...cursor };
    this.dirty = true;
    return this.cut();
  }

  /** An accepted record from the line ending at `end`. */
  add(id: string, end: number, payload: string, flags: number): void {
    this.positions[id]!.offset = end;
    this.entries.push({ payload, flags });
    this.bytes += payload.length;
    this.dirty = true;
    if (this.entries.length >= this.options.maxRecords || this.bytes >= this.options.maxBytes) {
      void this.cut();
      return;
    }
    if (this.lingerTimer === undefined) this.lingerTimer = setTimeout(() => void this.cut(), this.options.lingerMs);
  }

  /** A line that is not forwarded (filtered, unparsable): only the cursor moves. */
  advance(id: string, end: number): void {
    this.positions[id]!.offset = end;
    this.dirty = true;
    if (this.entries.length === 0 && this.idleTimer === undefined) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.entries.length === 0 && this.dirty) void this.cut();
      }, this.options.idleCheckpointMs ?? 1000);
    }
  }

  /** Appends the current group (possibly empty, to save cursors). Resolves when durable. */
  cut(): Promise<void> {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (!this.dirty) return Promise.resolve();
    const entries = this.entries;
    this.entries = [];
    this.bytes = 0;
    this.dirty = false;
    const p = this.spool.append(entries, encodeCheckpoint({ v: 1, inputs: this.positions })).then(
      () => {
        this.pending.delete(p);
        this.onCommitted(entries.length);
      },
      (err: unknown) => {
        this.pending.delete(p);
        if (this.failure === undefined) {
          this.failure = err;
          this.onFailure(err);
        }
        throw err;
      },
    );
    this.pending.add(p);
    p.catch(() => {}); // observed through failure / flush()
    return p;
  }

  /** Holds a producer back while too many groups wait for their fsync; throws a spool write failure. */
  async backpressure(): Promise<void> {
    while (this.pending.size >= (this.options.maxPendingGroups ?? 8)) {
      await Promise.race([...this.pending]).catch(() => {});
    }
    if (this.failure) throw this.failure;
  }

  /** Cuts and waits until everything added is durable. */
  async flush(): Promise<void> {
    await this.cut().catch(() => {});
    await Promise.allSettled([...this.pending]);
    if (this.failure) throw this.failure;
  }

  /** Records added and not yet cut. */
  get buffered(): number {
    return this.entries.length;
  }

  dispose(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.lingerTimer = undefined;
    this.idleTimer = undefined;
  }
}
