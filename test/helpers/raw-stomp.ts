/**
 * A tiny STOMP 1.2 client over a raw socket, for tests that must not depend
 * on the project's client layer: CONNECT, SEND with receipt, SUBSCRIBE, ACK,
 * DISCONNECT. No heart-beats, no reconnection.
 */
import net from 'node:net';

export interface Frame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

function escapeHeader(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('\r', '\\r').replaceAll('\n', '\\n').replaceAll(':', '\\c');
}

function unescapeHeader(v: string): string {
  return v.replace(/\\([\\rnc])/g, (_m, c: string) => (c === 'r' ? '\r' : c === 'n' ? '\n' : c === 'c' ? ':' : '\\'));
}

export function encodeFrame(command: string, headers: Record<string, string>, body = ''): Buffer {
  const bodyBuf = Buffer.from(body);
  const head = [command, ...Object.entries(headers).map(([k, v]) => `${escapeHeader(k)}:${escapeHeader(v)}`)];
  if (bodyBuf.length > 0) head.push(`content-length:${bodyBuf.length}`);
  return Buffer.concat([Buffer.from(`${head.join('\n')}\n\n`), bodyBuf, Buffer.from([0])]);
}

/** Incremental frame parser (handles content-length and heart-beat newlines). */
export class FrameParser {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): Frame[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 0x0a || this.buf[start] === 0x0d)) start++;
      const headEnd = this.buf.indexOf('\n\n', start);
      if (headEnd < 0) {
        this.buf = this.buf.subarray(start);
        return frames;
      }
      const lines = this.buf.subarray(start, headEnd).toString('utf8').replaceAll('\r', '').split('\n');
      const command = lines[0] ?? '';
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = unescapeHeader(line.slice(0, i));
        if (!(k in headers)) headers[k] = command === 'CONNECTED' ? line.slice(i + 1) : unescapeHeader(line.slice(i + 1));
      }
      const bodyStart = headEnd + 2;
      let bodyEnd: number;
      if (headers['content-length'] !== undefined) {
        bodyEnd = bodyStart + Number(headers['content-length']);
        if (this.buf.length < bodyEnd + 1) {
          this.buf = this.buf.subarray(start);
          return frames;
        }
      } else {
        bodyEnd = this.buf.indexOf(0, bodyStart);
        if (bodyEnd < 0) {
          this.buf = this.buf.subarray(start);
          return frames;
        }
      }
      frames.push({ command, headers, body: this.buf.subarray(bodyStart, bodyEnd).toString('utf8') });
      this.buf = this.buf.subarray(bodyEnd + 1);
    }
  }
}

export class StompError extends Error {
  constructor(
    message: string,
    readonly frame?: Frame,
  ) {
    super(message);
  }
}

export interface ConnectOptions {
  host?: string;
  port: number;
  login?: string;
  passcode?: string;
  /** Virtual host header (default localhost). */
  vhost?: string;
  timeoutMs?: number;
}

