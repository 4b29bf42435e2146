/**
 * At-least-once sending over a Connection: every SEND is persistent and asks
 * for a receipt; up to `window` receipts are outstanding at once; a message
 * counts as delivered only when its receipt arrives. When the session dies,
 * every unreceipted message goes back to the head of the queue, in order, and
 * is sent again on the next session (whichever broker that is).
 *
 * Backpressure: at most `maxQueued` messages are accepted and not yet
 * receipted (send() waits for room beyond that), and nothing is written
 * while the socket's write buffer is full.
 */
import type { GridmsgError } from '../core/errors.js';
import { IDEMPOTENCY_HEADER, type OutgoingMessage, type PublisherStats } from './api.js';
import type { Connection } from './connection.js';
import { BrokerError, ClosedError, ReceiptTimeoutError, UsageError } from './errors.js';
import { Fifo } from './fifo.js';
import type { Session } from './session.js';

export interface PipelineOptions {
  window: number;
  maxQueued: number;
  receiptTimeoutMs: number;
  defaultDestination: string | undefined;
}

interface Entry {
  seq: number;
  destination: string;
  headers: Record<string, string>;
  body: Uint8Array;
  resolve: () => void;
  reject: (err: GridmsgError) => void;
  /** Session it was last sent on, and when. */
  session: Session | undefined;
  receiptId: string | undefined;
  sentAt: number;
  transmissions: number;
  done: boolean;
}

/** Headers gridmsg sets itself; callers may not. */
const RESERVED = new Set(['receipt', 'content-length', 'destination', 'transaction', 'persistent', IDEMPOTENCY_HEADER]);

/** Validates caller headers; STOMP header names must not contain `:`, CR, LF or `\`. */
export function checkHeaders(headers: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k === '' || /[:\r\n\\]/.test(k)) throw new UsageError(`invalid header name ${JSON.stringify(k)}`);
    if (RESERVED.has(k.toLowerCase())) throw new UsageError(`header ${JSON.stringify(k)} is set by gridmsg and cannot be given`);
    if (typeof v !== 'string') throw new UsageError(`header ${JSON.stringify(k)} must be a string`);
  }
}

