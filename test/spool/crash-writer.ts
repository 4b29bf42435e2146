/**
 * Child process for the kill -9 test: appends groups to a spool as fast as it
 * can and prints "<checkpoint>" on stdout after each group is durable.
 * Usage: tsx crash-writer.ts DIR START
 */
import { Spool } from '../../bridges/spool/index.js';

const [dir, startText] = process.argv.slice(2);
const spool = Spool.open({ dir: dir!, segmentBytes: 64 * 1024, maxBytes: 1024 * 1024 * 1024 });
let n = Number(startText);
const inflight = new Set<Promise<void>>();
for (;;) {
  const group = n++;
  const size = 1 + (group % 7);
  const entries = Array.from({ length: size }, (_, i) => ({ payload: `g${group}r${i}:` + 'x'.repeat((group * 31 + i) % 300), flags: 1 }));
  const p = spool.append(entries, String(group)).then(() => {
    process.stdout.write(`${group}\n`);
    inflight.delete(p);
  });
  inflight.add(p);
  if (inflight.size >= 8) await Promise.race(inflight);
}
