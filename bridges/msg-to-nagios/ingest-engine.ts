import crypto from 'node:crypto';
import { ERROR_HEADER, type OutgoingMessage, type ReceivedMessage } from '../../clients/api.js';
import type { ConsumerQueue } from '../../clients/client-config.js';
import type { Logger } from '../../core/logger.js';
import type { Verifier } from '../../security/signing.js';
import { recordCountOf } from '../format/index.js';
import { doneEntries } from './delivery-state.js';
import { fitsOneLine } from './external-command.js';
import type { KnownObjects } from './known-objects.js';
import { planMessage, type MessagePlan, type UnknownAction } from './message-plan.js';
import { abortError, sleep, type NagiosWriter } from './nagios-writer.js';
import { RejectStats } from './reject-stats.js';
import type { NamingRules } from './service-naming.js';
import { hostMatcher } from './site-policy.js';
import type { StateJournal } from './state-journal.js';
import type { PreparedResult, Rejection } from './types.js';
import { UnknownObjects } from './unknown-objects.js';

/** The settings of the engine that a reload (SIGHUP) may change. */
export interface EnginePolicy {
  naming: NamingRules;
  illegalNameChars: string;
  maxFutureSkewSeconds: number;
  maxRecordBytes: number;
  unknownAction: UnknownAction;
  /** Escaped output above this is cut with a marker. */
  maxOutputBytes: number;
  /** Where refused records go (the consumer config's errorDestination). */
  errorDestination: string;
}

export interface EngineDeps {
  journal: StateJournal;
  /** Where results go (command pipe or spool directory). */
  writer: NagiosWriter;
  /** Pipe mode: results whose output does not fit one pipe line go here instead of being cut. */
  longOutputWriter?: NagiosWriter;
  /** Publishes to the error destination (with receipt). */
  sendError: (message: OutgoingMessage) => Promise<void>;
  knownObjects: () => KnownObjects | undefined;
  /** Signed mode (the consumer config has `verification`): checks each message against its site's signer DN. */
  verifier?: Verifier;
  logger: Logger;
  policy: EnginePolicy;
  /** Epoch ms; tests may pin it. */
  clock?: () => number;
}

export interface EngineStats {
  messages: number;
  records: number;
  submitted: number;
  rejected: number;
  /** Records skipped because they were done before (redelivery, resend). */
  duplicates: number;
  stale: number;
  unknown: number;
  unknownDropped: number;
  /** Messages being handled now (not yet acked). */
  inFlight: number;
  /** Results waiting to be written into Nagios. */
  queuedResults: number;
  rejectedByReason: Record<string, number>;
}

/** Stale results logged one by one per reporting interval. */
const STALE_LOG_LINES = 10;

/** Raised into pending handlers when the bridge shuts down: their messages stay unacked. */
export class ShutdownError extends Error {
  override readonly name = 'ShutdownError';
  constructor() {
    super('bridge shutting down; message left unacked for redelivery');
  }
}

