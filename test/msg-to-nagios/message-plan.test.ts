import test from 'ava';
import fc from 'fast-check';
import type { ConsumerQueue } from '../../clients/client-config.js';
import { decodeRecords, encodeRecords, isoTimestamp } from '../../bridges/format/index.js';
import { recordText, splitRecords } from '../../bridges/msg-to-nagios/body-records.js';
import { recordArb } from '../format/arbitraries.js';
import { lookup, parseObjectCache } from '../../bridges/msg-to-nagios/known-objects.js';
import { objectKey } from '../../bridges/msg-to-nagios/types.js';
import { decodeWhole, planMessage, type IncomingMessage, type PlanContext } from '../../bridges/msg-to-nagios/message-plan.js';
import { DEFAULT_ILLEGAL_NAME_CHARS } from '../../bridges/msg-to-nagios/object-names.js';
import { hostMatcher } from '../../bridges/msg-to-nagios/site-policy.js';
import type { RecordRef, RejectReason } from '../../bridges/msg-to-nagios/types.js';
import { goodRecord, injectionCorpus, SITE, SITE_HOSTS } from './corpus.js';

const queue: ConsumerQueue = { site: SITE, tenant: 'EGI', role: 'site', destination: '/queue/Consumer.central.grid.probe.metricOutput.EGI.site.CERN-PROD', hosts: SITE_HOSTS };
const known = parseObjectCache(`define host {
\thost_name\tce01.cern.ch
\taddress\t127.0.0.1
\t}

define service {
\thost_name\tce01.cern.ch
\tservice_description\torg.sam.CE-JobSubmit
\tcheck_period\t24x7
\t}

define service {
\thost_name\tce01.cern.ch
\tservice_description\torg.sam.CE-JobSubmit-ngi
\t}
`);

function context(over: Partial<PlanContext> = {}): PlanContext & { done: Set<string>; newest: Map<string, number> } {
  const done = new Set<string>();
  const newest = new Map<string, number>();
  return {
    policy: { queue, hostAllowed: hostMatcher(queue.hosts), naming: { roles: { ngi: { suffix: '-ngi' } } }, illegalNameChars: DEFAULT_ILLEGAL_NAME_CHARS, maxFutureSkewSeconds: 300 },
    maxRecordBytes: 64 * 1024,
    isDone: (r: RecordRef) => done.has(`${r.messageKey}#${r.index}`),
    newestFor: (k) => newest.get(k),
    noteNewest: (k, ts) => newest.set(k, Math.max(ts, newest.get(k) ?? ts)),
    known,
    unknownAction: 'reject',
    now: Math.floor(Date.now() / 1000),
    done,
    newest,
    ...over,
  };
}

function message(body: string | Uint8Array, headers: Record<string, string> = {}, key = `${SITE}/k1`): IncomingMessage {
  return { key, destination: queue.destination, headers: { siteName: SITE, bodyFormat: 'grid', ...headers }, body: typeof body === 'string' ? Buffer.from(body) : body };
}

test('every corpus record is refused on its own with its reason; the good records around them go to Nagios', (t) => {
  const corpus = injectionCorpus().filter((e) => e.record !== undefined);
  const parts: Uint8Array[] = [];
  const expected: Array<{ index: number; reason: RejectReason; name: string }> = [];
  let index = 0;
  for (const entry of corpus) {
    parts.push(Buffer.from(encodeRecords([goodRecord({ metricName: 'org.sam.CE-JobSubmit', summaryData: `good ${index}` })], 'grid')));
    index++;
    parts.push(typeof entry.record === 'string' ? Buffer.from(entry.record) : entry.record!);
    expected.push({ index, reason: entry.reason, name: entry.name });
    index++;
  }
  const plan = planMessage(message(Buffer.concat(parts)), context());
  t.is(plan.total, corpus.length * 2);
  t.is(plan.submit.length, corpus.length);
  t.true(plan.submit.every((r) => r.ref.index % 2 === 0 && r.output === `good ${r.ref.index}`));
  for (const e of expected) {
    const rej = plan.rejections.find((r) => r.index === e.index);
    t.is(rej?.reason, e.reason, e.name);
    t.true((rej?.raw?.length ?? 0) > 0, `${e.name}: raw record kept for the error destination`);
  }
  t.is(plan.rejections.length, corpus.length);
  t.is(plan.rejectedRefs.length, corpus.length);
});

