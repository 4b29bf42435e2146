/**
 * Ingest benchmark of the central bridge (msg-to-nagios): N results already
 * on a real ActiveMQ (batched, 100 per message) consumed into a real Nagios 4
 * through the command pipe; then, in the same run and into the same Nagios,
 * the same commands written straight into the pipe with `cat`. Both rates are
 * measured the same way: from the start until Nagios has logged every result
 * (log_passive_checks=1: one PASSIVE SERVICE CHECK line per result processed).
 * Prints both and the ratio.
 *
 * Cold and warm: WARMUP more results (default 50,000, `--warmup N`, 0 for
 * none) are loaded on the broker ahead of the N timed ones, all before the
 * bridge starts, on the same queue (different messages, older timestamps).
 * The same bridge process is measured twice in one run: "cold" is the first N
 * results logged by Nagios from the bridge's start (a freshly started process,
 * JIT warming up: the figure of the earlier series); "warm" is the N results
 * after the first WARMUP, timed from the moment Nagios has logged WARMUP (a
 * running daemon, the queue still holding N results). Both rates and CPU
 * figures are taken between two samples of Nagios' log count (every 20 ms),
 * each with the count and the CPU readings of that moment.
 *
 *   npx tsc -p . && npx tsx bench/ingest.ts [RESULTS=200000] [MODE=pipe|spool]
 *                                          [--variants plain,tls,signed,tls+signed] [--key-type ec|rsa]
 *                                          [--warmup 50000]
 *
 *   quick run: npx tsx bench/ingest.ts 50000 pipe --variants plain,tls
 *
 * Variants (each on a fresh broker with the N results loaded anew, into the
 * same Nagios, a fresh bridge state directory each; default: all four;
 * brokers run with production's JVM flags, full JIT, and dispatch, store and
 * STOMP transport as broker-config generates them (asDeployed in
 * test/helpers/broker.ts), see bench/peers/secure.ts):
 *   plain       plain STOMP, no authentication, unsigned messages (the reference)
 *   tls         stomp+ssl requiring client certificates (certificate login,
 *               authorization map, bench/peers/secure.ts): the bridge consumes
 *               with its consumer certificate of a development CA
 *   signed      plain STOMP; every message on the broker carries its site's
 *               signature (security/signing.ts, one per message of 100
 *               records) and the bridge verifies it against the DN the
 *               consumer config expects for the site (`verification` +
 *               `signerDn`, as a signed-mode registry generates it)
 *   tls+signed  both, as deployed in signed mode
 * Printed: each variant's rate and CPU per result (bridge, Nagios with its
 * command file worker, broker), the cores the three kept busy, the whole
 * machine's busy cores and this bench's own (sampling reads only the stat
 * files of the processes measured, found once), its cost against plain
 * (throughput lost, bridge CPU per result added) with the goals (TLS < 20 %,
 * signing < 35 %), and each variant's ratio to the raw `cat` rate.
 *
 * The bridge runs from the build (bin/gridmsg.js, as in production) when
 * dist/ is there, else from source through tsx (slower: say so). All runs
 * make Nagios do the same work: every service changes state once per run.
 * Goal: the bridge at least 0.8 of the raw `cat` rate (pipe mode).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BrokerEndpoint } from '../clients/client-config.js';
import { createSigner } from '../security/signing.js';
import { startNagios, type NagiosHost } from '../bridges/nagios-instance.js';
import { commandLine } from '../bridges/msg-to-nagios/index.js';
import { startTestBroker } from '../test/helpers/broker.js';
import { tempDir } from '../test/helpers/tmp.js';
import { processCpuSeconds, processTree } from './grid/follow.js';
import { CONSUMER, ERROR_DESTINATION, publish, queueOf, REPO, resultMessage, startBridge, writeBridgeConfig, writeConsumerConfig, writePrivateNagios, type OutMessage } from '../test/msg-to-nagios/helpers/harness.js';
import { HOSTS, ingestRecord, PER_MESSAGE, SERVICES, SITE } from './peers/index.js';
import { costText as pct, createBenchPki, goalOf, parseVariants, startBenchTlsBroker, usesSigning, usesTls, type BenchKeyType, type BenchPki, type Variant } from './peers/index.js';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    variants: { type: 'string', default: 'plain,tls,signed,tls+signed' },
    'key-type': { type: 'string', default: 'ec' },
    warmup: { type: 'string', default: '50000' },
  },
});
const RESULTS = Number(positionals[0] ?? 200_000);
const MODE = (positionals[1] ?? 'pipe') as 'pipe' | 'spool';
if (MODE !== 'pipe' && MODE !== 'spool') throw new Error(`MODE must be pipe or spool, not ${JSON.stringify(MODE)}`);
const VARIANTS = parseVariants(opts.variants);
const KEY_TYPE = opts['key-type'] as BenchKeyType;
const WARMUP = Number(opts.warmup);
if (!Number.isInteger(WARMUP) || WARMUP < 0 || WARMUP % PER_MESSAGE !== 0) throw new Error(`--warmup must be a multiple of ${PER_MESSAGE}, not ${JSON.stringify(opts.warmup)}`);
if (KEY_TYPE !== 'ec' && KEY_TYPE !== 'rsa') throw new Error(`--key-type must be ec or rsa, not ${JSON.stringify(KEY_TYPE)}`);

/** Counts `PASSIVE SERVICE CHECK` lines appended to nagios.log since it was created. */
class LogCounter {
  private static readonly MARK = Buffer.from('PASSIVE SERVICE CHECK: ');
  /** Bytes counted so far (whole lines only). */
  private offset: number;
  count = 0;
  constructor(private readonly file: string) {
    this.offset = fs.statSync(file).size;
  }
  /** Reads the whole lines appended since the last poll and counts the marker in them (no strings: cheap at 100k lines/s). */
  poll(): number {
    const size = fs.statSync(this.file).size;
    if (size <= this.offset) return this.count;
    const fd = fs.openSync(this.file, 'r');
    const buf = Buffer.allocUnsafe(size - this.offset);
    const got = fs.readSync(fd, buf, 0, buf.length, this.offset);
    fs.closeSync(fd);
    const whole = buf.lastIndexOf(10, got - 1) + 1;
    for (let i = buf.indexOf(LogCounter.MARK, 0); i !== -1 && i < whole; i = buf.indexOf(LogCounter.MARK, i + LogCounter.MARK.length)) this.count++;
    this.offset += whole;
    return this.count;
  }
  async until(n: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.poll() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.count;
  }
}

