/**
 * Summarizes `perf record -g` of a broker JVM (bench/broker-hop.ts --perf, with the
 * frame-pointers variant so perf can walk JIT-compiled code): where its threads
 * spend CPU, JIT compiler threads left out (a one-off cost, see broker-hop.ts).
 *
 *   npx tsx bench/perf-top.ts FILE.data [N]
 *
 * Prints each sample's split between Java/JVM code and the kernel (by the
 * system call it is in: futex = thread hand-offs, fsync = the journal's sync,
 * read/write = sockets and journal writes), by thread, and Java/JVM samples by
 * area: the frame nearest the top of the stack that belongs to a known part of
 * ActiveMQ (STOMP codec, OpenWire, KahaDB journal/index/store, queue dispatch,
 * network bridge, advisories, security, ...).
 */
import { execFileSync } from 'node:child_process';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: perf-top.ts FILE.data [N]\n');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 20);

const AREAS: [string, RegExp][] = [
  ['GC / VM operations', /VM_Operation|GenCollect|DefNew|TenuredGeneration|SafepointSynchronize/],
  ['KahaDB journal', /kahadb\.disk\.journal|DataFileAppender/],
  ['KahaDB index (page file, B-tree)', /kahadb\.disk\.(page|index)/],
  ['KahaDB store (commands, MessageDatabase)', /store\.kahadb|activemq\.protobuf/],
  ['STOMP codec and conversion', /transport\.stomp/],
  ['OpenWire marshalling', /activemq\.openwire/],
  ['network bridge', /activemq\.network\./],
  ['advisories', /activemq\.advisory/],
  ['security', /activemq\.security|activemq\.jaas/],
  ['virtual topic', /region\.virtual/],
  ['queue dispatch, cursors, subscriptions', /broker\.region|broker\.cursors/],
  ['transport, TransportConnection', /activemq\.transport|TransportConnection/],
  ['thread pools, locks', /java\.util\.concurrent/],
];

interface Sample {
  thread: string;
  frames: string[];
}

function* samples(text: string): Generator<Sample> {
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim().length > 0);
    const head = lines[0];
    if (head === undefined || /^\s/.test(head)) continue;
    yield { thread: head.trim().replace(/\s+\d+$/, '').replace(/[0-9]+/g, '#'), frames: lines.slice(1).map((l) => l.trim()) };
  }
}

const count = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
const print = (title: string, m: Map<string, number>, total: number): void => {
  process.stdout.write(`${title}:\n`);
  for (const [k, n] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${((100 * n) / total).toFixed(1).padStart(5)}%  ${k}\n`);
};

const text = execFileSync('perf', ['script', '-i', file, '-F', 'comm,ip,sym,dso'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
const bySplit = new Map<string, number>();
const byThread = new Map<string, number>();
const byArea = new Map<string, number>();
const byFrame = new Map<string, number>();
let total = 0;
let user = 0;
for (const s of samples(text)) {
  if (/Compiler/.test(s.thread) || s.frames.length === 0) continue;
  total++;
  count(byThread, s.thread);
  const kernel = s.frames[0]!.includes('[kernel');
  // The outermost system call frame: what the thread asked the kernel for.
  const syscall = [...s.frames].reverse().map((f) => /(__x64_sys_\w+|ksys_\w+)/.exec(f)?.[1]).find((x) => x !== undefined);
  if (kernel) {
    count(bySplit, syscall === undefined ? 'kernel: interrupts, scheduling' : `kernel: ${syscall.replace(/^(__x64_sys_|ksys_)/, '')}`);
    continue;
  }
  user++;
  count(bySplit, 'Java and JVM code');
  const area = s.frames.map((f) => AREAS.find(([, re]) => re.test(f))?.[0]).find((a) => a !== undefined) ?? 'other';
  count(byArea, area);
  count(byFrame, s.frames[0]!.replace(/^\S+\s+/, '').replace(/\(.*$/, '').slice(0, 160));
}
process.stdout.write(`${file}: ${total} samples outside the JIT compiler threads, ${user} in Java/JVM code\n`);
print('Java/JVM code and kernel (by system call)', bySplit, total);
print('by thread', byThread, total);
print('Java/JVM code by area (nearest ActiveMQ part on the stack)', byArea, user);
print('Java/JVM code by top frame', byFrame, user);
