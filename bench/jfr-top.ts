/**
 * Summarizes a Java Flight Recorder file of a broker (bench/broker-hop.ts --jfr):
 * execution samples (Java code running) and native samples (threads in native
 * code: socket writes, fsync) by top frame, by the first ActiveMQ frame, and by
 * area (STOMP codec, OpenWire, KahaDB, network bridge, ...), plus GC pauses.
 *
 *   npx tsx bench/jfr-top.ts FILE.jfr [N]
 */
import { execFileSync } from 'node:child_process';

interface JfrFrame {
  method: { type: { name: string }; name: string };
}
interface JfrEvent {
  type: string;
  values: { stackTrace?: { frames: JfrFrame[] } | null; sampledThread?: { javaName?: string } | null; duration?: string };
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: jfr-top.ts FILE.jfr [N]\n');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);

/** Areas by the frames a stack holds, most specific first: the first that matches any frame of the stack wins. */
const AREAS: [string, RegExp][] = [
  ['kahadb journal write/sync', /kahadb\.journal|RecoverableRandomAccessFile|FileDispatcherImpl\.force|FileChannelImpl\.force/],
  ['kahadb index (page file, btree)', /kahadb\.(page|index)/],
  ['kahadb store (other)', /store\.kahadb/],
  ['stomp codec', /transport\.stomp/],
  ['openwire marshal', /openwire/],
  ['network bridge', /network\./],
  ['advisory', /advisory/],
  ['security', /security|jaas/],
  ['virtual topic', /virtual/],
  ['queue dispatch/cursor', /broker\.region|broker\.cursors/],
  ['transport/socket', /transport\.|SocketDispatcher|NioSocketImpl|socketWrite|SocketOutputStream/],
];

function area(frames: string[]): string {
  for (const [name, re] of AREAS) if (frames.some((f) => re.test(f))) return name;
  return 'other';
}

const json = execFileSync('jfr', ['print', '--json', '--events', 'jdk.ExecutionSample,jdk.NativeMethodSample', file], { maxBuffer: 1 << 30 }).toString();
const events = (JSON.parse(json) as { recording: { events: JfrEvent[] } }).recording.events;

for (const kind of ['jdk.ExecutionSample', 'jdk.NativeMethodSample']) {
  const evs = events.filter((e) => e.type === kind);
  const byTop = new Map<string, number>();
  const byAmq = new Map<string, number>();
  const byArea = new Map<string, number>();
  const byThread = new Map<string, number>();
  for (const e of evs) {
    const frames = (e.values.stackTrace?.frames ?? []).map((f) => `${f.method.type.name.replaceAll('/', '.')}.${f.method.name}`);
    const t = frames[0] ?? '(no stack)';
    byTop.set(t, (byTop.get(t) ?? 0) + 1);
    const amq = frames.find((f) => f.startsWith('org.apache.activemq')) ?? '-';
    byAmq.set(amq, (byAmq.get(amq) ?? 0) + 1);
    const a = area(frames);
    byArea.set(a, (byArea.get(a) ?? 0) + 1);
    const th = (e.values.sampledThread?.javaName ?? '?').replace(/[0-9]+/g, '#');
    byThread.set(th, (byThread.get(th) ?? 0) + 1);
  }
  const print = (title: string, m: Map<string, number>): void => {
    process.stdout.write(`  ${title}:\n`);
    for (const [k, n] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`    ${((100 * n) / evs.length).toFixed(1).padStart(5)}%  ${k}\n`);
  };
  process.stdout.write(`${file} ${kind}: ${evs.length} samples\n`);
  print('by area', byArea);
  print('by thread', byThread);
  print('by top frame', byTop);
  print('by first ActiveMQ frame', byAmq);
}
