import test from 'ava';
import fc from 'fast-check';
import { formatCheckResultFile, isSpoolName, randomSpoolName } from '../../bridges/msg-to-nagios/check-result-file.js';
import { commandLine, fitsOneLine, packChunks, PIPE_BUF } from '../../bridges/msg-to-nagios/external-command.js';
import { checkObjectName } from '../../bridges/msg-to-nagios/object-names.js';
import { escapeOutput, escapeOutputGeneral, fitEscapedOutput, neutralizeOutput, unescapeOutput, utf8Length } from '../../bridges/msg-to-nagios/output-text.js';
import { statusCode } from '../../bridges/msg-to-nagios/status-codes.js';
import type { PreparedResult } from '../../bridges/msg-to-nagios/types.js';
import { parseCheckResultFile, parseCommandLine, parseCommandStream } from './helpers/nagios-parse.js';

const nastyText = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
      { weight: 3, arbitrary: fc.constantFrom('\\', '\\\\', '\\n', '\n', '\r\n', '\r', ';', '[1] PROCESS_SERVICE_CHECK_RESULT;h;s;0;x', '|', '$', 'é', '日本', '🚀', '\t', '\u0000', '\u001b[31m', '\u0085') },
    ),
    { maxLength: 60 },
  )
  .map((p) => p.join(''));

const validName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/=:+ -]{0,40}[A-Za-z0-9]$/);

function result(over: Partial<PreparedResult> = {}): PreparedResult {
  return { ref: { messageKey: 'k', index: 0, total: 1 }, kind: 'service', host: 'ce01.example.org', service: 'org.sam.CE-JobSubmit', code: 1, timestamp: 1714564800, output: 'WARNING: slow', ...over };
}

/** Runs a fast-check property; a failure throws with the counterexample. */
function holds(t: { pass: (m?: string) => void }, property: fc.IRawProperty<unknown[]>): void {
  fc.assert(property, { numRuns: 300 });
  t.pass('property held for 300 generated cases');
}

test('escaping round-trips through Nagios unescaping for any text', (t) => {
  holds(t,
    fc.property(nastyText, (text) => {
      const escaped = escapeOutput(text);
      return !escaped.includes('\n') && unescapeOutput(escaped) === text;
    }),
  );
});

test('the indexOf escaping equals the regex escaping on any text (property)', (t) => {
  holds(t, fc.property(nastyText, (text) => escapeOutput(text) === escapeOutputGeneral(text)));
});

test('neutralized output has no control characters but newline and tab', (t) => {
  fc.assert(
    fc.property(nastyText, (text) => {
      const n = neutralizeOutput(text);
      return !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(n) && !n.includes('\r');
    }),
  );
  t.is(neutralizeOutput('a\r\nb\rc\u001b[0m\u0000'), 'a\nb\nc?[0m?');
});

test('cutting escaped output never exceeds the room, never splits a character or an escape pair, and says so', (t) => {
  holds(t,
    fc.property(nastyText, fc.integer({ min: 0, max: 120 }), (text, max) => {
      const escaped = escapeOutput(neutralizeOutput(text));
      const { text: cut, truncated } = fitEscapedOutput(escaped, max);
      if (!truncated) return cut === escaped && utf8Length(cut) <= max;
      if (utf8Length(cut) > max) return false;
      if (cut.includes('\uFFFD') && !escaped.includes('\uFFFD')) return false;
      if (max >= 60 && !cut.includes('[gridmsg: output truncated')) return false;
      // The kept head is a prefix of the escaped text with no dangling backslash.
      const head = cut.replace(/ \[gridmsg: output truncated, \d+ bytes\]$/, '');
      return escaped.startsWith(head) && ((/\\+$/.exec(head)?.[0].length ?? 0) % 2 === 0);
    }),
  );
});

test('every command line fits PIPE_BUF and reads back in Nagios as the same result', (t) => {
  holds(t,
    fc.property(
      validName,
      validName,
      fc.nat(3),
      fc.integer({ min: 1, max: 4_000_000_000 }),
      fc.oneof(nastyText, nastyText.map((s) => s.repeat(150))),
      fc.boolean(),
      (host, service, code, timestamp, text, isHost) => {
        const output = neutralizeOutput(text.replaceAll('\u0000', ''));
        const r = result(isHost ? { kind: 'host', host, code: code % 3, timestamp, output } : { host, service, code, timestamp, output });
        if (isHost) delete r.service;
        const cl = commandLine(r);
        if (cl.bytes > PIPE_BUF || !cl.line.endsWith('\n') || cl.line.slice(0, -1).includes('\n')) return false;
        const parsed = parseCommandLine(cl.line.slice(0, -1));
        if (parsed === undefined) return false;
        // Nagios strips trailing white space of the whole (escaped) command line.
        const expected = unescapeOutput(escapeOutput(output).replace(/\s+$/, ''));
        return (
          parsed.command === (isHost ? 'PROCESS_HOST_CHECK_RESULT' : 'PROCESS_SERVICE_CHECK_RESULT') &&
          parsed.host === host &&
          parsed.service === (isHost ? undefined : service) &&
          parsed.code === r.code &&
          parsed.time === timestamp &&
          (cl.truncated ? parsed.output.includes('[gridmsg: output truncated') : parsed.output === expected)
        );
      },
    ),
  );
});

