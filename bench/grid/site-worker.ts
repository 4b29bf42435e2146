/**
 * One worker process of the scale rehearsal: hosts the real site bridge
 * (bridges/nagios-to-msg Bridge: file follower, line parser, filters,
 * batcher, fsync'd spool, publisher with receipts) of many simulated sites,
 * and plays each site's Nagios by appending one burst of result lines per
 * second to the site's perfdata file. Driven by the parent over IPC.
 *
 *   (forked by bench/grid.ts)  node --import tsx bench/grid/site-worker.ts SETUP.json
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { Bridge, parseBridgeConfig } from '../../bridges/nagios-to-msg/index.js';
import type { FromWorker, ToWorker, WorkerSetup, WorkerSite, WorkerSiteStats } from './protocol.js';
import { resultLine, serviceOf } from './result-line.js';
import type { Burst } from './tally.js';

const setup = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as WorkerSetup;
const logger = createLogger({ level: 'warn' });
const send = (m: FromWorker): void => void process.send?.(m);

interface SiteRun {
  site: WorkerSite;
  bridge: Bridge;
  input: string;
  seq: number;
  bursts: Burst[];
}

function bridgeConfigText(site: WorkerSite, input: string): string {
  // What `nagios-config site --bridge-config` prints, with the bridge renaming the input once read (the generator appends by name).
  return [
    `client: ${site.clientConfig}`,
    'inputs:',
    `  - name: services`,
    `    path: ${input}`,
    '    rotateAtBytes: 4MiB',
    'spool:',
    `  dir: ${path.join(site.dir, 'spool')}`,
    '  maxBytes: 1GiB',
    '  whenFull: block',
    'batch:',
    '  maxRecords: 500',
    '  maxBytes: 256KiB',
    '  linger: 20ms',
    'format: grid',
    // 250 bridges on one host rewrite 250 status files a second; on the spools' disk their renames queue behind the
    // spools' fsyncs (7% of a worker's CPU in a profile). One bridge per host in production: here they go to tmpfs.
    `statusFile: ${statusFileOf(site)}`,
    'filters:',
    '  skipSoft: true',
    `  include: { hosts: ["*.site${site.index}.example.org"] }`,
    '',
  ].join('\n');
}

/** The bridge's status file: on tmpfs when there is one (see bridgeConfigText). */
function statusFileOf(site: WorkerSite): string {
  return fs.existsSync('/dev/shm') ? path.join('/dev/shm', `gridmsg-bench-${process.pid}`, site.name, 'status.json') : path.join(site.dir, 'status.json');
}

async function startSite(site: WorkerSite): Promise<SiteRun> {
  fs.mkdirSync(site.dir, { recursive: true });
  const input = path.join(site.dir, 'service-perfdata');
  const file = path.join(site.dir, 'nagios-to-msg.yaml');
  fs.writeFileSync(file, bridgeConfigText(site, input));
  const bridge = await Bridge.start({ config: parseBridgeConfig(fs.readFileSync(file, 'utf8'), file), logger: logger.child({ site: site.name }) });
  return { site, bridge, input, seq: 0, bursts: [] };
}

let runs: SiteRun[] = [];
let generating: Promise<void> | undefined;

/** Each site writes one burst per second, sites spread evenly over the second. */
async function generate(run: string, durationMs: number): Promise<{ sites: WorkerSiteStats[]; writerCpuSeconds: number }> {
  // CPU of playing the sites' Nagios (building and appending the lines): a site's cost, not the bus's; the rehearsal reports it apart.
  let writerCpu = 0;
  for (const r of runs) {
    r.seq = 0;
    r.bursts = [];
  }
  const start = Date.now();
  const n = runs.length;
  await new Promise<void>((resolve) => {

    const timer = setInterval(() => {
      const now = Date.now();
      const elapsed = now - start;
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
        return;
      }
      // Every 10 ms: the sites whose turn it is in this second (each writes once per second).
      const slot = Math.floor(elapsed / 1000);
      const within = elapsed % 1000;
      for (let i = 0; i < n; i++) {
        const r = runs[i]!;
        const due = Math.floor((i * 1000) / n);
        if (r.bursts.length > slot || within < due) continue;
        const writtenAt = Date.now();
        const cpu0 = process.cpuUsage();
        r.bursts.push({ startSeq: r.seq, writtenAt });
        let text = '';
        for (let k = 0; k < setup.rate; k++, r.seq++) {
          text += `${resultLine(r.site.host, serviceOf(r.seq, setup.services), { run, site: r.site.index, seq: r.seq, writtenAt })}\n`;
        }
        fs.appendFileSync(r.input, text);
        const cpu = process.cpuUsage(cpu0);
        writerCpu += (cpu.user + cpu.system) / 1e6;
      }
    }, 10);
  });
  return { sites: runs.map((r) => ({ site: r.site.index, generated: r.seq, bursts: r.bursts, ...siteState(r) })), writerCpuSeconds: writerCpu };
}

function siteState(r: SiteRun): { receipted: number; spoolRecords: number; connected: boolean } {
  const s = r.bridge.status();
  return { receipted: s.publisher.receiptedRecords, spoolRecords: s.spool.records, connected: s.publisher.state === 'connected' };
}

function memoryMb(): { rssMb: number; hwmMb: number } {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'generate') {
    generating = generate(m.run, m.durationMs).then(
      ({ sites, writerCpuSeconds }) => send({ type: 'generated', run: m.run, sites, writerCpuSeconds }),
      (err: unknown) => send({ type: 'failed', error: describeError(err) }),
    );
  } else if (m.type === 'stats') {
    send({ type: 'stats', sites: runs.map((r) => ({ site: r.site.index, generated: r.seq, ...siteState(r) })), ...memoryMb() });
  } else if (m.type === 'shutdown') {
    void (async () => {
      await generating;
      await Promise.all(runs.map((r) => r.bridge.stop()));
      fs.rmSync(path.join('/dev/shm', `gridmsg-bench-${process.pid}`), { recursive: true, force: true });
      send({ type: 'stopped' });
      process.disconnect?.();
      // Exit even if a handle lingers, so a --cpu-prof profile is written (it is written at exit).
      setTimeout(() => process.exit(0), 200).unref();
    })();
  }
});

try {
  // A few at a time: each start opens a spool and a broker connection.
  for (let i = 0; i < setup.sites.length; i += 10) runs.push(...(await Promise.all(setup.sites.slice(i, i + 10).map(startSite))));
  send({ type: 'ready', pid: process.pid });
} catch (err) {
  send({ type: 'failed', error: describeError(err) });
  await Promise.all(runs.map((r) => r.bridge.stop().catch(() => {})));
  runs = [];
  process.exitCode = 1;
  process.disconnect?.();
}