export class RawStompClient {
  private readonly parser = new FrameParser();
  private readonly waiters = new Map<string, { resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  private readonly subscriptions = new Map<string, (f: Frame) => void>();
  private nextId = 1;
  private closedError: Error | undefined;
  /** ERROR frames received outside any receipt wait. */
  readonly errors: Frame[] = [];

  private constructor(private readonly socket: net.Socket) {}

  /** Connects and logs in; rejects with the broker's ERROR message when refused. */
  static async connect(options: ConnectOptions): Promise<RawStompClient> {
    const socket = net.connect({ host: options.host ?? '127.0.0.1', port: options.port });
    const client = new RawStompClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('data', (d: Buffer) => client.onData(d));
    socket.on('error', (e) => client.fail(e));
    socket.on('close', () => client.fail(new StompError('connection closed')));
    const headers: Record<string, string> = { 'accept-version': '1.2', host: options.vhost ?? 'localhost', 'heart-beat': '0,0' };
    if (options.login !== undefined) headers['login'] = options.login;
    if (options.passcode !== undefined) headers['passcode'] = options.passcode;
    const connected = client.waitFor('__connected', options.timeoutMs ?? 15_000);
    socket.write(encodeFrame('CONNECT', headers));
    const frame = await connected;
    if (frame.command !== 'CONNECTED') {
      socket.destroy();
      throw new StompError(`connect refused: ${frame.headers['message'] ?? frame.body}`, frame);
    }
    return client;
  }

  private onData(d: Buffer): void {
    for (const f of this.parser.push(d)) {
      if (f.command === 'CONNECTED') this.settle('__connected', f);
      else if (f.command === 'RECEIPT') this.settle(f.headers['receipt-id'] ?? '', f);
      else if (f.command === 'MESSAGE') this.subscriptions.get(f.headers['subscription'] ?? '')?.(f);
      else if (f.command === 'ERROR') {
        const rid = f.headers['receipt-id'];
        if (rid !== undefined && this.waiters.has(rid)) this.settle(rid, f);
        else if (this.waiters.has('__connected')) this.settle('__connected', f);
        else this.errors.push(f);
      }
    }
  }

  private settle(id: string, f: Frame): void {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    w.resolve(f);
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    for (const [id, w] of this.waiters) {
      this.waiters.delete(id);
      w.reject(e);
    }
  }

  private waitFor(id: string, timeoutMs: number): Promise<Frame> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new StompError(`no answer to ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** SEND with a receipt: resolves when the broker stored it, rejects with its ERROR message. */
  async send(destination: string, body: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<void> {
    const receipt = `r-${this.nextId++}`;
    const wait = this.waitFor(receipt, timeoutMs);
    this.socket.write(encodeFrame('SEND', { destination, persistent: 'true', ...headers, receipt }, body));
    const f = await wait;
    if (f.command === 'ERROR') throw new StompError(f.headers['message'] ?? f.body, f);
  }

  /**
   * SUBSCRIBE with client-individual acks. `onMessage` gets each MESSAGE;
   * call `ack(frame)` to acknowledge. Resolves once the broker receipted it.
   */
  async subscribe(destination: string, onMessage: (f: Frame) => void, headers: Record<string, string> = {}): Promise<string> {
    const id = `s-${this.nextId++}`;
    this.subscriptions.set(id, onMessage);
    const receipt = `r-${this.nextId++}`;
    const wait = this.waitFor(receipt, 15_000);
    this.socket.write(encodeFrame('SUBSCRIBE', { destination, id, ack: 'client-individual', ...headers, receipt }));
    const f = await wait;
    if (f.command === 'ERROR') throw new StompError(f.headers['message'] ?? f.body, f);
    return id;
  }

  ack(frame: Frame): void {
    const id = frame.headers['ack'] ?? frame.headers['message-id'] ?? '';
    this.socket.write(encodeFrame('ACK', { id }));
  }

  /** Acks with a receipt, so the ack is known to be processed. */
  async ackSync(frame: Frame): Promise<void> {
    const receipt = `r-${this.nextId++}`;
    const wait = this.waitFor(receipt, 15_000);
    this.socket.write(encodeFrame('ACK', { id: frame.headers['ack'] ?? frame.headers['message-id'] ?? '', receipt }));
    await wait;
  }

  /** DISCONNECT with a receipt, then close. Never throws. */
  async close(): Promise<void> {
    if (this.closedError) {
      this.socket.destroy();
      return;
    }
    const receipt = `r-${this.nextId++}`;
    const wait = this.waitFor(receipt, 5000).catch(() => undefined);
    this.socket.write(encodeFrame('DISCONNECT', { receipt }));
    await wait;
    this.socket.destroy();
  }

  /** Drops the connection without DISCONNECT (unacked messages go back to the queue). */
  abort(): void {
    this.socket.destroy();
  }
}

/**
 * Subscribes and collects messages until `count` arrived (acking each), or
 * rejects after timeoutMs with what it got so far.
 */
export async function receiveN(
  client: RawStompClient,
  destination: string,
  count: number,
  timeoutMs = 60_000,
  headers: Record<string, string> = {},
): Promise<Frame[]> {
  const got: Frame[] = [];
  let done: (() => void) | undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await client.subscribe(
    destination,
    (f) => {
      got.push(f);
      client.ack(f);
      if (got.length >= count) done?.();
    },
    headers,
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`got ${got.length} of ${count} messages from ${destination} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([finished, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return got;
}
