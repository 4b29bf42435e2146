/**
 * Scale rehearsal of the whole bus on one machine (issue 7).
 *
 *   npx tsx bench/grid.ts [--sites 250] [--rate 100] [--duration 180] [--regions 4]
 *                         [--services 20] [--workers 2] [--mode spool|pipe]
 *                         [--scenario both|steady|kill] [--heap-mb 512] [--result-bytes 400]
 *                         [--profile] [--keep]
 *
 * A registry of SITES sites on REGIONS regional failover pairs and a central
 * pair (2 x (REGIONS + 1) real ActiveMQ brokers, dev up's functions, every
 * standby running), SITES simulated sites each writing RATE results per second
 * (one burst per second, as a Nagios perfdata file grows) into a perfdata file
 * read by the real site-bridge code (bridges/nagios-to-msg Bridge: follower,
 * parser, filters, batcher, fsync'd spool, publisher with receipts), hosted in
 * WORKERS processes; one central bridge (the real CLI daemon) into a real
 * Nagios 4 with every site's host and SERVICES services defined.
 *
 * Every result carries its identity and the time its line was written; the
 * central Nagios writes each result it processes to a file the rehearsal
 * follows. Printed per scenario: results written, delivered (processed by the
 * central Nagios, once), lost, duplicates reaching Nagios, superseded (older
 * results of a service the central bridge dropped because Nagios had a newer
 * one), end-to-end latency p50/p99/max (line written -> processed by the
 * central Nagios), delivered rate, memory of brokers, bridges and Nagios.
 * Scenario `kill`: the active broker of region-1 is killed -9 half-way; the
 * standby's take-over and the recovery are timed.
 *
 * Goal (issue 7): 25,000 results/s end to end, 0 lost, 0 duplicates, p99 < 2 s,
 * recovery < 30 s. This machine has 2 cores shared with other work: run it
 * at a reduced scale and read the figures as what they are. What the goal
 * would take comes from the CPU breakdown each scenario prints: µs of CPU
 * per delivered result of every part (brokers by role, site bridges,
 * central bridge, central Nagios), read from /proc/PID/stat of every process
 * the rehearsal started, before and after the scenario, net of an idle
 * baseline, and the results/s per core that implies.
 *
 * --result-bytes: bytes per result in a message; RATE x this is the
 * registry's network.messageSize, which sizes the network-bridge and
 * consumer prefetch to the brokers' memory (topology/flow-sizing.ts).
 * --profile: V8 CPU profiles of the site-bridge processes in STATE/profiles
 * (with --keep; `npx tsx bench/grid/profile-top.ts FILE.cpuprofile`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareLocalNetwork, startLocalNetwork, type StartedBroker } from '../broker-config/index.js';
import { loadClientConfig } from '../clients/config-loader.js';
import { startNagios, type RunningNagios } from '../bridges/nagios-instance.js';
import { createLogger } from '../core/logger.js';
import { portOpen } from '../core/ports.js';
import { startProcess, type ManagedProcess } from '../core/process.js';
import { loadRegistry } from '../topology/index.js';
import { lastCentralStats } from '../demo/observe.js';
import { writeCentralBench, type CentralBench } from './grid/central.js';
import { CpuMeter, LineFollower, processMemoryMb } from './grid/follow.js';
import type { FromWorker, ToWorker, WorkerSetup, WorkerSite, WorkerSiteStats } from './grid/protocol.js';
import { CONSUMER, gridRegistryYaml, regionOf, siteHost, siteName } from './grid/registry.js';
import { parseOutput } from './grid/result-line.js';
import { Tally, type SiteGeneration } from './grid/tally.js';

const REPO = path.resolve(import.meta.dirname, '..');

const { values: opts } = parseArgs({
  options: {
    sites: { type: 'string', default: '250' },
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '180' },
    regions: { type: 'string', default: '4' },
    services: { type: 'string', default: '20' },
    workers: { type: 'string', default: '2' },
    mode: { type: 'string', default: 'spool' },
    scenario: { type: 'string', default: 'both' },
    'heap-mb': { type: 'string', default: '512' },
    'result-bytes': { type: 'string', default: '400' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const int = (name: keyof typeof opts, min: number): number => {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be a whole number >= ${min}`);
  return v;
};
const SITES = int('sites', 1);
const RATE = int('rate', 1);
const DURATION = int('duration', 10);
const REGIONS = int('regions', 1);
const SERVICES = int('services', 1);
const WORKERS = Math.min(int('workers', 1), SITES);
const HEAP_MB = int('heap-mb', 128);
/** Bytes one result takes in a message (grid format): with RATE results per message, the registry's network.messageSize. */
const RESULT_BYTES = int('result-bytes', 1);
const PROFILE = opts.profile === true;
const MODE = opts.mode === 'pipe' ? 'pipe' : 'spool';
const SCENARIOS = opts.scenario === 'both' ? ['steady', 'kill'] : [String(opts.scenario)];