interface WriteJob {
  items: PreparedResult[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Header values for the error destination: single line, no control characters, bounded. */
function headerText(text: string, max = 1000): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

/**
 * The heart of the central bridge. For each message (handed in by the
 * consumer; resolving = ack): plan every record (checks, duplicates, stale
 * results), queue accepted results for Nagios in arrival order, report
 * refused records to the error destination, record everything in the journal
 * and resolve only once Nagios has accepted the results and the journal is
 * on disk. Writes of concurrent messages are batched (group commit).
 */
export class IngestEngine {
  private policy: EnginePolicy;
  private readonly queue: WriteJob[] = [];
  private writing: Promise<void> | undefined;
  private readonly inflight = new Map<string, Promise<void>>();
  /** Newest time per object planned but maybe not yet written (on top of the journal's). */
  private readonly plannedNewest = new Map<string, number>();
  private readonly abort = new AbortController();
  private stopping = false;
  readonly rejects = new RejectStats();
  readonly unknownObjects: UnknownObjects;
  private readonly counters = { messages: 0, records: 0, submitted: 0, rejected: 0, duplicates: 0, stale: 0, unknownDropped: 0 };
  private readonly clock: () => number;
  private staleLogged = 0;

  constructor(private readonly deps: EngineDeps) {
    this.policy = deps.policy;
    this.clock = deps.clock ?? Date.now;
    this.unknownObjects = new UnknownObjects(10_000, (o) =>
      deps.logger.warn(o.what === 'unknown-host' ? 'result for a host the central Nagios does not define' : 'result for a service the central Nagios does not define', {
        host: o.host,
        service: o.service ?? '',
        action: this.policy.unknownAction,
      }),
    );
  }

  setPolicy(policy: EnginePolicy): void {
    this.policy = policy;
  }

  /** Handles one message of `queue`. Resolves when it may be acked; rejects to leave it unacked. */
  async handle(message: ReceivedMessage, queue: ConsumerQueue): Promise<void> {
    if (this.stopping) throw new ShutdownError();
    const key = messageKey(message, queue);
    // The same message redelivered while its first copy is still being handled: wait for that one.
    for (let prev = this.inflight.get(key); prev !== undefined; prev = this.inflight.get(key)) {
      await prev.catch(() => {});
    }
    const run = this.process(message, queue, key);
    this.inflight.set(key, run);
    try {
      await run;
    } finally {
      if (this.inflight.get(key) === run) this.inflight.delete(key);
    }
  }

  private async process(message: ReceivedMessage, queue: ConsumerQueue, key: string): Promise<void> {
    const { journal, logger } = this.deps;
    const policy = this.policy;
    const state = journal.state;
    if (state.isMessageDone(key)) {
      // Fully handled before (a redelivery or a resend): ack without looking inside.
      this.counters.messages++;
      this.counters.duplicates += recordCountOf(message.headers) ?? 1;
      return;
    }
    const plan = planMessage(
      { key, destination: message.destination, headers: message.headers, body: message.body },
      {
        policy: { queue, hostAllowed: hostMatcher(queue.hosts), naming: policy.naming, illegalNameChars: policy.illegalNameChars, maxFutureSkewSeconds: policy.maxFutureSkewSeconds },
        maxRecordBytes: policy.maxRecordBytes,
        isDone: (ref) => state.isDone(ref),
        newestFor: (k) => {
          const planned = this.plannedNewest.get(k);
          const stored = state.newestFor(k);
          return planned === undefined ? stored : stored === undefined ? planned : Math.max(planned, stored);
        },
        // Called only for a time at least the newest planned one (see planMessage).
        noteNewest: (k, ts) => this.plannedNewest.set(k, ts),
        known: this.deps.knownObjects(),
        unknownAction: policy.unknownAction,
        ...(this.deps.verifier === undefined ? {} : { verify: (body: Uint8Array, headers: Record<string, string>) => verifySignature(this.deps.verifier!, body, headers, queue) }),
        now: Math.floor(this.clock() / 1000),
      },
    );
    this.count(plan, queue, message);
    // Results are queued for Nagios now, synchronously, so writes follow arrival order.
    const written = plan.submit.length > 0 ? this.enqueue(plan.submit) : Promise.resolve();
    // The queue holds them until written; not held here until the fsync (they pin the message text: less GC work).
    plan.submit = [];
    const dropped = plan.dropped.map((d) => d.ref);
    if (dropped.length > 0) journal.appendDone(doneEntries(dropped), []);
    const reported = this.report(plan, message, queue);
    const [w, r] = await Promise.allSettled([written, reported]);
    if (w.status === 'rejected') throw w.reason;
    if (r.status === 'rejected') {
      logger.warn('could not publish refused records to the error destination; the message stays unacked', { site: queue.site, broker: message.broker, destination: this.policy.errorDestination, from: message.destination, error: String((r.reason as Error)?.message ?? r.reason) });
      throw r.reason;
    }
    if (plan.rejectedRefs.length > 0) journal.appendDone(doneEntries(plan.rejectedRefs), []);
    await journal.sync();
  }

  private count(plan: MessagePlan, queue: ConsumerQueue, message: ReceivedMessage): void {
    const c = this.counters;
    c.messages++;
    c.records += plan.total;
    c.submitted += plan.submit.length;
    c.duplicates += plan.duplicates;
    for (const d of plan.dropped) {
      if (d.why === 'stale') {
        c.stale++;
        // One line each for the first few per interval; the rest are in the stats line.
        if (this.staleLogged++ < STALE_LOG_LINES) this.deps.logger.info('result older than the one Nagios has; not submitted', { object: d.objectKey, result_time: d.timestamp, site: queue.site, broker: message.broker, destination: message.destination });
      } else c.unknownDropped++;
    }
    for (const u of plan.unknown) this.unknownObjects.add(u);
    for (const rej of plan.rejections) {
      c.rejected++;
      this.rejects.add(queue.site, rej.reason);
    }
    for (const w of plan.warnings) this.deps.logger.warn(w, { site: queue.site, key: plan.key, broker: message.broker, destination: message.destination });
  }

  /** Publishes each refused record (or the refused message) to the error destination. */
  private async report(plan: MessagePlan, message: ReceivedMessage, queue: ConsumerQueue): Promise<void> {
    if (plan.rejections.length === 0) return;
    await Promise.all(plan.rejections.map((rej) => this.deps.sendError(this.errorMessage(rej, plan, message, queue))));
  }

  private errorMessage(rej: Rejection, plan: MessagePlan, message: ReceivedMessage, queue: ConsumerQueue): OutgoingMessage {
    const headers: Record<string, string> = {
      [ERROR_HEADER]: headerText(`${rej.reason}: ${rej.detail}`),
      'gridmsg-error-reason': rej.reason,
      'gridmsg-original-destination': headerText(message.destination),
      'gridmsg-queue-site': queue.site,
      'gridmsg-original-key': headerText(plan.key),
    };
    if (rej.index !== undefined) headers['gridmsg-record-index'] = String(rej.index);
    return {
      destination: this.policy.errorDestination,
      body: rej.raw ?? new Uint8Array(0),
      headers,
      idempotencyKey: `${plan.key}#rejected:${rej.index ?? 'message'}`,
    };
  }

  private enqueue(items: PreparedResult[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.writing ??= this.writeLoop().finally(() => {
        this.writing = undefined;
      });
    });
  }

  /**
   * Writes everything queued, batch by batch, until the queue is empty.
   * Starting from idle, it first lets results gather for the writer's
   * gatherMs (spool mode), so messages trickling in share one write.
   */
  private async writeLoop(): Promise<void> {
    const gatherMs = this.deps.writer.gatherMs ?? 0;
    let gathered = gatherMs <= 0;
    while (this.queue.length > 0) {
      if (!gathered) {
        gathered = true;
        await sleep(gatherMs, this.abort.signal).catch(() => {
          /* shutting down: checked below */
        });
      }
      const batch = this.queue.splice(0, this.queue.length);
      const items = batch.flatMap((j) => j.items);
      try {
        // Shutting down (maybe during the gather window): nothing more is written, the messages stay unacked.
        if (this.abort.signal.aborted) throw abortError(this.abort.signal);
        await this.writeRouted(items);
        this.prunePlanned();
        for (const j of batch) j.resolve();
      } catch (err) {
        for (const j of batch) j.reject(err);
      }
      if (this.queue.length === 0) this.deps.journal.maybeCompact();
    }
  }

  /** Forgets planned times the journal now holds (they are only needed until written). */
  private prunePlanned(): void {
    if (this.plannedNewest.size < 50_000) return;
    const state = this.deps.journal.state;
    for (const [k, planned] of this.plannedNewest) {
      const stored = state.newestFor(k);
      if (stored !== undefined && stored >= planned) this.plannedNewest.delete(k);
    }
  }

  private async writeRouted(items: PreparedResult[]): Promise<void> {
    const { writer, longOutputWriter } = this.deps;
    const signal = this.abort.signal;
    if (longOutputWriter === undefined) {
      await writer.write(items, signal);
      return;
    }
    const short: PreparedResult[] = [];
    const long: PreparedResult[] = [];
    for (const r of items) (fitsOneLine(r, undefined, this.policy.maxOutputBytes) ? short : long).push(r);
    if (short.length > 0) await writer.write(short, signal);
    if (long.length > 0) await longOutputWriter.write(long, signal);
  }

  /** Results queued for Nagios and not yet written. */
  get queuedResults(): number {
    return this.queue.reduce((n, j) => n + j.items.length, 0);
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Starts a new reporting interval (the daemon calls this with each summary). */
  newInterval(): void {
    this.staleLogged = 0;
  }

  stats(): EngineStats {
    return { ...this.counters, unknown: this.unknownObjects.count, inFlight: this.inflight.size, queuedResults: this.queuedResults, rejectedByReason: this.rejects.total() };
  }

  /** Refuses new messages; running ones continue (drain). */
  beginShutdown(): void {
    this.stopping = true;
  }

  /** Gives up on writes still waiting for Nagios: their messages stay unacked. */
  abortWaiting(): void {
    this.stopping = true;
    this.abort.abort(new ShutdownError());
  }
}

/** Why a message's signature is not acceptable for its queue's site, or undefined. */
export function verifySignature(verifier: Verifier, body: Uint8Array, headers: Record<string, string>, queue: ConsumerQueue): string | undefined {
  if (queue.signerDn === undefined) return `signed messages are required, but the consumer config names no signer DN for site "${queue.site}"`;
  const result = verifier.verify(body, headers, queue.signerDn);
  return result.ok ? undefined : result.reason;
}

/**
 * The key under which a message's records are remembered: the queue's site
 * (keys are only unique per publisher, and one site must not be able to
 * shadow another's results) plus the idempotency key, or a digest of the
 * body when the message has none.
 */
export function messageKey(message: ReceivedMessage, queue: ConsumerQueue): string {
  const k = message.idempotencyKey;
  if (k !== undefined && k !== '') {
    // Keys are remembered in memory and on disk: an absurdly long one is remembered by digest.
    return k.length <= 200 ? `${queue.site}/${k}` : `${queue.site}/key-sha256:${crypto.createHash('sha256').update(k).digest('base64url')}`;
  }
  const digest = crypto.createHash('sha256').update(message.destination).update('\n').update(message.body).digest('base64url');
  return `${queue.site}/sha256:${digest}`;
}
