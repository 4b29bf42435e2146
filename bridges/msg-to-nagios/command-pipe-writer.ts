import fs from 'node:fs';
import type { Logger } from '../../core/logger.js';
import { commandLine, NAGIOS_OUTPUT_LIMIT, PIPE_BUF, shortCommandLine } from './external-command.js';
import { abortError, prepareAccepted, sleep, StatusTracker, type NagiosWriter, type WriterStatus } from './nagios-writer.js';
import type { StateJournal } from './state-journal.js';
import type { PreparedResult } from './types.js';

export interface CommandPipeWriterOptions {
  /** Nagios' command_file (a FIFO). */
  path: string;
  journal: StateJournal;
  logger: Logger;
  /** Escaped output above this is cut with a marker (default 8192, Nagios' limit; lines are also cut to PIPE_BUF). */
  maxOutputBytes?: number;
  /** Wait between attempts to open a pipe without reader (grows to retryMaxMs). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** A pipe full for longer than this is reported as Nagios not keeping up. */
  fullReportMs?: number;
  onStatus?: (status: WriterStatus, previous: WriterStatus) => void;
}

/** Wait before retrying a write into a full pipe. */
const FULL_POLL_MS = 1;

const O_WRONLY_NONBLOCK = fs.constants.O_WRONLY | fs.constants.O_NONBLOCK;

/**
 * Writes passive results into Nagios' command pipe. The FIFO is opened
 * non-blocking, so a Nagios that is down (no reader: ENXIO, or no pipe:
 * ENOENT) never blocks the bridge: it waits and retries. Each write(2) is
 * whole lines of at most PIPE_BUF bytes, so it is atomic and never
 * interleaves with other writers; many lines share one write. Right after
 * each write the results are recorded in the journal, with no await between.
 */
export class CommandPipeWriter implements NagiosWriter {
  readonly mode = 'pipe' as const;
  private fd: number | undefined;
  private readonly tracker: StatusTracker;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly maxOutputBytes: number;
  /** Lines written so far (for metrics). */
  linesWritten = 0;
  writes = 0;
  truncated = 0;
  /** Write attempts refused because the pipe was full (Nagios reading slower than us). */
  pipeFull = 0;

  constructor(private readonly options: CommandPipeWriterOptions) {
    this.retryMinMs = options.retryMinMs ?? 200;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
    this.maxOutputBytes = options.maxOutputBytes ?? NAGIOS_OUTPUT_LIMIT;
    this.tracker = new StatusTracker((next, previous) => {
      this.report(next, previous);
      options.onStatus?.(next, previous);
    });
  }

  get status(): WriterStatus {
    return this.tracker.status;
  }

  async write(results: readonly PreparedResult[], signal: AbortSignal): Promise<void> {
    const { journal } = this.options;
    // Lines are encoded straight into one buffer; whenever the next line would
    // take it over PIPE_BUF, the whole lines before it go out in one write(2).
    // A line is at most PIPE_BUF bytes (commandLine cuts), so twice that holds
    // a full chunk plus the line that did not fit (the 4 more bytes make an
    // over-long line show as one, never silently cut). Equivalent to packChunks.
    const buf = Buffer.allocUnsafe(2 * PIPE_BUF + 4);
    let used = 0;
    let items: PreparedResult[] = [];
    const flush = async (): Promise<void> => {
      const record = prepareAccepted(journal, items);
      await this.writeChunk(buf.subarray(0, used), signal, () => journal.appendPrepared(record));
      this.linesWritten += items.length;
    };
    for (const item of results) {
      let line = shortCommandLine(item, PIPE_BUF, this.maxOutputBytes);
      if (line === undefined) {
        const cl = commandLine(item, PIPE_BUF, this.maxOutputBytes);
        if (cl.truncated) this.truncated++;
        line = cl.line;
      }
      const n = buf.write(line, used, 'utf8');
      if (n > PIPE_BUF) throw new RangeError(`command line of ${n} bytes exceeds the ${PIPE_BUF}-byte write limit`);
      if (used + n > PIPE_BUF) {
        await flush();
        // The line that did not fit starts the next chunk (encoded again: cheaper than Buffer#copy).
        buf.write(line, 0, 'utf8');
        used = 0;
        items = [];
      }
      used += n;
      items.push(item);
    }
    if (items.length > 0) await flush();
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
  }