test('a message refused as a whole: spoofed site header, foreign destination, unknown body format', (t) => {
  for (const entry of injectionCorpus().filter((e) => e.message !== undefined)) {
    const plan = planMessage(message(entry.message!.body, entry.message!.headers), context());
    t.is(plan.submit.length, 0, entry.name);
    t.is(plan.rejections.length, 1, entry.name);
    t.is(plan.rejections[0]?.reason, entry.reason, entry.name);
    t.is(plan.rejections[0]?.index, undefined, entry.name);
  }
  const foreign = planMessage({ ...message(encodeRecords([goodRecord()], 'grid')), destination: '/topic/grid.probe.metricOutput.EGI.site.UKI-LT2-QMUL' }, context());
  t.is(foreign.rejections[0]?.reason, 'site-mismatch');
  const ownTopic = planMessage({ ...message(encodeRecords([goodRecord()], 'grid')), destination: '/topic/grid.probe.metricOutput.EGI.site.CERN-PROD' }, context());
  t.is(ownTopic.submit.length, 1, 'the site\'s own topic name is fine');
});

test('records already done are skipped; a fully redelivered message submits nothing', (t) => {
  const ctx = context();
  const body = encodeRecords([goodRecord({ summaryData: 'a' }), goodRecord({ summaryData: 'b' }), goodRecord({ summaryData: 'c' })], 'grid');
  ctx.done.add(`${SITE}/k1#1`);
  const plan = planMessage(message(body), ctx);
  t.deepEqual(plan.submit.map((r) => r.output), ['a', 'c']);
  t.is(plan.duplicates, 1);
  for (const i of [0, 2]) ctx.done.add(`${SITE}/k1#${i}`);
  const again = planMessage(message(body), ctx);
  t.is(again.submit.length, 0);
  t.is(again.duplicates, 3);
});

test('a result older than the newest one for its service is dropped as stale, newer and equal ones pass', (t) => {
  const now = Math.floor(Date.now() / 1000);
  const ctx = context();
  ctx.newest.set('ce01.cern.ch;org.sam.CE-JobSubmit', now - 100);
  const body = encodeRecords(
    [goodRecord({ timestamp: isoTimestamp(now - 200), summaryData: 'old' }), goodRecord({ timestamp: isoTimestamp(now - 100), summaryData: 'same' }), goodRecord({ timestamp: isoTimestamp(now - 50), summaryData: 'new' }), goodRecord({ timestamp: isoTimestamp(now - 80), summaryData: 'older than the previous one' })],
    'grid',
  );
  const plan = planMessage(message(body), ctx);
  t.deepEqual(plan.submit.map((r) => r.output), ['same', 'new']);
  t.deepEqual(plan.dropped.map((d) => [d.ref.index, d.why]), [[0, 'stale'], [3, 'stale']]);
  t.is(ctx.newest.get('ce01.cern.ch;org.sam.CE-JobSubmit'), now - 50);
});

test('unknown objects: refused, dropped or submitted as configured, and always reported', (t) => {
  const body = encodeRecords([goodRecord({ hostName: 'ghost.cern.ch' }), goodRecord({ metricName: 'org.sam.Other' })], 'grid');
  const drop = planMessage(message(body), context({ unknownAction: 'drop' }));
  t.is(drop.submit.length, 0);
  t.deepEqual(drop.dropped.map((d) => d.why), ['unknown', 'unknown']);
  t.deepEqual(drop.unknown.map((u) => u.what), ['unknown-host', 'unknown-service']);
  const submit = planMessage(message(body), context({ unknownAction: 'submit' }));
  t.is(submit.submit.length, 2);
  t.is(submit.unknown.length, 2);
  const noCache = planMessage(message(body), context({ known: undefined }));
  t.is(noCache.submit.length, 2, 'without objects.cache nothing is judged unknown');
  t.is(noCache.unknown.length, 0);
});

test('role naming: a suffix per role keeps sources apart; roles can be restricted', (t) => {
  const plan = planMessage(message(encodeRecords([goodRecord({ role: 'ngi' }), goodRecord({ role: 'site' })], 'grid')), context());
  t.deepEqual(plan.submit.map((r) => r.service), ['org.sam.CE-JobSubmit-ngi', 'org.sam.CE-JobSubmit']);
  const restricted = context();
  restricted.policy = { ...restricted.policy, naming: { allowedRoles: ['site'] } };
  const refused = planMessage(message(encodeRecords([goodRecord({ role: 'ngi' })], 'grid')), restricted);
  t.is(refused.rejections[0]?.reason, 'role-not-allowed');
  const byHeader = planMessage(message(encodeRecords([goodRecord({ role: 'site' })], 'grid'), { role: 'central' }), restricted);
  t.is(byHeader.rejections[0]?.reason, 'role-not-allowed');
  t.is(byHeader.rejections[0]?.index, undefined);
});

