/**
 * One live STOMP connection to one broker: the stompjs engine (handshake,
 * heart-beats, outbound frames) over our StompSocket, plus the routing of
 * MESSAGE, RECEIPT and ERROR frames to gridmsg code. A session never
 * reconnects: when it ends, `ended` resolves with the reason and the
 * Connection opens a new one.
 */
import { Client, Versions } from '@stomp/stompjs';
import { GridmsgError } from '../core/errors.js';
import type { BrokerEndpoint } from './client-config.js';
import type { ResolvedCredentials } from './credentials.js';
import { describeTlsError } from '../security/tls-errors.js';
import { AuthenticationError, BrokerError, ClosedError, ConnectionError, ProtocolError, TlsError, looksLikeAuthFailure } from './errors.js';
import { brokerLabel } from './broker-pool.js';
import { frame, header, serializeFrame, type StompFrame } from './stomp-frame.js';
import { StompSocket } from './stomp-socket.js';

export interface ReceiptWatcher {
  onReceipt(): void;
  onError(error: BrokerError): void;
}

export interface SessionOptions {
  endpoint: BrokerEndpoint;
  /** Index of the endpoint in the broker pool. */
  poolIndex: number;
  credentials: ResolvedCredentials | undefined;
  heartbeatMs: number;
  connectTimeoutMs: number;
  /** Aborts the attempt (rejects with ClosedError). */
  signal?: AbortSignal;
  onMessage(session: Session, frame: StompFrame): void;
  /** Called for an ERROR frame that no receipt watcher claimed (before the session is killed). */
  onError?(session: Session, error: BrokerError): void;
}

let nextSessionId = 1;

/** An ACK or NACK frame of STOMP 1.2 (`id` = the MESSAGE's `ack` header), by the client layer's serializer. */
export function ackFrame(command: 'ACK' | 'NACK', ackId: string, subscription: string): Buffer {
  return serializeFrame(frame(command, { id: ackId, subscription }));
}

/** Text of an ERROR frame: its `message` header plus the body's first line(s). */
export function errorFrameText(frame: StompFrame): string {
  const message = header(frame, 'message') ?? '';
  const body = Buffer.from(frame.body).toString('utf8').trim().split('\n').slice(0, 3).join(' | ');
  if (message && body && !body.startsWith(message)) return `${message} (${body.slice(0, 400)})`;
  return message || body.slice(0, 400) || 'ERROR frame without message';
}

function describeSocketError(err: Error | undefined): string {
  if (err === undefined) return 'connection closed by broker';
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code === 'ETIMEDOUT') return err.message;
  return code ? `${err.message} [${code}]` : err.message;
}

export class Session {
  readonly id = nextSessionId++;
  readonly endpoint: BrokerEndpoint;
  readonly broker: string;
  readonly poolIndex: number;
  readonly openedAt = Date.now();
  /** Resolves once, with why the session ended. */
  readonly ended: Promise<GridmsgError>;
  private endReason: GridmsgError | undefined;
  private resolveEnded!: (reason: GridmsgError) => void;
  private readonly receipts = new Map<string, ReceiptWatcher>();
  private heartbeatLost = false;

