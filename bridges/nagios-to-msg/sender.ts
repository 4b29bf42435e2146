/**
 * Sends spooled groups to the broker, one message per group, pipelined up to
 * a window, and acknowledges them in the spool only when the broker's
 * receipt arrived (in spool order). A failed send is retried with the same
 * idempotency key; a publisher that died (bad credentials, ...) is replaced.
 */
import { describeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ConnectionState, OutgoingMessage, Publisher } from '../../clients/index.js';
import { decodeRecords, encodeRecord, messageHeaders, type BodyFormat } from '../format/index.js';
import type { Spool, SpoolBatch, SpoolReader } from '../spool/index.js';

/** Spool record flag = body format of its payload. */
export const FORMAT_FLAGS: Record<BodyFormat, number> = { grid: 0, json: 1 };
const FLAG_FORMATS: Record<number, BodyFormat> = { 0: 'grid', 1: 'json' };

export interface MessageMetaSource {
  format: BodyFormat;
  siteName: string;
  role: string;
  nagiosHost: string;
  /** Signed mode: headers carrying a detached signature of the body (one per message). */
  sign?: (body: Uint8Array) => Record<string, string>;
}

export interface SenderOptions {
  spool: Spool;
  createPublisher: () => Publisher;
  window: number;
  maxInFlightBytes?: number;
  meta: () => MessageMetaSource;
  logger: Logger;
  now?: () => number;
  /** Called for each receipted group. */
  onReceipt?: (batch: SpoolBatch) => void;
}

export interface SenderStats {
  inFlight: number;
  receiptedMessages: number;
  receiptedRecords: number;
  /** Epoch ms. */
  lastReceiptAt: number | undefined;
  /** Epoch seconds the oldest unsent record was spooled. */
  oldestUnsent: number | undefined;
  failures: number;
  lastError: string | undefined;
  connection: ConnectionState;
  broker: string | undefined;
}

interface Entry {
  batch: SpoolBatch;
  done: boolean;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

/** Body of a group in `format`; records spooled in another format (before a reload) are re-encoded. */
export function messageBody(batch: SpoolBatch, format: BodyFormat): Buffer {
  const flag = FORMAT_FLAGS[format];
  if (batch.records.every((r) => r.flags === flag)) return batch.payloads;
  let out = '';
  for (const r of batch.records) {
    const from = FLAG_FORMATS[r.flags] ?? 'grid';
    if (from === format) {
      out += r.payload.toString('utf8');
      continue;
    }
    for (const d of decodeRecords(r.payload.toString('utf8'), from)) if (d.ok) out += encodeRecord(d.record, format);
  }
  return Buffer.from(out);
}

export class Sender {
  private publisher: Publisher;
  private readonly reader: SpoolReader;
  private readonly inflight: Entry[] = [];
  private inflightBytes = 0;
  private reading = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private receiptedMessages = 0;
  private receiptedRecords = 0;
  private lastReceiptAt: number | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private lastErrorLog = 0;
  private broker: string | undefined;
  private readonly now: () => number;
  private readonly maxInFlightBytes: number;

  constructor(private readonly options: SenderOptions) {
    this.now = options.now ?? Date.now;
    this.maxInFlightBytes = options.maxInFlightBytes ?? 16 * 1024 * 1024;
    this.reader = options.spool.reader();
    this.publisher = this.newPublisher();
  }

  private newPublisher(): Publisher {
    const p = this.options.createPublisher();
    p.on('state', (state, broker) => {
      if (p !== this.publisher) return;
      if (broker !== undefined) this.broker = broker;
      // A state without a broker (closed, reconnecting) concerns the last one connected to, if any.
      const which = broker ?? this.broker;
      this.options.logger.info(`broker connection ${state}`, which === undefined ? {} : { broker: which });
    });
    return p;
  }

  start(): void {
    this.pump();
  }

  /** Replaces the publisher (new client config on reload); unreceipted groups are resent with their keys. */
  replacePublisher(create?: () => Publisher): void {
    const old = this.publisher;
    if (create) this.options.createPublisher = create;
    this.publisher = this.newPublisher();
    void old.close({ abandon: true }).catch(() => {});
  }

