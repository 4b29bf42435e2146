import test from 'ava';
import fc from 'fast-check';
import {
  compileFilter,
  formatEscapedLine,
  LABELS,
  parseResultLine,
  toRecord,
  unescapeNagiosLongOutput,
  type MappingContext,
} from '../../bridges/nagios-to-msg/index.js';
import { perfdataLine } from './helpers.js';

const ctx: MappingContext = {
  siteName: 'SITE-A',
  role: 'site',
  nagiosName: 'nagios-a',
  gatheredAt: 'nagios-a.example.org',
  voName: 'ops',
  serviceFlavour: '',
  hostMetricName: 'host-check',
  now: () => 1_700_000_123,
};

test('a perfdata-file line: tabs inside values survive, undefined custom variables read as empty, long output unescaped', (t) => {
  const line = perfdataLine({ host: 'h1', service: 's1', state: 'CRITICAL', output: 'a\tb PERFDATA:: not a label', perfdata: "'x y'=1;2;3", long: 'l1\n\tl2 \\ back\nEOT' });
  const p = parseResultLine(line);
  t.true(p.ok);
  if (!p.ok) return;
  t.is(p.line.fields.OUTPUT, 'a\tb PERFDATA:: not a label');
  t.is(p.line.fields.LONGOUTPUT, 'l1\n\tl2 \\ back\nEOT');
  t.is(p.line.fields.SITE, '');
  t.is(p.line.fields.PERFDATA, "'x y'=1;2;3");
});

test('handler (escaped) lines round-trip any values (property)', (t) => {
  const value = fc.string({ unit: fc.constantFrom('a', ' ', '\t', '\n', '\r', '\\', 'n', 't', '$', '|', '"', "'", ';', ':', 'é', '🚀', 'OUTPUT::', '\\n'), maxLength: 20 });
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...LABELS), value), fc.constantFrom('service' as const, 'host' as const), (fields, kind) => {
      const all = { ...fields, HOST: `h${fields.HOST ?? ''}`.replace(/[\t\n\r]/g, '_'), STATE: 'OK', SERVICE: `s${fields.SERVICE ?? ''}` };
      const p = parseResultLine(formatEscapedLine(kind, all));
      if (!p.ok) return false;
      // Unexpanded custom macros read as '' by design; the generator never produces one.
      return t.deepEqual(p.line.fields, all) && p.line.kind === kind;
    }),
    { numRuns: 500 },
  );
});

test('Nagios long-output escaping: \\n is a newline, \\\\ a backslash, anything else stays', (t) => {
  t.is(unescapeNagiosLongOutput('a\\nb\\\\nc\\t\\'), 'a\nb\\nc\\t\\');
});

test('lines that are not gridmsg result lines are refused with a reason', (t) => {
  t.regex((parseResultLine('[1700000000] SERVICE ALERT: x') as { error: string }).error, /not a gridmsg result line/);
  t.regex((parseResultLine('GRIDMSG1::THING\tHOST::h') as { error: string }).error, /unknown result kind/);
  t.regex((parseResultLine('GRIDMSG1::SERVICE\tSTATE::OK\tSERVICE::s') as { error: string }).error, /no HOST field/);
  t.regex((parseResultLine('GRIDMSG1::SERVICE\tjunk\tHOST::h') as { error: string }).error, /no LABEL:: prefix/);
});

test('mapping: custom variables (service over host over defaults), status words, timestamps, host results', (t) => {
  const p = parseResultLine(
    'GRIDMSG1::SERVICE\tTIMET::1700000099\tCHECKTIME::0\tHOST::ce1\tSERVICE::org.sam.CE\tSTATE::2\tSTATETYPE::SOFT\tHOSTSITE::H-SITE\tHOSTVO::dteam\tURI::ce1:8443\tFLAVOUR::CREAM-CE\tMETRIC::$_SERVICEMETRIC_NAME$\tOUTPUT::bad',
  );
  if (!p.ok) return t.fail(p.error);
  const m = toRecord(p.line, ctx);
  if (!m.ok) return t.fail(m.error);
  t.like(m.record, {
    kind: 'service',
    hostName: 'ce1',
    metricName: 'org.sam.CE',
    metricStatus: 'CRITICAL',
    stateType: 'SOFT',
    siteName: 'H-SITE',
    voName: 'dteam',
    serviceURI: 'ce1:8443',
    serviceFlavour: 'CREAM-CE',
    timestamp: '2023-11-14T22:14:59Z',
    gatheredAt: 'nagios-a.example.org',
    nagiosName: 'nagios-a',
  });
  const h = parseResultLine('GRIDMSG1::HOST\tHOST::wn1\tSTATE::DOWN\tOUTPUT::down');
  if (!h.ok) return t.fail(h.error);
  const hm = toRecord(h.line, ctx);
  t.true(hm.ok && hm.record.kind === 'host' && hm.record.metricName === 'host-check' && hm.record.metricStatus === 'DOWN' && hm.record.siteName === 'SITE-A' && hm.record.voName === 'ops' && hm.record.timestamp === '2023-11-14T22:15:23Z');
  const bad = parseResultLine('GRIDMSG1::HOST\tHOST::wn1\tSTATE::WARNING');
  t.true(bad.ok && !toRecord(bad.line, ctx).ok);
});

test('filters: SOFT skipped by default, include/exclude by host, service or metric name, host group (globs, case-insensitive)', (t) => {
  const base = { kind: 'service' as const, host: 'ce01.cern.ch', service: 'org.sam.CE-JobSubmit', metricName: 'org.sam.CE-JobSubmit', hostGroups: ['grid-ces'], stateType: 'HARD' as const };
  const none = { hosts: [], services: [], hostgroups: [] };
  const f = compileFilter({ skipSoft: true, include: { ...none, hosts: ['*.CERN.ch'] }, exclude: { ...none, services: ['*-JobSubmit'], hostgroups: ['test-*'] } });
  t.deepEqual(f({ ...base, stateType: 'SOFT' }), { pass: false, reason: 'soft' });
  t.deepEqual(f({ ...base, host: 'ce01.desy.de' }), { pass: false, reason: 'not-included' });
  t.deepEqual(f(base), { pass: false, reason: 'excluded' });
  t.deepEqual(f({ ...base, service: 'org.sam.SRM-Put', metricName: 'org.sam.SRM-Put' }), { pass: true });
  t.deepEqual(f({ ...base, service: 'x', metricName: 'x', hostGroups: ['test-ces'] }), { pass: false, reason: 'excluded' });
  t.deepEqual(f({ ...base, kind: 'host', service: '', metricName: 'host-check' }), { pass: true });
  const soft = compileFilter({ skipSoft: false, include: { ...none, hostgroups: ['grid-*'] }, exclude: none });
  t.deepEqual(soft({ ...base, stateType: 'SOFT' }), { pass: true });
  t.deepEqual(soft({ ...base, hostGroups: [] }), { pass: false, reason: 'not-included' });
});