test('JSON bodies: one bad line is refused alone', (t) => {
  const good = encodeRecords([goodRecord({ summaryData: 'one' }), goodRecord({ summaryData: 'two' })], 'json').split('\n');
  const body = [good[0], '{"hostName": "ce01.cern.ch", "metricStatus": "OK"', good[1], ''].join('\n');
  const plan = planMessage(message(body, { bodyFormat: 'json' }), context());
  t.deepEqual(plan.submit.map((r) => r.output), ['one', 'two']);
  t.is(plan.rejections.length, 1);
  t.is(plan.rejections[0]?.index, 1);
  t.is(plan.rejections[0]?.reason, 'malformed-record');
});

test('output keeps perfdata and long output the way the site plugin printed it', (t) => {
  const plan = planMessage(message(encodeRecords([goodRecord({ summaryData: 'WARNING: 5 jobs', perfData: "jobs=5;3;10 'queue time'=2s", detailsData: 'line 1\nline 2\r\nbell\u0007', metricStatus: 'WARNING' })], 'grid')), context());
  t.is(plan.submit[0]?.code, 1);
  t.is(plan.submit[0]?.output, "WARNING: 5 jobs | jobs=5;3;10 'queue time'=2s\nline 1\nline 2\nbell?");
});

test('a recordCount header that disagrees with the body is reported, not fatal', (t) => {
  const plan = planMessage(message(encodeRecords([goodRecord()], 'grid'), { recordCount: '5' }), context());
  t.is(plan.submit.length, 1);
  t.regex(plan.warnings[0] ?? '', /recordCount says 5 but the body holds 1/);
});

test('decoding a clean body at once gives exactly what decoding its records one by one gives', (t) => {
  const junk = fc.constantFrom('', 'garbage line', 'EOT', 'hostName: x', 'detailsData: a\nEOT', '\\EOT', 'metricStatus: NOPE', '{"hostName":"h"}', '{not json');
  const body = fc.tuple(fc.array(fc.oneof(recordArb.map((r) => ({ r })), junk.map((j) => ({ j }))), { maxLength: 8 }), fc.constantFrom('grid' as const, 'json' as const)).map(([parts, format]) => ({
    format,
    text: parts.map((p) => ('r' in p ? encodeRecords([p.r], format) : `${p.j}\n`)).join(''),
  }));
  let wholeDecoded = 0;
  fc.assert(
    fc.property(body, ({ format, text }) => {
      const bytes = Buffer.from(text);
      const raws = splitRecords(bytes, format);
      const whole = decodeWhole(bytes, raws, format, 1 << 20);
      if (whole === undefined) return true;
      wholeDecoded++; // not clean (NUL, ...) or framed differently: the plan takes the one-by-one path
      const one = raws.map((r) => decodeRecords(recordText(r.bytes)!, format)[0]);
      return whole.every((w, i) => {
        const o = one[i];
        return o !== undefined && w.ok === o.ok && (w.ok && o.ok ? JSON.stringify(w.record) === JSON.stringify(o.record) : true);
      });
    }),
    { numRuns: 500 },
  );
  t.true(wholeDecoded > 100, `only ${wholeDecoded} bodies took the whole-body path`);
});

test('known objects: the one-lookup path answers as the host-then-service lookup (property)', (t) => {
  const name = fc.constantFrom('h1', 'h2', 'h3', 'svc a', 'svc;b', 'x');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('host', 'service'), name, name), { maxLength: 12 }), fc.array(fc.tuple(name, fc.option(name, { nil: undefined })), { maxLength: 10 }), (defs, queries) => {
      const text = defs.map(([type, h, s]) => (type === 'host' ? `define host {\n\thost_name\t${h}\n\t}\n` : `define service {\n\thost_name\t${h}\n\tservice_description\t${s}\n\t}\n`)).join('');
      const k = parseObjectCache(text);
      for (const [h, s] of queries) t.is(lookup(k, h, s, objectKey(h, s)), lookup(k, h, s), `${h} ${s ?? ''}`);
    }),
  );
});
