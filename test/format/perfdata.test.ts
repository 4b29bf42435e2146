import test from 'ava';
import fc from 'fast-check';
import {
  formatPerfData,
  formatPluginOutput,
  parsePerfData,
  perfDataWellFormed,
  parsePluginOutput,
  parseRange,
  type PerfDatum,
  type PerfRange,
} from '../../bridges/format/index.js';

test('perfdata per the plugin guidelines: quoted labels, doubled quotes, UOM, ranges', (t) => {
  const { data, errors } = parsePerfData("time=0.06s;5;10;0; 'disk /var'=80%;@10:20;~:5;0;100 'it''s'=U load=1.5;;;; c=12c");
  t.deepEqual(errors, []);
  t.deepEqual(data, [
    { label: 'time', value: 0.06, uom: 's', warn: { start: 0, end: 5, inside: false }, crit: { start: 0, end: 10, inside: false }, min: 0 },
    { label: 'disk /var', value: 80, uom: '%', warn: { start: 10, end: 20, inside: true }, crit: { start: -Infinity, end: 5, inside: false }, min: 0, max: 100 },
    { label: "it's", value: null, uom: '' },
    { label: 'load', value: 1.5, uom: '' },
    { label: 'c', value: 12, uom: 'c' },
  ]);
  t.deepEqual(parseRange('10:'), { start: 10, end: Infinity, inside: false });
});

test('malformed perfdata items are reported and the good ones kept', (t) => {
  const { data, errors } = parsePerfData("ok=1 novalue bad=abc 'open=3 ");
  t.deepEqual(data.map((d) => d.label), ['ok']);
  t.is(errors.length, 3);
  t.regex(errors.join('\n'), /no "="/);
  t.regex(errors.join('\n'), /not a number/);
  t.regex(errors.join('\n'), /unterminated/);
  t.deepEqual(parsePerfData('x=1;a;b'), { data: [], errors: ['warning range "a" of "x" is malformed'] });
});

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).map((v) => (Object.is(v, -0) ? 0 : v));
const rangeArb: fc.Arbitrary<PerfRange> = fc.record({
  start: fc.oneof(finite, fc.constant(-Infinity), fc.constant(0)),
  end: fc.oneof(finite, fc.constant(Infinity)),
  inside: fc.boolean(),
});
const labelArb = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcXYZ _-/\'=é:;0'.split('')) }).filter((l) => !/^\s|\s$/.test(l) && l.trim() !== '');
const datumArb: fc.Arbitrary<PerfDatum> = fc
  .record(
    {
      label: labelArb,
      value: fc.oneof(finite, fc.constant(null)),
      uom: fc.constantFrom('', 's', 'ms', 'us', '%', 'B', 'KB', 'MB', 'GB', 'TB', 'c'),
      warn: rangeArb,
      crit: rangeArb,
      min: finite,
      max: finite,
    },
    { requiredKeys: ['label', 'value', 'uom'] },
  )
  .filter((d) => !d.label.includes(';'));

test('perfdata round-trips through format and parse (property)', (t) => {
  fc.assert(
    fc.property(fc.array(datumArb, { maxLength: 6 }), (data) => {
      return t.deepEqual(parsePerfData(formatPerfData(data)), { data, errors: [] });
    }),
    { numRuns: 500 },
  );
});

test('plugin output: first line, long output, perfdata on the first line and after the first | of the long text', (t) => {
  t.deepEqual(parsePluginOutput('DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n/home=69357MB;253404;253409;0;253414 \n/var/log=818MB;970;975;0;980'), {
    summary: 'DISK OK - free space: / 3326 MB (56%);',
    longOutput: '/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%); ',
    perfData: '/=2643MB;5948;5958;0;5968 /boot=68MB;88;93;0;98 /home=69357MB;253404;253409;0;253414 /var/log=818MB;970;975;0;980',
  });
  t.deepEqual(parsePluginOutput('just text'), { summary: 'just text', longOutput: '', perfData: '' });
});

const textArb = (bar: boolean): fc.Arbitrary<string> =>
  fc.string({ maxLength: 20, unit: fc.constantFrom(...'ab c"$;\'é日'.split(''), ...(bar ? ['|'] : [])) });

test('plugin output round-trips through formatPluginOutput (property)', (t) => {
  fc.assert(
    fc.property(
      textArb(false).map((s) => s.trim()),
      fc.array(textArb(false), { maxLength: 4 }).map((ls) => ls.join('\n').replace(/\n+$/, '')),
      fc.array(datumArb, { maxLength: 3 }).map(formatPerfData),
      (summary, longOutput, perfData) => {
        const parts = { summary, longOutput: longOutput.trim() === '' ? '' : longOutput, perfData };
        return t.deepEqual(parsePluginOutput(formatPluginOutput(parts)), parts);
      },
    ),
    { numRuns: 300 },
  );
});

test('the fast well-formedness check agrees with the parser (property)', (t) => {
  const token = fc.oneof(
    fc.array(datumArb, { maxLength: 3 }).map(formatPerfData),
    fc.string({ unit: fc.constantFrom(...'ab=;:@~.-1 \'U%'.split('')), maxLength: 20 }),
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 3 }).map((parts) => parts.join(' ')), (text) => perfDataWellFormed(text) === (parsePerfData(text).errors.length === 0)),
    { numRuns: 2000 },
  );
  t.true(perfDataWellFormed("time=0.06s;5;10;0; 'disk /var'=80%;@10:20;~:5;0;100 load=1.5;;;;"));
  t.false(perfDataWellFormed('time=abc'));
});