/** One reading during a run: results Nagios has logged, and the CPU of the bridge and of Nagios, at one moment. */
interface Sample {
  at: number;
  count: number;
  bridgeCpu: number;
  nagiosCpu: number;
  brokerCpu: number;
  /** The machine's busy CPU seconds (all processes, /proc/stat), and this bench process's own. */
  machineCpu: number;
  benchCpu: number;
}

/** Rate and CPU per result between two samples. */
function between(a: Sample, b: Sample): Figures {
  const n = b.count - a.count;
  const seconds = (b.at - a.at) / 1000;
  const busy = b.bridgeCpu - a.bridgeCpu + (b.nagiosCpu - a.nagiosCpu) + (b.brokerCpu - a.brokerCpu);
  return {
    rate: n / seconds,
    seconds,
    bridgeUsPerResult: ((b.bridgeCpu - a.bridgeCpu) / n) * 1e6,
    nagiosUsPerResult: ((b.nagiosCpu - a.nagiosCpu) / n) * 1e6,
    brokerUsPerResult: ((b.brokerCpu - a.brokerCpu) / n) * 1e6,
    coresBusy: busy / seconds,
    machineCoresBusy: (b.machineCpu - a.machineCpu) / seconds,
    benchCores: (b.benchCpu - a.benchCpu) / seconds,
  };
}

/**
 * CPU seconds of a process and its descendants (Nagios' command file worker
 * and check workers), the tree found once: each sample reads only their stat
 * files, so the bench's own CPU stays small (a scan of /proc at every 20 ms
 * sample took a quarter of a core from the processes measured).
 */
function processGroup(pid: number): () => number {
  const pids = processTree(pid);
  return () => pids.reduce((t, p) => t + (processCpuSeconds(p) ?? 0), 0);
}

