import test from 'ava';
import fc from 'fast-check';
import { decodeGrid, decodeGridFast, decodeGridGeneral, encodeGrid, isoTimestamp, recordTimeMs, type MetricRecord } from '../../bridges/format/index.js';
import { nastyString, recordArb } from './arbitraries.js';

/**
 * The fast grid decoder must give exactly what the general decoder gives on
 * every body it accepts (it may decline any body: the general decoder then
 * runs), and must accept the ordinary bodies the site bridge writes.
 */

const plain = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '.', '-', '=', ';', '|', 'é', '日', '🚀', '$', '"', ':'), maxLength });

/** Records whose values need no escaping: the usual traffic. */
const plainRecordArb: fc.Arbitrary<MetricRecord> = fc
  .record({
    kind: fc.constantFrom('service' as const, 'host' as const),
    hostName: plain(30).filter((s) => s !== ''),
    metricName: plain(30).filter((s) => s !== ''),
    summaryData: plain(80),
    detailsData: fc.array(plain(30), { maxLength: 4 }).map((l) => l.join('\n')),
    perfData: plain(20),
    other: plain(12),
    epoch: fc.integer({ min: 0, max: 4_000_000_000 }),
    status: fc.nat(3),
    stateType: fc.constantFrom('HARD' as const, 'SOFT' as const),
  })
  .map(({ epoch, status, other, ...r }) => ({
    ...r,
    serviceURI: other,
    serviceFlavour: other,
    siteName: other,
    gatheredAt: other,
    nagiosName: other,
    role: other,
    voName: other,
    timestamp: isoTimestamp(epoch),
    metricStatus: r.kind === 'host' ? (['UP', 'DOWN', 'UNREACHABLE'] as const)[status % 3]! : (['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const)[status]!,
  }));

test('fast decoder takes ordinary bodies and equals the general decoder on them (property)', (t) => {
  fc.assert(
    fc.property(fc.array(plainRecordArb, { minLength: 1, maxLength: 6 }), (records) => {
      const body = encodeGrid(records);
      const fast = decodeGridFast(body);
      t.not(fast, undefined);
      t.deepEqual(fast, decodeGridGeneral(body));
      t.deepEqual(fast, records.map((record) => ({ ok: true, record })));
    }),
    { numRuns: 400 },
  );
});

test('fast decoder equals the general decoder on any encoded records, or declines (property)', (t) => {
  let taken = 0;
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 5 }), (records) => {
      const body = encodeGrid(records);
      const fast = decodeGridFast(body);
      if (fast !== undefined) taken++;
      t.deepEqual(decodeGrid(body), decodeGridGeneral(body));
      if (fast !== undefined) t.deepEqual(fast, decodeGridGeneral(body));
    }),
    { numRuns: 400 },
  );
  t.true(taken > 0, 'the fast path took none of the bodies');
});

/** Lines that stress the framing: terminators near misses, base64, duplicates, unknown keys, blank lines, CR. */
const lineArb = fc.oneof(
  fc.constantFrom('EOT', 'EOT\r', '\\EOT', 'EOTX', ' EOT', '', ' ', '\t', 'no colon', ':x', '::', 'x:', 'x: y', 'x:: !!', 'x:: YQ==', 'hostName: h', 'hostName:h', 'hostName:: aA==', 'hostName:: !', 'hostName: h\r', 'metricName: m', 'metricStatus: OK', 'metricStatus: UP', 'metricStatus: ok', 'metricStatus: BAD', 'timestamp: 2024-05-01T12:00:00Z', 'timestamp: 2024-05-01T12:00:00.5Z', 'timestamp: 2024-13-01T12:00:00Z', 'timestamp: yesterday', 'checkKind: host', 'checkKind: service', 'checkKind: other', 'stateType: SOFT', 'stateType: soft', 'detailsData: d', 'detailsData:', 'detailsData: EOT', 'detailsData: ', 'detailsData:x', 'summaryData: a: b', 'constructor: x', 'role: site'),
  nastyString(20),
  fc.string({ maxLength: 8 }),
);

