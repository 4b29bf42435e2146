/**
 * A raw STOMP 1.2 client over node:tls for the TLS tests: just CONNECT,
 * SUBSCRIBE, SEND with receipts, and MESSAGE, frame by frame, so that what
 * the broker answers (or the TLS alert it sends) is seen unfiltered.
 */
import net from 'node:net';
import tls from 'node:tls';
import { certificateSummary } from '../../security/certificate.js';
import { describeTlsError } from '../../security/tls-errors.js';

export interface Frame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

/** Why a STOMP-over-TLS attempt failed, as the client sees it. */
export class StompTlsError extends Error {
  override readonly name = 'StompTlsError';
  constructor(
    /** `tls` (handshake/alert), `error-frame` (broker ERROR), `closed`, `timeout`. */
    readonly kind: 'tls' | 'error-frame' | 'closed' | 'timeout',
    message: string,
    readonly code?: string,
    readonly frame?: Frame,
  ) {
    super(message);
  }
}

export interface StompTlsOptions {
  port: number;
  host?: string;
  /** Plain TCP instead of TLS (dual-mode password port); `ca` is then ignored. */
  plain?: boolean;
  /** STOMP login/passcode (password logins). */
  login?: string;
  passcode?: string;
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Give up waiting for a frame after this long (a safety net, not an assertion). */
  waitMs?: number;
}

function unescapeHeader(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'c' ? ':' : c));
}

function escapeHeader(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/:/g, '\\c');
}

export function encodeFrame(command: string, headers: Record<string, string>, body = ''): string {
  const h = Object.entries(headers).map(([k, v]) => `${escapeHeader(k)}:${escapeHeader(v)}\n`).join('');
  return `${command}\n${h}\n${body}\0`;
}

/** Splits complete frames off the front of `buf` (bodies here never contain NUL). */
export function parseFrames(buf: string): { frames: Frame[]; rest: string } {
  const frames: Frame[] = [];
  let rest = buf;
  for (;;) {
    rest = rest.replace(/^[\r\n]+/, ''); // heart-beats
    const nul = rest.indexOf('\0');
    if (nul < 0) break;
    const raw = rest.slice(0, nul);
    rest = rest.slice(nul + 1);
    const split = raw.indexOf('\n\n');
    const head = split < 0 ? raw : raw.slice(0, split);
    const body = split < 0 ? '' : raw.slice(split + 2);
    const [command, ...lines] = head.split('\n').map((l) => l.replace(/\r$/, ''));
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = unescapeHeader(line.slice(0, i));
      if (!(k in headers)) headers[k] = unescapeHeader(line.slice(i + 1));
    }
    frames.push({ command: command ?? '', headers, body });
  }
  return { frames, rest };
}

export interface StompTlsSession {
  /** Peer certificate subject as node sees it (the broker). */
  brokerSubject: string;
  send(destination: string, body: string, headers?: Record<string, string>): Promise<Frame>;
  subscribe(destination: string, id: string, headers?: Record<string, string>): Promise<Frame>;
  nextMessage(): Promise<Frame>;
  close(): void;
}

/**
 * Opens TLS, sends CONNECT and resolves on CONNECTED. Rejects with a
 * StompTlsError saying what the broker refused (TLS alert or ERROR frame).
 */
export function connectStompTls(options: StompTlsOptions): Promise<StompTlsSession> {
  const waitMs = options.waitMs ?? 30_000;
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolveConnect, rejectConnect) => {
    const tlsOptions: tls.ConnectionOptions = { host, port: options.port, ca: options.ca, servername: host === '127.0.0.1' ? undefined : host };
    if (options.cert) tlsOptions.cert = options.cert;
    if (options.key) tlsOptions.key = options.key;
    const socket = options.plain ? net.connect({ host, port: options.port }) : tls.connect(tlsOptions);
    let buf = '';
    let connected = false;
    let failure: StompTlsError | undefined;
    const waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
    const backlog: Frame[] = [];

    const fail = (err: StompTlsError): void => {
      if (failure) return;
      failure = err;
      if (!connected) rejectConnect(err);
      for (const w of waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(err);
      }
      socket.destroy();
    };

    const waitFor = (match: (f: Frame) => boolean): Promise<Frame> =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        const i = backlog.findIndex(match);
        if (i >= 0) return resolve(backlog.splice(i, 1)[0]!);
        const timer = setTimeout(() => fail(new StompTlsError('timeout', `no answer from the broker within ${waitMs} ms`)), waitMs);
        waiters.push({ match, resolve, reject, timer });
      });

    const connectTimer = setTimeout(() => fail(new StompTlsError('timeout', `no CONNECTED within ${waitMs} ms`)), waitMs);

    socket.on(options.plain ? 'connect' : 'secureConnect', () => {
      const login = options.login === undefined ? {} : { login: options.login, passcode: options.passcode ?? '' };
      socket.write(encodeFrame('CONNECT', { 'accept-version': '1.2', host: 'localhost', 'heart-beat': '0,0', ...login }));
    });
    socket.on('data', (d: Buffer) => {
      const parsed = parseFrames(buf + d.toString('utf8'));
      buf = parsed.rest;
      for (const frame of parsed.frames) {
        if (frame.command === 'ERROR') {
          fail(new StompTlsError('error-frame', frame.headers['message'] ?? frame.body, undefined, frame));
          return;
        }
        if (!connected && frame.command === 'CONNECTED') {
          connected = true;
          clearTimeout(connectTimer);
          const peer = socket instanceof tls.TLSSocket ? socket.getPeerCertificate() : undefined;
          resolveConnect(session(peer && 'subject' in peer ? JSON.stringify(peer.subject) : ''));
          continue;
        }
        const i = waiters.findIndex((w) => w.match(frame));
        if (i >= 0) {
          const [w] = waiters.splice(i, 1);
          clearTimeout(w!.timer);
          w!.resolve(frame);
        } else backlog.push(frame);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(connectTimer);
      const described = describeTlsError(err, { clientCertificate: options.cert ? certificateSummary(options.cert) : null });
      const code = (err as NodeJS.ErrnoException).code;
      fail(new StompTlsError('tls', described ? `${described.code}: ${described.message}` : err.message, code ?? described?.code));
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      fail(new StompTlsError('closed', 'the broker closed the connection'));
    });

    let receipts = 0;
    const session = (brokerSubject: string): StompTlsSession => ({
      brokerSubject,
      send(destination, body, headers = {}) {
        const receipt = `r-${++receipts}`;
        const answer = waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === receipt);
        socket.write(encodeFrame('SEND', { destination, receipt, 'content-type': 'text/plain', ...headers }, body));
        return answer;
      },
      subscribe(destination, id, headers = {}) {
        const receipt = `r-${++receipts}`;
        const answer = waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === receipt);
        socket.write(encodeFrame('SUBSCRIBE', { destination, id, ack: 'auto', receipt, ...headers }));
        return answer;
      },
      nextMessage() {
        return waitFor((f) => f.command === 'MESSAGE');
      },
      close() {
        if (!failure) failure = new StompTlsError('closed', 'closed by the test');
        socket.end(encodeFrame('DISCONNECT', {}));
        socket.destroy();
      },
    });
  });
}
