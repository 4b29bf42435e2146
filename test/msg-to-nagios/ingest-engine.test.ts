/**
 * The engine's own rules, with a real journal and an in-memory writer
 * standing in for Nagios (a pure unit: what it writes, in which order, when
 * it resolves).
 */
import test from 'ava';
import path from 'node:path';
import type { OutgoingMessage, ReceivedMessage } from '../../clients/api.js';
import type { ConsumerQueue } from '../../clients/client-config.js';
import { encodeRecords, isoTimestamp, messageHeaders } from '../../bridges/format/index.js';
import { IngestEngine, ShutdownError, type EnginePolicy } from '../../bridges/msg-to-nagios/ingest-engine.js';
import { journalAccepted, type NagiosWriter, type WriterStatus } from './helpers/memory-writer.js';
import { DEFAULT_ILLEGAL_NAME_CHARS } from '../../bridges/msg-to-nagios/object-names.js';
import { StateJournal } from '../../bridges/msg-to-nagios/state-journal.js';
import type { PreparedResult } from '../../bridges/msg-to-nagios/types.js';
import { silentLogger } from '../../core/logger.js';
import { tempDir } from '../helpers/tmp.js';
import { goodRecord, OTHER_SITE, SITE } from './corpus.js';

const queue: ConsumerQueue = { site: SITE, tenant: 'EGI', role: 'site', destination: '/queue/Consumer.c.x.CERN-PROD', hosts: ['*.cern.ch'] };
const policy: EnginePolicy = { naming: {}, illegalNameChars: DEFAULT_ILLEGAL_NAME_CHARS, maxFutureSkewSeconds: 300, maxRecordBytes: 65536, unknownAction: 'reject', maxOutputBytes: 8192, errorDestination: '/queue/errors' };
const now = Math.floor(Date.now() / 1000);

