/**
 * One STOMP 1.2 session with one broker, for monitoring (I/O edge): no
 * reconnection, no failover, no heart-beats, every step bounded in time.
 * Plain STOMP with the monitoring password, or stomp+ssl with the monitoring
 * certificate (PEM files loaded and checked by security/client-tls, the same
 * loader the client layer uses).
 * A check must know which broker answered and fail fast, which the client
 * layer's failover publisher and consumer deliberately hide. Frames are
 * parsed and written with the client layer's pure codec.
 *
 * States: connecting → open → closed. An ERROR frame or a lost socket
 * closes the session and fails everything pending with the reason.
 */
import net from 'node:net';
import tls from 'node:tls';
import { FrameParser, frame, header, headerRecord, serializeFrame, type StompFrame } from '../clients/index.js';
import { describeTlsError, tlsConnectOptions, type LoadedClientTls } from '../security/index.js';

export interface SessionEndpoint {
  host: string;
  port: number;
  /**
   * stomp+ssl: the PEM files loaded by security/client-tls (loadClientTls);
   * with a client certificate the broker logs the session in by its subject
   * DN (no login header is sent). Absent: plain STOMP.
   */
  tls?: LoadedClientTls;
}

export interface SessionLogin {
  login: string;
  passcode: string;
}

export interface ProbeMessage {
  headers: Record<string, string>;
  body: string;
  /** When the frame arrived (ms, from the session's clock). */
  receivedAt: number;
}

export type SessionState = 'connecting' | 'open' | 'closed';

/** Why a session could not be opened or failed: a short, operator-readable reason. */
export class SessionError extends Error {
  override readonly name = 'SessionError';
  constructor(
    message: string,
    /**
     * `refused`: nothing listens (a standby or a stopped broker); `login`: the
     * broker answered with ERROR; `tls`: the TLS handshake failed (something
     * listens and speaks TLS, but refused us or we it); `timeout`; `other`.
     */
    readonly kind: 'refused' | 'login' | 'tls' | 'timeout' | 'other',
  ) {
    super(message);
  }
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class StompSession {
  private state: SessionState = 'connecting';
  private readonly parser = new FrameParser();
  private readonly pending = new Map<string, Pending>();
  private readonly handlers = new Map<string, (m: ProbeMessage) => void>();
  private nextId = 1;
  private failure: Error | undefined;
  /** Set by the CONNECTED frame. */
  server = 'unknown';

  private constructor(
    private readonly socket: net.Socket,
    private readonly now: () => number,
  ) {}

  /** Connects and logs in; rejects with a SessionError within `timeoutMs`. */
  static open(endpoint: SessionEndpoint, login: SessionLogin | undefined, timeoutMs: number, now: () => number = Date.now): Promise<StompSession> {
    return new Promise((resolve, reject) => {
      const secure = endpoint.tls;
      const socket: net.Socket = secure ? tls.connect(tlsConnectOptions(secure, endpoint.host, endpoint.port)) : net.connect({ host: endpoint.host, port: endpoint.port });
      const session = new StompSession(socket, now);
      let handshaken = secure === undefined;
      let settled = false;
      const settle = (err: Error | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(session);
      };
      const timer = setTimeout(() => settle(new SessionError(`no STOMP answer within ${timeoutMs} ms`, 'timeout')), timeoutMs);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        handshaken = true;
        const headers: Record<string, string> = { 'accept-version': '1.2', host: endpoint.host, 'heart-beat': '0,0' };
        // Over TLS with a client certificate the broker logs in the certificate's DN.
        if (login && !(secure && secure.options.cert !== undefined)) {
          headers['login'] = login.login;
          headers['passcode'] = login.passcode;
        }
        socket.write(serializeFrame(frame('CONNECT', headers)));
      });
      socket.on('data', (chunk: Buffer) => {
        for (const ev of session.parser.push(chunk)) {
          if (ev.type === 'error') {
            session.fail(new SessionError(`protocol error: ${ev.message}`, 'other'));
            settle(session.failure);
            return;
          }
          if (ev.type !== 'frame') continue;
          if (session.state === 'connecting') {
            if (ev.frame.command === 'CONNECTED') {
              session.state = 'open';
              session.server = header(ev.frame, 'server') ?? 'unknown';
              settle(undefined);
            } else {
              const why = header(ev.frame, 'message') ?? ev.frame.command;
              session.fail(new SessionError(`broker refused the login: ${why}`, 'login'));
              settle(session.failure);
              return;
            }
          } else session.onFrame(ev.frame);
        }
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const tlsFailure = secure && err.code !== 'ECONNREFUSED' ? describeTlsError(err, secure.context) : undefined;
        const e =
          err.code === 'ECONNREFUSED'
            ? new SessionError('connection refused (nothing listens: stopped, or a standby)', 'refused')
            : tlsFailure
              ? new SessionError(`TLS: ${tlsFailure.message} [${tlsFailure.code}]`, 'tls')
              : new SessionError(`${err.code ?? 'socket error'}: ${err.message}`, 'other');
        session.fail(e);
        settle(e);
      });
      socket.once('close', () => {
        // Java closes a refused TLS handshake without an error event on some paths.
        const e = handshaken
          ? new SessionError('connection closed by the broker', 'other')
          : new SessionError('TLS: the broker closed the connection during the TLS handshake (client certificate refused?)', 'tls');
        session.fail(e);
        settle(session.failure);
      });
    });
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  private fail(err: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.failure ??= err;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(this.failure);
    }
    this.pending.clear();
    this.socket.destroy();
  }

  private onFrame(f: StompFrame): void {
    if (f.command === 'RECEIPT') {
      const id = header(f, 'receipt-id') ?? '';
      const p = this.pending.get(id);
      if (p) {
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.resolve();
      }
    } else if (f.command === 'MESSAGE') {
      const handler = this.handlers.get(header(f, 'subscription') ?? '');
      handler?.({ headers: headerRecord(f), body: Buffer.from(f.body).toString('utf8'), receivedAt: this.now() });
    } else if (f.command === 'ERROR') {
      this.fail(new SessionError(`broker error: ${header(f, 'message') ?? 'ERROR frame'}`, 'other'));
    }
  }

  /** Writes a frame with a receipt request; resolves when the broker's RECEIPT arrives. */
  private request(command: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.failure ?? new SessionError('session is closed', 'other'));
    const receipt = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(receipt);
        reject(new SessionError(`no receipt for ${command} within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      this.pending.set(receipt, { resolve, reject, timer });
      this.socket.write(serializeFrame(frame(command, { ...headers, receipt }, body)));
    });
  }

  /** SEND with a receipt: resolves once the broker took the message. */
  send(destination: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<void> {
    return this.request('SEND', { destination, 'content-type': 'application/json', ...headers }, body, timeoutMs);
  }

  /** SUBSCRIBE (auto ack) with a receipt; `headers` may carry a `selector`. */
  subscribe(destination: string, headers: Record<string, string>, onMessage: (m: ProbeMessage) => void, timeoutMs: number): Promise<void> {
    const id = `s${this.nextId++}`;
    this.handlers.set(id, onMessage);
    return this.request('SUBSCRIBE', { destination, id, ack: 'auto', ...headers }, '', timeoutMs);
  }

  /** DISCONNECT (waiting at most `graceMs` for its receipt), then closes the socket. Never throws. */
  async close(graceMs = 1000): Promise<void> {
    if (this.state === 'open') await this.request('DISCONNECT', {}, '', graceMs).catch(() => undefined);
    this.fail(new SessionError('session closed', 'other'));
  }
}
