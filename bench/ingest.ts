/**
 * Ingest benchmark of the central bridge (msg-to-nagios): N results already
 * on a real ActiveMQ (batched, 100 per message) consumed into a real Nagios 4
 * through the command pipe; then, in the same run and into the same Nagios,
 * the same commands written straight into the pipe with `cat`. Both rates are
 * measured the same way: from the start until Nagios has logged every result
 * (log_passive_checks=1: one PASSIVE SERVICE CHECK line per result processed).
 * Prints both and the ratio.
 *
 *   npx tsc -p . && npx tsx bench/ingest.ts [RESULTS=200000] [MODE=pipe|spool]
 *
 * The bridge runs from the build (bin/gridmsg.js, as in production) when
 * dist/ is there, else from source through tsx (slower: say so). Both runs
 * make Nagios do the same work: every service changes state once per run.
 * Goal: the bridge at least 0.8 of the raw `cat` rate (pipe mode).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isoTimestamp, type MetricRecord } from '../bridges/format/index.js';
import { startNagios, type NagiosHost } from '../bridges/nagios-instance.js';
import { commandLine } from '../bridges/msg-to-nagios/index.js';
import { startTestBroker } from '../test/helpers/broker.js';
import { tempDir } from '../test/helpers/tmp.js';
import { publish, REPO, resultMessage, startBridge, writeBridgeConfig, writeConsumerConfig, writePrivateNagios } from '../test/msg-to-nagios/helpers/harness.js';

const RESULTS = Number(process.argv[2] ?? 200_000);
const MODE = (process.argv[3] ?? 'pipe') as 'pipe' | 'spool';
const HOSTS = 200;
const SERVICES = 50;
const PER_MESSAGE = 100;
const SITE = 'CERN-PROD';

/** Result i; `shift` rotates the status so each run changes every service's state once. */
function record(i: number, base: number, shift = 0): MetricRecord {
  const host = `wn${i % HOSTS}.cern.ch`;
  const svc = `org.sam.Probe-${Math.floor(i / HOSTS) % SERVICES}`;
  return {
    kind: 'service',
    serviceURI: host,
    hostName: host,
    serviceFlavour: 'CREAM-CE',
    siteName: SITE,
    metricStatus: (['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const)[(i + shift) % 4]!,
    metricName: svc,
    summaryData: `OK - job ${i} submitted and finished in 42 s`,
    detailsData: 'queue long, exit 0',
    perfData: 'time=42s;60;120',
    gatheredAt: 'nagios.cern.ch',
    // Increasing per service, so the stale-result guard drops nothing.
    timestamp: isoTimestamp(base + Math.floor(i / (HOSTS * SERVICES))),
    nagiosName: 'nagios.cern.ch',
    role: 'site',
    voName: 'ops',
    stateType: 'HARD',
  };
}

/** Counts `PASSIVE SERVICE CHECK` lines appended to nagios.log since it was created. */
class LogCounter {
  private offset: number;
  private tail = '';
  count = 0;
  constructor(private readonly file: string) {
    this.offset = fs.statSync(file).size;
  }
  poll(): number {
    const size = fs.statSync(this.file).size;
    if (size <= this.offset) return this.count;
    const fd = fs.openSync(this.file, 'r');
    const buf = Buffer.alloc(size - this.offset);
    fs.readSync(fd, buf, 0, buf.length, this.offset);
    fs.closeSync(fd);
    this.offset = size;
    const lines = (this.tail + buf.toString('utf8')).split('\n');
    this.tail = lines.pop() ?? '';
    for (const l of lines) if (l.includes('PASSIVE SERVICE CHECK: ')) this.count++;
    return this.count;
  }
  async until(n: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.poll() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.count;
  }
}

/** CPU seconds (user + system) used so far by a process and its direct children (Nagios' command worker). */
function cpuSeconds(pid: number): number {
  const ticks = (p: string): number => {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return Number(rest[11]) + Number(rest[12]);
    } catch {
      return 0;
    }
  };
  let total = ticks(String(pid));
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]) === pid) total += ticks(p);
    } catch {
      /* gone */
    }
  }
  return total / 100;
}