test('fast decoder equals the general decoder on arbitrary line soup, or declines (property)', (t) => {
  let taken = 0;
  fc.assert(
    fc.property(fc.array(lineArb, { maxLength: 30 }), fc.boolean(), (lines, finalNewline) => {
      const body = lines.join('\n') + (finalNewline ? '\n' : '');
      const fast = decodeGridFast(body);
      const general = decodeGridGeneral(body);
      t.deepEqual(decodeGrid(body), general);
      if (fast !== undefined) {
        taken++;
        t.deepEqual(fast, general);
      }
    }),
    { numRuns: 2000 },
  );
  t.true(taken > 0);
});

test('fast decoder equals the general decoder on byte-level mutations of ordinary bodies (property)', (t) => {
  const edit = fc.record({ at: fc.nat(), del: fc.nat(3), ins: fc.constantFrom('', '\n', '\r', ':', ' ', 'E', 'EOT', '\nEOT\n', '\\', '\u0000', 'x', '::') });
  fc.assert(
    fc.property(fc.array(plainRecordArb, { minLength: 1, maxLength: 3 }), fc.array(edit, { minLength: 1, maxLength: 4 }), (records, edits) => {
      let body = encodeGrid(records);
      for (const e of edits) {
        const at = e.at % (body.length + 1);
        body = body.slice(0, at) + e.ins + body.slice(at + e.del);
      }
      const fast = decodeGridFast(body);
      if (fast !== undefined) t.deepEqual(fast, decodeGridGeneral(body));
      t.deepEqual(decodeGrid(body), decodeGridGeneral(body));
    }),
    { numRuns: 2000 },
  );
});

test('fast decoder: fixed cases', (t) => {
  const ok = 'hostName: h\nmetricName: m\nmetricStatus: OK\ntimestamp: 2024-05-01T12:00:00Z\n';
  // Records without detailsData, blank lines between records, no final newline.
  for (const body of [`${ok}EOT\n`, `\n${ok}EOT\n\n${ok}EOT`, `${ok}detailsData: a\nb\n\nc\nEOT\n`, `${ok}unknownKey: 1\ndetailsData: \nEOT\n`]) {
    const fast = decodeGridFast(body);
    t.not(fast, undefined, JSON.stringify(body));
    t.deepEqual(fast, decodeGridGeneral(body));
  }
  // Declined: CR, base64, stuffed EOT, duplicate field, error, missing EOT.
  for (const body of [`${ok}EOT\r\n`, `hostName:: aA==\n${ok.slice(12)}EOT\n`, `${ok}detailsData: \\EOT\nEOT\n`, `${ok}hostName: x\nEOT\n`, `${ok.replace('OK', 'BAD')}EOT\n`, ok, `${ok}detailsData: x`]) {
    t.is(decodeGridFast(body), undefined, JSON.stringify(body));
  }
});

test('recordTimeMs remembers recent times and answers as Date.parse on ISO-8601 UTC, NaN otherwise (property)', (t) => {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
  const stamp = fc.oneof(
    fc.integer({ min: 0, max: 4_000_000_000 }).map((s) => isoTimestamp(s)),
    fc.constantFrom('2024-05-01T12:00:00Z', '2024-05-01T12:00:00.5Z', '2024-13-01T12:00:00Z', '2024-05-01 12:00:00', 'yesterday', ''),
  );
  fc.assert(
    fc.property(fc.array(stamp, { maxLength: 40 }), (stamps) => {
      for (const s of stamps) {
        // A fresh string each time, as decoded values are.
        const copy = (' ' + s).slice(1);
        const want = iso.test(s) ? Date.parse(s) : NaN;
        t.is(recordTimeMs(copy), want, s);
      }
    }),
  );
});
