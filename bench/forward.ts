/**
 * Site bridge benchmark.
 *
 *   npx tsx bench/forward.ts [RESULTS=1000000] [STOMPPY=20000] [LATENCY_SECONDS=30]
 *                            [--variants plain,tls,signed,tls+signed] [--rounds 1] [--key-type ec|rsa]
 *
 *   quick run: npx tsx bench/forward.ts 100000 0 0 --variants plain,tls
 *
 * 1. Throughput: RESULTS lines in gridmsg's perfdata format are written to a
 *    perfdata file, then the bridge daemon (`gridmsg nagios-to-msg`, the
 *    built CLI, as deployed) forwards them to a local ActiveMQ: filters, spool
 *    with fsync (group commit), persistent messages with receipts, spool
 *    acknowledged. Prints results/s (daemon start to last receipt, watched on
 *    its metrics endpoint every 50 ms), the daemon's peak RSS (VmHWM) and CPU
 *    per result, and the broker's CPU per result. The bench builds the CLI
 *    first (tsc). Brokers run with production's JVM flags (full JIT; test
 *    brokers stop at C1, which has no AES-GCM intrinsics and doubles a TLS
 *    broker's CPU). Each variant gets a fresh broker and spool, all read the
 *    same perfdata file:
 *      plain       plain STOMP, no authentication (the reference)
 *      tls         stomp+ssl requiring client certificates (certificate login,
 *                  authorization map), the bridge connecting with its site
 *                  certificate from a development CA (bench/peers/secure.ts)
 *      signed      plain STOMP, the bridge signing each message (one signature
 *                  per batch of up to 1,000 records) with its site key, as the
 *                  site client config's `signing` section enables it
 *      tls+signed  both, as a signed-mode registry deploys it
 *    Cost of each against plain, measured in the same run: throughput lost
 *    and daemon CPU per result added (the CPU figure is the steadier one on a
 *    shared machine). Goals: TLS < 20 %, signing < 35 %. --rounds N repeats
 *    the variants N times (order rotated) and reports medians.
 * 2. stomp.py (Debian python3-stomp, bench/peers/stomppy.ts) on its own fresh
 *    plain broker, in the same run: one persistent message per result with a
 *    receipt (pipelined, window 256), STOMPPY results after 2,000 untimed
 *    warm-up messages; its rate is per result, so the ratio (against the
 *    plain variant) compares like with like. STOMPPY=0 skips it.
 * 3. Latency at a steady 1,000 results/s for LATENCY_SECONDS (plain STOMP):
 *    each line carries the time it was appended; p50/p99/max from append to
 *    the broker's receipt of the message that carried it. 0 skips it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
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
import { costText as pct, createBenchPki, goalOf, parseVariants, runStompPy, startBenchTlsBroker, usesSigning, usesTls, type BenchKeyType, type BenchPki, type Variant } from './peers/index.js';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    variants: { type: 'string', default: 'plain,tls,signed,tls+signed' },
    rounds: { type: 'string', default: '1' },
    'key-type': { type: 'string', default: 'ec' },
  },
});
const RESULTS = Number(positionals[0] ?? 1_000_000);
const STOMPPY = Number(positionals[1] ?? 20_000);
const LATENCY_SECONDS = Number(positionals[2] ?? 30);
const VARIANTS = parseVariants(opts.variants);
const ROUNDS = Math.max(1, Number(opts.rounds));
const KEY_TYPE = opts['key-type'] as BenchKeyType;
if (KEY_TYPE !== 'ec' && KEY_TYPE !== 'rsa') throw new Error(`--key-type must be ec or rsa, not ${JSON.stringify(KEY_TYPE)}`);
const SITE = 'TEST-SITE';
const DESTINATION = '/queue/bench.forward';

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

/** Writes RESULTS perfdata lines once; every variant's daemon reads this same file from its start. */
function writePerfdata(file: string): void {
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < RESULTS; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(RESULTS, i + 10_000); j++) chunk += line(j) + '\n';
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

interface ThroughputRun {
  rate: number;
  seconds: number;
  peakRssMb: number;
  cpuUsPerResult: number;
  /** The broker's CPU per result during the run (what TLS and certificate logins add on its side). */
  brokerCpuUsPerResult: number;
}