const abort = new AbortController();
process.on('SIGINT', () => abort.abort());
process.on('SIGTERM', () => abort.abort());
const log = (s: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** `p`, or a rejection as soon as Ctrl-C arrives (the cleanup then stops everything). */
function unlessAborted<T>(p: Promise<T>): Promise<T> {
  if (abort.signal.aborted) return Promise.reject(new Error('interrupted'));
  return Promise.race([p, new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(new Error('interrupted')), { once: true }))]);
}

interface Worker {
  child: ChildProcess;
  sites: WorkerSite[];
  next(type: FromWorker['type']): Promise<FromWorker>;
  send(m: ToWorker): void;
}

function startWorker(dir: string, index: number, setup: WorkerSetup): Worker {
  const file = path.join(dir, `worker-${index}.json`);
  fs.writeFileSync(file, JSON.stringify(setup));
  const logFd = fs.openSync(path.join(dir, `worker-${index}.log`), 'a');
  // Many spools fsync at once: more libuv threads than the default 4, so file reads do not queue behind them.
  const child = fork(path.join(REPO, 'bench', 'grid', 'site-worker.ts'), [file], {
    // --profile: a V8 CPU profile of each site-bridge process (written when it exits; summarize with bench/grid/profile-top.ts).
    execArgv: ['--import', 'tsx', ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, 'profiles')}`] : [])],
    stdio: ['ignore', logFd, logFd, 'ipc'],
    cwd: REPO,
    env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
  });
  fs.closeSync(logFd);
  const inbox: FromWorker[] = [];
  const waiters: Array<{ type: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void }> = [];
  const deliver = (): void => {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      const at = inbox.findIndex((m) => m.type === w.type || m.type === 'failed');
      if (at < 0) continue;
      const [m] = inbox.splice(at, 1);
      waiters.splice(i--, 1);
      if (m!.type === 'failed') w.reject(new Error(`worker ${index}: ${m!.error}`));
      else w.resolve(m!);
    }
  };
  child.on('message', (m: FromWorker) => {
    inbox.push(m);
    deliver();
  });
  child.once('exit', (code) => {
    inbox.push({ type: 'failed', error: `exited (${code})` });
    deliver();
  });
  return {
    child,
    sites: setup.sites,
    next: (type) => new Promise((resolve, reject) => {
      waiters.push({ type, resolve, reject });
      deliver();
    }),
    send: (m) => void child.send(m),
  };
}

async function workerStats(workers: Worker[]): Promise<Array<Extract<FromWorker, { type: 'stats' }>>> {
  return Promise.all(
    workers.map(async (w) => {
      const reply = w.next('stats');
      w.send({ type: 'stats' });
      return (await reply) as Extract<FromWorker, { type: 'stats' }>;
    }),
  );
}

interface Memory {
  brokers: Array<{ name: string; rss: number; hwm: number }>;
  workers: Array<{ rss: number; hwm: number }>;
  centralBridge: { rss: number; hwm: number } | undefined;
  nagios: { rss: number; hwm: number } | undefined;
}

async function memory(brokers: StartedBroker[], workers: Worker[], centralBridge: ManagedProcess, nagios: RunningNagios): Promise<Memory> {
  const stats = await workerStats(workers);
  return {
    brokers: brokers.flatMap((b) => {
      const m = processMemoryMb(b.pid);
      return m ? [{ name: b.name, ...m }] : [];
    }),
    workers: stats.map((s) => ({ rss: s.rssMb, hwm: s.hwmMb })),
    centralBridge: processMemoryMb(centralBridge.pid),
    nagios: processMemoryMb(nagios.process.pid),
  };
}

const mb = (n: number): string => `${n.toFixed(0)} MB`;

const CPU_GROUPS = ['regional brokers', 'central brokers', 'site bridges', 'central bridge', 'central Nagios'] as const;
type CpuGroup = (typeof CPU_GROUPS)[number];
type CpuGroups = Record<CpuGroup, number>;

/**
 * CPU seconds (utime + stime from /proc/PID/stat) used so far by every
 * process the rehearsal started, with its descendants (Nagios' workers),
 * summed per part. A process that died keeps what it had used at its last
 * reading (the broker killed -9).
 */
function cpuNow(brokers: StartedBroker[], workers: Worker[], centralBridge: ManagedProcess, nagios: RunningNagios, meter: CpuMeter): CpuGroups {
  const parents = CpuMeter.parents();
  const of = (pid: number | undefined): number => (pid === undefined ? 0 : meter.seconds(pid, parents));
  const brokersOf = (central: boolean): number => brokers.filter((b) => (b.pair === 'central') === central).reduce((n, b) => n + of(b.pid), 0);
  return {
    'regional brokers': brokersOf(false),
    'central brokers': brokersOf(true),
    'site bridges': workers.reduce((n, w) => n + of(w.child.pid), 0),
    'central bridge': of(centralBridge.pid),
    'central Nagios': of(nagios.process.pid),
  };
}

/** The CPU lines of a scenario: per part, cores used, and µs of CPU per delivered result net of the idle baseline, and what that means in capacity. */
function cpuReport(before: CpuGroups, after: CpuGroups, idle: CpuGroups, seconds: number, delivered: number, harnessSeconds: number, writerSeconds: number): string[] {
  // The site-bridge processes also play the sites' Nagios (writing the lines): that CPU is reported apart, as a site's cost.
  const used = (k: CpuGroup): number => after[k] - before[k] - (k === 'site bridges' ? writerSeconds : 0);
  const net = (k: CpuGroup): number => Math.max(0, used(k) - idle[k] * seconds);
  const us = (cpu: number): number => (cpu * 1e6) / Math.max(1, delivered);
  const perCore = (micro: number): string => (micro > 0 ? `${Math.round(1e6 / micro).toLocaleString('en-US')}/s per core` : '-');
  const busTotal = CPU_GROUPS.reduce((n, k) => n + used(k), 0);
  const totalNet = CPU_GROUPS.reduce((n, k) => n + net(k), 0);
  const idleCores = CPU_GROUPS.reduce((n, k) => n + idle[k], 0);
  const brokersNet = net('regional brokers') + net('central brokers');
  const rows: Array<[string, number, number]> = [
    ['brokers (all 2 x (regions + 1))', used('regional brokers') + used('central brokers'), brokersNet],
    ['  regional brokers', used('regional brokers'), net('regional brokers')],
    ['  central brokers', used('central brokers'), net('central brokers')],
    ['site bridges', used('site bridges'), net('site bridges')],
    ['central bridge', used('central bridge'), net('central bridge')],
    ['central Nagios (with its workers)', used('central Nagios'), net('central Nagios')],
    ['total: the bus', busTotal, totalNet],
    ["simulated sites' Nagios (lines written)", writerSeconds, writerSeconds],
  ];
  const lines = [
    `  CPU over the scenario (${seconds.toFixed(0)} s, ${delivered} results delivered; /proc/PID/stat utime+stime of every process started, before and after; idle baseline ${idleCores.toFixed(2)} cores subtracted):`,
    `    ${'part'.padEnd(40)} ${'cores'.padStart(6)} ${'us/result'.padStart(10)} ${'net us'.padStart(8)}  capacity (net)`,
  ];
  for (const [name, cpu, n] of rows) {
    lines.push(`    ${name.padEnd(40)} ${(cpu / seconds).toFixed(2).padStart(6)} ${us(cpu).toFixed(1).padStart(10)} ${us(n).toFixed(1).padStart(8)}  ${perCore(us(n))}`);
  }
  const totalUs = us(totalNet);
  const withSitesUs = us(totalNet + writerSeconds);
  lines.push(`    (the rehearsal's own process, not counted: ${(harnessSeconds / seconds).toFixed(2)} cores; machine: ${os.cpus().length} cores)`);
  lines.push(
    `  capacity implied: ${totalUs.toFixed(0)} us of CPU per result end to end = ${perCore(totalUs)} of the whole bus; ${RATE} results per message; 25,000 results/s would need about ${((25_000 * totalUs) / 1e6 + idleCores).toFixed(1)} cores for the bus (net cost plus the ${idleCores.toFixed(2)}-core idle baseline), ${((25_000 * withSitesUs) / 1e6 + idleCores).toFixed(1)} with the simulated sites writing their lines on the same machine`,
  );
  return lines;
}

interface ScenarioReport {
  lines: string[];
}

async function scenario(
  name: string,
  idle: CpuGroups,
  ctx: { brokers: StartedBroker[]; workers: Worker[]; central: CentralBench; centralBridge: ManagedProcess; centralLog: string; nagios: RunningNagios; follower: { tally: Tally } },
): Promise<ScenarioReport> {
  const run = `${name}${Date.now() % 100000}`;
  const tally = new Tally(run);
  ctx.follower.tally = tally;
  const statsBefore = lastCentralStats(fs.readFileSync(ctx.centralLog, 'utf8'));
  const cpuSeen = new CpuMeter();
  const cpuBefore = cpuNow(ctx.brokers, ctx.workers, ctx.centralBridge, ctx.nagios, cpuSeen);
  const harnessBefore = process.cpuUsage();
  const started = Date.now();
  const durationMs = DURATION * 1000;
  log(`scenario ${name}: ${SITES} sites x ${RATE} results/s for ${DURATION} s (${SITES * RATE} results/s offered)`);
  const generated = ctx.workers.map((w) => w.next('generated'));
  for (const w of ctx.workers) w.send({ type: 'generate', run, durationMs });

  let kill: { broker: string; at: number; takeoverAt?: number; standby: StartedBroker | undefined; sites: number[] } | undefined;
  let peakMemory: Memory | undefined;
  const progress = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    const rates = tally.ratesBetween(Date.now() - 10_000, Date.now());
    const avg = rates.length === 0 ? 0 : rates.reduce((a, b) => a + b, 0) / rates.length;
    log(`  +${secs} s: ${tally.delivered} delivered to the central Nagios, ${avg.toFixed(0)}/s over the last 10 s, p99 so far ${tally.percentile(0.99)} ms${tally.duplicates ? `, ${tally.duplicates} duplicates` : ''}`);
  }, 10_000);
  try {
    if (name === 'kill') {
      await unlessAborted(sleep(durationMs / 2));
      const victim = ctx.brokers.find((b) => b.pair === 'region-1' && b.role === 'active' && b.process.alive());
      const standby = ctx.brokers.find((b) => b.pair === 'region-1' && b !== victim && b.process.alive());
      if (victim) {
        const at = Date.now();
        tally.markKill(at);
        const sites = Array.from({ length: SITES }, (_, i) => i).filter((i) => regionOf(i, REGIONS) === 'region-1');
        kill = { broker: victim.name, at, standby, sites };
        log(`  kill -9 ${victim.name} (pid ${victim.pid}), ${sites.length} sites publish to its pair`);
        peakMemory = await memory(ctx.brokers, ctx.workers, ctx.centralBridge, ctx.nagios);
        await victim.process.kill9();
        victim.role = 'starting';
        if (standby) {
          const deadline = at + 120_000;
          while (Date.now() < deadline && !(await portOpen(standby.host, standby.stompPort))) await sleep(100);
          if (await portOpen(standby.host, standby.stompPort)) {
            kill.takeoverAt = Date.now();
            standby.role = 'active';
            log(`  ${standby.name} took over after ${((kill.takeoverAt - at) / 1000).toFixed(1)} s`);
          }
        }
      }
    } else {
      await unlessAborted(sleep(durationMs * 0.8));
      peakMemory = await memory(ctx.brokers, ctx.workers, ctx.centralBridge, ctx.nagios);
    }
    const gen = (await unlessAborted(Promise.all(generated))) as Array<Extract<FromWorker, { type: 'generated' }>>;
    const writerSeconds = gen.reduce((n, g) => n + g.writerCpuSeconds, 0);
    const generation: SiteGeneration[] = gen.flatMap((g) => g.sites).map((s: WorkerSiteStats) => ({ site: s.site, generated: s.generated, bursts: s.bursts }));
    const generatedTotal = generation.reduce((n, g) => n + g.generated, 0);
    const endOfWriting = Date.now();
    log(`  writing done: ${generatedTotal} results; waiting for the last ones (up to 5 min, or 60 s without progress)`);
    let last = -1;
    let lastChange = Date.now();
    while (tally.delivered < generatedTotal && Date.now() - endOfWriting < 300_000 && Date.now() - lastChange < 60_000 && !abort.signal.aborted) {
      await sleep(500);
      if (tally.delivered !== last) {
        last = tally.delivered;
        lastChange = Date.now();
      }
    }
    // One more "stats" line of the central bridge (every 5 s) so its counts cover the whole scenario.
    await sleep(6000);
    const acc = tally.account(generation, SERVICES);
    const cpuAfter = cpuNow(ctx.brokers, ctx.workers, ctx.centralBridge, ctx.nagios, cpuSeen);
    const statsAfter = lastCentralStats(fs.readFileSync(ctx.centralLog, 'utf8'));
    const workerState = await workerStats(ctx.workers);
    const spooled = workerState.reduce((n, w) => n + w.sites.reduce((m, s) => m + s.spoolRecords, 0), 0);
    const steadyRates = tally.ratesBetween(started + 10_000, Math.min(endOfWriting, started + durationMs) - 2_000);
    const meanRate = steadyRates.length === 0 ? 0 : steadyRates.reduce((a, b) => a + b, 0) / steadyRates.length;
    const minRate = steadyRates.length === 0 ? 0 : Math.min(...steadyRates);
    const lines: string[] = [];
    lines.push(`scenario ${name}: ${SITES} sites x ${RATE} results/s (offered ${SITES * RATE}/s) for ${DURATION} s, ${REGIONS} regional pairs + central, ${WORKERS} site-bridge processes, central bridge ${MODE} mode`);
    // "Not delivered": written, never processed by the central Nagios by the end of the wait, and no newer result of that service was either.
    // Lost unless it is still on its way: in a site spool (counted here) or in a broker (see --keep and the broker logs).
    lines.push(`  written ${acc.generated}, delivered to the central Nagios ${acc.delivered}, not delivered ${acc.lost}, duplicates reaching Nagios ${acc.duplicates}, superseded ${acc.superseded}`);
    if (acc.lostExamples.length > 0) lines.push(`    not delivered e.g. ${acc.lostExamples.join('; ')}`);
    if (acc.lost > 0) lines.push(`    of those, still in the site bridges' spools: ${spooled}; the rest were receipted by a broker and had not come out of the network when the wait ended`);
    if (statsAfter) {
      // No stats line before the first scenario: the bridge had counted nothing yet.
      const b = statsBefore ?? { records: 0, submitted: 0, stale: 0, duplicates: 0, rejected: 0 };
      lines.push(`    central bridge in this scenario: ${statsAfter.records - b.records} records consumed, ${statsAfter.submitted - b.submitted} submitted, ${statsAfter.stale - b.stale} stale dropped, ${statsAfter.duplicates - b.duplicates} duplicates dropped, ${statsAfter.rejected - b.rejected} refused`);
    }
    lines.push(`  delivered rate (whole seconds from +10 s to the end of writing): mean ${meanRate.toFixed(0)}/s, lowest ${minRate}/s`);
    lines.push(`  end-to-end latency (line written -> processed by the central Nagios): p50 ${tally.percentile(0.5)} ms, p99 ${tally.percentile(0.99)} ms, max ${tally.max} ms`);
    if (kill) {
      const times = tally.killTimes(kill.sites);
      const firsts = times.firstAfterKillPerSite;
      const resumed = firsts.every((f) => f !== undefined) ? Math.max(...(firsts as number[])) : undefined;
      const backlog = times.lastBeforeKill;
      const recovery = resumed === undefined || backlog === undefined ? undefined : Math.max(resumed, backlog) - kill.at;
      lines.push(`  kill -9 of ${kill.broker} at +${((kill.at - started) / 1000).toFixed(0)} s: standby ${kill.standby?.name ?? '-'} active after ${kill.takeoverAt === undefined ? 'never (within 120 s)' : `${((kill.takeoverAt - kill.at) / 1000).toFixed(1)} s`}`);
      lines.push(`    every one of its ${kill.sites.length} sites had a result written after the kill at the central Nagios after ${resumed === undefined ? `never (${firsts.filter((f) => f === undefined).length} sites not)` : `${((resumed - kill.at) / 1000).toFixed(1)} s`}`);
      lines.push(`    the last result written before the kill reached the central Nagios ${backlog === undefined ? 'never' : `${((backlog - kill.at) / 1000).toFixed(1)} s after the kill`}`);
      lines.push(`    recovery (both of the above): ${recovery === undefined ? 'not complete' : `${(recovery / 1000).toFixed(1)} s`}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const harness = process.cpuUsage(harnessBefore);
    if (acc.delivered < acc.generated * 0.9) lines.push('  CPU per result: not computed, most results were not delivered');
    else lines.push(...cpuReport(cpuBefore, cpuAfter, idle, seconds, acc.delivered, (harness.user + harness.system) / 1e6, writerSeconds));
    const m = peakMemory;
    if (m) {
      const active = m.brokers;
      lines.push(`  memory (${name === 'kill' ? 'just before the kill' : 'at 80% of the run'}; RSS, peak): brokers ${active.map((b) => `${b.name} ${mb(b.rss)}`).join(', ')}`);
      lines.push(`    site bridges: ${m.workers.map((w, i) => `process ${i + 1} (${ctx.workers[i]!.sites.length} sites) ${mb(w.rss)}, peak ${mb(w.hwm)}`).join('; ')}; per site about ${mb(m.workers.reduce((n, w) => n + w.hwm, 0) / SITES)}`);
      lines.push(`    central bridge ${m.centralBridge ? `${mb(m.centralBridge.rss)}, peak ${mb(m.centralBridge.hwm)}` : 'gone'}; central Nagios ${m.nagios ? `${mb(m.nagios.rss)}, peak ${mb(m.nagios.hwm)}` : 'gone'}`);
    }
    return { lines };
  } finally {
    clearInterval(progress);
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridmsg-bench-grid-'));
  const logger = createLogger({ level: 'warn' });
  const cleanups: Array<() => Promise<void>> = [];
  const reports: string[] = [];
  try {
    log(`state in ${dir}; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const registryFile = path.join(dir, 'registry.yaml');
    fs.writeFileSync(registryFile, gridRegistryYaml(SITES, REGIONS, RATE * RESULT_BYTES));
    const registry = loadRegistry(registryFile);
    const netDir = path.join(dir, 'network');
    const net = await prepareLocalNetwork(registry, netDir, { maxHeapMb: HEAP_MB });
    const t0 = Date.now();
    log(`starting ${registry.brokers.length} brokers (${registry.pairs.length} pairs, heap ${HEAP_MB} MB each) ...`);
    const brokers = await startLocalNetwork(net, { logger, signal: abort.signal, timeoutMs: 300_000, fullJit: true });
    cleanups.push(async () => void (await Promise.all(brokers.map((b) => b.process.stop(20_000)))));
    log(`  brokers up in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const consumerFile = path.join(netDir, 'consumers', `${CONSUMER}.yaml`);
    const consumer = loadClientConfig(consumerFile);
    if (consumer.kind !== 'consumer') throw new Error(`${consumerFile} is not a consumer config`);
    const central = writeCentralBench(path.join(dir, 'central'), consumer, consumerFile, SITES, SERVICES, MODE);
    const nagios = await startNagios(central.nagios, 120_000);
    cleanups.push(() => nagios.stop());
    const centralLog = path.join(dir, 'central-bridge.log');
    const centralBridge = startProcess(process.execPath, ['--import', 'tsx', path.join(REPO, 'test', 'broker-config', 'cli-entry.ts'), '--log-format', 'json', 'msg-to-nagios', '--config', central.bridgeConfig], {
      cwd: REPO,
      logFile: centralLog,
      detached: true,
    });
    cleanups.push(() => centralBridge.stop(30_000));
    for (let i = 0; !fs.readFileSync(centralLog, 'utf8').includes('"message":"consuming"'); i++) {
      if (!centralBridge.alive() || i > 1200) throw new Error(`the central bridge did not start:\n${fs.readFileSync(centralLog, 'utf8').slice(-2000)}`);
      await sleep(100);
    }
    log(`central Nagios pid ${nagios.process.pid} (${SITES} hosts, ${SITES * SERVICES} services), central bridge pid ${centralBridge.pid} consuming ${consumer.queues.length} queues`);

    const holder: { tally: Tally } = { tally: new Tally('none') };
    const follower = new LineFollower(central.processedFile, (line, at) => holder.tally.note(parseOutput(line), at));
    follower.start();
    cleanups.push(async () => follower.stop());

    const sites: WorkerSite[] = Array.from({ length: SITES }, (_, i) => ({
      index: i,
      name: siteName(i),
      host: siteHost(i),
      clientConfig: path.join(netDir, 'sites', `${siteName(i)}.yaml`),
      dir: path.join(dir, 'sites', siteName(i)),
    }));
    const workers = Array.from({ length: WORKERS }, (_, w) => startWorker(dir, w, { sites: sites.filter((s) => s.index % WORKERS === w), rate: RATE, services: SERVICES }));
    cleanups.push(async () => {
      await Promise.all(
        workers.map(async (w) => {
          if (w.child.exitCode !== null) return;
          const stopped = w.next('stopped').catch(() => undefined);
          w.send({ type: 'shutdown' });
          await Promise.race([stopped, sleep(60_000)]);
          // It exits on its own after `stopped` (and then writes its --profile); SIGKILL only if it does not.
          if (w.child.exitCode === null) await Promise.race([new Promise((r) => w.child.once('exit', r)), sleep(10_000)]);
          if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
        }),
      );
    });
    await unlessAborted(Promise.all(workers.map((w) => w.next('ready'))));
    log(`${WORKERS} site-bridge processes up (${workers.map((w) => `pid ${w.child.pid}: ${w.sites.length} sites`).join(', ')})`);

    // What everything costs doing nothing (10 JVMs, bridges' timers, Nagios), to tell it from the cost per result.
    const idleSeen = new CpuMeter();
    const idleFrom = cpuNow(brokers, workers, centralBridge, nagios, idleSeen);
    const idleStart = Date.now();
    await unlessAborted(sleep(15_000));
    const idleTo = cpuNow(brokers, workers, centralBridge, nagios, idleSeen);
    const idleSeconds = (Date.now() - idleStart) / 1000;
    const idle = Object.fromEntries((Object.keys(idleTo) as Array<keyof CpuGroups>).map((k) => [k, (idleTo[k] - idleFrom[k]) / idleSeconds])) as CpuGroups;
    log(`idle for ${idleSeconds.toFixed(0)} s: ${Object.entries(idle).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} cores`);

    for (const name of SCENARIOS) {
      if (abort.signal.aborted) break;
      const r = await scenario(name, idle, { brokers, workers, central, centralBridge, centralLog, nagios, follower: holder });
      reports.push(r.lines.join('\n'));
      process.stdout.write(`${r.lines.join('\n')}\n\n`);
    }
    process.stdout.write(`(load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores; goals: 25,000 results/s, 0 lost, 0 duplicates, p99 < 2000 ms, recovery < 30 s)\n`);
  } finally {
    log('stopping everything ...');
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        log(`cleanup: ${String(err)}`);
      }
    }
    if (opts.keep) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
