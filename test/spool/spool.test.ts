import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { encodeFrame, encodeGroup, listSegments, readFrame, Spool, type SpoolBatch } from '../../bridges/spool/index.js';
import { tempDir } from '../helpers/tmp.js';

function tmp(t: { teardown: (fn: () => void) => void }): string {
  const d = tempDir('gridmsg-spool-');
  t.teardown(d.cleanup);
  return d.dir;
}

async function readAll(spool: Spool): Promise<SpoolBatch[]> {
  const reader = spool.reader();
  const out: SpoolBatch[] = [];
  const abort = new AbortController();
  for (;;) {
    if (spool.committedSeq <= (out.at(-1)?.lastSeq ?? spool.ackSeq - 1) + 1) break;
    const timer = setTimeout(() => abort.abort(), 5000);
    const b = await reader.next(abort.signal);
    clearTimeout(timer);
    if (!b) break;
    out.push(b);
  }
  reader.close();
  return out;
}

const texts = (b: SpoolBatch[]): string[][] => b.map((x) => x.records.map((r) => r.payload.toString()));

test('frames round-trip and any single flipped byte is detected (property)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(2 ** 40), fc.nat(), (payload, seq, flip) => {
      const f = encodeFrame('record', 3, seq, 1_700_000_000, Buffer.from(payload));
      const r = readFrame(f, 0);
      if (r.kind !== 'frame' || r.frame.seq !== seq || r.frame.flags !== 3 || !r.frame.payload.equals(Buffer.from(payload))) return false;
      const bad = Buffer.from(f);
      const at = flip % bad.length;
      bad[at] = bad[at]! ^ (1 + (flip % 255));
      return readFrame(bad, 0).kind !== 'frame';
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('groups come back in order after reopening, with their checkpoint and deterministic keys', async (t) => {
  const dir = tmp(t);
  let spool = Spool.open({ dir });
  await spool.append([{ payload: 'a', flags: 0 }, { payload: 'b', flags: 0 }], 'cp1');
  await spool.append([], 'cp2');
  await spool.append([{ payload: 'c', flags: 1 }], 'cp3');
  const first = await readAll(spool);
  await spool.close();
  spool = Spool.open({ dir });
  t.teardown(() => spool.close());
  t.is(spool.checkpoint?.toString(), 'cp3');
  const again = await readAll(spool);
  t.deepEqual(texts(again), [['a', 'b'], ['c']]);
  t.deepEqual(again.map((b) => b.key), first.map((b) => b.key));
  t.regex(again[0]!.key, new RegExp(`^${spool.id}:0-1$`));
  t.is(again[1]!.records[0]!.flags, 1);
});

test('groups appended while an fsync runs share the next one (group commit)', async (t) => {
  const dir = tmp(t);
  const spool = Spool.open({ dir });
  t.teardown(() => spool.close());
  await Promise.all(Array.from({ length: 200 }, (_, i) => spool.append([{ payload: `r${i}`, flags: 0 }], `cp${i}`)));
  const { flushes } = spool.stats();
  t.true(flushes < 200, `${flushes} fsyncs for 200 groups`);
  t.is((await readAll(spool)).length, 200);
});

test('acknowledged records are not read again after a restart; receipted segments are deleted', async (t) => {
  const dir = tmp(t);
  let spool = Spool.open({ dir, segmentBytes: 4096, maxBytes: 1 << 20 });
  for (let i = 0; i < 100; i++) await spool.append([{ payload: `r${i}-` + 'y'.repeat(200), flags: 0 }], `cp${i}`);
  const segmentsBefore = listSegments(spool.segmentDir).length;
  t.true(segmentsBefore > 3);
  const batches = await readAll(spool);
  spool.acknowledge(batches[59]!.lastSeq + 1);
  await spool.persistAck();
  t.true(listSegments(spool.segmentDir).length < segmentsBefore);
  await spool.close();
  spool = Spool.open({ dir, segmentBytes: 4096, maxBytes: 1 << 20 });
  t.teardown(() => spool.close());
  const rest = await readAll(spool);
  t.is(rest.length, 40);
  t.true(rest[0]!.records[0]!.payload.toString().startsWith('r60-'));
  t.is(rest[0]!.key, batches[60]!.key);
});

test('the ack is fdatasync\'d only before receipted segments are deleted; an ack file left behind by a power loss only resends receipted groups, with their keys', async (t) => {
  const dir = tmp(t);
  const opts = { dir, segmentBytes: 4096, maxBytes: 1 << 20 };
  let spool = Spool.open(opts);
  for (let i = 0; i < 100; i++) await spool.append([{ payload: `r${i}-` + 'y'.repeat(200), flags: 0 }], `cp${i}`);
  const batches = await readAll(spool);
  const ackFile = path.join(dir, 'ack');
  // Every state the ack file passes through: any of them may be what a power loss leaves on disk.
  const states: Array<{ ack: Buffer; synced: boolean }> = [{ ack: fs.readFileSync(ackFile), synced: true }];
  const segments = (): number => listSegments(spool.segmentDir).length;
  for (let i = 0; i < 80; i++) {
    const before = { syncs: spool.stats().ackSyncs, segments: segments() };
    spool.acknowledge(batches[i]!.lastSeq + 1);
    await spool.persistAck();
    const synced = spool.stats().ackSyncs > before.syncs;
    // Synced exactly when segments go: the files on disk always hold everything from the durable ack on.
    t.is(synced, segments() < before.segments, `ack of group ${i}`);
    states.push({ ack: fs.readFileSync(ackFile), synced });
  }
  t.true(states.some((s) => s.synced) && states.some((s) => !s.synced));
  await spool.close();
  const lastSynced = states.reduce((n, s, i) => (s.synced ? i : n), 0);
  for (const [i, state] of states.entries()) {
    if (i < lastSynced) continue; // older than the last fdatasync'd slot: a power loss cannot bring it back
    fs.writeFileSync(ackFile, state.ack);
    spool = Spool.open(opts);
    const again = await readAll(spool);
    await spool.close();
    // Everything not receipted comes again, and what is resent is the same group under the same key.
    t.true(again.length >= 20, `ack state ${i}: ${again.length} groups`);
    const first = batches.findIndex((b) => b.key === again[0]!.key);
    t.true(first >= 0 && first <= 80);
    t.deepEqual(again.map((b) => b.key), batches.slice(first).map((b) => b.key), `ack state ${i}`);
    t.deepEqual(texts(again), texts(batches.slice(first)));
  }
});

test('a torn tail (power loss mid-write) is set aside and cut after the last commit', async (t) => {
  const dir = tmp(t);
  let spool = Spool.open({ dir });
  await spool.append([{ payload: 'one', flags: 0 }], 'cp1');
  await spool.append([{ payload: 'two', flags: 0 }], 'cp2');
  await spool.close();
  const seg = listSegments(path.join(dir, 'segments')).at(-1)!.file;
  const uncommitted = encodeFrame('record', 0, 2, 0, 'three');
  const torn = encodeFrame('record', 0, 3, 0, 'four').subarray(0, 15);
  fs.appendFileSync(seg, Buffer.concat([uncommitted, torn]));
  spool = Spool.open({ dir });
  t.teardown(() => spool.close());
  t.is(spool.checkpoint?.toString(), 'cp2');
  t.deepEqual(texts(await readAll(spool)), [['one'], ['two']]);
  t.is(fs.readdirSync(path.join(dir, 'quarantine')).length, 1);
  await spool.append([{ payload: 'five', flags: 0 }], 'cp5');
  t.deepEqual(texts(await readAll(spool)).at(-1), ['five']);
  t.is(spool.stats().nextSeq, 3);
});

test('a corrupt record in the middle is set aside with a log line and the rest is read', async (t) => {
  const dir = tmp(t);
  let spool = Spool.open({ dir, segmentBytes: 4096, maxBytes: 1 << 20 });
  for (let i = 0; i < 30; i++) await spool.append([{ payload: `rec-${i}-` + 'z'.repeat(100), flags: 0 }], `cp${i}`);
  await spool.close();
  const first = listSegments(path.join(dir, 'segments'))[0]!.file;
  const buf = fs.readFileSync(first);
  const at = buf.indexOf('rec-5-');
  buf[at + 2] = 0x58; // flip one byte inside record 5's payload
  fs.writeFileSync(first, buf);
  const lines: string[] = [];
  const logger = (await import('winston')).default.createLogger({
    transports: [new (await import('winston')).default.transports.Stream({ stream: new (await import('node:stream')).Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }) })],
  });
  spool = Spool.open({ dir, segmentBytes: 4096, maxBytes: 1 << 20, logger });
  t.teardown(() => spool.close());
  const got = texts(await readAll(spool)).flat().map((s) => s.split('-').slice(0, 2).join('-'));
  t.is(got.length, 29);
  t.false(got.includes('rec-5'));
  t.true(got.includes('rec-4') && got.includes('rec-6') && got.includes('rec-29'));
  t.is(spool.stats().quarantined, 1);
  t.true(lines.some((l) => l.includes('corrupt record set aside')));
  t.is(fs.readdirSync(path.join(dir, 'quarantine')).length, 1);
});

