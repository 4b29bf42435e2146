import test from 'ava';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { CommandPipeWriter } from '../../bridges/msg-to-nagios/command-pipe-writer.js';
import { commandLine, packChunks, PIPE_BUF } from '../../bridges/msg-to-nagios/external-command.js';
import type { WriterStatus } from '../../bridges/msg-to-nagios/nagios-writer.js';
import { discardSpoolFile, removeOrphanSpoolFiles, resolveSpoolIntent, SpoolWriter } from '../../bridges/msg-to-nagios/spool-writer.js';
import { StateJournal } from '../../bridges/msg-to-nagios/state-journal.js';
import type { PreparedResult } from '../../bridges/msg-to-nagios/types.js';
import { tempDir } from '../helpers/tmp.js';
import { FifoReader, makeFifo } from './helpers/fifo-reader.js';
import { eventually } from './helpers/harness.js';
import { parseCheckResultFile, parseCommandStream } from './helpers/nagios-parse.js';

function results(n: number, key = 'site/m', output = (i: number) => `OK: result ${i}`): PreparedResult[] {
  return Array.from({ length: n }, (_, i) => ({
    ref: { messageKey: key, index: i, total: n },
    kind: 'service' as const,
    host: `host${i % 7}.example.org`,
    service: `svc-${i}`,
    code: i % 4,
    timestamp: 1714564800 + i,
    output: output(i),
  }));
}

function setup(t: { teardown: (f: () => void) => void }) {
  const tmp = tempDir('gridmsg-writer-');
  t.teardown(tmp.cleanup);
  const journal = StateJournal.open({ dir: path.join(tmp.dir, 'state') });
  t.teardown(() => journal.close());
  return { dir: tmp.dir, journal };
}

test('pipe writer: waits while the pipe has no reader, then writes every line once, in whole-line writes of at most PIPE_BUF', async (t) => {
  const { dir, journal } = setup(t);
  const fifo = path.join(dir, 'nagios.cmd');
  const statuses: WriterStatus[] = [];
  const writer = new CommandPipeWriter({ path: fifo, journal, logger: silentLogger(), retryMinMs: 20, retryMaxMs: 50, onStatus: (s) => statuses.push(s) });
  t.teardown(() => writer.close());
  const batch = results(500, 'site/m', (i) => `OK: ${'x'.repeat(i % 300)}\nline two ${i}`);
  const done = writer.write(batch, new AbortController().signal);
  // No pipe at all yet, then a pipe without reader.
  t.true(await eventually(() => writer.status.state === 'waiting' && /does not exist/.test(writer.status.reason ?? '')), writer.status.reason);
  makeFifo(fifo);
  t.true(await eventually(() => /no reader/.test(writer.status.reason ?? '')), writer.status.reason);
  t.false(journal.state.isDone(batch[0]!.ref), 'nothing is done before Nagios took it');
  const reader = new FifoReader(fifo);
  t.teardown(() => reader.close());
  await done;
  t.is(writer.status.state, 'ready');
  t.true(statuses.some((s) => s.state === 'waiting') && statuses.at(-1)?.state === 'ready');
  await reader.waitFor((r) => r.lines().length >= 500);
  const parsed = parseCommandStream(reader.text());
  t.is(parsed.length, 500);
  t.deepEqual(parsed.map((p) => p?.service), batch.map((r) => r.service));
  t.is(parsed[3]?.output, `OK: ${'x'.repeat(3)}\nline two 3`);
  t.true(batch.every((r) => journal.state.isDone(r.ref)), 'all recorded as done');
  t.true(writer.writes < 500, 'many lines share a write');
  t.true(writer.writes >= Math.ceil(Buffer.byteLength(reader.text()) / PIPE_BUF));
});

test('pipe writer: a reader that goes away mid-stream loses nothing still in the pipe; a new reader gets the rest', async (t) => {
  const { dir, journal } = setup(t);
  const fifo = path.join(dir, 'nagios.cmd');
  makeFifo(fifo);
  const writer = new CommandPipeWriter({ path: fifo, journal, logger: silentLogger(), retryMinMs: 20, retryMaxMs: 50 });
  t.teardown(() => writer.close());
  const first = new FifoReader(fifo);
  await writer.write(results(100, 'site/a'), new AbortController().signal);
  await first.waitFor((r) => r.lines().length === 100);
  first.close();
  const later = writer.write(results(100, 'site/b'), new AbortController().signal);
  t.true(await eventually(() => writer.status.state === 'waiting'));
  const second = new FifoReader(fifo);
  t.teardown(() => second.close());
  await later;
  await second.waitFor((r) => r.lines().length >= 100);
  t.is(first.lines().length + second.lines().length, 200);
  t.deepEqual(parseCommandStream(second.text()).map((p) => p?.service), results(100, 'site/b').map((r) => r.service));
});

test('pipe writer: never writes into a regular file standing where the pipe should be', async (t) => {
  const { dir, journal } = setup(t);
  const file = path.join(dir, 'nagios.cmd');
  fs.writeFileSync(file, '');
  const writer = new CommandPipeWriter({ path: file, journal, logger: silentLogger(), retryMinMs: 20, retryMaxMs: 50 });
  const abort = new AbortController();
  const done = writer.write(results(3), abort.signal);
  t.true(await eventually(() => /not a FIFO/.test(writer.status.reason ?? '')), writer.status.reason);
  abort.abort(new Error('test over'));
  await t.throwsAsync(done, { message: 'test over' });
  t.is(fs.readFileSync(file, 'utf8'), '');
  t.false(journal.state.isDone(results(1)[0]!.ref));
});

