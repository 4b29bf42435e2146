/**
 * A connection to "the broker network": one reconnect loop over the broker
 * pool, one live Session at a time, explicit states reported as typed events.
 *
 * - Refused/failed attempts are logged at debug level (a pair's standby
 *   refuses connections until it takes over: that is normal). Only when no
 *   broker of the pool is reachable is there a warning, at most every 30 s.
 * - An AuthenticationError (or unreadable TLS/password files) is fatal: the
 *   connection closes and every pending operation rejects with it.
 */
import { ConfigError, GridmsgError, describeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { ConnectionOptions, ConnectionState } from './api.js';
import { BrokerPool, brokerLabel, type BrokerStatus } from './broker-pool.js';
import type { BrokerEndpoint } from './client-config.js';
import { nextState, type ConnectionEvent } from './connection-state.js';
import { resolveCredentials, type ResolvedCredentials } from './credentials.js';
import { AuthenticationError, ConnectionError, TlsError, type BrokerError } from './errors.js';
import { parseFailoverUri } from './failover-uri.js';
import { Session } from './session.js';
import type { StompFrame } from './stomp-frame.js';
import { TypedEmitter } from './typed-emitter.js';

export type ConnectionEvents = {
  state: [state: ConnectionState, broker: string | undefined];
  session: [session: Session];
  lost: [session: Session, reason: GridmsgError];
  fatal: [error: GridmsgError];
};

export interface ResolvedConnectionOptions {
  brokers: BrokerEndpoint[];
  credentials: ResolvedCredentials | undefined;
  logger: Logger;
  randomize: boolean;
  initialReconnectDelayMs: number;
  maxReconnectDelayMs: number;
  heartbeatMs: number;
  connectTimeoutMs: number;
}

/** Applies defaults and parses a failover URI. Throws ConfigError on bad input. */
export function resolveConnectionOptions(options: ConnectionOptions): ResolvedConnectionOptions {
  let brokers: BrokerEndpoint[];
  let randomize = options.randomize;
  let initial = options.initialReconnectDelayMs;
  let max = options.maxReconnectDelayMs;
  if (typeof options.brokers === 'string') {
    const spec = parseFailoverUri(options.brokers, options.tls);
    brokers = spec.brokers;
    randomize ??= spec.randomize;
    initial ??= spec.initialReconnectDelayMs;
    max ??= spec.maxReconnectDelayMs;
  } else {
    brokers = options.brokers;
  }
  if (brokers.length === 0) throw new ConfigError('no broker configured', { path: 'brokers' });
  return {
    brokers,
    credentials: resolveCredentials(options.credentials),
    logger: options.logger ?? silentLogger(),
    randomize: randomize ?? false,
    initialReconnectDelayMs: initial ?? 100,
    maxReconnectDelayMs: max ?? 30_000,
    heartbeatMs: options.heartbeatMs ?? 10_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
  };
}

/** A session that dies sooner than this after CONNECTED counts as a failure of its broker (backoff). */
const FLAPPING_MS = 2_000;
/** Nothing reachable for this long is worth a warning (a pair's takeover usually takes less). */
const POOL_WARN_AFTER_MS = 5_000;
const POOL_WARN_INTERVAL_MS = 30_000;

export class Connection extends TypedEmitter<ConnectionEvents> {
  private stateValue: ConnectionState = 'connecting';
  private currentSession: Session | undefined;
  private readonly pool: BrokerPool;
  private closing = false;
  private fatalError: GridmsgError | undefined;
  private wakeSleep: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private lastPoolWarning = 0;
  private unreachableSince: number | undefined;
  /** Aborted by close(): cancels a connection attempt in progress. */
  private readonly abort = new AbortController();
  private messageHandler: (session: Session, frame: StompFrame) => void = () => {};

  constructor(readonly options: ResolvedConnectionOptions) {
    super();
    this.pool = new BrokerPool(options.brokers, {
      randomize: options.randomize,
      initialDelayMs: options.initialReconnectDelayMs,
      maxDelayMs: options.maxReconnectDelayMs,
    });
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get current(): Session | undefined {
    return this.currentSession?.alive ? this.currentSession : undefined;
  }

  get fatal(): GridmsgError | undefined {
    return this.fatalError;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  onMessage(handler: (session: Session, frame: StompFrame) => void): void {
    this.messageHandler = handler;
  }

  brokers(): BrokerStatus[] {
    return this.pool.status();
  }

  countMessages(session: Session, count = 1): void {
    this.pool.messages(session.poolIndex, count);
  }

  /** Starts the reconnect loop (idempotent). */
  start(): void {
    this.loopDone ??= this.loop().catch((err: unknown) => {
      // A bug, not a broker problem: stop loudly rather than spin.
      this.die(err instanceof GridmsgError ? err : new GridmsgError('CLIENT_BUG', `connection loop failed: ${describeError(err)}`, { cause: err }));
    });
  }

  private transition(event: ConnectionEvent, broker?: string): void {
    const next = nextState(this.stateValue, event);
    if (next === this.stateValue) return;
    this.stateValue = next;
    this.emit('state', next, broker);
  }

  private async loop(): Promise<void> {
    const log = this.options.logger;
    while (!this.closing) {
      const choice = this.pool.next(Date.now());
      if (choice.waitMs > 0) await this.sleep(choice.waitMs);
      if (this.closing) break;
      const label = brokerLabel(choice.endpoint);
      this.pool.attempt(choice.index);
      let session: Session;
      try {
        session = await Session.open({
          endpoint: choice.endpoint,
          poolIndex: choice.index,
          credentials: this.options.credentials,
          heartbeatMs: this.options.heartbeatMs,
          connectTimeoutMs: this.options.connectTimeoutMs,
          signal: this.abort.signal,
          onMessage: (s, frame) => this.messageHandler(s, frame),
          onError: (s, err: BrokerError) =>
            log.warn('broker sent an ERROR frame; reconnecting', { broker: s.broker, error: err.context.brokerMessage ?? err.message }),
        });
      } catch (err) {
        if (this.closing) break;
        if (err instanceof AuthenticationError || err instanceof ConfigError) {
          this.die(err);
          return;
        }
        const reason = err instanceof GridmsgError ? err.message + (err.context.brokerMessage ? `: ${err.context.brokerMessage}` : '') : describeError(err);
        const tls = err instanceof TlsError;
        const delay = this.pool.failure(choice.index, Date.now(), reason, tls ? 'tls' : 'other');
        if (tls && this.pool.allFailingWith('tls')) {
          // Every broker refused us at the TLS level: certificates must be fixed, retrying cannot help.
          this.die(err);
          return;
        }
        // A refused or timed-out connection is normal (a pair's standby): debug. A TLS refusal, an ERROR frame
        // or garbage in answer to CONNECT is worth a warning.
        log.log(err instanceof ConnectionError ? 'debug' : 'warn', 'broker not available', { broker: label, reason, retryInMs: String(delay) });
        this.transition('attempt-failed');
        this.warnIfUnreachable();
        continue;
      }
      if (this.closing) {
        await session.close();
        break;
      }
      this.pool.connected(choice.index);
      this.currentSession = session;
      const downFor = this.unreachableSince === undefined ? undefined : Date.now() - this.unreachableSince;
      this.unreachableSince = undefined;
      this.lastPoolWarning = 0;
      log.info(this.stateValue === 'connecting' ? 'connected' : 'reconnected', {
        broker: label,
        ...(downFor === undefined ? {} : { afterMs: String(downFor) }),
      });
      this.transition('session-up', label);
      this.emit('session', session);
      const reason = await session.ended;
      this.currentSession = undefined;
      if (this.closing) break;
      this.unreachableSince = Date.now();
      if (Date.now() - session.openedAt < FLAPPING_MS) this.pool.failure(choice.index, Date.now(), reason.message);
      log.warn('lost connection to broker; reconnecting', { broker: label, reason: reason.message });
      this.transition('session-lost', label);
      this.emit('lost', session, reason);
    }
  }

  private warnIfUnreachable(): void {
    const now = Date.now();
    this.unreachableSince ??= now;
    if (!this.pool.allFailing() || now - this.unreachableSince < POOL_WARN_AFTER_MS || now - this.lastPoolWarning < POOL_WARN_INTERVAL_MS) return;
    this.lastPoolWarning = now;
    const status = this.pool.status();
    this.options.logger.warn('no broker reachable; still trying', {
      brokers: status.map((b) => `${b.broker}: ${b.lastError ?? 'ok'}`).join('; '),
      downForMs: String(now - this.unreachableSince),
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }

  private die(err: GridmsgError): void {
    this.fatalError = err;
    this.closing = true;
    this.options.logger.error(err.message, {
      ...(err.context.broker ? { broker: err.context.broker } : {}),
      ...(err.context.brokerMessage ? { brokerSaid: err.context.brokerMessage } : {}),
    });
    this.transition('fatal');
    this.emit('fatal', err);
  }

  /** Gracefully disconnects (DISCONNECT with receipt) and stops the loop. */
  async close(): Promise<void> {
    if (this.closing && this.stateValue === 'closed') return;
    this.closing = true;
    this.wakeSleep?.();
    const session = this.currentSession;
    if (session) await session.close();
    this.abort.abort();
    await this.loopDone;
    this.transition('close');
  }
}
