/**
 * Incremental STOMP 1.2 frame parser: bytes in (any chunking), events out.
 * No I/O; the caller feeds socket data and acts on the events.
 *
 * - EOLs between frames are heart-beats (`\n` or `\r\n`).
 * - Header lines end in LF or CRLF; values are unescaped (except in CONNECT/CONNECTED);
 *   an undefined escape is a protocol error, as the spec requires.
 * - A body is `content-length` octets followed by NUL, or everything up to the first NUL.
 * - After a protocol error the parser stops: the connection must be closed.
 */
import { escapesHeaders, unescapeHeader, type StompFrame } from './stomp-frame.js';

export type ParseEvent =
  | { type: 'frame'; frame: StompFrame; /** The frame's exact bytes (valid until the next push). */ raw: Buffer }
  | { type: 'heartbeat' }
  | { type: 'error'; message: string };

export interface FrameParserOptions {
  /** Largest command + headers section (default 1 MiB). */
  maxHeadBytes?: number;
  /** Largest body (default 64 MiB). */
  maxBodyBytes?: number;
}

interface Head {
  command: string;
  headers: Array<[string, string]>;
  /** Bytes of command line + headers + blank line. */
  length: number;
  contentLength: number | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private head: Head | undefined;
  private nulScanFrom = 0;
  private failed: string | undefined;
  private readonly maxHead: number;
  private readonly maxBody: number;

  constructor(options: FrameParserOptions = {}) {
    this.maxHead = options.maxHeadBytes ?? 1024 * 1024;
    this.maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  }

  /** The protocol error that stopped the parser, if any. */
  get error(): string | undefined {
    return this.failed;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): ParseEvent[] {
    const events: ParseEvent[] = [];
    if (this.failed !== undefined || chunk.length === 0) return events;
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.buffered += chunk.length;
    for (;;) {
      if (this.head === undefined) {
        if (!this.skipHeartbeats(events)) break;
        const result = this.parseHead();
        if (result === 'wait') break;
        if (typeof result === 'string') return this.fail(events, result);
        this.head = result;
      }
      const done = this.takeBody(events);
      if (done === 'wait') break;
      if (done !== 'ok') return this.fail(events, done);
    }
    return events;
  }

  private fail(events: ParseEvent[], message: string): ParseEvent[] {
    this.failed = message;
    this.chunks = [];
    this.buffered = 0;
    events.push({ type: 'error', message });
    return events;
  }

  private flat(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(n: number): void {
    const buf = this.flat();
    const rest = buf.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
  }

  /** Consumes EOLs before a frame. False when no frame bytes are buffered yet. */
  private skipHeartbeats(events: ParseEvent[]): boolean {
    if (this.buffered === 0) return false;
    const buf = this.flat();
    let i = 0;
    while (i < buf.length) {
      if (buf[i] === LF) {
        events.push({ type: 'heartbeat' });
        i++;
      } else if (buf[i] === CR) {
        if (i + 1 >= buf.length) break;
        if (buf[i + 1] !== LF) break;
        events.push({ type: 'heartbeat' });
        i += 2;
      } else break;
    }
    if (i > 0) this.consume(i);
    return this.buffered > 0 && !(this.buffered === 1 && this.flat()[0] === CR);
  }

  private parseHead(): Head | 'wait' | string {
    const buf = this.flat();
    let pos = 0;
    let command: string | undefined;
    const headers: Array<[string, string]> = [];
    for (;;) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) return buf.length > this.maxHead ? `frame head larger than ${this.maxHead} bytes` : 'wait';
      if (nl + 1 > this.maxHead) return `frame head larger than ${this.maxHead} bytes`;
      const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
      const line = buf.subarray(pos, end);
      pos = nl + 1;
      if (command === undefined) {
        command = line.toString('latin1');
        if (!/^[A-Z]{1,32}$/.test(command)) return `invalid command line ${JSON.stringify(command.slice(0, 40))}`;
        continue;
      }
      if (line.length === 0) break;
      let text: string;
      try {
        text = utf8.decode(line);
      } catch {
        return `header line is not UTF-8 in ${command} frame`;
      }
      const colon = text.indexOf(':');
      if (colon < 0) return `header line without ':' in ${command} frame: ${JSON.stringify(text.slice(0, 60))}`;
      let key: string | undefined = text.slice(0, colon);
      let value: string | undefined = text.slice(colon + 1);
      if (escapesHeaders(command)) {
        key = unescapeHeader(key);
        value = unescapeHeader(value);
        if (key === undefined || value === undefined) return `undefined escape sequence in header of ${command} frame`;
      }
      headers.push([key, value]);
    }
    let contentLength: number | undefined;
    const cl = headers.find(([k]) => k === 'content-length');
    if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl[1])) return `invalid content-length ${JSON.stringify(cl[1].slice(0, 20))} in ${command} frame`;
      contentLength = Number(cl[1]);
      if (contentLength > this.maxBody) return `content-length ${contentLength} exceeds ${this.maxBody}`;
    }
    this.nulScanFrom = pos;
    return { command, headers, length: pos, contentLength };
  }

  private takeBody(events: ParseEvent[]): 'ok' | 'wait' | string {
    const head = this.head!;
    let end: number;
    let bodyEnd: number;
    if (head.contentLength !== undefined) {
      bodyEnd = head.length + head.contentLength;
      end = bodyEnd + 1;
      if (this.buffered < end) return 'wait';
      const buf = this.flat();
      if (buf[bodyEnd] !== NUL) return `${head.command} frame body not followed by NUL after content-length ${head.contentLength}`;
    } else {
      const buf = this.flat();
      const nul = buf.indexOf(NUL, this.nulScanFrom);
      if (nul < 0) {
        this.nulScanFrom = buf.length;
        return buf.length - head.length > this.maxBody ? `${head.command} frame body larger than ${this.maxBody} bytes` : 'wait';
      }
      bodyEnd = nul;
      end = nul + 1;
    }
    const buf = this.flat();
    const frame: StompFrame = {
      command: head.command,
      headers: head.headers,
      body: Buffer.from(buf.subarray(head.length, bodyEnd)),
    };
    events.push({ type: 'frame', frame, raw: buf.subarray(0, end) });
    this.consume(end);
    this.head = undefined;
    this.nulScanFrom = 0;
    return 'ok';
  }
}