test('a second process cannot open the same spool', async (t) => {
  const dir = tmp(t);
  const spool = Spool.open({ dir });
  t.teardown(() => spool.close());
  fs.writeFileSync(path.join(dir, 'lock'), '1\n'); // pid 1 is alive: someone else holds it
  const err = t.throws(() => Spool.open({ dir }));
  t.regex(err!.message, /in use by process 1/);
});

test('full spool, block policy: says full with the reason; drop-oldest: drops whole old segments and counts them', async (t) => {
  const dirA = tmp(t);
  const block = Spool.open({ dir: dirA, maxBytes: 64 * 1024, segmentBytes: 8192, whenFull: 'block' });
  t.teardown(() => block.close());
  for (let i = 0; i < 100; i++) await block.append([{ payload: 'p'.repeat(1000), flags: 0 }], `cp${i}`);
  const full = block.makeRoom(undefined);
  t.is(full.state, 'full');
  t.regex(full.state === 'full' ? full.reason : '', /limit 65536/);

  const dirB = tmp(t);
  const drop = Spool.open({ dir: dirB, maxBytes: 64 * 1024, segmentBytes: 8192, whenFull: 'drop-oldest' });
  t.teardown(() => drop.close());
  for (let i = 0; i < 100; i++) await drop.append([{ payload: 'p'.repeat(1000), flags: 0 }], `cp${i}`);
  const room = drop.makeRoom(undefined);
  t.is(room.state, 'dropped');
  const count = room.state === 'dropped' ? room.count : 0;
  t.true(count > 0);
  t.is(drop.stats().dropped, count);
  t.true(drop.stats().bytes < 64 * 1024);
  const left = await readAll(drop);
  t.is(left.length, 100 - count);
  t.is(left[0]!.firstSeq, count);
});

