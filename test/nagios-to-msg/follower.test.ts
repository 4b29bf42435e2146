import test from 'ava';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { FileFollower, type DirWatch, type FollowerEvent } from '../../bridges/nagios-to-msg/follower.js';
import type { InputCursor } from '../../bridges/nagios-to-msg/cursor.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger } from './helpers.js';

function setup(t: { teardown: (f: () => void) => void }): string {
  const d = tempDir('gridmsg-follow-');
  t.teardown(d.cleanup);
  return d.dir;
}

/** Collects events until `count` lines were seen (or a finished event when `untilFinished`). */
async function collect(f: FileFollower, count: number, timeoutMs = 10_000): Promise<{ lines: string[]; events: FollowerEvent[] }> {
  const lines: string[] = [];
  const events: FollowerEvent[] = [];
  const abort = AbortSignal.timeout(timeoutMs);
  while (lines.length < count) {
    const ev = await f.next(abort);
    if (!ev) break;
    events.push(ev);
    if (ev.kind === 'lines') lines.push(...ev.lines);
    else ev.release();
  }
  return { lines, events };
}

const lastCursor = (events: FollowerEvent[]): InputCursor => {
  const ev = events.filter((e) => e.kind === 'lines').at(-1);
  if (!ev || ev.kind !== 'lines') throw new Error('no lines');
  return { ...ev.cursor };
};

test('only complete lines are returned; a half-written line waits for its newline', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'perf');
  fs.writeFileSync(file, 'one\ntwo\nthr');
  const f = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20 });
  t.teardown(() => f.stop());
  const a = await collect(f, 2);
  t.deepEqual(a.lines, ['one', 'two']);
  t.is(lastCursor(a.events).offset, 8);
  setTimeout(() => fs.appendFileSync(file, 'ee\nfour\n'), 50);
  const b = await collect(f, 2);
  t.deepEqual(b.lines, ['three', 'four']);
  const ev = b.events[0]!;
  t.true(ev.kind === 'lines' && ev.ends[0] === 14);
});

test('rotation by rename (Nagios processing command): the old file is drained, reported finished, deleted on release, then the new one is read', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'service-perfdata');
  fs.writeFileSync(file, 'a1\na2\n');
  const f = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20, rotationGraceMs: 100 });
  t.teardown(() => f.stop());
  t.deepEqual((await collect(f, 2)).lines, ['a1', 'a2']);
  // A writer still appends to the renamed file for a moment, then the new file appears.
  fs.renameSync(file, `${file}.1700000000`);
  fs.appendFileSync(`${file}.1700000000`, 'a3\n');
  fs.writeFileSync(file, 'b1\n');
  const r = await collect(f, 2);
  t.deepEqual(r.lines, ['a3', 'b1']);
  const finished = r.events.find((e) => e.kind === 'finished');
  t.truthy(finished);
  t.true(finished?.kind === 'finished' && finished.cursor.done && finished.cursor.offset === 9);
  t.false(fs.existsSync(`${file}.1700000000`));
});

test('restart from a cursor: mid-file, and inside a rotated file followed by newer rotated files and the live one', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'perf');
  fs.writeFileSync(file, 'x1\nx2\nx3\n');
  const f1 = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20 });
  const first = await collect(f1, 3);
  f1.stop();
  const cursorAfter2 = { ...lastCursor(first.events), offset: 6 };
  const f2 = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20, start: cursorAfter2 });
  t.teardown(() => f2.stop());
  t.deepEqual((await collect(f2, 1)).lines, ['x3']);
  f2.stop();
  // Nagios rotates twice while the bridge is down.
  fs.renameSync(file, `${file}.100`);
  fs.writeFileSync(`${file}.200`, 'y1\n');
  fs.utimesSync(`${file}.100`, new Date(1000_000), new Date(1000_000));
  fs.utimesSync(`${file}.200`, new Date(2000_000), new Date(2000_000));
  fs.writeFileSync(file, 'z1\n');
  const f3 = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20, rotationGraceMs: 10, start: cursorAfter2 });
  t.teardown(() => f3.stop());
  const r = await collect(f3, 3);
  t.deepEqual(r.lines, ['x3', 'y1', 'z1']);
  t.deepEqual(fs.readdirSync(dir), ['perf']);
});

test('a cursor marked done whose rotated file survived a crash: the file is deleted, not read again', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'perf');
  fs.writeFileSync(`${file}.5`, 'old1\nold2\n');
  const st = fs.statSync(`${file}.5`);
  fs.writeFileSync(file, 'new1\n');
  const f = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20, start: { gen: 3, dev: st.dev, ino: st.ino, fp: '', fpLen: 0, offset: 10, done: true, name: `${file}.5` } });
  t.teardown(() => f.stop());
  t.deepEqual((await collect(f, 1)).lines, ['new1']);
  t.false(fs.existsSync(`${file}.5`));
});

