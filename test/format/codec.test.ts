import test from 'ava';
import fc from 'fast-check';
import {
  bodyFormatOf,
  decodeRecords,
  encodeRecord,
  encodeRecords,
  messageHeaders,
  recordCountOf,
  type BodyFormat,
  type MetricRecord,
} from '../../bridges/format/index.js';
import { recordArb } from './arbitraries.js';

const sample: MetricRecord = {
  kind: 'service',
  serviceURI: 'ce01.example.org',
  hostName: 'ce01.example.org',
  serviceFlavour: 'CREAM-CE',
  siteName: 'CERN-PROD',
  metricStatus: 'WARNING',
  metricName: 'org.sam.CE-JobSubmit',
  summaryData: 'WARNING: queue "long" is slow; cost $3 | not perfdata',
  detailsData: 'line one\nEOT\nline three',
  perfData: 'time=3.2s;5;10;0',
  gatheredAt: 'nagios.example.org',
  timestamp: '2024-05-01T12:00:00Z',
  nagiosName: 'nagios.example.org',
  role: 'site',
  voName: 'ops',
  stateType: 'HARD',
};

test('the grid format writes key: value lines, detailsData last, EOT after each record', (t) => {
  const body = encodeRecords([sample, sample], 'grid');
  const lines = body.split('\n');
  t.is(lines[0], 'serviceURI: ce01.example.org');
  t.true(lines.includes('metricStatus: WARNING'));
  t.true(lines.includes('summaryData: WARNING: queue "long" is slow; cost $3 | not perfdata'));
  const details = lines.indexOf('detailsData: line one');
  t.deepEqual(lines.slice(details, details + 4), ['detailsData: line one', '\\EOT', 'line three', 'EOT']);
  t.is(body.split('\nEOT\n').length, 3);
  t.true(body.endsWith('EOT\n'));
});

test('a one-line value holding a newline is base64-encoded (key:: form)', (t) => {
  const body = encodeRecords([{ ...sample, summaryData: 'a\nb' }], 'grid');
  t.true(body.includes(`summaryData:: ${Buffer.from('a\nb').toString('base64')}\n`));
  const [r] = decodeRecords(body, 'grid');
  t.true(r?.ok && r.record.summaryData === 'a\nb');
});

test('grid round-trips any records (property)', (t) => {
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 5 }), (records) => {
      const decoded = decodeRecords(encodeRecords(records, 'grid'), 'grid');
      return t.deepEqual(decoded, records.map((record) => ({ ok: true, record })));
    }),
    { numRuns: 400 },
  );
});

test('JSON lines round-trips any records (property)', (t) => {
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 5 }), (records) => {
      const decoded = decodeRecords(encodeRecords(records, 'json'), 'json');
      return t.deepEqual(decoded, records.map((record) => ({ ok: true, record })));
    }),
    { numRuns: 400 },
  );
});

test('a body is the concatenation of its records', (t) => {
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 4 }), fc.constantFrom<BodyFormat>('grid', 'json'), (records, format) => {
      return t.is(records.map((r) => encodeRecord(r, format)).join(""), encodeRecords(records, format));
    }),
    { numRuns: 100 },
  );
});

test('one bad grid record does not spoil the others, and says where it is', (t) => {
  const good = encodeRecords([sample], 'grid');
  const badStatus = good.replace('metricStatus: WARNING', 'metricStatus: 1');
  const noColon = good.replace('role: site', 'role site');
  const missingHost = good.replace('hostName: ce01.example.org\n', '');
  const body = good + badStatus + noColon + missingHost + good + good.slice(0, 40);
  const results = decodeRecords(body, 'grid');
  t.is(results.length, 6);
  t.true(results[0]!.ok);
  t.true(results[4]!.ok);
  const errs = results.filter((r) => !r.ok);
  t.is(errs.length, 4);
  t.like(errs[0], { ok: false, index: 1 });
  t.regex(errs[0]!.ok ? '' : errs[0]!.error, /metricStatus "1"/);
  t.regex(errs[1]!.ok ? '' : errs[1]!.error, /expected "key: value"/);
  t.regex(errs[2]!.ok ? '' : errs[2]!.error, /missing field hostName/);
  t.regex(errs[3]!.ok ? '' : errs[3]!.error, /not terminated by EOT/);
  const perLine = good.split('\n').length - 1;
  t.like(errs[1], { index: 2, line: perLine * 2 + good.split('\n').findIndex((l) => l === 'role: site') + 1 });
});

test('one bad JSON line does not spoil the others', (t) => {
  const good = encodeRecords([sample], 'json');
  const body = good + '{"hostName": \n' + good.replace('"WARNING"', '"SORT-OF"') + '[1]\n' + good;
  const results = decodeRecords(body, 'json');
  t.deepEqual(
    results.map((r) => (r.ok ? 'ok' : `${r.index}@${r.line}`)),
    ['ok', '1@2', '2@3', '3@4', 'ok'],
  );
});

test('grid bodies from other producers: CRLF lines, blank lines, unknown keys, no checkKind', (t) => {
  const body = 'hostName: h\r\nmetricName: m\r\nmetricStatus: CRITICAL\r\ntimestamp: 2024-01-01T00:00:00Z\r\nextraKey: x\r\ndetailsData: d1\r\nEOT\r\n\r\nhostName: h2\nmetricName: m\nmetricStatus: DOWN\ntimestamp: 2024-01-01T00:00:00.5Z\nEOT\n';
  const [a, b] = decodeRecords(body, 'grid');
  t.true(a?.ok);
  if (a?.ok) {
    t.is(a.record.hostName, 'h');
    t.is(a.record.metricStatus, 'CRITICAL');
    t.is(a.record.kind, 'service');
    t.is(a.record.detailsData, 'd1\r');
    t.is(a.record.voName, '');
  }
  t.true(b?.ok && b.record.kind === 'host' && b.record.stateType === 'HARD');
});

test('message headers carry count, site, role, Nagios host and format', (t) => {
  const h = messageHeaders({ recordCount: 3, siteName: 'CERN-PROD', role: 'site', nagiosHost: 'n.example.org', bodyFormat: 'json' });
  t.is(h['recordCount'], '3');
  t.is(h['siteName'], 'CERN-PROD');
  t.is(h['nagiosHost'], 'n.example.org');
  t.deepEqual(bodyFormatOf(h), { ok: true, format: 'json' });
  t.deepEqual(bodyFormatOf({}), { ok: true, format: 'grid' });
  t.false(bodyFormatOf({ bodyFormat: 'xml' }).ok);
  t.is(recordCountOf(h), 3);
  t.is(recordCountOf({ recordCount: 'x' }), undefined);
});