test('output that could fake a second command stays inside the first', (t) => {
  const cl = commandLine(result({ output: 'ok\n[1714564800] PROCESS_SERVICE_CHECK_RESULT;other;svc;0;pwned\n[1] SHUTDOWN_PROGRAM' }));
  const parsed = parseCommandStream(cl.line);
  t.is(parsed.length, 1);
  t.is(parsed[0]?.host, 'ce01.example.org');
  t.is(parsed[0]?.output, 'ok\n[1714564800] PROCESS_SERVICE_CHECK_RESULT;other;svc;0;pwned\n[1] SHUTDOWN_PROGRAM');
});

test('long output is cut to one pipe line with a visible marker', (t) => {
  const r = result({ output: 'x'.repeat(20_000) });
  t.false(fitsOneLine(r));
  const cl = commandLine(r);
  t.true(cl.truncated);
  t.true(cl.bytes <= PIPE_BUF);
  t.regex(parseCommandLine(cl.line)!.output, /\[gridmsg: output truncated, 20000 bytes\]$/);
  t.true(fitsOneLine(result({ output: 'short' })));
});

test('chunks hold whole lines, in order, none over the limit', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4095 }), { maxLength: 60 }), fc.integer({ min: 4096, max: 8192 }), (sizes, limit) => {
      const lines = sizes.map((n, i) => ({ line: 'a'.repeat(n - 1) + '\n', item: i }));
      const chunks = packChunks(lines, limit);
      const joined = Buffer.concat(chunks.map((c) => c.data)).toString();
      return (
        chunks.every((c) => c.data.length <= limit && c.data.toString().endsWith('\n')) &&
        joined === lines.map((l) => l.line).join('') &&
        chunks.flatMap((c) => c.items).join(',') === lines.map((l) => l.item).join(',')
      );
    }),
  );
  t.throws(() => packChunks([{ line: 'a'.repeat(5000), item: 0 }], 4096), { instanceOf: RangeError });
});

test('check-result files read back in Nagios as the same results, backslashes at line ends included', (t) => {
  holds(t,
    fc.property(fc.array(fc.tuple(validName, validName, fc.nat(3), nastyText, fc.boolean()), { minLength: 1, maxLength: 8 }), (specs) => {
      const results = specs.map(([host, service, code, text, isHost], i) => {
        const output = neutralizeOutput(text.replaceAll('\u0000', ''));
        const r = result({ ref: { messageKey: 'k', index: i, total: specs.length }, host, service, code: isHost ? code % 3 : code, output, kind: isHost ? 'host' : 'service', timestamp: 1714564800 + i });
        if (isHost) delete r.service;
        return r;
      });
      const parsed = parseCheckResultFile(formatCheckResultFile(results, 'test-instance', 1714564800, 1 << 20));
      return (
        parsed.length === results.length &&
        parsed.every((p, i) => {
          const r = results[i]!;
          return p.host === r.host && p.service === r.service && p.code === r.code && p.time === r.timestamp && p.output === r.output;
        })
      );
    }),
  );
});

test('spool file names match what Nagios reaps', (t) => {
  for (let i = 0; i < 100; i++) t.true(isSpoolName(randomSpoolName()));
  t.false(isSpoolName('cABCDEF.ok'));
  t.false(isSpoolName('xABCDEF'));
});

test('names that could break a command or name no Nagios object are refused', (t) => {
  const bad = ['a;b', 'a\nb', 'a\rb', '[1] x', 'a]b', 'a\u0000b', 'a\\b', ' lead', 'trail ', '', 'a`b', 'a$b', 'a|b', "a'b", 'a"b', 'a\u0085b', 'a\u2028b', 'x'.repeat(300)];
  for (const name of bad) t.false(checkObjectName('host', name).ok, JSON.stringify(name));
  for (const name of ['ce01.example.org', 'UKI-LT2-QMUL', 'egee.srce.hr']) t.true(checkObjectName('host', name).ok, name);
  for (const name of ['org.sam.CE-JobSubmit-/ops/Role=lcgadmin', 'emi.cream.CREAMCE-JobSubmit', 'CPU load']) t.true(checkObjectName('service', name).ok, name);
});

test('status words map to Nagios codes per kind; anything else is refused', (t) => {
  t.is(statusCode('service', 'OK'), 0);
  t.is(statusCode('service', 'WARNING'), 1);
  t.is(statusCode('service', 'CRITICAL'), 2);
  t.is(statusCode('service', 'UNKNOWN'), 3);
  t.is(statusCode('host', 'UP'), 0);
  t.is(statusCode('host', 'DOWN'), 1);
  t.is(statusCode('host', 'UNREACHABLE'), 2);
  for (const bogus of ['UP', 'DOWN', '4', '-1', '0', 'OK;', 'constructor', '__proto__']) t.is(statusCode('service', bogus), undefined, bogus);
  for (const bogus of ['OK', 'WARNING', 'toString']) t.is(statusCode('host', bogus), undefined, bogus);
});