/** Records every write; can be held (Nagios not taking results) until released. */
class MemoryWriter implements NagiosWriter {
  readonly mode = 'pipe' as const;
  /** Results of each write call. */
  writes: number[] = [];
  gatherMs = 0;
  readonly status: WriterStatus = { state: 'ready', since: Date.now() };
  written: PreparedResult[] = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  constructor(private readonly journal: StateJournal) {}
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  async write(results: readonly PreparedResult[], signal: AbortSignal): Promise<void> {
    while (this.gate !== undefined) {
      await Promise.race([this.gate, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
    }
    this.writes.push(results.length);
    this.written.push(...results);
    journalAccepted(this.journal, results);
  }
  close(): void {}
}

function setup(t: { teardown: (f: () => void) => void }, sendError: (m: OutgoingMessage) => Promise<void> = async () => {}) {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const journal = StateJournal.open({ dir: path.join(tmp.dir, 'state') });
  t.teardown(() => journal.close());
  const writer = new MemoryWriter(journal);
  const errors: OutgoingMessage[] = [];
  const engine = new IngestEngine({
    journal,
    writer,
    sendError: async (m) => {
      await sendError(m);
      errors.push(m);
    },
    knownObjects: () => undefined,
    logger: silentLogger(),
    policy,
  });
  return { engine, writer, errors, journal };
}

function message(key: string, records: Parameters<typeof goodRecord>[0][], headers: Record<string, string> = {}): ReceivedMessage {
  const body = Buffer.from(encodeRecords(records.map((r) => goodRecord(r)), 'grid'));
  return { destination: queue.destination, headers: { ...messageHeaders({ recordCount: records.length, siteName: SITE, role: 'site', nagiosHost: 'n', bodyFormat: 'grid' }), ...headers }, body, text: () => body.toString(), idempotencyKey: key, broker: 'test' };
}

test('the same message delivered twice while the first is in progress is written once', async (t) => {
  const { engine, writer } = setup(t);
  writer.hold();
  const m = message('k1', [{ summaryData: 'a' }, { summaryData: 'b' }]);
  const first = engine.handle(m, queue);
  const second = engine.handle(m, queue);
  await new Promise((r) => setTimeout(r, 50));
  t.is(writer.written.length, 0, 'nothing is acked while Nagios does not take it');
  writer.release();
  await Promise.all([first, second]);
  t.deepEqual(writer.written.map((r) => r.output), ['a', 'b']);
  await engine.handle(m, queue);
  t.is(writer.written.length, 2, 'a later redelivery writes nothing either');
  t.is(engine.stats().duplicates, 4, 'two records skipped, twice');
});

test('results are written in arrival order even when an earlier message waits for its refusals to be published', async (t) => {
  let slow!: () => void;
  const published = new Promise<void>((r) => (slow = r));
  const { engine, writer, errors } = setup(t, () => published);
  const ts = isoTimestamp(now - 100);
  const a = engine.handle(message('a', [{ summaryData: 'first', timestamp: ts }, { siteName: OTHER_SITE }]), queue);
  const b = engine.handle(message('b', [{ summaryData: 'second', timestamp: isoTimestamp(now - 50) }]), queue);
  await b;
  t.deepEqual(writer.written.map((r) => r.output), ['first', 'second']);
  let aDone = false;
  void a.then(() => (aDone = true));
  await new Promise((r) => setTimeout(r, 30));
  t.false(aDone, 'not acked before its refused record is on the error destination');
  slow();
  await a;
  t.is(errors.length, 1);
  t.is(errors[0]?.headers?.['gridmsg-error-reason'], 'site-mismatch');
});

test('a refusal that cannot be published leaves the message unacked; the retry republishes it and writes nothing twice', async (t) => {
  let fail = true;
  const { engine, writer, errors } = setup(t, async () => {
    if (fail) throw new Error('broker gone');
  });
  const m = message('k', [{ summaryData: 'good' }, { hostName: 'ce01.cern.ch;x' }]);
  await t.throwsAsync(engine.handle(m, queue), { message: 'broker gone' });
  t.deepEqual(writer.written.map((r) => r.output), ['good']);
  fail = false;
  await engine.handle(m, queue);
  t.deepEqual(writer.written.map((r) => r.output), ['good'], 'the good record was done already');
  t.is(errors.length, 1);
  t.is(errors[0]?.headers?.['gridmsg-record-index'], '1');
  await engine.handle(m, queue);
  t.is(errors.length, 1, 'once published and done, never again');
});

test('shutting down: new messages refused, waiting ones released unacked', async (t) => {
  const { engine, writer } = setup(t);
  writer.hold();
  const waiting = engine.handle(message('w', [{ summaryData: 'held' }]), queue);
  engine.beginShutdown();
  await t.throwsAsync(engine.handle(message('n', [{}]), queue), { instanceOf: ShutdownError });
  engine.abortWaiting();
  await t.throwsAsync(waiting, { instanceOf: ShutdownError });
  t.is(writer.written.length, 0);
});

test('with a gather window, messages arriving one after another share one write; without, the first is written at once', async (t) => {
  for (const gatherMs of [0, 50]) {
    const { engine, writer, journal } = setup(t);
    writer.gatherMs = gatherMs;
    const first = engine.handle(message(`g${gatherMs}-1`, [{ summaryData: 'a' }]), queue);
    const second = engine.handle(message(`g${gatherMs}-2`, [{ summaryData: 'b' }, { summaryData: 'c' }]), queue);
    await Promise.all([first, second]);
    t.deepEqual(writer.writes, gatherMs === 0 ? [1, 2] : [3], `gatherMs ${gatherMs}`);
    t.true(journal.state.isMessageDone(`${SITE}/g${gatherMs}-1`) && journal.state.isMessageDone(`${SITE}/g${gatherMs}-2`), 'both recorded before they resolve');
  }
});

test('shutting down during a gather window leaves the gathered messages unacked and writes nothing', async (t) => {
  const { engine, writer } = setup(t);
  writer.gatherMs = 60_000;
  const pending = engine.handle(message('gather-stop', [{ summaryData: 'a' }]), queue);
  engine.abortWaiting();
  await t.throwsAsync(pending, { instanceOf: ShutdownError });
  t.deepEqual(writer.writes, []);
});