/** A fresh broker for one variant: plain STOMP, or stomp+ssl with client certificates. */
async function brokerFor(variant: Variant, pki: BenchPki | undefined): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  if (!usesTls(variant)) {
    const b = await startTestBroker({ heapMb: 768, fullJit: true, asDeployed: true });
    return { port: b.stompPort, pid: b.process.pid, stop: () => b.stop() };
  }
  const b = await startBenchTlsBroker(pki!, [{ kind: 'queue', destination: DESTINATION.replace('/queue/', ''), write: ['sites'], admin: ['sites'] }], 768);
  return { port: b.stompSslPort, pid: b.process.pid, stop: () => b.stop() };
}

async function throughput(variant: Variant, perf: string, pki: BenchPki | undefined): Promise<ThroughputRun> {
  const tmp = tempDir(`gridmsg-bench-fwd-${variant.replace('+', '-')}-`);
  const broker = await brokerFor(variant, pki);
  try {
    const client = writeSiteClientConfig(tmp.dir, broker.port, DESTINATION, SITE, {
      ...(usesTls(variant) ? { tls: pki!.tlsOf(pki!.site) } : {}),
      ...(usesSigning(variant) ? { signing: pki!.signingOf(pki!.site) } : {}),
    });
    const metricsPort = await freePort();
    const cfg = writeBridgeConfig(tmp.dir, { client, inputs: [{ path: perf }], spoolDir: path.join(tmp.dir, 'spool'), extra: `${BRIDGE_TUNING}metrics:\n  port: ${metricsPort}\n` });
    const brokerCpu0 = cpuSeconds(broker.pid);
    const started = process.hrtime.bigint();
    const daemon = startProcess(process.execPath, [CLI, 'nagios-to-msg', '--config', cfg, '--log-level', 'warn'], { logFile: path.join(tmp.dir, 'bridge.log') });
    try {
      let receipted = 0;
      let lastReport = Date.now();
      while (receipted < RESULTS) {
        if (!daemon.alive()) throw new Error(`the bridge (${variant}) exited: ${fs.readFileSync(path.join(tmp.dir, 'bridge.log'), 'utf8').slice(-1000)}`);
        await new Promise((r) => setTimeout(r, 50));
        receipted = await receiptedSoFar(metricsPort);
        if (Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          process.stderr.write(`  ${variant}: ${receipted} receipted\n`);
        }
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const peak = peakRssMb(daemon.pid);
      const cpu = cpuSeconds(daemon.pid);
      const brokerCpu = cpuSeconds(broker.pid) - brokerCpu0;
      return { rate: RESULTS / seconds, seconds, peakRssMb: peak, cpuUsPerResult: (cpu * 1e6) / RESULTS, brokerCpuUsPerResult: (brokerCpu * 1e6) / RESULTS };
    } finally {
      await daemon.stop(30_000);
    }
  } finally {
    await broker.stop();
    tmp.cleanup();
  }
}

/** The record stomp.py sends per result ({h}: host number, {i}: result number), like the bridge's grid format. */
const PY_BODY = [
  'serviceURI: ce{h}.example.org',
  'hostName: ce{h}.example.org',
  'serviceFlavour: ',
  'siteName: TEST-SITE',
  'metricStatus: OK',
  'metricName: org.sam.CE-JobSubmit',
  'summaryData: OK - job {i} submitted and finished in 42 s',
  'gatheredAt: nagios.test.example.org',
  'timestamp: 2026-01-01T00:00:00Z',
  'nagiosName: nagios.test.example.org',
  'role: site',
  'voName: ',
  'perfData: time=42s;60;120;0',
  'detailsData: job id 0123456789abcdef',
  'queue long, exit 0',
  'EOT',
  '',
].join('\n');

async function stompPy(): Promise<number> {
  const broker = await startTestBroker({ heapMb: 512, fullJit: true });
  try {
    const r = await runStompPy({ port: broker.stompPort, destination: '/queue/bench.stomppy', count: STOMPPY, window: 256, warmup: 2000, bodyTemplate: PY_BODY });
    return STOMPPY / r.seconds;
  } finally {
    await broker.stop();
  }
}

async function latency(): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const tmp = tempDir('gridmsg-bench-lat-');
  const broker = await startTestBroker({ fullJit: true });
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  process.stderr.write('building the CLI (tsc)...\n');
  try {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO_ROOT, 'tsconfig.json')], { stdio: 'ignore' });
  } catch {
    /* type errors elsewhere still emit JavaScript */
  }
  const load0 = os.loadavg();
  const needsPki = VARIANTS.some((v) => v !== 'plain');
  const pki = needsPki ? await createBenchPki(SITE, 'bench-consumer', KEY_TYPE) : undefined;
  const data = tempDir('gridmsg-bench-fwd-data-');
  const runs = new Map<Variant, ThroughputRun[]>(VARIANTS.map((v) => [v, []]));
  try {
    const perf = path.join(data.dir, 'service-perfdata');
    writePerfdata(perf);
    process.stderr.write(`wrote ${RESULTS} lines (${(fs.statSync(perf).size / 1024 / 1024).toFixed(0)} MB); forwarding: ${VARIANTS.join(', ')} x ${ROUNDS} round(s)...\n`);
    for (let round = 0; round < ROUNDS; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const v of order) {
        const r = await throughput(v, perf, pki);
        runs.get(v)!.push(r);
        process.stderr.write(`  round ${round + 1} ${v}: ${r.rate.toFixed(0)} results/s, CPU per result: bridge ${r.cpuUsPerResult.toFixed(1)} us, broker ${r.brokerCpuUsPerResult.toFixed(1)} us\n`);
      }
    }
  } finally {
    data.cleanup();
    pki?.cleanup();
  }
  const summary = VARIANTS.map((v) => {
    const rs = runs.get(v)!;
    return { v, rate: median(rs.map((r) => r.rate)), seconds: median(rs.map((r) => r.seconds)), cpu: median(rs.map((r) => r.cpuUsPerResult)), brokerCpu: median(rs.map((r) => r.brokerCpuUsPerResult)), rss: Math.max(...rs.map((r) => r.peakRssMb)) };
  });
  const plain = summary.find((s) => s.v === 'plain');
  const py = STOMPPY > 0 ? await stompPy() : undefined;
  const load1 = os.loadavg();

  console.log(`site bridge, ${RESULTS} perfdata results -> local ActiveMQ (persistent, receipts, spool fsync-ed)${ROUNDS > 1 ? `, median of ${ROUNDS} rounds` : ''}`);
  console.log('  brokers run with the JVM flags of the generated run.sh (full JIT, as in production)');
  if (needsPki) console.log(`  TLS and signing keys: ${KEY_TYPE === 'ec' ? 'EC P-256' : 'RSA 2048'} certificates of a development CA (stomp+ssl, client certificates required)`);
  for (const s of summary) {
    console.log(`  gridmsg nagios-to-msg ${s.v.padEnd(10)}: ${s.rate.toFixed(0).padStart(6)} results/s (${s.seconds.toFixed(1)} s incl. daemon start-up), peak RSS ${s.rss.toFixed(0)} MB, CPU per result: daemon ${s.cpu.toFixed(1)} us, broker ${s.brokerCpu.toFixed(1)} us`);
  }
  if (plain && summary.length > 1) {
    console.log('  cost against plain, same run (throughput lost; CPU per result added in the daemon, in the broker):');
    for (const s of summary) {
      if (s.v === 'plain') continue;
      console.log(`    ${s.v.padEnd(10)}: ${pct((1 - s.rate / plain.rate) * 100)} throughput, ${pct((s.cpu / plain.cpu - 1) * 100)} daemon CPU, ${pct((s.brokerCpu / plain.brokerCpu - 1) * 100)} broker CPU   ${goalOf(s.v)}`);
    }
  }
  console.log(`  (load average ${load0.map((l) => l.toFixed(1)).join(' ')} at start, ${load1.map((l) => l.toFixed(1)).join(' ')} at the end, on ${os.cpus().length} cores: rates on a shared machine vary with it)`);
  if (py !== undefined) {
    const ref = plain ?? summary[0]!;
    console.log(`  stomp.py, one persistent message per result with receipts (${STOMPPY} results): ${py.toFixed(0)} results/s`);
    console.log(`  ratio gridmsg (${ref.v})/stomp.py: ${(ref.rate / py).toFixed(1)}x   goals: >= 50000 results/s, >= 10x, peak RSS < 200 MB`);
  }
  if (LATENCY_SECONDS > 0) {
    const lat = await latency();
    console.log(`latency at 1,000 results/s for ${LATENCY_SECONDS} s (plain STOMP; line appended -> broker receipt), ${lat.count} results:`);
    console.log(`  p50 ${lat.p50.toFixed(1)} ms   p99 ${lat.p99.toFixed(1)} ms   max ${lat.max.toFixed(1)} ms   goal: p99 < 1000 ms`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