async function main(): Promise<void> {
  const tmp = tempDir('gridmsg-bench-ingest-');
  const stops: Array<() => Promise<void> | void> = [];
  try {
    const hosts: NagiosHost[] = Array.from({ length: HOSTS }, (_, h) => ({ name: `wn${h}.cern.ch`, services: Array.from({ length: SERVICES }, (_, s) => ({ description: `org.sam.Probe-${s}` })) }));
    // One log line per processed result, whichever way it came (pipe or spool file).
    const paths = writePrivateNagios(path.join(tmp.dir, 'nagios'), { hosts, extraMainConfig: { log_passive_checks: 1, log_external_commands: 0, status_update_interval: 10, check_result_reaper_frequency: 1, max_check_result_reaper_time: 30 } });
    console.log(`bench/ingest: ${RESULTS} results, ${HOSTS * SERVICES} services, ${PER_MESSAGE} results per message, mode ${MODE}`);
    const [broker, nagios] = await Promise.all([startTestBroker({ heapMb: 512 }), startNagios(paths, 120_000)]);
    stops.push(() => nagios.stop(), () => broker.stop());

    const base = Math.floor(Date.now() / 1000) - 86_400;
    let t = Date.now();
    const messages = [];
    for (let m = 0; m * PER_MESSAGE < RESULTS; m++) {
      const records = [];
      for (let i = m * PER_MESSAGE; i < Math.min(RESULTS, (m + 1) * PER_MESSAGE); i++) records.push(record(i, base));
      messages.push(resultMessage(SITE, records, `bench-${m}`));
      if (messages.length === 200) await publish(broker.stompPort, messages.splice(0));
    }
    await publish(broker.stompPort, messages);
    console.log(`  pre-loaded on the broker in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    // 1. The bridge.
    const config = writeBridgeConfig(tmp.dir, {
      consumerFile: writeConsumerConfig(tmp.dir, broker.stompPort, [{ site: SITE, hosts: ['*.cern.ch'] }]),
      stateDir: path.join(tmp.dir, 'state'),
      nagios: MODE === 'pipe' ? { mode: 'pipe', commandFile: paths.commandFile, longOutput: 'truncate', objectCache: path.join(paths.dir, 'objects.cache') } : { mode: 'spool', checkResultPath: paths.checkResultPath, objectCache: path.join(paths.dir, 'objects.cache'), resultsPerFile: 1000 },
      limits: { prefetch: 500 },
      summaryIntervalSeconds: 3600,
    });
    const counter = new LogCounter(paths.logFile);
    // PROFILE=DIR: write a CPU profile of the bridge process there.
    const profile = process.env['PROFILE'];
    const built = fs.existsSync(path.join(REPO, 'dist', 'cli', 'main.js'));
    if (!built) console.log('  (no build in dist/: running the bridge from source through tsx, which is slower; run npx tsc -p . first)');
    // BRIDGE_NODE_ARGS: extra node options for the bridge process (e.g. --max-semi-space-size=32).
    const nodeArgs = [...(process.env['BRIDGE_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? []), ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`])];
    const bridge = startBridge(config, path.join(tmp.dir, 'bridge.log'), [], nodeArgs, built);
    stops.unshift(() => bridge.process.stop());
    await bridge.waitForLog(/consuming/, 60_000);
    t = Date.now();
    const nagiosCpu0 = cpuSeconds(nagios.process.pid);
    const bridgeCpu0 = cpuSeconds(bridge.process.pid);
    const got = await counter.until(RESULTS, 300_000);
    const bridgeCpu = cpuSeconds(bridge.process.pid) - bridgeCpu0;
    const nagiosCpuBridgeRun = cpuSeconds(nagios.process.pid) - nagiosCpu0;
    const bridgeSeconds = (Date.now() - t) / 1000;
    if (got < RESULTS) throw new Error(`Nagios got only ${got} of ${RESULTS} results from the bridge:\n${bridge.log().slice(-2000)}`);
    const bridgeRate = RESULTS / bridgeSeconds;
    console.log(`  msg-to-nagios: ${RESULTS} results into Nagios in ${bridgeSeconds.toFixed(2)} s = ${Math.round(bridgeRate)} results/s`);
    console.log(`    CPU per result: bridge ${((bridgeCpu / RESULTS) * 1e6).toFixed(1)} us, Nagios ${((nagiosCpuBridgeRun / RESULTS) * 1e6).toFixed(1)} us`);
    await bridge.process.stop();
    console.log(`  bridge: ${/stats .*/.exec(bridge.log().split('\n').filter((l) => l.includes(' stats ')).at(-1) ?? '')?.[0] ?? ''}`);

    // 2. The same commands with cat, straight into the pipe.
    const later = base + 3600;
    const file = path.join(tmp.dir, 'commands.txt');
    const out = fs.openSync(file, 'w');
    for (let i = 0; i < RESULTS; i++) {
      const r = record(i, later, 1);
      const prepared = { ref: { messageKey: 'cat', index: i, total: RESULTS }, kind: 'service' as const, host: r.hostName, service: r.metricName, code: (i + 1) % 4, timestamp: Date.parse(r.timestamp) / 1000, output: `${r.summaryData} | ${r.perfData}\n${r.detailsData}` };
      fs.writeSync(out, commandLine(prepared).line);
    }
    fs.closeSync(out);
    const catCounter = new LogCounter(paths.logFile);
    t = Date.now();
    const nagiosCpu1 = cpuSeconds(nagios.process.pid);
    const cat = spawn('sh', ['-c', `cat "${file}" > "${paths.commandFile}"`], { stdio: 'inherit' });
    const catWritten = new Promise<number>((resolve) => cat.once('exit', () => resolve((Date.now() - t) / 1000)));
    const catGot = await catCounter.until(RESULTS, 300_000);
    const catSeconds = (Date.now() - t) / 1000;
    const catWrite = await catWritten;
    if (catGot < RESULTS) throw new Error(`Nagios got only ${catGot} of ${RESULTS} results from cat`);
    const catRate = RESULTS / catSeconds;
    const nagiosCpuCatRun = cpuSeconds(nagios.process.pid) - nagiosCpu1;
    console.log(`  cat > command pipe: ${RESULTS} results into Nagios in ${catSeconds.toFixed(2)} s = ${Math.round(catRate)} results/s (cat itself finished writing after ${catWrite.toFixed(2)} s)`);
    console.log(`    CPU per result: Nagios ${((nagiosCpuCatRun / RESULTS) * 1e6).toFixed(1)} us`);
    console.log(`  ratio msg-to-nagios / cat: ${(bridgeRate / catRate).toFixed(2)} (goal >= 0.8)`);
  } finally {
    for (const stop of stops) await stop();
    if (process.env['KEEP'] === undefined) tmp.cleanup();
    else console.log(`  kept ${tmp.dir}`);
  }
}

await main();