test('kill -9 at any moment loses nothing that was reported durable (10 crashes)', async (t) => {
  const dir = tmp(t);
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'crash-writer.ts');
  let next = 0;
  const durable = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const child = spawn(process.execPath, ['--import=tsx', script, dir, String(next)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    let buf = '';
    let seen = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          durable.add(Number(l));
          seen++;
        }
        // Kill after a varying amount of progress, mid-stream.
        if (seen >= 200 + round * 37) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await exited;
    const spool = Spool.open({ dir, segmentBytes: 64 * 1024, maxBytes: 1 << 30 });
    const cp = Number(spool.checkpoint?.toString() ?? '-1');
    await spool.close();
    next = cp + 1; // the writer resumes after the last committed group, as the bridge resumes its input
  }
  const spool = Spool.open({ dir, segmentBytes: 64 * 1024, maxBytes: 1 << 30 });
  t.teardown(() => spool.close());
  const groups = new Map<number, string[]>();
  for (const b of await readAll(spool)) {
    const g = Number(/^g(\d+)r/.exec(b.records[0]!.payload.toString())![1]);
    t.false(groups.has(g), `group ${g} twice`);
    groups.set(g, b.records.map((r) => r.payload.toString()));
  }
  for (const g of durable) {
    const recs = groups.get(g);
    t.truthy(recs, `group ${g} was reported durable but is missing`);
    t.is(recs?.length, 1 + (g % 7));
  }
  // Nothing is missing between groups either: the committed groups are exactly 0..last.
  const max = Math.max(...groups.keys());
  t.is(groups.size, max + 1);
});

