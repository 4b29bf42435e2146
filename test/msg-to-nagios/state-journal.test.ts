import test from 'ava';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { DeliveryState, fromRanges, toRanges } from '../../bridges/msg-to-nagios/delivery-state.js';
import { StateJournal } from '../../bridges/msg-to-nagios/state-journal.js';
import { doneEntries, doneEntriesGeneral } from '../../bridges/msg-to-nagios/delivery-state.js';
import { acceptedEntries } from '../../bridges/msg-to-nagios/nagios-writer.js';
import type { PreparedResult } from '../../bridges/msg-to-nagios/types.js';
import { tempDir } from '../helpers/tmp.js';

const ref = (messageKey: string, index: number, total: number) => ({ messageKey, index, total });

test('index ranges round-trip', (t) => {
  fc.assert(fc.property(fc.array(fc.nat(200)), (xs) => fromRanges(toRanges(xs)).join(',') === [...new Set(xs)].sort((a, b) => a - b).join(',')));
  t.deepEqual(toRanges([5, 1, 2, 3, 7]), [1, 3, 5, 5, 7, 7]);
});

test('journal entries of a batch: the one-pass path equals the general grouping, in any order (property)', (t) => {
  const refs = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.nat(20)), { maxLength: 40 }).map((xs) => xs.map(([k, i]) => ref(k, i, 21)));
  // Batches as writers see them: messages one after another, indices increasing.
  const inOrder = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.uniqueArray(fc.nat(20), { maxLength: 21 })), { maxLength: 4 }).map((ms) => {
    const seen = new Set<string>();
    return ms.filter(([k]) => !seen.has(k) && seen.add(k)).flatMap(([k, xs]) => [...xs].sort((x, y) => x - y).map((i) => ref(k, i, 21)));
  });
  fc.assert(fc.property(fc.oneof(refs, inOrder), (rs) => t.deepEqual(doneEntries(rs), doneEntriesGeneral(rs))));
  // Marking a whole message at once or record by record ends the same.
  const a = new DeliveryState();
  a.markDone([ref('m', 0, 3), ref('m', 1, 3), ref('m', 2, 3)]);
  const b = new DeliveryState();
  for (const i of [2, 0, 1]) b.markDone([ref('m', i, 3)]);
  t.deepEqual(a.snapshot(), b.snapshot());
  t.true(a.isMessageDone('m'));
});

test('newest entries of a batch, one per result, leave the newest time of each object as one entry with the maximum would (property)', (t) => {
  const results = fc.array(fc.tuple(fc.constantFrom('h1', 'h2'), fc.option(fc.constantFrom('a', 'b'), { nil: undefined }), fc.nat(50), fc.boolean()), { maxLength: 40 }).map((xs) =>
    xs.map(([host, service, ts, keyed], i): PreparedResult => ({ ref: ref('m', i, xs.length), kind: service === undefined ? 'host' : 'service', host, ...(service === undefined ? {} : { service }), code: 0, timestamp: 1000 + ts, output: '', ...(keyed ? { objectKey: `${host};${service ?? ''}` } : {}) })),
  );
  const before = fc.array(fc.tuple(fc.constantFrom('h1;a', 'h1;b', 'h2;', 'h2;a'), fc.nat(60)), { maxLength: 4 });
  fc.assert(
    fc.property(results, before, (items, earlier) => {
      const viaEntries = new DeliveryState();
      const viaMax = new DeliveryState();
      for (const [k, ts] of earlier) {
        viaEntries.applyNewest(k, 1000 + ts);
        viaMax.applyNewest(k, 1000 + ts);
      }
      for (const [k, ts] of acceptedEntries(items).newest) viaEntries.applyNewest(k, ts);
      const max = new Map<string, number>();
      for (const r of items) max.set(`${r.host};${r.service ?? ''}`, Math.max(max.get(`${r.host};${r.service ?? ''}`) ?? -Infinity, r.timestamp));
      for (const [k, ts] of max) viaMax.applyNewest(k, ts);
      const keys = ['h1;', 'h1;a', 'h1;b', 'h2;', 'h2;a', 'h2;b'];
      return keys.every((k) => viaEntries.newestFor(k) === viaMax.newestFor(k)) && acceptedEntries(items).done.length === (items.length > 0 ? 1 : 0);
    }),
  );
  t.deepEqual(acceptedEntries([]).newest, []);
});

test('a message is done when all its records are, and the window forgets the oldest keys', (t) => {
  const s = new DeliveryState({ maxMessages: 2, maxObjects: 10 });
  s.markDone([ref('a', 0, 3), ref('a', 2, 3)]);
  t.true(s.isDone(ref('a', 0, 3)));
  t.false(s.isDone(ref('a', 1, 3)));
  t.false(s.isMessageDone('a'));
  s.markDone([ref('a', 1, 3)]);
  t.true(s.isMessageDone('a'));
  s.markDone([ref('b', 0, 1)]);
  s.markDone([ref('c', 0, 1)]);
  t.false(s.isDone(ref('a', 0, 3)), 'oldest key forgotten beyond the bound');
  t.true(s.isMessageDone('b') && s.isMessageDone('c'));
  t.is(s.messageCount, 2);
});

test('newest times only go up and are bounded', (t) => {
  const s = new DeliveryState({ maxMessages: 10, maxObjects: 2 });
  s.applyNewest('h;a', 100);
  s.applyNewest('h;a', 50);
  t.is(s.newestFor('h;a'), 100);
  s.applyNewest('h;b', 1);
  s.applyNewest('h;c', 1);
  t.is(s.newestFor('h;a'), undefined, 'least recently raised forgotten first');
  t.is(s.objectCount, 2);
});

