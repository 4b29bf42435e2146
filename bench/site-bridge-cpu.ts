/**
 * CPU per result of the site bridge, as the scale rehearsal runs it.
 *
 *   flock /tmp/gridmsg-bench.lock npx tsx bench/site-bridge-cpu.ts [--sites 50] [--rate 100] [--duration 20]
 *                                 [--baseline DIR [--rounds 2]] [--profile FILE.cpuprofile]
 *
 * One real local ActiveMQ (persistent, receipts). In this process, SITES real
 * site bridges (`Bridge` of bridges/nagios-to-msg: follower, line parser,
 * filters, batcher, fsync'd spool, publisher with receipts), each following its
 * own perfdata file, configured as bench/grid/site-worker.ts configures them;
 * each site appends RATE result lines (bench/grid/result-line.ts) in one burst
 * per second, sites spread over the second. After a warm-up of 5 s, for
 * DURATION seconds: the bridge CPU of this process (process.cpuUsage, minus
 * the CPU spent generating and appending the lines, measured around each
 * burst) per receipted result, results/s receipted, and the idle cost of the
 * bridges (CPU per second with no input, measured before the run) so the
 * per-result part can be told from the fixed per-bridge part.
 *
 * The status files go to tmpfs, as in the rehearsal (250 bridges on one host;
 * in production each host has one). --baseline DIR: first the same
 * measurement with the Bridge of another checkout of gridmsg (e.g.
 * `git archive <rev> | tar -x -C DIR` plus a node_modules symlink), then
 * this checkout's, on the same broker in the same run, alternating ROUNDS
 * times (--rounds, default 2), and the ratio of the means. A short first
 * measurement is thrown away: the first one of a run costs 10-30 % more
 * (the broker warming up), which made a single baseline-then-this pair
 * favour this checkout.
 *
 * --profile writes a V8 CPU profile of the measured phase
 * (summary: npx tsx bench/grid/profile-top.ts FILE).
 */
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../core/logger.js';
import type { Bridge } from '../bridges/nagios-to-msg/index.js';
import { startTestBroker, type TestBroker } from '../test/helpers/broker.js';
import { tempDir } from '../test/helpers/tmp.js';
import { writeSiteClientConfig } from '../test/nagios-to-msg/helpers.js';
import { resultLine, serviceOf } from './grid/result-line.js';

const { values: opts } = parseArgs({
  options: {
    sites: { type: 'string', default: '50' },
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '20' },
    services: { type: 'string', default: '20' },
    profile: { type: 'string' },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '2' },
  },
});
const SITES = Number(opts.sites);
const RATE = Number(opts.rate);
const DURATION_S = Number(opts.duration);
const SERVICES = Number(opts.services);
const ROUNDS = Math.max(1, Number(opts.rounds));
const WARMUP_S = 5;
const IDLE_S = 5;