test('a group encoded in one buffer is exactly its frames back to back (property)', (t) => {
  fc.assert(
    fc.property(fc.array(fc.record({ payload: fc.string({ unit: 'binary', maxLength: 50 }), flags: fc.nat(255) }), { maxLength: 8 }), fc.nat(2 ** 40), fc.string(), (entries, first, cp) => {
      const expected = Buffer.concat([...entries.map((e, i) => encodeFrame('record', e.flags, first + i, 7, e.payload)), encodeFrame('commit', 0, first + entries.length, 7, Buffer.from(cp))]);
      return encodeGroup(entries, first, 7, Buffer.from(cp)).equals(expected);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('a group of string payloads is byte for byte the group of their UTF-8 buffers, lone surrogates included (property)', (t) => {
  // A string payload is framed exactly as its UTF-8 buffer (Buffer.byteLength and buf.write agree, lone surrogates too).
  const utf16 = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff)), { maxLength: 40 }).map((units) => String.fromCharCode(...units));
  fc.assert(
    fc.property(fc.array(fc.record({ payload: fc.oneof(utf16, fc.string({ unit: 'binary', maxLength: 30 })), flags: fc.nat(255) }), { maxLength: 8 }), fc.nat(2 ** 40), (entries, first) => {
      const cp = Buffer.from('{"v":1}');
      const asBuffers = entries.map((e) => ({ payload: Buffer.from(e.payload, 'utf8'), flags: e.flags }));
      const expected = Buffer.concat([...asBuffers.map((e, i) => encodeFrame('record', e.flags, first + i, 7, e.payload)), encodeFrame('commit', 0, first + entries.length, 7, cp)]);
      return encodeGroup(entries, first, 7, cp).equals(expected) && encodeGroup(asBuffers, first, 7, cp).equals(expected);
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('what a caught-up reader copies from memory is byte for byte what the segment file holds (property)', async (t) => {
  const dir = tmp(t);
  const spool = Spool.open({ dir, segmentBytes: 64 * 1024, maxBytes: 1024 * 1024 });
  t.teardown(() => spool.close());
  const payload = fc.string({ unit: 'binary', maxLength: 300 });
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(payload, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat(), async (groups, a, b) => {
      // Several groups appended at once share one write (group commit): that write is what copyRecent serves.
      await Promise.all(groups.map((g, i) => spool.append(g.map((p) => ({ payload: p, flags: 0 })), `cp${i}`)));
      const file = listSegments(path.join(dir, 'segments')).at(-1)!.file;
      const disk = fs.readFileSync(file);
      let served = 0;
      for (const [pos, len] of [[a, b], [0, disk.length], [disk.length - 1, 1], [Math.floor(disk.length / 2), disk.length]] as const) {
        const position = pos % (disk.length + 1);
        const length = Math.min(len % (disk.length + 1), disk.length - position);
        const target = Buffer.alloc(length + 3, 0xee);
        if (!spool.copyRecent(file, position, length, target, 3)) continue;
        served++;
        if (!target.subarray(3).equals(disk.subarray(position, position + length))) return false;
      }
      // The tail of the file is always the last write.
      const lastByte = Buffer.alloc(1);
      return served > 0 && spool.copyRecent(file, disk.length - 1, 1, lastByte, 0) && lastByte[0] === disk[disk.length - 1];
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test('groups spanning read chunks come back byte for byte (read after writing, and while writing)', async (t) => {
  const dir = tmp(t);
  const spool = Spool.open({ dir, segmentBytes: 8 * 1024 * 1024, maxBytes: 1 << 30 });
  t.teardown(() => spool.close());
  const payload = (g: number, i: number): string => `g${g}r${i}:` + String.fromCharCode(97 + ((g + i) % 26)).repeat(5000 + ((g * 7 + i) % 3000));
  for (let g = 0; g < 6; g++) await spool.append(Array.from({ length: 100 + g }, (_, i) => ({ payload: payload(g, i), flags: 0 })), `cp${g}`);
  const reader = spool.reader();
  const got: string[][] = [];
  const reading = (async () => {
    while (got.length < 12) {
      const b = await reader.next(AbortSignal.timeout(20_000));
      if (!b) break;
      got.push(b.records.map((r) => r.payload.toString()));
    }
  })();
  for (let g = 6; g < 12; g++) await spool.append(Array.from({ length: 100 + g }, (_, i) => ({ payload: payload(g, i), flags: 0 })), `cp${g}`);
  await reading;
  reader.close();
  t.is(got.length, 12);
  for (let g = 0; g < 12; g++) t.deepEqual(got[g], Array.from({ length: 100 + g }, (_, i) => payload(g, i)), `group ${g}`);
});