export class ReceiptPipeline {
  private readonly queue = new Fifo<Entry>();
  private readonly inflight = new Map<string, Entry>();
  /** In-flight entries in send order (done ones are skipped lazily). */
  private order: Entry[] = [];
  /** Accepted while the queue was full: waits for room, in order. */
  private readonly waiting = new Fifo<Entry>();
  private readyWaiters: Array<() => void> = [];
  private seq = 0;
  private draining = false;
  private pumpScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private closedError: GridmsgError | undefined;
  private refusing = false;
  private counters = { receipted: 0, resent: 0, failed: 0 };
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly connection: Connection,
    private readonly options: PipelineOptions,
  ) {
    connection.on('session', () => this.pump());
    connection.on('lost', (session) => this.requeue(session));
    connection.on('fatal', (err) => this.failAll(err));
  }

  /** Accepted and not yet receipted. */
  get size(): number {
    return this.queue.length + this.inflight.size;
  }

  stats(): Omit<PublisherStats, 'brokers'> {
    return { ...this.counters, inFlight: this.inflight.size, queued: this.queue.length + this.waiting.length };
  }

  send(message: OutgoingMessage): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.refusing) return Promise.reject(new ClosedError('publisher is closing'));
    const destination = message.destination ?? this.options.defaultDestination;
    try {
      if (destination === undefined || destination === '') throw new UsageError('no destination for message (set one on the publisher or the message)');
      if (typeof message.idempotencyKey !== 'string' || message.idempotencyKey === '') {
        throw new UsageError('every message needs an idempotencyKey', { destination });
      }
      checkHeaders(message.headers);
    } catch (err) {
      return Promise.reject(err);
    }
    const body = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : message.body;
    const headers: Record<string, string> = {
      ...message.headers,
      persistent: 'true',
      [IDEMPOTENCY_HEADER]: message.idempotencyKey,
    };
    const promise = new Promise<void>((resolve, reject) => {
      const entry: Entry = {
        seq: ++this.seq,
        destination,
        headers,
        body,
        resolve,
        reject,
        session: undefined,
        receiptId: undefined,
        sentAt: 0,
        transmissions: 0,
        done: false,
      };
      if (this.waiting.length > 0 || this.size >= this.options.maxQueued) this.waiting.push(entry);
      else this.queue.push(entry);
    });
    this.track(promise);
    this.schedulePump();
    return promise;
  }

  /** Resolves when the queue has room, so a producer can pace itself without awaiting each receipt. */
  ready(): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.waiting.length === 0 && this.size < this.options.maxQueued) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private track(promise: Promise<void>): void {
    this.pending.add(promise);
    const forget = (): void => void this.pending.delete(promise);
    promise.then(forget, forget);
  }

  /** Resolves when every message accepted so far settled; rejects with the first failure among them. */
  async flush(): Promise<void> {
    const results = await Promise.allSettled([...this.pending]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Sends as much as the window, the socket and the session allow (one write per burst). */
  pump(): void {
    if (this.draining) return;
    const session = this.connection.current;
    if (session === undefined || this.queue.length === 0 || this.inflight.size >= this.options.window) return;
    session.batch(() => {
      while (this.queue.length > 0 && this.inflight.size < this.options.window && session.alive) {
        if (session.needsDrain) {
          this.draining = true;
          void session.drain().then(() => {
            this.draining = false;
            this.pump();
          });
          return;
        }
        this.transmit(session, this.queue.shift()!);
      }
    });
  }

  private transmit(session: Session, entry: Entry): void {
    const receiptId = `${session.id}-${entry.seq}`;
    entry.session = session;
    entry.receiptId = receiptId;
    entry.sentAt = Date.now();
    if (entry.transmissions++ > 0) this.counters.resent++;
    this.inflight.set(receiptId, entry);
    this.order.push(entry);
    session.send(entry.destination, entry.headers, entry.body, receiptId, {
      onReceipt: () => this.settle(entry, receiptId, undefined),
      onError: (err: BrokerError) => {
        const withDest = new BrokerError(err.message, { ...err.context, destination: entry.destination });
        this.settle(entry, receiptId, withDest);
      },
    });
    this.armTimer();
  }

  private settle(entry: Entry, receiptId: string, error: GridmsgError | undefined): void {
    if (this.inflight.get(receiptId) !== entry) return;
    this.inflight.delete(receiptId);
    entry.done = true;
    if (error) {
      this.counters.failed++;
      entry.reject(error);
    } else {
      this.counters.receipted++;
      if (entry.session) this.connection.countMessages(entry.session);
      entry.resolve();
    }
    while (this.order.length > 0 && this.order[0]!.done) this.order.shift();
    this.wakeRoom();
    this.schedulePump();
  }

  /** One pump after all receipts of the current socket read are processed: their replacements leave in one write. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private wakeRoom(): void {
    while (this.waiting.length > 0 && this.size < this.options.maxQueued) this.queue.push(this.waiting.shift()!);
    if (this.waiting.length === 0 && (this.size < this.options.maxQueued || this.closedError)) {
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** The session died: its unreceipted messages go back to the head of the queue, in order. */
  private requeue(session: Session): void {
    const back: Entry[] = [];
    const keep: Entry[] = [];
    for (const e of this.order) {
      if (e.done) continue;
      if (e.session === session) {
        this.inflight.delete(e.receiptId!);
        back.push(e);
      } else keep.push(e);
    }
    this.order = keep;
    this.queue.unshiftAll(back);
  }

  private armTimer(): void {
    if (this.timer !== undefined) return;
    const oldest = this.order.find((e) => !e.done);
    if (oldest === undefined) return;
    const due = Math.max(0, oldest.sentAt + this.options.receiptTimeoutMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const first = this.order.find((e) => !e.done);
      if (first === undefined) return;
      if (Date.now() - first.sentAt >= this.options.receiptTimeoutMs && first.session?.alive) {
        first.session.kill(
          new ReceiptTimeoutError(`no receipt within ${this.options.receiptTimeoutMs} ms`, {
            broker: first.session.broker,
            destination: first.destination,
          }),
        );
        return;
      }
      this.armTimer();
    }, due);
    this.timer.unref();
  }

  /** Rejects everything pending (fatal error or abandon); later sends reject too. */
  failAll(err: GridmsgError): void {
    this.closedError ??= err;
    const all = [...this.order.filter((e) => !e.done), ...this.queue.drain(), ...this.waiting.drain()];
    this.order = [];
    this.inflight.clear();
    for (const e of all) {
      e.done = true;
      this.counters.failed++;
      e.reject(err);
    }
    this.wakeRoom();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Refuses further sends (pending ones continue). */
  refuseNew(): void {
    this.refusing = true;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