  private pump(): void {
    if (this.stopped || this.reading) return;
    if (this.inflight.length >= this.options.window || this.inflightBytes >= this.maxInFlightBytes) return;
    this.reading = true;
    this.reader.next(this.abort.signal).then(
      (batch) => {
        this.reading = false;
        if (!batch || this.stopped) return;
        const entry: Entry = { batch, done: false, attempts: 0, timer: undefined };
        this.inflight.push(entry);
        this.inflightBytes += batch.bytes;
        this.transmit(entry);
        this.pump();
      },
      (err: unknown) => {
        this.reading = false;
        this.options.logger.error('cannot read the spool', { error: describeError(err) });
        setTimeout(() => this.pump(), 1000).unref();
      },
    );
  }

  private message(batch: SpoolBatch): OutgoingMessage {
    const meta = this.options.meta();
    const body = messageBody(batch, meta.format);
    const headers = messageHeaders({ recordCount: batch.records.length, siteName: meta.siteName, role: meta.role, nagiosHost: meta.nagiosHost, bodyFormat: meta.format });
    return {
      body,
      headers: meta.sign ? { ...headers, ...meta.sign(body) } : headers,
      idempotencyKey: batch.key,
    };
  }

  private transmit(entry: Entry): void {
    entry.attempts++;
    entry.timer = undefined;
    const pub = this.publisher;
    let msg: OutgoingMessage;
    try {
      msg = this.message(entry.batch);
    } catch (err) {
      this.failed(entry, err, pub);
      return;
    }
    pub.send(msg).then(
      () => {
        if (entry.done) return;
        entry.done = true;
        this.receiptedMessages++;
        this.receiptedRecords += entry.batch.records.length;
        this.lastReceiptAt = this.now();
        this.options.onReceipt?.(entry.batch);
        this.advance();
        this.pump();
      },
      (err: unknown) => this.failed(entry, err, pub),
    );
  }

  private failed(entry: Entry, err: unknown, pub: Publisher): void {
    if (entry.done || this.stopped) return;
    if (entry.batch.lastSeq < this.options.spool.ackSeq) {
      // Dropped by the drop-oldest policy meanwhile.
      entry.done = true;
      this.advance();
      return;
    }
    this.failures++;
    this.lastError = describeError(err);
    if (this.now() - this.lastErrorLog > 10_000) {
      this.lastErrorLog = this.now();
      this.options.logger.error('sending to the broker failed; the results stay spooled and are resent with the same idempotency key', {
        error: this.lastError,
        key: entry.batch.key,
        ...(this.broker === undefined ? {} : { broker: this.broker }),
      });
    }
    const delay = Math.min(30_000, 500 * 2 ** Math.min(entry.attempts, 6));
    entry.timer = setTimeout(() => {
      if (this.stopped || entry.done) return;
      if (pub === this.publisher && this.publisher.state === 'closed') this.replacePublisher();
      this.transmit(entry);
    }, delay);
  }

  /** Acknowledges the receipted prefix in the spool. */
  private advance(): void {
    const spool = this.options.spool;
    while (this.inflight.length > 0) {
      const head = this.inflight[0]!;
      if (!head.done && head.batch.lastSeq >= spool.ackSeq) break;
      this.inflight.shift();
      this.inflightBytes -= head.batch.bytes;
      if (head.timer) clearTimeout(head.timer);
      spool.acknowledge(head.batch.lastSeq + 1);
    }
  }

  /** After drop-oldest: forget in-flight groups below the spool's ack. */
  dropped(): void {
    for (const e of this.inflight) if (e.batch.lastSeq < this.options.spool.ackSeq) e.done = true;
    this.advance();
    this.pump();
  }

  stats(): SenderStats {
    const head = this.inflight.find((e) => !e.done);
    const spool = this.options.spool;
    let oldest = head?.batch.time;
    if (oldest === undefined && spool.committedSeq > spool.ackSeq) oldest = Math.floor(this.now() / 1000);
    return {
      inFlight: this.inflight.length,
      receiptedMessages: this.receiptedMessages,
      receiptedRecords: this.receiptedRecords,
      lastReceiptAt: this.lastReceiptAt,
      oldestUnsent: oldest,
      failures: this.failures,
      lastError: this.lastError,
      connection: this.publisher.state,
      broker: this.broker,
    };
  }

  /** Waits until everything spooled is receipted (true) or the timeout passed (false). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    const spool = this.options.spool;
    for (;;) {
      if (spool.ackSeq >= spool.committedSeq && this.inflight.length === 0) return true;
      if (this.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops sending; `abandon` drops unreceipted sends (they stay spooled). */
  async stop(abandon: boolean): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const e of this.inflight) if (e.timer) clearTimeout(e.timer);
    this.reader.close();
    await this.publisher.close({ abandon }).catch(() => {});
  }
}