  private constructor(
    private readonly client: Client,
    private readonly socket: StompSocket,
    private readonly options: SessionOptions,
  ) {
    this.endpoint = options.endpoint;
    this.broker = brokerLabel(options.endpoint);
    this.poolIndex = options.poolIndex;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Opens a TCP/TLS connection and performs the STOMP handshake. Rejects with ConnectionError, AuthenticationError or BrokerError. */
  static open(options: SessionOptions): Promise<Session> {
    const label = brokerLabel(options.endpoint);
    let socket: StompSocket;
    try {
      socket = new StompSocket(options.endpoint, { connectTimeoutMs: options.connectTimeoutMs });
    } catch (err) {
      return Promise.reject(err);
    }
    const connectHeaders: Record<string, string> = { host: options.endpoint.host };
    if (options.credentials) {
      connectHeaders['login'] = options.credentials.login;
      connectHeaders['passcode'] = options.credentials.passcode;
    }
    const client = new Client({
      webSocketFactory: () => socket,
      stompVersions: new Versions([Versions.V1_2]),
      reconnectDelay: 0,
      connectHeaders,
      heartbeatIncoming: options.heartbeatMs,
      heartbeatOutgoing: options.heartbeatMs,
      discardWebsocketOnCommFailure: true,
      debug: () => {},
    });
    const session = new Session(client, socket, options);
    return new Promise<Session>((resolve, reject) => {
      let phase: 'opening' | 'up' | 'failed' = 'opening';
      const onAbort = (): void => fail(new ClosedError('connection attempt cancelled', { broker: label }));
      const fail = (err: GridmsgError): void => {
        if (phase !== 'opening') return;
        phase = 'failed';
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        session.end(err);
        socket.terminate();
        void client.deactivate({ force: true });
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new ConnectionError(`no STOMP CONNECTED within ${options.connectTimeoutMs} ms`, { broker: label })),
        options.connectTimeoutMs,
      );
      socket.router = {
        onFrame: (frame) => {
          if (phase === 'opening' && frame.command === 'ERROR') {
            const text = errorFrameText(frame);
            fail(
              looksLikeAuthFailure(text)
                ? new AuthenticationError('the broker refused our credentials', { broker: label, brokerMessage: text })
                : new BrokerError('the broker refused the connection', { broker: label, brokerMessage: text }),
            );
            return true;
          }
          return phase === 'up' ? session.route(frame) : false;
        },
        onProtocolError: (message) => {
          const err = new ProtocolError(`broker sent invalid STOMP: ${message}`, { broker: label });
          if (phase === 'opening') fail(err);
          else session.end(err);
        },
      };
      if (options.signal?.aborted) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort);
      client.onConnect = () => {
        if (phase !== 'opening') return;
        phase = 'up';
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(session);
      };
      client.onHeartbeatLost = () => {
        session.heartbeatLost = true;
      };
      client.onWebSocketClose = () => {
        if (phase === 'opening') {
          const tlsFailure = options.endpoint.tls ? describeTlsError(socket.lastError, socket.tlsContext ?? {}) : undefined;
          fail(
            tlsFailure
              ? new TlsError(tlsFailure.code, tlsFailure.message, { broker: label })
              : new ConnectionError(describeSocketError(socket.lastError), { broker: label }),
          );
        }
        else
          session.end(
            session.heartbeatLost
              ? new ConnectionError(`no heart-beat from the broker for over ${2 * options.heartbeatMs} ms`, { broker: label })
              : new ConnectionError(`connection lost: ${describeSocketError(socket.lastError)}`, { broker: label }),
          );
      };
      client.activate();
    });
  }

  /** Routes frames gridmsg handles itself; false lets stompjs see it. */
  private route(frame: StompFrame): boolean {
    switch (frame.command) {
      case 'MESSAGE':
        if (this.alive) this.options.onMessage(this, frame);
        return true;
      case 'RECEIPT': {
        const id = header(frame, 'receipt-id');
        const watcher = id === undefined ? undefined : this.receipts.get(id);
        if (watcher === undefined) return false;
        this.receipts.delete(id!);
        watcher.onReceipt();
        return true;
      }
      case 'ERROR': {
        const text = errorFrameText(frame);
        const id = header(frame, 'receipt-id');
        const watcher = id === undefined ? undefined : this.receipts.get(id);
        if (watcher !== undefined) {
          this.receipts.delete(id!);
          watcher.onError(new BrokerError('the broker refused the operation', { broker: this.broker, brokerMessage: text }));
          return true;
        }
        const err = new BrokerError('the broker sent an ERROR frame', { broker: this.broker, brokerMessage: text });
        this.options.onError?.(this, err);
        // STOMP: the server closes the connection after an ERROR; do not wait for it.
        this.kill(err);
        return true;
      }
      default:
        return false;
    }
  }

  get alive(): boolean {
    return this.endReason === undefined;
  }

  /** True when the socket's write buffer is full (respect backpressure: await drain()). */
  get needsDrain(): boolean {
    return this.socket.needsDrain;
  }

  drain(): Promise<void> {
    return this.socket.drain();
  }

  /** Runs `fn` with the socket corked, so a burst of frames leaves in one write. */
  batch(fn: () => void): void {
    this.socket.cork();
    try {
      fn();
    } finally {
      this.socket.uncork();
    }
  }

  /**
   * Runs an engine call; if the engine has no connection any more (it throws),
   * the session is over: it ends now and its owners requeue what was pending.
   */
  private engine(what: string, fn: () => void): void {
    if (!this.alive) return;
    try {
      fn();
    } catch (err) {
      this.kill(new ConnectionError(`connection unusable during ${what}: ${(err as Error).message}`, { broker: this.broker }));
    }
  }

  /** SEND with a receipt. Headers are escaped by the engine (STOMP 1.2). */
  send(destination: string, headers: Record<string, string>, body: Uint8Array, receiptId: string, watcher: ReceiptWatcher): void {
    this.receipts.set(receiptId, watcher);
    this.engine('SEND', () => this.client.publish({ destination, headers: { ...headers, receipt: receiptId }, binaryBody: body }));
  }

  subscribe(id: string, destination: string, headers: Record<string, string>, receiptId: string, watcher: ReceiptWatcher): void {
    this.receipts.set(receiptId, watcher);
    this.engine('SUBSCRIBE', () => this.client.subscribe(destination, () => {}, { ...headers, id, receipt: receiptId }));
  }

  unsubscribe(id: string): void {
    this.engine('UNSUBSCRIBE', () => this.client.unsubscribe(id));
  }

  /**
   * ACK by the MESSAGE frame's `ack` header (STOMP 1.2). No-op once the session is gone.
   * Written straight to the socket (ackFrame): the same bytes stompjs would
   * send, without its frame object, second serialization for its debug line
   * and header copies, once per message consumed.
   */
  ack(ackId: string, subscription: string): void {
    this.sendRaw('ACK', ackFrame('ACK', ackId, subscription));
  }

  nack(ackId: string, subscription: string): void {
    this.sendRaw('NACK', ackFrame('NACK', ackId, subscription));
  }

  private sendRaw(what: string, data: Buffer): void {
    if (!this.alive) return;
    if (!this.client.connected) {
      this.kill(new ConnectionError(`connection unusable during ${what}: not connected`, { broker: this.broker }));
      return;
    }
    this.socket.send(data);
  }

  /** Ends the session now (dead connection, receipt timeout, protocol error). */
  kill(reason: GridmsgError): void {
    this.end(reason);
    this.socket.terminate();
    void this.client.deactivate({ force: true });
  }

  /** DISCONNECT with a receipt (so the broker processed everything before), then close; forced after timeoutMs. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (!this.alive) return;
    this.end(new ConnectionError('session closed', { broker: this.broker }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.deactivate(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.socket.terminate();
  }

  private end(reason: GridmsgError): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.receipts.clear();
    this.resolveEnded(reason);
  }
}