/** Busy CPU seconds of the whole machine (all but idle and iowait). */
function machineBusySeconds(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8');
  const v = f.slice(0, f.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  return (v.reduce((a, b) => a + b, 0) - (v[3] ?? 0) - (v[4] ?? 0)) / 100;
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Figures {
  rate: number;
  seconds: number;
  bridgeUsPerResult: number;
  nagiosUsPerResult: number;
  brokerUsPerResult: number;
  /** Cores kept busy by bridge, Nagios and broker together: well under the machine's cores means the chain waits somewhere. */
  coresBusy: number;
  machineCoresBusy: number;
  benchCores: number;
}

interface VariantRun extends Figures {
  variant: Variant;
  /** The RESULTS after the first WARMUP, same process (absent with --warmup 0). */
  warm?: Figures;
  stats: string;
}

/** A fresh broker for one variant: plain STOMP, or stomp+ssl with client certificates (site writes, consumer reads). */
async function brokerFor(variant: Variant, pki: BenchPki | undefined): Promise<{ port: number; pid: number; endpoint: BrokerEndpoint; stop(): Promise<void> }> {
  if (!usesTls(variant)) {
    const b = await startTestBroker({ heapMb: 512, fullJit: true, asDeployed: true });
    return { port: b.stompPort, pid: b.process.pid, endpoint: { name: 'bench', host: '127.0.0.1', port: b.stompPort }, stop: () => b.stop() };
  }
  const plainName = (d: string): string => d.replace(/^\/queue\//, '');
  const b = await startBenchTlsBroker(
    pki!,
    [
      { kind: 'queue', destination: plainName(queueOf(SITE)), write: ['sites'], read: ['consumers'], admin: ['sites', 'consumers'] },
      { kind: 'queue', destination: plainName(ERROR_DESTINATION), write: ['consumers'], admin: ['consumers'] },
    ],
    512,
  );
  return { port: b.stompSslPort, pid: b.process.pid, endpoint: { name: 'bench-tls', host: '127.0.0.1', port: b.stompSslPort, tls: pki!.tlsOf(pki!.site) }, stop: () => b.stop() };
}

async function main(): Promise<void> {
  const tmp = tempDir('gridmsg-bench-ingest-');
  const stops: Array<() => Promise<void> | void> = [];
  const load0 = os.loadavg();
  try {
    const hosts: NagiosHost[] = Array.from({ length: HOSTS }, (_, h) => ({ name: `wn${h}.cern.ch`, services: Array.from({ length: SERVICES }, (_, s) => ({ description: `org.sam.Probe-${s}` })) }));
    // One log line per processed result, whichever way it came (pipe or spool file).
    const paths = writePrivateNagios(path.join(tmp.dir, 'nagios'), { hosts, extraMainConfig: { log_passive_checks: 1, log_external_commands: 0, status_update_interval: 10, check_result_reaper_frequency: 1, max_check_result_reaper_time: 30 } });
    console.log(`bench/ingest: ${RESULTS} results (after a warm-up of ${WARMUP}), ${HOSTS * SERVICES} services, ${PER_MESSAGE} results per message, mode ${MODE}, variants ${VARIANTS.join(', ')}`);
    console.log('  brokers run with the JVM flags of the generated run.sh (full JIT) and the generated dispatch, store and STOMP transport settings, as in production');
    const needsPki = VARIANTS.some((v) => v !== 'plain');
    const [nagios, pki] = await Promise.all([startNagios(paths, 120_000), needsPki ? createBenchPki(SITE, CONSUMER, KEY_TYPE) : Promise.resolve(undefined)]);
    stops.push(() => nagios.stop());
    if (pki) {
      stops.push(() => pki.cleanup());
      console.log(`  TLS and signing keys: ${KEY_TYPE === 'ec' ? 'EC P-256' : 'RSA 2048'} certificates of a development CA`);
    }
    const signer = pki ? createSigner(pki.signingOf(pki.site)) : undefined;
    const built = fs.existsSync(path.join(REPO, 'dist', 'cli', 'main.js'));
    if (!built) console.log('  (no build in dist/: running the bridge from source through tsx, which is slower; run npx tsc -p . first)');

    const base = Math.floor(Date.now() / 1000) - 86_400;
    // The same commands with cat, straight into the pipe: once before the
    // bridge runs and once after them (the machine's speed drifts by tens of
    // percent over minutes here; one short cat run alone made the ratio jump).
    const catRun = async (shift: number, hour: number, when: string): Promise<number> => {
      const file = path.join(tmp.dir, `commands-${hour}.txt`);
      const out = fs.openSync(file, 'w');
      for (let i = 0; i < RESULTS; i++) {
        const r = ingestRecord(i, base + hour * 3600, shift);
        const prepared = { ref: { messageKey: 'cat', index: i, total: RESULTS }, kind: 'service' as const, host: r.hostName, service: r.metricName, code: (i + shift) % 4, timestamp: Date.parse(r.timestamp) / 1000, output: `${r.summaryData} | ${r.perfData}\n${r.detailsData}` };
        fs.writeSync(out, commandLine(prepared).line);
      }
      fs.closeSync(out);
      const catCounter = new LogCounter(paths.logFile);
      const t = Date.now();
      const nagiosCpu = processGroup(nagios.process.pid);
      const nagiosCpu1 = nagiosCpu();
      const cat = spawn('sh', ['-c', `cat "${file}" > "${paths.commandFile}"`], { stdio: 'inherit' });
      const catWritten = new Promise<number>((resolve) => cat.once('exit', () => resolve((Date.now() - t) / 1000)));
      const catGot = await catCounter.until(RESULTS, 300_000);
      const catSeconds = (Date.now() - t) / 1000;
      const catWrite = await catWritten;
      if (catGot < RESULTS) throw new Error(`Nagios got only ${catGot} of ${RESULTS} results from cat`);
      fs.rmSync(file);
      const rate = RESULTS / catSeconds;
      console.log(`  cat > command pipe, ${when}: ${RESULTS} results into Nagios in ${catSeconds.toFixed(2)} s = ${Math.round(rate)} results/s (cat itself finished writing after ${catWrite.toFixed(2)} s); CPU per result: Nagios ${(((nagiosCpu() - nagiosCpu1) / RESULTS) * 1e6).toFixed(1)} us`);
      return rate;
    };
    // Shift 3 then 0, 1, ... for the variants: every run changes every service's state.
    const catBefore = await catRun(3, -1, 'before the bridge runs');
    const runs: VariantRun[] = [];
    for (const [k, variant] of VARIANTS.entries()) {
      const broker = await brokerFor(variant, pki);
      try {
        // Each run changes every service's state once (shift k) with newer timestamps (base + k h).
        const runBase = base + k * 3600;
        let t = Date.now();
        let messages: OutMessage[] = [];
        const flush = async (): Promise<void> => {
          await publish(broker.endpoint, messages);
          messages = [];
        };
        // The warm-up results first (older timestamps), then the timed ones: all on the broker before the bridge starts.
        const total = WARMUP + RESULTS;
        for (let m = 0; m * PER_MESSAGE < total; m++) {
          const records = [];
          for (let i = m * PER_MESSAGE; i < Math.min(total, (m + 1) * PER_MESSAGE); i++) records.push(ingestRecord(i, runBase, k));
          const msg = resultMessage(SITE, records, `bench-${variant}-${m}`);
          if (usesSigning(variant)) {
            const bytes = typeof msg.body === 'string' ? Buffer.from(msg.body, 'utf8') : msg.body;
            messages.push({ ...msg, body: bytes, headers: { ...msg.headers, ...signer!.sign(bytes) } });
          } else messages.push(msg);
          if (messages.length === 200) await flush();
        }
        await flush();
        console.log(`  ${variant}: pre-loaded on the broker in ${((Date.now() - t) / 1000).toFixed(1)} s${usesSigning(variant) ? ' (signed by the site)' : ''}`);

        const tag = variant.replace('+', '-');
        const config = writeBridgeConfig(
          tmp.dir,
          {
            consumerFile: writeConsumerConfig(tmp.dir, broker.port, [{ site: SITE, hosts: ['*.cern.ch'], ...(usesSigning(variant) ? { signerDn: pki!.site.dn } : {}) }], {
              file: `consumer-${tag}.yaml`,
              ...(usesTls(variant) ? { tls: pki!.tlsOf(pki!.consumer) } : {}),
              ...(usesSigning(variant) ? { verificationCaFile: pki!.pki.caFile } : {}),
            }),
            stateDir: path.join(tmp.dir, `state-${tag}`),
            nagios: MODE === 'pipe' ? { mode: 'pipe', commandFile: paths.commandFile, longOutput: 'truncate', objectCache: path.join(paths.dir, 'objects.cache') } : { mode: 'spool', checkResultPath: paths.checkResultPath, objectCache: path.join(paths.dir, 'objects.cache'), resultsPerFile: 1000 },
            limits: { prefetch: 500 },
            summaryIntervalSeconds: 3600,
          },
          `msg-to-nagios-${tag}.yaml`,
        );
        const counter = new LogCounter(paths.logFile);
        // PROFILE=DIR: write a CPU profile of the bridge process there.
        const profile = process.env['PROFILE'];
        // BRIDGE_NODE_ARGS: extra node options for the bridge process (e.g. --max-semi-space-size=32).
        const nodeArgs = [...(process.env['BRIDGE_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? []), ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`])];
        const bridge = startBridge(config, path.join(tmp.dir, `bridge-${tag}.log`), [], nodeArgs, built);
        try {
          await bridge.waitForLog(/consuming/, 60_000);
          const [bridgeCpu, nagiosCpu, brokerCpu] = [processGroup(bridge.process.pid), processGroup(nagios.process.pid), processGroup(broker.pid)];
          const sample = (): Sample => ({ at: Date.now(), count: counter.poll(), bridgeCpu: bridgeCpu(), nagiosCpu: nagiosCpu(), brokerCpu: brokerCpu(), machineCpu: machineBusySeconds(), benchCpu: ownCpuSeconds() });
          const start: Sample = { ...sample(), count: 0 };
          // Cold: from the start to RESULTS; warm: from WARMUP to WARMUP + RESULTS (samples taken as the count passes each mark).
          let coldEnd: Sample | undefined;
          let warmStart: Sample | undefined;
          let last = start;
          const deadline = Date.now() + 300_000;
          while (last.count < total && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 20));
            last = sample();
            if (warmStart === undefined && WARMUP > 0 && last.count >= WARMUP) warmStart = last;
            if (coldEnd === undefined && last.count >= RESULTS) coldEnd = last;
          }
          if (last.count < total || coldEnd === undefined) throw new Error(`Nagios got only ${last.count} of ${total} results from the bridge (${variant}):\n${bridge.log().slice(-2000)}`);
          const run: VariantRun = { variant, ...between(start, coldEnd), ...(warmStart === undefined ? {} : { warm: between(warmStart, last) }), stats: '' };
          await bridge.process.stop();
          run.stats = /stats .*/.exec(bridge.log().split('\n').filter((l) => l.includes(' stats ')).at(-1) ?? '')?.[0] ?? '';
          runs.push(run);
          const line = (f: Figures): string => `${Math.round(f.rate)} results/s (${f.seconds.toFixed(2)} s); CPU per result: bridge ${f.bridgeUsPerResult.toFixed(1)} us, Nagios ${f.nagiosUsPerResult.toFixed(1)} us, broker ${f.brokerUsPerResult.toFixed(1)} us; ${f.coresBusy.toFixed(2)} cores busy (machine ${f.machineCoresBusy.toFixed(2)}, this bench ${f.benchCores.toFixed(2)})`;
          console.log(`  msg-to-nagios ${variant.padEnd(10)} cold (first ${coldEnd.count} results from start): ${line(run)}`);
          if (run.warm) console.log(`  msg-to-nagios ${variant.padEnd(10)} warm (${last.count - warmStart!.count} results after the first ${warmStart!.count}): ${line(run.warm)}`);
          if (run.stats !== '') console.log(`    bridge: ${run.stats}`);
        } finally {
          await bridge.process.stop();
        }
      } finally {
        await broker.stop();
      }
    }

    const catRates = [catBefore, await catRun(VARIANTS.length, VARIANTS.length, 'after the bridge runs')];
    const catRate = (catRates[0]! + catRates[1]!) / 2;
    console.log(`  cat rate: mean ${Math.round(catRate)} results/s of the two (${catRates.map((r) => Math.round(r)).join(' and ')})`);
    for (const r of runs) console.log(`  ratio msg-to-nagios ${r.variant} / cat: cold ${(r.rate / catRate).toFixed(2)}${r.warm ? `, warm ${(r.warm.rate / catRate).toFixed(2)}` : ''} (goal >= 0.8)`);
    const plain = runs.find((r) => r.variant === 'plain');
    if (plain && runs.length > 1) {
      console.log('  cost against plain, same run (throughput lost; bridge CPU per result added):');
      for (const r of runs) {
        if (r.variant === 'plain') continue;
        console.log(`    ${r.variant.padEnd(10)}: ${pct((1 - r.rate / plain.rate) * 100)} throughput cost, ${pct((r.bridgeUsPerResult / plain.bridgeUsPerResult - 1) * 100)} bridge CPU/result   ${goalOf(r.variant)}`);
      }
    }
    const load1 = os.loadavg();
    console.log(`  (load average ${load0.map((l) => l.toFixed(1)).join(' ')} at start, ${load1.map((l) => l.toFixed(1)).join(' ')} at the end, on ${os.cpus().length} cores)`);
  } finally {
    for (const stop of stops.reverse()) await stop();
    if (process.env['KEEP'] === undefined) tmp.cleanup();
    else console.log(`  kept ${tmp.dir}`);
  }
}

await main();
