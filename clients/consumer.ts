/**
 * createConsumer: subscriptions with client-individual acks over a Connection.
 *
 * - The handler's promise resolving is what acks a message. A message is acked
 *   only on the session it arrived on; if that session died meanwhile, the
 *   broker redelivers it (consumers drop duplicates by idempotency key).
 * - A handler failure is retried locally (the message stays unacked) with a
 *   growing delay; after maxAttempts the message is published to the
 *   dead-letter destination with the reason in `gridmsg-error`, then acked.
 *   Without a dead-letter destination it is NACKed (ActiveMQ then moves it
 *   to its own DLQ).
 * - On reconnect every subscription is sent again; close() stops handing out
 *   messages, waits for running handlers (acking their messages) and
 *   disconnects: anything unhandled is redelivered by the broker.
 */
import { describeError } from '../core/errors.js';
import {
  ERROR_HEADER,
  IDEMPOTENCY_HEADER,
  type ConnectionState,
  type Consumer,
  type ConnectionOptions,
  type MessageHandler,
  type OutgoingMessage,
  type ReceivedMessage,
  type SubscribeOptions,
} from './api.js';
import { Connection, resolveConnectionOptions } from './connection.js';
import { BrokerError, ClosedError, LeaveUnacked, UsageError } from './errors.js';
import { ReceiptPipeline } from './receipt-pipeline.js';
import type { Session } from './session.js';
import { header, headerRecord, type StompFrame } from './stomp-frame.js';

interface Delivery {
  session: Session;
  ackId: string;
  messageId: string;
  message: ReceivedMessage;
}

interface Subscription {
  id: string;
  destination: string;
  prefetch: number;
  maxAttempts: number;
  concurrency: number;
  retryDelayMs: number;
  deadLetterDestination: string | undefined;
  handler: MessageHandler;
  backlog: Delivery[];
  running: number;
  /** Handler failures per broker message-id (bounded). */
  attempts: Map<string, number>;
  /** Message-ids already dead-lettered (a redelivery is then just acked). */
  deadLettered: Set<string>;
  /** First SUBSCRIBE receipted. */
  ready: { resolve: () => void; reject: (e: unknown) => void; settled: boolean };
  promise: Promise<void>;
}

const MEMORY = 10_000;
/** Headers of the broker's MESSAGE frame that must not be copied into a dead-letter SEND. */
const FRAME_HEADERS = new Set(['message-id', 'subscription', 'ack', 'destination', 'content-length', 'receipt', 'persistent', IDEMPOTENCY_HEADER, 'redelivered', 'expires', 'priority', 'timestamp']);

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MEMORY) map.delete(map.keys().next().value as K);
}

function rememberKey<K>(set: Set<K>, key: K): void {
  set.add(key);
  if (set.size > MEMORY) set.delete(set.values().next().value as K);
}

/** Turns a MESSAGE frame into the API's ReceivedMessage. */
export function toReceivedMessage(frame: StompFrame, broker: string): ReceivedMessage {
  const headers = headerRecord(frame);
  const body = frame.body;
  return {
    destination: headers['destination'] ?? '',
    headers,
    body,
    text: () => Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'),
    idempotencyKey: headers[IDEMPOTENCY_HEADER],
    broker,
  };
}

class GridmsgConsumer implements Consumer {
  private readonly connection: Connection;
  private readonly pipeline: ReceiptPipeline;
  private readonly subs = new Map<string, Subscription>();
  private nextSubId = 1;
  private nextReceipt = 1;
  private closing: Promise<void> | undefined;
  private stopped = false;
  private idle: Array<() => void> = [];

