/**
 * Site bridge benchmark.
 *
 *   npx tsx bench/forward.ts [RESULTS=1000000] [STOMPPY=20000] [LATENCY_SECONDS=30]
 *
 * 1. Throughput: RESULTS lines in gridmsg's perfdata format are written to a
 *    perfdata file, then the bridge daemon (`gridmsg nagios-to-msg`, the
 *    built CLI, as deployed) forwards them to a local ActiveMQ: filters, spool
 *    with fsync (group commit), persistent messages with receipts, spool
 *    acknowledged. Prints results/s (daemon start to last receipt, watched on
 *    its metrics endpoint every 50 ms) and the daemon's peak RSS (VmHWM).
 *    The bench builds the CLI first (tsc).
 * 2. stomp.py (Debian python3-stomp) on its own fresh broker, in the same run:
 *    one persistent message per result with a receipt (pipelined, window 256),
 *    STOMPPY results after 2,000 untimed warm-up messages; its rate is per
 *    result, so the ratio compares like with like.
 * 3. Latency at a steady 1,000 results/s for LATENCY_SECONDS: each line
 *    carries the time it was appended; p50/p99/max from append to the
 *    broker's receipt of the message that carried it.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../core/logger.js';
import { freePort } from '../core/ports.js';
import { startProcess } from '../core/process.js';
import { CLI, REPO_ROOT } from '../test/helpers/cli.js';
import { Bridge, loadBridgeConfig } from '../bridges/nagios-to-msg/index.js';
import { decodeRecords } from '../bridges/format/index.js';
import type { SpoolBatch } from '../bridges/spool/index.js';
import { startTestBroker } from '../test/helpers/broker.js';
import { tempDir } from '../test/helpers/tmp.js';
import { perfdataLine, writeBridgeConfig, writeSiteClientConfig } from '../test/nagios-to-msg/helpers.js';

const RESULTS = Number(process.argv[2] ?? 1_000_000);
const STOMPPY = Number(process.argv[3] ?? 20_000);
const LATENCY_SECONDS = Number(process.argv[4] ?? 30);

function line(i: number, output?: string): string {
  return perfdataLine({
    host: `ce${i % 500}.example.org`,
    service: `org.sam.CE-JobSubmit-${i % 40}`,
    state: i % 17 === 0 ? 'CRITICAL' : 'OK',
    output: output ?? `OK - job ${i} submitted and finished in 42 s`,
    perfdata: `time=42s;60;120;0 jobs=${i % 100}`,
    long: 'job id 0123456789abcdef\nqueue long, exit 0',
    time: 1_767_225_600 + Math.floor(i / 1000),
  });
}

const BRIDGE_TUNING = 'batch:\n  maxRecords: 1000\n  maxBytes: 512KiB\n  linger: 5ms\npublisher:\n  receiptWindow: 16\n';

async function setupBridge(dir: string, port: number, onReceipt?: (b: SpoolBatch) => void): Promise<{ bridge: Bridge; perf: string }> {
  const client = writeSiteClientConfig(dir, port, '/queue/bench.forward');
  const perf = path.join(dir, 'service-perfdata');
  const cfg = writeBridgeConfig(dir, { client, inputs: [{ path: perf }], spoolDir: path.join(dir, 'spool'), extra: BRIDGE_TUNING });
  const bridge = await Bridge.start({ config: loadBridgeConfig(cfg), logger: silentLogger(), ...(onReceipt ? { onReceipt } : {}) });
  return { bridge, perf };
}

/** CPU seconds (user + system) the process used so far. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function receiptedSoFar(port: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = /^gridmsg_bridge_results_receipted_total (\d+)/m.exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // not listening yet
  }
}

async function throughput(): Promise<{ rate: number; seconds: number; peakRssMb: number; cpuUsPerResult: number }> {
  const tmp = tempDir('gridmsg-bench-fwd-');
  const broker = await startTestBroker({ heapMb: 768 });
  try {
    const perf = path.join(tmp.dir, 'service-perfdata');
    const fd = fs.openSync(perf, 'w');
    for (let i = 0; i < RESULTS; i += 10_000) {
      let chunk = '';
      for (let j = i; j < Math.min(RESULTS, i + 10_000); j++) chunk += line(j) + '\n';
      fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);
    process.stderr.write(`wrote ${RESULTS} lines (${(fs.statSync(perf).size / 1024 / 1024).toFixed(0)} MB); forwarding...\n`);
    const client = writeSiteClientConfig(tmp.dir, broker.stompPort, '/queue/bench.forward');
    const metricsPort = await freePort();
    const cfg = writeBridgeConfig(tmp.dir, { client, inputs: [{ path: perf }], spoolDir: path.join(tmp.dir, 'spool'), extra: `${BRIDGE_TUNING}metrics:\n  port: ${metricsPort}\n` });
    const started = process.hrtime.bigint();
    const daemon = startProcess(process.execPath, [CLI, 'nagios-to-msg', '--config', cfg, '--log-level', 'warn'], { logFile: path.join(tmp.dir, 'bridge.log') });
    try {
      let receipted = 0;
      let lastReport = Date.now();
      while (receipted < RESULTS) {
        if (!daemon.alive()) throw new Error(`the bridge exited: ${fs.readFileSync(path.join(tmp.dir, 'bridge.log'), 'utf8').slice(-1000)}`);
        await new Promise((r) => setTimeout(r, 50));
        receipted = await receiptedSoFar(metricsPort);
        if (Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          process.stderr.write(`  ${receipted} receipted\n`);
        }
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const peak = peakRssMb(daemon.pid);
      const cpu = cpuSeconds(daemon.pid);
      return { rate: RESULTS / seconds, seconds, peakRssMb: peak, cpuUsPerResult: (cpu * 1e6) / RESULTS };
    } finally {
      await daemon.stop(30_000);
    }
  } finally {
    await broker.stop();
    tmp.cleanup();
  }
}

const PYTHON = String.raw`
import sys, threading, time, stomp
port, dest, count, window = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
body = '\n'.join(['serviceURI: ce%d.example.org', 'hostName: ce%d.example.org', 'serviceFlavour: ', 'siteName: TEST-SITE',
  'metricStatus: OK', 'metricName: org.sam.CE-JobSubmit', 'summaryData: OK - job %d submitted and finished in 42 s',
  'gatheredAt: nagios.test.example.org', 'timestamp: 2026-01-01T00:00:00Z', 'nagiosName: nagios.test.example.org', 'role: site',
  'voName: ', 'perfData: time=42s;60;120;0', 'detailsData: job id 0123456789abcdef', 'queue long, exit 0', 'EOT', ''])
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
warm = 2000
for i in range(warm):
    listener.slots.acquire()
    conn.send(dest, body % (i % 500, i % 500, i), headers={'persistent': 'true', 'receipt': 'w%d' % i})
while listener.receipts < warm:
    time.sleep(0.01)
listener.receipts = 0
start = time.monotonic()
for i in range(count):
    listener.slots.acquire()
    conn.send(dest, body % (i % 500, i % 500, i), headers={'persistent': 'true', 'receipt': 'r%d' % i, 'gridmsg-idempotency-key': 'py-%d' % i})
listener.done.wait()
print(time.monotonic() - start)
conn.disconnect()
`;

async function stompPy(): Promise<number> {
  const broker = await startTestBroker({ heapMb: 512 });
  try {
    const seconds = await new Promise<number>((resolve, reject) => {
      const child = spawn('/usr/bin/python3', ['-c', PYTHON, String(broker.stompPort), '/queue/bench.stomppy', String(STOMPPY), '256'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (err += d));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`stomp.py exited ${code}: ${err.slice(-500)}`))));
    });
    return STOMPPY / seconds;
  } finally {
    await broker.stop();
  }
}

async function latency(): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const tmp = tempDir('gridmsg-bench-lat-');
  const broker = await startTestBroker();
  try {
    const samples: number[] = [];
    const { bridge, perf } = await setupBridge(tmp.dir, broker.stompPort, (b) => {
      const now = performance.timeOrigin + performance.now();
      for (const r of b.records) {
        for (const d of decodeRecords(r.payload.toString(), 'grid')) {
          const m = d.ok ? /^lat (\d+\.\d+)$/.exec(d.record.summaryData) : null;
          if (m) samples.push(now - Number(m[1]));
        }
      }
    });
    // 1,000 results/s: 10 lines every 10 ms, each stamped with the time it is appended.
    const fd = fs.openSync(perf, 'a');
    const total = LATENCY_SECONDS * 1000;
    let written = 0;
    const t0 = performance.now();
    while (written < total) {
      const due = Math.min(total, Math.floor((performance.now() - t0) * 1)); // one per ms
      let chunk = '';
      for (; written < due; written++) chunk += line(written, `lat ${(performance.timeOrigin + performance.now()).toFixed(3)}`) + '\n';
      if (chunk) fs.writeSync(fd, chunk);
      await new Promise((r) => setTimeout(r, 10));
    }
    fs.closeSync(fd);
    const deadline = Date.now() + 30_000;
    while (samples.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await bridge.stop();
    const sorted = samples.sort((a, b) => a - b);
    const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    return { p50: q(0.5), p99: q(0.99), max: sorted.at(-1)!, count: sorted.length };
  } finally {
    await broker.stop();
    tmp.cleanup();
  }
}

async function main(): Promise<void> {
  process.stderr.write('building the CLI (tsc)...\n');
  try {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO_ROOT, 'tsconfig.json')], { stdio: 'ignore' });
  } catch {
    /* type errors elsewhere still emit JavaScript */
  }
  const fwd = await throughput();
  process.stderr.write(`bridge: ${fwd.rate.toFixed(0)} results/s; running stomp.py...\n`);
  const py = await stompPy();
  console.log(`site bridge, ${RESULTS} perfdata results -> local ActiveMQ (persistent, receipts, spool fsync-ed)`);
  console.log(`  gridmsg nagios-to-msg: ${fwd.rate.toFixed(0)} results/s (${fwd.seconds.toFixed(1)} s incl. daemon start-up), daemon peak RSS ${fwd.peakRssMb.toFixed(0)} MB, daemon CPU ${fwd.cpuUsPerResult.toFixed(1)} us/result`);
  console.log(`  (load average now ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores: rates on a shared machine vary with it)`);
  console.log(`  stomp.py, one persistent message per result with receipts (${STOMPPY} results): ${py.toFixed(0)} results/s`);
  console.log(`  ratio gridmsg/stomp.py: ${(fwd.rate / py).toFixed(1)}x   goals: >= 50000 results/s, >= 10x, peak RSS < 200 MB`);
  if (LATENCY_SECONDS > 0) {
    const lat = await latency();
    console.log(`latency at 1,000 results/s for ${LATENCY_SECONDS} s (line appended -> broker receipt), ${lat.count} results:`);
    console.log(`  p50 ${lat.p50.toFixed(1)} ms   p99 ${lat.p99.toFixed(1)} ms   max ${lat.max.toFixed(1)} ms   goal: p99 < 1000 ms`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
