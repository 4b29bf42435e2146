/**
 * Our IStompSocket for @stomp/stompjs over `net`/`tls` (the shape of
 * @stomp/tcp-wrapper, plus TLS, TCP_NODELAY, a connect timeout, the write
 * buffer for backpressure, and a frame router).
 *
 * Inbound bytes go through our own STOMP 1.2 parser first. Frames gridmsg
 * handles itself (MESSAGE, ERROR, our RECEIPTs) are routed to the session and
 * stompjs sees a heart-beat EOL in their place, which still counts as server
 * activity for its heart-beat watchdog. Everything else (CONNECTED, the
 * DISCONNECT receipt) is passed to stompjs byte for byte. Why: stompjs trims
 * header values, unescapes `\\n` wrongly (a literal backslash followed by `n`
 * becomes a newline) and parses bodies one byte at a time into a JS array.
 */
import net from 'node:net';
import tls from 'node:tls';
import { StompSocketState, type IStompSocket } from '@stomp/stompjs';
import { loadClientTls, tlsConnectOptions } from '../security/client-tls.js';
import type { TlsClientContext } from '../security/tls-errors.js';
import type { BrokerEndpoint } from './client-config.js';
import { FrameParser } from './frame-parser.js';
import type { StompFrame } from './stomp-frame.js';

export interface FrameRouter {
  /** Return true when the frame was consumed (stompjs then sees a heart-beat instead). */
  onFrame(frame: StompFrame): boolean;
  onProtocolError(message: string): void;
}

export interface StompSocketOptions {
  connectTimeoutMs: number;
  maxFrameBytes?: number;
}

const HEARTBEAT_EOL = '\n';

export class StompSocket implements IStompSocket {
  readonly url: string;
  onclose: ((ev?: unknown) => unknown) | undefined | null = null;
  onerror: ((ev: unknown) => unknown) | undefined | null = null;
  onmessage: ((ev: unknown) => unknown) | undefined | null = null;
  onopen: ((ev?: unknown) => unknown) | undefined | null = null;
  binaryType = 'arraybuffer';
  readyState: number = StompSocketState.CONNECTING;
  /** The first socket error (ECONNREFUSED, ETIMEDOUT, certificate errors...). */
  lastError: Error | undefined;
  router: FrameRouter | undefined;
  /** What we offered over TLS, to explain a refusal (security/tls-errors). */
  readonly tlsContext: TlsClientContext | undefined;
  private readonly socket: net.Socket;
  private readonly parser: FrameParser;
  private drainWaiters: Array<() => void> = [];

  constructor(endpoint: BrokerEndpoint, options: StompSocketOptions) {
    this.url = `${endpoint.tls ? 'stomp+ssl' : 'tcp'}://${endpoint.host}:${endpoint.port}`;
    this.parser = new FrameParser(options.maxFrameBytes === undefined ? {} : { maxBodyBytes: options.maxFrameBytes });
    if (endpoint.tls) {
      // Reads and checks the PEM files on every connect (ConfigError naming the file), so renewed certificates are picked up.
      const loaded = loadClientTls(endpoint.tls);
      this.tlsContext = loaded.context;
      this.socket = tls.connect(tlsConnectOptions(loaded, endpoint.host, endpoint.port));
      this.socket.once('secureConnect', () => this.opened());
    } else {
      this.tlsContext = undefined;
      this.socket = net.connect({ host: endpoint.host, port: endpoint.port });
      this.socket.once('connect', () => this.opened());
    }
    this.socket.setNoDelay(true);
    this.socket.setTimeout(options.connectTimeoutMs, () => {
      const err = new Error(`no connection within ${options.connectTimeoutMs} ms`) as NodeJS.ErrnoException;
      err.code = 'ETIMEDOUT';
      this.socket.destroy(err);
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('drain', () => this.wakeDrainWaiters());
    this.socket.on('error', (err) => {
      this.lastError ??= err;
      this.onerror?.({ type: 'error', message: err.message, error: err });
    });
    this.socket.on('close', (hadError) => {
      this.readyState = StompSocketState.CLOSED;
      this.wakeDrainWaiters();
      this.onclose?.({ wasClean: !hadError, type: 'close', code: hadError ? 4001 : 1000 });
    });
  }

  private opened(): void {
    this.socket.setTimeout(0);
    this.socket.setKeepAlive(true, 15_000);
    this.readyState = StompSocketState.OPEN;
    this.onopen?.();
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.parser.push(chunk)) {
      if (this.readyState !== StompSocketState.OPEN) return;
      if (ev.type === 'heartbeat') {
        this.onmessage?.({ data: HEARTBEAT_EOL });
      } else if (ev.type === 'frame') {
        const consumed = this.router?.onFrame(ev.frame) ?? false;
        if (this.readyState !== StompSocketState.OPEN) return;
        this.onmessage?.({ data: consumed ? HEARTBEAT_EOL : ev.raw });
      } else {
        this.router?.onProtocolError(ev.message);
        this.terminate();
        return;
      }
    }
  }

  /** True while the kernel send buffer is full: wait for drain() before writing more. */
  get needsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Bytes queued in the socket's user-space write buffer. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Resolves when the write buffer drained or the socket closed. */
  drain(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.readyState === StompSocketState.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.readyState !== StompSocketState.OPEN) return;
    if (typeof data === 'string') this.socket.write(data);
    else if (ArrayBuffer.isView(data)) this.socket.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    else if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) this.socket.write(Buffer.from(data));
    else throw new TypeError('Blob payloads are not supported');
  }

  /** Batches the writes until uncork() into one system call (used around a burst of frames). */
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  close(): void {
    if (this.readyState === StompSocketState.CLOSED) return;
    this.readyState = StompSocketState.CLOSING;
    this.socket.end();
    // A peer that never answers our FIN must not keep us waiting.
    setTimeout(() => this.socket.destroy(), 5_000).unref();
  }

  terminate(): void {
    if (this.readyState === StompSocketState.CLOSED) return;
    this.readyState = StompSocketState.CLOSING;
    this.socket.destroy();
  }
}