test('the journal survives a restart: done records and newest times come back', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const j1 = StateJournal.open({ dir: tmp.dir });
  j1.appendDone(doneEntries([ref('site/k1', 0, 2)]), [['h;s', 1000]]);
  j1.appendDone(doneEntries([ref('site/k1', 1, 2), ref('site/k2', 0, 5)]), [['h;s', 900]]);
  // No close: a kill -9 leaves the journal as written.
  const j2 = StateJournal.open({ dir: tmp.dir });
  t.true(j2.state.isMessageDone('site/k1'));
  t.true(j2.state.isDone(ref('site/k2', 0, 5)));
  t.false(j2.state.isDone(ref('site/k2', 1, 5)));
  t.is(j2.state.newestFor('h;s'), 1000);
  j2.close();
  j1.close();
});

test('a torn last journal line is reported and skipped, the rest is kept', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const j1 = StateJournal.open({ dir: tmp.dir });
  j1.appendDone(doneEntries([ref('k', 0, 1)]), []);
  j1.close();
  fs.appendFileSync(path.join(tmp.dir, 'delivery-journal.jsonl'), '{"d":[["x",1,[0,');
  const corrupt: number[] = [];
  const j2 = StateJournal.open({ dir: tmp.dir, onCorruptLine: (n) => corrupt.push(n) });
  t.deepEqual(corrupt, [2]);
  t.true(j2.state.isMessageDone('k'));
  t.false(j2.state.isMessageDone('x'));
  j2.close();
});

test('spool intents: committed ones count, interrupted ones are settled from the directory', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const j1 = StateJournal.open({ dir: tmp.dir });
  j1.appendIntent('cAAAAAA', doneEntries([ref('m1', 0, 1)]), [['h;a', 10]]);
  t.false(j1.state.isDone(ref('m1', 0, 1)), 'an intent alone is not done');
  j1.appendCommit('cAAAAAA');
  t.true(j1.state.isDone(ref('m1', 0, 1)));
  j1.appendIntent('cBBBBBB', doneEntries([ref('m2', 0, 1)]), [['h;b', 20]]);
  j1.appendIntent('cCCCCCC', doneEntries([ref('m3', 0, 1)]), [['h;c', 30]]);
  j1.appendIntent('cDDDDDD', doneEntries([ref('m4', 0, 1)]), []);
  j1.appendAbort('cDDDDDD');
  // Crash here: cBBBBBB was released (Nagios read it), cCCCCCC was not.
  const asked: string[] = [];
  const discarded: string[] = [];
  const j2 = StateJournal.open({
    dir: tmp.dir,
    resolveIntent: (f) => {
      asked.push(f);
      return f === 'cBBBBBB' ? 'submitted' : 'not-submitted';
    },
    discardIntent: (f) => discarded.push(f),
  });
  t.deepEqual(asked.sort(), ['cBBBBBB', 'cCCCCCC']);
  t.deepEqual(discarded, ['cCCCCCC']);
  t.true(j2.state.isDone(ref('m2', 0, 1)));
  t.is(j2.state.newestFor('h;b'), 20);
  t.false(j2.state.isDone(ref('m3', 0, 1)));
  t.is(j2.state.newestFor('h;c'), undefined);
  t.false(j2.state.isDone(ref('m4', 0, 1)));
  // Settled for good: a second restart asks nothing.
  j2.close();
  const j3 = StateJournal.open({ dir: tmp.dir, resolveIntent: () => t.fail('asked again') as never });
  t.true(j3.state.isDone(ref('m2', 0, 1)));
  j3.close();
  j1.close();
});

test('compaction keeps the state and empties the journal', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const j = StateJournal.open({ dir: tmp.dir, compactBytes: 1000 });
  for (let i = 0; i < 50; i++) j.appendDone(doneEntries([ref(`k${i}`, 0, 1)]), [[`h;${i}`, i]]);
  await j.sync();
  t.true(j.journalBytes > 1000);
  t.true(j.maybeCompact());
  t.is(j.journalBytes, 0);
  t.is(fs.statSync(j.journalFile).size, 0);
  j.appendDone(doneEntries([ref('after', 0, 1)]), []);
  j.close();
  const j2 = StateJournal.open({ dir: tmp.dir });
  t.true(j2.state.isMessageDone('k0') && j2.state.isMessageDone('k49') && j2.state.isMessageDone('after'));
  t.is(j2.state.newestFor('h;49'), 49);
  j2.close();
});

test('a sync asked with nothing appended since the running fsync started shares it; one after an append gets its own', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const j = StateJournal.open({ dir: tmp.dir });
  j.appendDone(doneEntries([ref('a', 0, 1)]), []);
  const first = j.sync();
  const shared = j.sync();
  t.is(j.fsyncs, 1, 'nothing appended since the first fsync started: the same fsync covers it');
  j.appendDone(doneEntries([ref('b', 0, 1)]), []);
  const later = j.sync();
  const alsoLater = j.sync();
  await Promise.all([first, shared, later, alsoLater]);
  t.is(j.fsyncs, 2, 'an append after the start needs the next fsync, shared by the callers after it');
  j.close();
  const reopened = StateJournal.open({ dir: tmp.dir });
  t.true(reopened.state.isMessageDone('a') && reopened.state.isMessageDone('b'));
  reopened.close();
});

test('concurrent syncs share fsyncs and all resolve', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const j = StateJournal.open({ dir: tmp.dir });
  const waits: Array<Promise<void>> = [];
  for (let i = 0; i < 100; i++) {
    j.appendDone(doneEntries([ref(`k${i}`, 0, 1)]), []);
    waits.push(j.sync());
  }
  await Promise.all(waits);
  j.close();
  t.is(fs.readFileSync(j.journalFile, 'utf8').trim().split('\n').length, 100);
});