  /** Writes one chunk completely; `accepted` runs synchronously right after the successful write. */
  private async writeChunk(data: Buffer, signal: AbortSignal, accepted: () => void): Promise<void> {
    let openDelay = this.retryMinMs;
    let fullSince: number | undefined;
    for (;;) {
      if (signal.aborted) throw abortError(signal);
      const fd = this.open();
      if (fd === undefined) {
        await sleep(openDelay, signal);
        openDelay = Math.min(openDelay * 2, this.retryMaxMs);
        continue;
      }
      let written: number;
      try {
        written = fs.writeSync(fd, data);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // The pipe is full: Nagios is reading slower than we write. Wait briefly.
          this.pipeFull++;
          fullSince ??= Date.now();
          if (Date.now() - fullSince > (this.options.fullReportMs ?? 10_000)) {
            this.tracker.set('backlogged', `command pipe ${this.options.path} full for ${Math.round((Date.now() - fullSince) / 1000)} s: Nagios is not reading it`);
          }
          // Poll every millisecond: Nagios empties a full pipe (64 KiB) in a few
          // ms, and a longer sleep would leave it idle (one failed write costs nothing).
          await sleep(FULL_POLL_MS, signal);
          continue;
        }
        if (code === 'EPIPE' && this.samePipe(fd)) {
          // No reader now. Keep our end open: lines already in the pipe stay
          // there for the next Nagios to read (the kernel frees a FIFO's
          // buffer only when no end is open), and retry later.
          this.tracker.set('waiting', `command pipe ${this.options.path} has no reader (Nagios stopped?)`);
          await sleep(openDelay, signal);
          openDelay = Math.min(openDelay * 2, this.retryMaxMs);
          continue;
        }
        this.close();
        this.tracker.set('waiting', code === 'EPIPE' ? `command pipe ${this.options.path} was replaced (Nagios restarted)` : `cannot write to command pipe ${this.options.path}: ${(err as Error).message}`);
        continue;
      }
      // Record it at once: nothing but this call between the two write(2)s
      // (the journal record is serialized in advance), so a kill -9 can fall
      // between them only for a few microseconds.
      if (written === data.length) accepted();
      else {
        // Cannot happen for a FIFO and at most PIPE_BUF bytes; finish the write rather than lose lines.
        this.options.logger.error('short write to the Nagios command pipe', { path: this.options.path, written, size: data.length });
        let off = written;
        while (off < data.length) {
          try {
            off += fs.writeSync(fd, data, off);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        accepted();
      }
      this.writes++;
      this.tracker.set('ready');
      return;
    }
  }

  /** True while `fd` is still the FIFO at the configured path (Nagios may recreate it). */
  private samePipe(fd: number): boolean {
    try {
      const a = fs.fstatSync(fd);
      const b = fs.statSync(this.options.path);
      return a.ino === b.ino && a.dev === b.dev;
    } catch {
      return false;
    }
  }

  /** The open pipe, or undefined (status set) when Nagios cannot take results now. */
  private open(): number | undefined {
    if (this.fd !== undefined) return this.fd;
    const path = this.options.path;
    let fd: number;
    try {
      fd = fs.openSync(path, O_WRONLY_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENXIO'
          ? `command pipe ${path} has no reader (Nagios is not running?)`
          : code === 'ENOENT'
            ? `command pipe ${path} does not exist (Nagios is not running, or command_file differs)`
            : code === 'EACCES'
              ? `no permission to write the command pipe ${path}`
              : `cannot open command pipe ${path}: ${(err as Error).message}`;
      this.tracker.set('waiting', reason);
      return undefined;
    }
    if (!fs.fstatSync(fd).isFIFO()) {
      // A regular file would swallow results silently: never write to one.
      fs.closeSync(fd);
      this.tracker.set('waiting', `${path} is not a FIFO (Nagios creates it when it starts)`);
      return undefined;
    }
    this.fd = fd;
    return fd;
  }

  private report(next: WriterStatus, previous: WriterStatus): void {
    const log = this.options.logger;
    if (next.state === 'ready') {
      log.info('Nagios command pipe accepts results again', { path: this.options.path, after_s: Math.round((Date.now() - previous.since) / 1000) });
    } else {
      log.warn(`holding results: ${next.reason ?? next.state}; retrying`, { path: this.options.path });
    }
  }
}