test('a recycled inode with other content is not taken for the cursor file (fingerprint)', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'perf');
  fs.writeFileSync(file, 'first content line\nsecond\n');
  const f1 = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20 });
  const c = lastCursor((await collect(f1, 2)).events);
  f1.stop();
  // Same inode, rewritten with different bytes (what a recycled inode looks like).
  fs.writeFileSync(file, 'DIFFERENT content here\nmore\nand more\n');
  const f2 = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20, start: c });
  t.teardown(() => f2.stop());
  t.deepEqual((await collect(f2, 3)).lines, ['DIFFERENT content here', 'more', 'and more']);
});

test('truncation in place (copytruncate) is detected and the file read again from the start', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'perf');
  fs.writeFileSync(file, 'l1\nl2\n');
  const f = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20 });
  t.teardown(() => f.stop());
  await collect(f, 2);
  fs.truncateSync(file, 0);
  setTimeout(() => fs.appendFileSync(file, 'n1\n'), 100);
  t.deepEqual((await collect(f, 1)).lines, ['n1']);
});

test('rotateAtBytes: the bridge renames the live file itself and a writer opening by name goes on in a new file', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'ocsp');
  fs.writeFileSync(file, 'r'.repeat(99) + '\n');
  const f = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20, rotationGraceMs: 50, rotateAtBytes: 50 });
  t.teardown(() => f.stop());
  await collect(f, 1);
  // The follower renames on its next visit to the end of the file.
  const deadline = Date.now() + 5000;
  const ev = f.next(AbortSignal.timeout(5000));
  while (fs.existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  fs.appendFileSync(file, 'after\n');
  const first = await ev;
  t.is(first?.kind, 'finished');
  if (first?.kind === 'finished') first.release();
  t.deepEqual((await collect(f, 1)).lines, ['after']);
  t.deepEqual(fs.readdirSync(dir), ['ocsp']);
});

test('a missing input file is waited for and reported in the status', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'perf');
  const f = new FileFollower({ id: 'in', path: file, logger: silentLogger(), pollMs: 20 });
  t.teardown(() => f.stop());
  const p = collect(f, 1);
  await new Promise((r) => setTimeout(r, 100));
  t.is(f.status().state, 'waiting-for-file');
  t.truthy(f.status().missingSince);
  fs.writeFileSync(file, 'hello\n');
  t.deepEqual((await p).lines, ['hello']);
  t.is(f.status().state, 'live');
});

/** A directory watch that never reports anything (as on a file system whose writes inotify does not see). */
function deafWatch(): { watch: () => DirWatch; closed: () => boolean; fail: (err: Error) => void } {
  const emitter = new EventEmitter();
  let closed = false;
  const w = Object.assign(emitter, { close: () => void (closed = true) });
  return { watch: () => w, closed: () => closed, fail: (err) => emitter.emit('error', err) };
}

test('a watch that misses a write: the safety poll reads it, and the follower falls back to polling', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'perf');
  fs.writeFileSync(file, 'one\n');
  const deaf = deafWatch();
  const { logger, lines: logged } = captureLogger();
  const f = new FileFollower({ id: 'in', path: file, logger, pollMs: 20, watchPollMs: 300, watch: deaf.watch });
  t.teardown(() => f.stop());
  t.deepEqual((await collect(f, 1)).lines, ['one']);
  const p = collect(f, 1);
  await new Promise((r) => setTimeout(r, 50)); // the follower waits at the end of the file
  fs.appendFileSync(file, 'two\n');
  // Written "two seconds ago" and no event came: the watch does not see this file.
  const past = new Date(Date.now() - 2000);
  fs.utimesSync(file, past, past);
  t.deepEqual((await p).lines, ['two']);
  t.true(deaf.closed());
  t.true(logged.some((l) => l.includes('the directory watch missed a write to the input file: polling every 20 ms instead')), logged.join('\n'));
  fs.appendFileSync(file, 'three\n');
  t.deepEqual((await collect(f, 1)).lines, ['three']);
});

test('a watch that fails: the follower polls instead and goes on reading', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'perf');
  fs.writeFileSync(file, 'one\n');
  const deaf = deafWatch();
  const { logger, lines: logged } = captureLogger();
  const f = new FileFollower({ id: 'in', path: file, logger, pollMs: 20, watchPollMs: 60_000, watch: deaf.watch });
  t.teardown(() => f.stop());
  t.deepEqual((await collect(f, 1)).lines, ['one']);
  deaf.fail(new Error('EMFILE: too many open files'));
  t.true(deaf.closed());
  t.true(logged.some((l) => l.includes('the directory watch failed: polling every 20 ms instead') && l.includes('EMFILE')), logged.join('\n'));
  fs.appendFileSync(file, 'two\n');
  t.deepEqual((await collect(f, 1)).lines, ['two']);
});