test('spool writer: complete files with .ok markers that Nagios reads back as the same results', async (t) => {
  const { dir, journal } = setup(t);
  const spool = path.join(dir, 'checkresults');
  fs.mkdirSync(spool);
  const writer = new SpoolWriter({ dir: spool, journal, logger: silentLogger(), instanceId: 'test-1', resultsPerFile: 40, maxOutputBytes: 1 << 20 });
  const batch = results(100, 'site/m', (i) => `${'long\n'.repeat(3000)}\\end ${i}\\`);
  await writer.write(batch, new AbortController().signal);
  const names = fs.readdirSync(spool).sort();
  const data = names.filter((n) => !n.endsWith('.ok'));
  t.is(data.length, 3);
  t.deepEqual(names.filter((n) => n.endsWith('.ok')), data.map((n) => `${n}.ok`));
  const parsed = data.flatMap((n) => parseCheckResultFile(fs.readFileSync(path.join(spool, n), 'utf8')));
  t.is(parsed.length, 100);
  const byService = new Map(parsed.map((p) => [p.service, p]));
  for (const r of batch) {
    const p = byService.get(r.service);
    t.is(p?.output, r.output, 'long multi-line output with backslashes, whole');
    t.is(p?.host, r.host);
    t.is(p?.code, r.code);
    t.is(p?.time, r.timestamp);
  }
  t.true(batch.every((r) => journal.state.isDone(r.ref)));
});

test('spool writer: waits while Nagios is not running (lock file), releases once it is', async (t) => {
  const { dir, journal } = setup(t);
  const spool = path.join(dir, 'checkresults');
  fs.mkdirSync(spool);
  const lock = path.join(dir, 'nagios.lock');
  fs.writeFileSync(lock, '999999999\n');
  const writer = new SpoolWriter({ dir: spool, journal, logger: silentLogger(), instanceId: 'test-2', liveness: { lockFile: lock }, retryMinMs: 20, retryMaxMs: 50 });
  const done = writer.write(results(5), new AbortController().signal);
  t.true(await eventually(() => writer.status.state === 'waiting'));
  t.deepEqual(fs.readdirSync(spool), []);
  fs.writeFileSync(lock, `${process.pid}\n`);
  await done;
  t.is(fs.readdirSync(spool).length, 2);
});

test('spool intents are settled from the directory, and only this instance\'s unreleased files are orphans', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const d = tmp.dir;
  fs.writeFileSync(path.join(d, 'cRELEAS'), 'x');
  fs.writeFileSync(path.join(d, 'cRELEAS.ok'), '');
  fs.writeFileSync(path.join(d, 'cNOTREL'), 'x');
  t.is(resolveSpoolIntent(d, 'cRELEAS'), 'submitted');
  t.is(resolveSpoolIntent(d, 'cNOTREL'), 'not-submitted');
  t.is(resolveSpoolIntent(d, 'cGONE00'), 'submitted', 'both gone: Nagios read it');
  discardSpoolFile(d, 'cNOTREL');
  t.false(fs.existsSync(path.join(d, 'cNOTREL')));
  fs.writeFileSync(path.join(d, 'cMINE00'), '### gridmsg msg-to-nagios me ###\nfile_time=1\n');
  fs.writeFileSync(path.join(d, 'cOTHER0'), '### gridmsg msg-to-nagios someone-else ###\n');
  fs.writeFileSync(path.join(d, 'cNAGIOS'), '### Nagios Service Check Result ###\n');
  fs.writeFileSync(path.join(d, '.gridmsg-me-cHALF00.tmp'), '### gridmsg msg-');
  fs.writeFileSync(path.join(d, '.gridmsg-someone-else-cHALF01.tmp'), '');
  t.deepEqual(removeOrphanSpoolFiles(d, 'me').sort(), ['.gridmsg-me-cHALF00.tmp', 'cMINE00']);
  t.deepEqual(fs.readdirSync(d).sort(), ['.gridmsg-someone-else-cHALF01.tmp', 'cNAGIOS', 'cOTHER0', 'cRELEAS', 'cRELEAS.ok']);
});

test('pipe writer: lines are packed into writes exactly as packChunks packs them, long and non-ASCII outputs included (property)', async (t) => {
  const { dir, journal } = setup(t);
  const fifo = path.join(dir, 'nagios.cmd');
  makeFifo(fifo);
  const reader = new FifoReader(fifo);
  t.teardown(() => reader.close());
  const writer = new CommandPipeWriter({ path: fifo, journal, logger: silentLogger() });
  t.teardown(() => writer.close());
  const piece = fc.constantFrom('OK', ' ', 'é', '日本', '🚀', '\\', '\n', 'x'.repeat(200), 'y'.repeat(3000));
  let expected = '';
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), { minLength: 1, maxLength: 40 }), async (outputs) => {
      const batch = results(outputs.length, `site/p${run++}`, (i) => outputs[i]!);
      const lines = batch.map((item) => ({ line: commandLine(item).line, item }));
      const writesBefore = writer.writes;
      await writer.write(batch, new AbortController().signal);
      expected += lines.map((l) => l.line).join('');
      t.is(writer.writes - writesBefore, packChunks(lines, PIPE_BUF).length);
      t.true(batch.every((r) => journal.state.isDone(r.ref)));
    }),
    { numRuns: 30 },
  );
  t.true(await reader.waitFor((r) => r.bytes >= Buffer.byteLength(expected)));
  t.is(reader.text(), expected);
});
