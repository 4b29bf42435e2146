/**
 * Publish benchmark: N persistent messages with receipts to one local
 * ActiveMQ, gridmsg's publisher against stomp.py (Debian python3-stomp) doing
 * the same (pipelined receipts, same window) in the same run. Prints both
 * rates, the ratio and peak RSS.
 *
 *   npx tsx bench/publish.ts [COUNT=100000] [WINDOW=256]
 */
import { spawn } from 'node:child_process';
import { createPublisher } from '../clients/index.js';
import { startTestBroker } from '../test/helpers/broker.js';

const COUNT = Number(process.argv[2] ?? 100_000);
const WINDOW = Number(process.argv[3] ?? 256);
const WARMUP = 5_000;

/** A typical grid check result record. */
function body(i: number): string {
  return [
    'timestamp: 2026-01-01T00:00:00Z',
    `hostName: ce${i % 500}.example.org`,
    `serviceURI: ce${i % 500}.example.org`,
    'metricName: org.sam.CE-JobSubmit',
    'metricStatus: OK',
    'summaryData: OK - job submitted and finished in 42 s',
    'detailsData: job id 0123456789abcdef, queue long, exit 0',
    'EOT',
    '',
  ].join('\n');
}

interface RunResult {
  seconds: number;
  peakRssMb: number;
  /** Client CPU time (user + system), seconds. */
  cpuSeconds: number;
}

async function gridmsgRun(port: number, destination: string, count: number): Promise<RunResult> {
  const publisher = createPublisher({ brokers: [{ name: 'bench', host: '127.0.0.1', port }], destination, receiptWindow: WINDOW });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let failed: unknown;
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((r) => (allDone = r));
  for (let i = 0; i < count; i++) {
    await publisher.ready();
    publisher.send({ body: body(i), idempotencyKey: `bench-${i}` }).then(
      () => {
        if (++done === count) allDone();
      },
      (err: unknown) => {
        failed ??= err;
        if (++done === count) allDone();
      },
    );
  }
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  await publisher.close();
  if (failed) throw failed;
  return { seconds, peakRssMb: peak / 1024 / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const PYTHON = String.raw`
import resource, sys, threading, time, stomp
port, dest, count, window = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = ['timestamp: 2026-01-01T00:00:00Z', 'hostName: ce%d.example.org', 'serviceURI: ce%d.example.org',
         'metricName: org.sam.CE-JobSubmit', 'metricStatus: OK', 'summaryData: OK - job submitted and finished in 42 s',
         'detailsData: job id 0123456789abcdef, queue long, exit 0', 'EOT', '']
template = '\n'.join(lines)
class Listener(stomp.ConnectionListener):
    def __init__(self):
        self.receipts = 0
        self.slots = threading.Semaphore(window)
        self.done = threading.Event()
    def on_receipt(self, frame):
        self.receipts += 1
        self.slots.release()
        if self.receipts == count:
            self.done.set()
conn = stomp.Connection12([('127.0.0.1', port)], heartbeats=(0, 0))
listener = Listener()
conn.set_listener('', listener)
conn.connect(wait=True)
start = time.monotonic()
cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
for i in range(count):
    listener.slots.acquire()
    conn.send(dest, template % (i % 500, i % 500), headers={'persistent': 'true', 'receipt': 'r%d' % i, 'gridmsg-idempotency-key': 'bench-%d' % i})
listener.done.wait()
elapsed = time.monotonic() - start
cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu0
conn.disconnect()
print('%f %f %f' % (elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, cpu))
`;

function stompPyRun(port: number, destination: string, count: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', PYTHON, String(port), destination, String(count), String(WINDOW)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`stomp.py exited ${code}: ${err}`));
      const [seconds, rss, cpu] = out.trim().split(' ').map(Number);
      resolve({ seconds: seconds!, peakRssMb: rss!, cpuSeconds: cpu! });
    });
  });
}

const fmt = (n: number): string => n.toFixed(0).padStart(7);

/** A fresh broker per client, warmed up first, so neither run inherits the other's store. */
async function onFreshBroker(run: (port: number, destination: string, count: number) => Promise<RunResult>): Promise<RunResult> {
  const broker = await startTestBroker({ heapMb: 512 });
  try {
    await run(broker.stompPort, '/queue/bench.warmup', WARMUP);
    return await run(broker.stompPort, '/queue/bench', COUNT);
  } finally {
    await broker.stop();
  }
}

async function main(): Promise<void> {
  process.stderr.write(`${COUNT} persistent messages with receipts, window ${WINDOW}, a fresh local broker per client\n`);
  const gm = await onFreshBroker(gridmsgRun);
  const py = await onFreshBroker(stompPyRun);
  const gmRate = COUNT / gm.seconds;
  const pyRate = COUNT / py.seconds;
  const row = (name: string, r: RunResult, rate: number): string =>
    `${name.padEnd(9)} ${fmt(rate)}   ${r.seconds.toFixed(1).padStart(7)}  ${((r.cpuSeconds * 1e6) / COUNT).toFixed(0).padStart(10)}  ${r.peakRssMb.toFixed(0).padStart(11)}`;
  console.log(`client      msg/s   seconds  CPU us/msg  peak RSS MB`);
  console.log(row('gridmsg', gm, gmRate));
  console.log(row('stomp.py', py, pyRate));
  console.log(`ratio gridmsg/stomp.py: ${(gmRate / pyRate).toFixed(2)} (rate), ${(py.cpuSeconds / gm.cpuSeconds).toFixed(2)} (stomp.py CPU / gridmsg CPU)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