interface Site {
  index: number;
  host: string;
  input: string;
  bridge: Bridge;
  seq: number;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

interface Measured {
  label: string;
  results: number;
  seconds: number;
  cpuUs: number;
  sysUs: number;
  idleUsPerS: number;
  generatorUs: number;
  load: number[];
  allArrived: string;
}

type BridgeModule = typeof import('../bridges/nagios-to-msg/index.js');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(label: string, mod: BridgeModule, broker: TestBroker, profile: string | undefined, durationS = DURATION_S): Promise<Measured> {
  const tmp = tempDir('site-bridge-cpu');
  const shm = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/gridmsg-site-bridge-cpu-') : undefined;
  const logger = createLogger({ level: 'warn' });
  const sites: Site[] = [];
  let generateCpu = 0;
  try {
    const client = writeSiteClientConfig(tmp.dir, broker.stompPort, '/queue/bench.site-bridge-cpu', 'BENCH-SITE');
    for (let i = 0; i < SITES; i++) {
      const dir = path.join(tmp.dir, `site${i}`);
      fs.mkdirSync(dir, { recursive: true });
      const input = path.join(dir, 'service-perfdata');
      fs.writeFileSync(input, '');
      const file = path.join(dir, 'nagios-to-msg.yaml');
      fs.writeFileSync(
        file,
        [
          `client: ${client}`,
          'inputs:',
          '  - name: services',
          `    path: ${input}`,
          '    rotateAtBytes: 4MiB',
          'spool:',
          `  dir: ${path.join(dir, 'spool')}`,
          'batch: { maxRecords: 500, maxBytes: 256KiB, linger: 20ms }',
          'format: grid',
          `statusFile: ${path.join(shm ?? dir, `site${i}`, 'status.json')}`,
          'filters:',
          '  skipSoft: true',
          `  include: { hosts: ["*.site${i}.example.org"] }`,
          '',
        ].join('\n'),
      );
      const bridge = await mod.Bridge.start({ config: mod.parseBridgeConfig(fs.readFileSync(file, 'utf8'), file), logger });
      sites.push({ index: i, host: `ce.site${i}.example.org`, input, bridge, seq: 0 });
    }
    const receipted = (): number => sites.reduce((n, s) => n + s.bridge.status().publisher.receiptedRecords, 0);
    const generated = (): number => sites.reduce((n, s) => n + s.seq, 0);

    // Idle cost: the bridges with no input.
    await sleep(2000);
    const idle0 = cpuUs();
    await sleep(IDLE_S * 1000);
    const idleUsPerS = (cpuUs() - idle0) / IDLE_S;

    let stop = false;
    const start = Date.now();
    const written = new Array<number>(SITES).fill(-1);
    const generator = setInterval(() => {
      if (stop) return;
      const elapsed = Date.now() - start;
      const slot = Math.floor(elapsed / 1000);
      const within = elapsed % 1000;
      const c0 = cpuUs();
      for (const s of sites) {
        if (written[s.index]! >= slot || within < Math.floor((s.index * 1000) / SITES)) continue;
        written[s.index] = slot;
        const writtenAt = Date.now();
        let text = '';
        for (let k = 0; k < RATE; k++, s.seq++) text += `${resultLine(s.host, serviceOf(s.seq, SERVICES), { run: 'cpu', site: s.index, seq: s.seq, writtenAt })}\n`;
        fs.appendFileSync(s.input, text);
      }
      generateCpu += cpuUs() - c0;
    }, 10);

    await sleep(WARMUP_S * 1000);
    const session = profile ? new inspector.Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    const load = os.loadavg();
    const r0 = receipted();
    const s0 = process.cpuUsage().system;
    const c0 = cpuUs();
    const g0 = generateCpu;
    const t0 = performance.now();
    await sleep(durationS * 1000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuUs() - c0 - (generateCpu - g0);
    const sys = process.cpuUsage().system - s0;
    const r1 = receipted();
    if (session) {
      const result = await session.post('Profiler.stop');
      fs.writeFileSync(profile!, JSON.stringify(result.profile));
      session.disconnect();
    }
    stop = true;
    clearInterval(generator);
    // Everything written must arrive (the bench is not allowed to lose).
    const deadline = Date.now() + 30_000;
    while (receipted() < generated() && Date.now() < deadline) await sleep(100);

    return {
      label,
      results: r1 - r0,
      seconds,
      cpuUs: cpu,
      sysUs: sys,
      idleUsPerS,
      generatorUs: generateCpu - g0,
      load,
      allArrived: receipted() >= generated() ? 'yes' : `NO (${receipted()} of ${generated()})`,
    };
  } finally {
    await Promise.all(sites.map((s) => s.bridge.stop().catch(() => {})));
    tmp.cleanup();
    if (shm) fs.rmSync(shm, { recursive: true, force: true });
  }
}

function report(m: Measured): string {
  const perResult = m.cpuUs / m.results;
  const idlePerResult = (m.idleUsPerS * m.seconds) / m.results;
  return [
    `${m.label}: ${SITES} bridges x ${RATE} results/s in one burst per second, ${m.seconds.toFixed(1)} s measured (load average ${m.load.map((l) => l.toFixed(1)).join(' ')})`,
    `  receipted        ${m.results} results, ${(m.results / m.seconds).toFixed(0)} results/s (offered ${SITES * RATE}/s)`,
    `  bridge CPU       ${perResult.toFixed(1)} us/result (${(m.cpuUs / m.seconds / 1e6).toFixed(2)} cores; system ${(m.sysUs / m.results).toFixed(1)} us/result)`,
    `    of which idle  ${idlePerResult.toFixed(1)} us/result (${(m.idleUsPerS / 1000).toFixed(1)} ms CPU/s for ${SITES} idle bridges)`,
    `    net of idle    ${(perResult - idlePerResult).toFixed(1)} us/result`,
    `  generator        ${(m.generatorUs / m.results).toFixed(1)} us/result (not counted)`,
    `  all arrived      ${m.allArrived}`,
  ].join('\n');
}

const broker = await startTestBroker({ fullJit: true, heapMb: 512 });
try {
  const current = (await import('../bridges/nagios-to-msg/index.js')) as BridgeModule;
  if (!opts.baseline) {
    process.stdout.write(report(await measure('this checkout', current, broker, opts.profile)) + '\n');
  } else {
    // The first measurement of a run costs 10-30 % more (broker warming up): a short one is thrown away, then the two alternate.
    const dir = path.resolve(opts.baseline);
    const baseline = (await import(path.join(dir, 'bridges/nagios-to-msg/index.ts'))) as BridgeModule;
    const warm = await measure('warm-up (not counted)', baseline, broker, undefined, 5);
    process.stdout.write(`warm-up (not counted): ${(warm.cpuUs / warm.results).toFixed(1)} us/result\n`);
    const perResult = { base: [] as number[], current: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const b = await measure(`baseline (${dir}), round ${round + 1}`, baseline, broker, undefined);
      process.stdout.write(report(b) + '\n');
      perResult.base.push(b.cpuUs / b.results);
      const c = await measure(`this checkout, round ${round + 1}`, current, broker, round === ROUNDS - 1 ? opts.profile : undefined);
      process.stdout.write(report(c) + '\n');
      perResult.current.push(c.cpuUs / c.results);
    }
    const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
    const rounds = perResult.current.map((c, i) => (c / perResult.base[i]!).toFixed(2)).join(', ');
    process.stdout.write(
      `this checkout / baseline: ${(mean(perResult.current) / mean(perResult.base)).toFixed(2)} x the CPU per result ` +
        `(${mean(perResult.current).toFixed(1)} vs ${mean(perResult.base).toFixed(1)} us/result; per round: ${rounds})\n`,
    );
  }
} finally {
  await broker.stop();
}