  constructor(options: ConnectionOptions) {
    this.connection = new Connection(resolveConnectionOptions(options));
    this.pipeline = new ReceiptPipeline(this.connection, {
      window: 64,
      maxQueued: 1024,
      receiptTimeoutMs: 30_000,
      defaultDestination: undefined,
    });
    this.connection.onMessage((session, frame) => this.onMessage(session, frame));
    this.connection.on('session', (session) => {
      for (const sub of this.subs.values()) this.sendSubscribe(session, sub);
    });
    this.connection.on('fatal', (err) => {
      for (const sub of this.subs.values()) this.settleReady(sub, err);
    });
    this.connection.start();
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  on(event: 'state', listener: (state: ConnectionState, broker?: string) => void): void {
    this.connection.on(event, (state, broker) => (broker === undefined ? listener(state) : listener(state, broker)));
  }

  send(message: OutgoingMessage): Promise<void> {
    return this.pipeline.send(message);
  }

  subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<void> {
    if (this.stopped) return Promise.reject(new ClosedError('consumer closed'));
    if (this.connection.fatal) return Promise.reject(this.connection.fatal);
    if (typeof options.destination !== 'string' || options.destination === '') return Promise.reject(new UsageError('subscribe needs a destination'));
    const int = (name: string, v: number | undefined, fallback: number, min: number): number => {
      if (v === undefined) return fallback;
      if (!Number.isInteger(v) || v < min) throw new UsageError(`${name} must be an integer >= ${min}, not ${v}`);
      return v;
    };
    let sub!: Subscription;
    try {
      const ready = { resolve: () => {}, reject: (_e: unknown) => {}, settled: false };
      const promise = new Promise<void>((resolve, reject) => {
        ready.resolve = resolve;
        ready.reject = reject;
      });
      sub = {
        id: `gridmsg-${this.nextSubId++}`,
        destination: options.destination,
        prefetch: int('prefetch', options.prefetch, 100, 1),
        maxAttempts: int('maxAttempts', options.maxAttempts, 5, 1),
        concurrency: int('concurrency', options.concurrency, 1, 1),
        retryDelayMs: int('retryDelayMs', options.retryDelayMs, 200, 0),
        deadLetterDestination: options.deadLetterDestination,
        handler,
        backlog: [],
        running: 0,
        attempts: new Map(),
        deadLettered: new Set(),
        ready,
        promise,
      };
    } catch (err) {
      return Promise.reject(err);
    }
    this.subs.set(sub.id, sub);
    const session = this.connection.current;
    if (session) this.sendSubscribe(session, sub);
    return sub.promise;
  }

  private settleReady(sub: Subscription, error?: unknown): void {
    if (sub.ready.settled) return;
    sub.ready.settled = true;
    if (error === undefined) sub.ready.resolve();
    else sub.ready.reject(error);
  }

  private sendSubscribe(session: Session, sub: Subscription): void {
    const log = this.connection.logger;
    session.subscribe(
      sub.id,
      sub.destination,
      { ack: 'client-individual', 'activemq.prefetchSize': String(sub.prefetch) },
      `sub-${session.id}-${this.nextReceipt++}`,
      {
        onReceipt: () => {
          log.debug('subscribed', { broker: session.broker, destination: sub.destination });
          this.settleReady(sub);
        },
        onError: (err) => {
          const withDest = new BrokerError('the broker refused the subscription', { ...err.context, destination: sub.destination });
          log.error(withDest.message, { broker: session.broker, destination: sub.destination, brokerSaid: err.context.brokerMessage ?? '' });
          this.subs.delete(sub.id);
          this.settleReady(sub, withDest);
        },
      },
    );
  }

  private onMessage(session: Session, frame: StompFrame): void {
    const subId = header(frame, 'subscription');
    const sub = subId === undefined ? undefined : this.subs.get(subId);
    const ackId = header(frame, 'ack');
    if (sub === undefined || ackId === undefined || this.stopped) return; // never acked: redelivered
    this.connection.countMessages(session);
    sub.backlog.push({ session, ackId, messageId: header(frame, 'message-id') ?? ackId, message: toReceivedMessage(frame, session.broker) });
    this.dispatch(sub);
  }

  private dispatch(sub: Subscription): void {
    while (!this.stopped && sub.running < sub.concurrency && sub.backlog.length > 0) {
      const d = sub.backlog.shift()!;
      if (!d.session.alive) continue; // its session is gone: the broker redelivers it
      sub.running++;
      void this.handle(sub, d)
        .catch((err: unknown) => this.connection.logger.error('message handling failed', { broker: d.session.broker, destination: sub.destination, error: describeError(err) }))
        .finally(() => {
          sub.running--;
          this.dispatch(sub);
          this.checkIdle();
        });
    }
  }

  private async handle(sub: Subscription, d: Delivery): Promise<void> {
    const log = this.connection.logger;
    if (sub.deadLettered.has(d.messageId)) {
      d.session.ack(d.ackId, sub.id);
      return;
    }
    let attempts = sub.attempts.get(d.messageId) ?? 0;
    for (;;) {
      try {
        await sub.handler(d.message);
        sub.attempts.delete(d.messageId);
        d.session.ack(d.ackId, sub.id);
        return;
      } catch (err) {
        if (err instanceof LeaveUnacked) return; // the broker redelivers it after this session
        attempts++;
        remember(sub.attempts, d.messageId, attempts);
        const reason = describeError(err);
        if (attempts >= sub.maxAttempts) {
          await this.deadLetter(sub, d, reason, attempts);
          return;
        }
        log.warn('message handler failed; will retry', {
          broker: d.session.broker,
          destination: sub.destination,
          messageId: d.messageId,
          attempt: String(attempts),
          error: reason,
        });
        await new Promise((r) => setTimeout(r, Math.min(5_000, sub.retryDelayMs * 2 ** (attempts - 1))));
        if (!d.session.alive || this.stopped) return; // not acked: redelivered; attempts remembered
      }
    }
  }

  private async deadLetter(sub: Subscription, d: Delivery, reason: string, attempts: number): Promise<void> {
    const log = this.connection.logger;
    if (sub.deadLetterDestination === undefined) {
      log.error('message failed too often; NACKed to the broker dead-letter queue', { broker: d.session.broker, destination: sub.destination, messageId: d.messageId, error: reason });
      d.session.nack(d.ackId, sub.id);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.message.headers)) if (!FRAME_HEADERS.has(k)) headers[k] = v;
    headers[ERROR_HEADER] = `${reason} (after ${attempts} attempts)`;
    headers['gridmsg-original-destination'] = sub.destination;
    headers['gridmsg-original-message-id'] = d.messageId;
    try {
      await this.pipeline.send({
        destination: sub.deadLetterDestination,
        body: d.message.body,
        headers,
        idempotencyKey: d.message.idempotencyKey ?? `dlq:${d.messageId}`,
      });
    } catch (err) {
      log.error('could not dead-letter a message; NACKing it', { broker: d.session.broker, destination: sub.destination, deadLetter: sub.deadLetterDestination, error: describeError(err) });
      d.session.nack(d.ackId, sub.id);
      return;
    }
    rememberKey(sub.deadLettered, d.messageId);
    sub.attempts.delete(d.messageId);
    log.warn('message dead-lettered', { broker: d.session.broker, destination: sub.destination, deadLetter: sub.deadLetterDestination, messageId: d.messageId, error: reason });
    d.session.ack(d.ackId, sub.id);
  }

  private checkIdle(): void {
    for (const s of this.subs.values()) if (s.running !== 0) return;
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.stopped = true;
    for (const sub of this.subs.values()) {
      sub.backlog = [];
      this.settleReady(sub, new ClosedError('consumer closed before the subscription was confirmed'));
    }
    if ([...this.subs.values()].some((s) => s.running > 0)) await new Promise<void>((resolve) => this.idle.push(resolve));
    this.pipeline.refuseNew();
    if (!this.connection.fatal) await this.pipeline.flush().catch(() => {});
    this.pipeline.dispose();
    await this.connection.close();
  }
}

/** A consumer connected to the first reachable broker of the pool (connects in the background). */
export function createConsumer(options: ConnectionOptions): Consumer {
  return new GridmsgConsumer(options);
}
