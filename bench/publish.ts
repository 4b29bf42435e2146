/**
 * Publish benchmark: N persistent messages with receipts to one local
 * ActiveMQ, gridmsg's publisher against stomp.py (Debian python3-stomp) doing
 * the same (pipelined receipts, same window) in the same run. Prints both
 * rates, the ratio and peak RSS.
 *
 *   npx tsx bench/publish.ts [COUNT=100000] [WINDOW=256] [ROUNDS=1]
 *
 * Each client gets a fresh broker per round (warmed up first), the order
 * alternates between rounds, and the median rate is reported: persistent
 * sends with receipts are bound by the broker's journal fsync, which is noisy
 * on a shared machine. Client CPU per message is the less noisy figure.
 */
import { createPublisher } from '../clients/index.js';
import { startTestBroker } from '../test/helpers/broker.js';
import { runStompPy } from './peers/index.js';

const COUNT = Number(process.argv[2] ?? 100_000);
const WINDOW = Number(process.argv[3] ?? 256);
const ROUNDS = Number(process.argv[4] ?? 1);
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
  /** RSS when the run started (gridmsg only: flat memory means peak stays near it). */
  startRssMb?: number;
  /** Client CPU time (user + system), seconds. */
  cpuSeconds: number;
}

async function gridmsgRun(port: number, destination: string, count: number): Promise<RunResult> {
  const publisher = createPublisher({ brokers: [{ name: 'bench', host: '127.0.0.1', port }], destination, receiptWindow: WINDOW });
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
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
  return { seconds, peakRssMb: peak / 1024 / 1024, startRssMb: startRss / 1024 / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The same record as body(i), for stomp.py ({h}: host number). */
const PY_BODY = body(0).replaceAll('ce0.example.org', 'ce{h}.example.org');

async function stompPyRun(port: number, destination: string, count: number): Promise<RunResult> {
  return runStompPy({ port, destination, count, window: WINDOW, bodyTemplate: PY_BODY });
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  process.stderr.write(`${COUNT} persistent messages with receipts, window ${WINDOW}, ${ROUNDS} round(s), a fresh local broker per client and round\n`);
  const gm: RunResult[] = [];
  const py: RunResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      gm.push(await onFreshBroker(gridmsgRun));
      py.push(await onFreshBroker(stompPyRun));
    } else {
      py.push(await onFreshBroker(stompPyRun));
      gm.push(await onFreshBroker(gridmsgRun));
    }
    process.stderr.write(`round ${round + 1}: gridmsg ${(COUNT / gm.at(-1)!.seconds).toFixed(0)} msg/s, stomp.py ${(COUNT / py.at(-1)!.seconds).toFixed(0)} msg/s\n`);
  }
  const gmRate = median(gm.map((r) => COUNT / r.seconds));
  const pyRate = median(py.map((r) => COUNT / r.seconds));
  const cpu = (rs: RunResult[]): number => median(rs.map((r) => (r.cpuSeconds * 1e6) / COUNT));
  const rss = (rs: RunResult[]): number => Math.max(...rs.map((r) => r.peakRssMb));
  console.log(`client     msg/s (median)  CPU us/msg  peak RSS MB`);
  console.log(`gridmsg   ${fmt(gmRate)}          ${cpu(gm).toFixed(0).padStart(10)}  ${rss(gm).toFixed(0).padStart(11)} (${Math.min(...gm.map((r) => r.startRssMb ?? 0)).toFixed(0)} MB at start)`);
  console.log(`stomp.py  ${fmt(pyRate)}          ${cpu(py).toFixed(0).padStart(10)}  ${rss(py).toFixed(0).padStart(11)}`);
  console.log(`ratio gridmsg/stomp.py: ${(gmRate / pyRate).toFixed(2)} (rate), ${(cpu(py) / cpu(gm)).toFixed(2)} (stomp.py CPU per message / gridmsg CPU per message)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
