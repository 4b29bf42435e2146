/**
 * `gridmsg demo`: the example network on this machine, end to end. Brokers
 * through dev up's functions, a central Nagios and the central bridge, a site
 * Nagios and a site bridge per demo site, results flowing for a while with
 * the per-hop counts printed, the checks stopped and the last results let
 * through, the report, then everything stopped by pid. Ctrl-C at any moment
 * goes straight to the stopping phase.
 *
 * State directory layout (kept afterwards, wiped at the next run):
 *   demo.json             marker: this directory belongs to a demo
 *   network.svg, .dot     the network picture
 *   network/              dev up state: brokers, stores, pki, secrets, client configs, dev.json
 *   central/              central Nagios, central bridge config and state
 *   sites/<site>/         site Nagios, data files, spool, site bridge config
 *   logs/                 bridge logs (JSON lines)
 *   snapshots/            status.dat of every Nagios just before it stopped
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadClientConfig } from '../clients/config-loader.js';
import type { ConsumerClientConfig } from '../clients/client-config.js';
import { devDown, devUp, readDevState, runningBrokers, type DevState } from '../broker-config/index.js';
import { startNagios, type RunningNagios } from '../bridges/nagios-instance.js';
import { ConfigError, describeError, GridmsgError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import type { Logger } from '../core/logger.js';
import { freePort } from '../core/ports.js';
import type { ManagedProcess } from '../core/process.js';
import { buildNetwork, loadRegistry, renderDot } from '../topology/index.js';
import { writeCentralSetup, type CentralSetup } from './central-setup.js';
import { renderNetworkSvg } from './network-svg.js';
import { readCentralStats, readNagiosView, readSiteBridge } from './observe.js';
import { Interrupted, PhaseMachine, pollUntil, sleep, type DemoOutcome } from './phase.js';
import { planDemo, type DemoPlan } from './plan.js';
import { processesUsing, ProcessSet, startCli } from './processes.js';
import { centralView, hopCounts, hopTable, progressLine, sitesTable, verdict, type Snapshot } from './report.js';
import { writeSiteSetup, type SiteSetup } from './site-setup.js';

export const DEMO_MARKER = 'demo.json';

export interface DemoOptions {
  registryFile: string;
  stateDir: string;
  /** Seconds results flow before the demo stops the checks and reports. */
  durationSeconds: number;
  /** After the report, keep everything running until Ctrl-C. */
  keepRunning: boolean;
  consumer?: string;
  sites?: string[];
  siteCount?: number;
  /** Seconds between two runs of each demo check. */
  checkIntervalSeconds: number;
  /** Seconds between two progress lines. */
  progressSeconds: number;
  maxHeapMb?: number;
  out: NodeJS.WritableStream;
  /** For the libraries the demo calls (dev up); the demo's own story goes to `out`. */
  logger: Logger;
  signal: AbortSignal;
}

interface RunningSite {
  setup: SiteSetup;
  nagios?: RunningNagios;
  bridge?: ManagedProcess;
  bridgeLog: string;
}

interface DemoWorld {
  plan: DemoPlan;
  stateDir: string;
  networkDir: string;
  central?: CentralSetup;
  centralNagios?: RunningNagios;
  centralBridge?: ManagedProcess;
  centralLog: string;
  sites: RunningSite[];
}

/** Makes `dir` a fresh demo state directory; refuses one that is not a demo's or that still has processes running. */
export function prepareStateDir(dir: string): void {
  if (fs.existsSync(dir)) {
    const left = processesUsing(dir);
    if (left.length > 0) {
      throw new GridmsgError(
        'DEMO_RUNNING',
        `processes of an earlier demo still run from ${dir}: ${left.map((p) => `pid ${p.pid} (${p.command.slice(0, 80)})`).join('; ')}; stop them (gridmsg dev down --state ${path.join(dir, 'network')}; kill PID) or give another --state`,
      );
    }
    const entries = fs.readdirSync(dir);
    if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
      throw new ConfigError(`${dir} is not empty and is not a demo state directory (no ${DEMO_MARKER}): give another --state`, { path: '--state' });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
}

function tail(file: string, chars = 1500): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

async function waitForChild(what: string, proc: ManagedProcess, log: string, ready: () => boolean | Promise<boolean>, signal: AbortSignal, timeoutMs = 90_000): Promise<void> {
  const ok = await pollUntil(
    async () => {
      if (await ready()) return true;
      if (!proc.alive()) throw new GridmsgError('DEMO_START_FAILED', `${what} exited (${String(await proc.exited)}) before it was ready; ${log}:\n${tail(log)}`);
      return undefined;
    },
    timeoutMs,
    200,
    signal,
  );
  if (!ok) throw new GridmsgError('DEMO_START_FAILED', `${what} was not ready within ${timeoutMs / 1000} s; ${log}:\n${tail(log)}`);
}

async function snapshot(world: DemoWorld): Promise<Snapshot> {
  const sites = await Promise.all(
    world.sites.map(async (s) => ({
      site: s.setup.site,
      nagios: readNagiosView(s.setup.nagios.statusFile),
      bridge: s.bridge?.alive() ? await readSiteBridge(s.setup.metricsUrl) : undefined,
    })),
  );
  return {
    at: Date.now(),
    sites,
    centralBridge: readCentralStats(world.centralLog),
    centralNagios: world.central === undefined ? undefined : readNagiosView(world.central.nagios.statusFile),
  };
}

function describeBrokers(state: DevState): string {
  const lines = [...state.brokers]
    .sort((a, b) => a.pair.localeCompare(b.pair) || a.pairIndex - b.pairIndex)
    .map((b) => {
      const tls = (b as { tls?: boolean }).tls === true;
      const where = b.role === 'active' ? `${tls ? 'stomp+ssl' : 'stomp'} ${b.host}:${b.stompPort}` : 'waits for the store lock';
      return `  ${b.name.padEnd(12)} pair ${b.pair.padEnd(10)} ${b.role.padEnd(8)} pid ${String(b.pid).padEnd(8)} ${where}`;
    });
  return `${lines.join('\n')}\n`;
}

/** Stops the site checks and waits until each site Nagios' status.dat says so and its check count stands still. */
async function stopSiteChecks(world: DemoWorld, signal: AbortSignal): Promise<void> {
  for (const s of world.sites) {
    if (s.nagios?.process.alive()) fs.writeFileSync(s.setup.nagios.commandFile, `[${Math.floor(Date.now() / 1000)}] STOP_EXECUTING_SVC_CHECKS\n`);
  }
  for (const s of world.sites) {
    let last: { at: number; count: number } | undefined;
    await pollUntil(
      () => {
        const v = readNagiosView(s.setup.nagios.statusFile);
        if (v === undefined || v.program.activeServiceChecksEnabled) return undefined;
        const seen = { at: v.writtenAt, count: v.program.activeServiceChecks };
        // Two status.dat writes with the same count: the checks that were running have been reaped.
        if (last !== undefined && last.at !== seen.at && last.count === seen.count) return true;
        if (last === undefined || last.at !== seen.at) last = seen;
        return undefined;
      },
      20_000,
      250,
      signal,
    );
  }
}

/** After the checks stopped: waits until the bridges sent everything and the central Nagios took it (or the time is up). */
async function drain(world: DemoWorld, signal: AbortSignal, timeoutMs: number): Promise<Snapshot> {
  let snap = await snapshot(world);
  await pollUntil(
    async () => {
      snap = await snapshot(world);
      const h = hopCounts(snap);
      const spoolsEmpty = snap.sites.every((s) => s.bridge !== undefined && !('error' in s.bridge) && s.bridge.spoolRecords === 0);
      const allRead = h.read >= h.siteChecks;
      const consumed = h.consumed !== undefined && h.consumed >= h.receipted;
      const arrived = h.centralResults !== undefined && h.centralResults >= h.receipted;
      return spoolsEmpty && allRead && consumed && arrived && h.receipted >= h.siteChecks ? true : undefined;
    },
    timeoutMs,
    500,
    signal,
  );
  return snap;
}

function copySnapshots(world: DemoWorld): string {
  const dir = path.join(world.stateDir, 'snapshots');
  fs.mkdirSync(dir, { recursive: true });
  const copy = (from: string, name: string): void => {
    try {
      fs.copyFileSync(from, path.join(dir, name));
    } catch {
      /* that Nagios is not running: nothing to keep */
    }
  };
  if (world.central) copy(world.central.nagios.statusFile, 'central-status.dat');
  for (const s of world.sites) copy(s.setup.nagios.statusFile, `site-${s.setup.site.name}-status.dat`);
  return dir;
}

function reportText(snap: Snapshot, world: DemoWorld): { text: string; ok: boolean } {
  const plan = world.plan;
  const v = verdict(snap, plan);
  const h = hopCounts(snap);
  const out: string[] = [];
  out.push('\nPer-hop counts (results, not messages):\n');
  out.push(hopTable(snap, plan));
  if (snap.centralBridge && (snap.centralBridge.rejected > 0 || snap.centralBridge.duplicates > 0 || snap.centralBridge.stale > 0)) {
    out.push(`  central bridge also counted: ${snap.centralBridge.rejected} refused, ${snap.centralBridge.duplicates} duplicates dropped, ${snap.centralBridge.stale} stale\n`);
  }
  out.push('\nWhich sites report:\n');
  out.push(sitesTable(snap, plan));
  out.push(`\nThe central Nagios view (its status.dat) of the demo's services:\n`);
  out.push(centralView(snap, plan));
  const notArrived = h.centralResults === undefined ? undefined : h.receipted - h.centralResults;
  if (v.ok) {
    out.push(
      `\nRESULT: all ${v.expected} services of ${plan.sites.length} site${plan.sites.length === 1 ? '' : 's'} reached the central Nagios with the state their checks return; ` +
        `${h.receipted} results receipted by the brokers, ${h.centralResults ?? '?'} taken by the central Nagios${notArrived === 0 ? ' (none missing)' : notArrived !== undefined && notArrived > 0 ? ` (${notArrived} not there yet)` : ''}.\n`,
    );
  } else {
    out.push(`\nRESULT: ${v.arrived} of ${v.expected} services reached the central Nagios.\n`);
    if (v.missing.length > 0) out.push(`  no result at the central Nagios for: ${v.missing.join(', ')}\n`);
    for (const w of v.wrongState) out.push(`  ${w}\n`);
    out.push(`  look at the bridge logs in ${path.join(world.stateDir, 'logs')} and the broker logs in ${path.join(world.networkDir, 'brokers')}/<broker>/broker.log\n`);
  }
  return { text: out.join(''), ok: v.ok };
}

export async function runDemo(o: DemoOptions): Promise<number> {
  const out = (s: string): void => void o.out.write(s);
  const phases = new PhaseMachine();
  const procs = new ProcessSet();
  const stateDir = path.resolve(o.stateDir);
  const registry = loadRegistry(path.resolve(o.registryFile));
  const net = buildNetwork(registry);
  const plan = planDemo(registry, net, {
    ...(o.consumer === undefined ? {} : { consumer: o.consumer }),
    ...(o.sites === undefined ? {} : { sites: o.sites }),
    ...(o.siteCount === undefined ? {} : { siteCount: o.siteCount }),
  });
  prepareStateDir(stateDir);
  const world: DemoWorld = {
    plan,
    stateDir,
    networkDir: path.join(stateDir, 'network'),
    centralLog: path.join(stateDir, 'logs', 'central-bridge.log'),
    sites: [],
  };
  fs.mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  writeFileAtomic(path.join(stateDir, DEMO_MARKER), `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), registry: registry.file }, null, 2)}\n`);

  const svg = path.join(stateDir, 'network.svg');
  fs.writeFileSync(svg, renderNetworkSvg(registry, net, { sites: plan.sites.map((s) => s.name), consumer: plan.consumer }));
  fs.writeFileSync(path.join(stateDir, 'network.dot'), renderDot(registry, net));

  out(`gridmsg demo: the network of ${registry.file} on this machine, real ActiveMQ brokers and real Nagios.\n`);
  out(`  ${registry.brokers.length} brokers in ${registry.pairs.length} pairs (${registry.network.topology}${registry.network.hub ? `, hub ${registry.network.hub}` : ''}), ${registry.sites.length} sites, ${registry.consumers.length} consumers\n`);
  out(`  central side: consumer ${plan.consumer} (pair ${plan.consumerPair}): the central bridge feeds a central Nagios\n`);
  out(`  site side: a site Nagios (${plan.sites[0]?.checks.length ?? 0} check_dummy checks every ${o.checkIntervalSeconds} s) and a site bridge for\n`);
  for (const s of plan.sites) out(`    ${s.name.padEnd(22)} pair ${s.pair.padEnd(10)} results travel ${s.route.join(' > ')}  (hosts ${s.hosts.join(', ')})\n`);
  out(`  network picture: ${svg}  (Graphviz source: ${path.join(stateDir, 'network.dot')})\n`);
  out(`  state directory: ${stateDir}\n`);

  let outcome: DemoOutcome = 'completed';
  let ok = false;
  let failure: unknown;
  try {
    // ---- brokers ----
    phases.to('brokers');
    const t0 = Date.now();
    out(`\n[1/4] starting the ${registry.brokers.length} brokers (first of each pair, then the standbys) ...\n`);
    procs.add({
      name: 'brokers',
      pids: () => {
        const s = readDevState(world.networkDir);
        return s === undefined ? [] : runningBrokers(s).map((b) => b.pid);
      },
      stop: async () => void (await devDown(world.networkDir, o.logger)),
    });
    const dev = await devUp(registry.file, world.networkDir, { logger: o.logger, signal: o.signal, ...(o.maxHeapMb === undefined ? {} : { maxHeapMb: o.maxHeapMb }) });
    out(describeBrokers(dev));
    out(`  brokers up in ${Math.round((Date.now() - t0) / 1000)} s; client configurations in ${world.networkDir}/sites and ${world.networkDir}/consumers\n`);

    // ---- central Nagios and central bridge ----
    phases.to('central');
    const consumerFile = path.join(world.networkDir, 'consumers', `${plan.consumer}.yaml`);
    const loaded = loadClientConfig(consumerFile);
    if (loaded.kind !== 'consumer') throw new ConfigError(`${consumerFile} is not a consumer client config`, { file: consumerFile, path: 'kind' });
    const consumer: ConsumerClientConfig = loaded;
    const central = writeCentralSetup({ dir: path.join(stateDir, 'central'), plan, consumer, consumerFile, statsIntervalSeconds: 2, metricsPort: await freePort() });
    world.central = central;
    out(`\n[2/4] central Nagios and central bridge (consumer ${plan.consumer}) ...\n`);
    const centralNagios = await startNagios(central.nagios);
    world.centralNagios = centralNagios;
    procs.add({ name: 'central Nagios', pids: () => [centralNagios.process.pid], stop: () => centralNagios.stop() });
    const centralBridge = startCli(['--log-format', 'json', 'msg-to-nagios', '--config', central.bridgeConfig], world.centralLog);
    world.centralBridge = centralBridge;
    procs.add({ name: 'central bridge', pids: () => [centralBridge.pid], stop: () => centralBridge.stop(30_000) });
    await waitForChild('the central bridge', centralBridge, world.centralLog, () => tail(world.centralLog, 1_000_000).includes('"message":"consuming"'), o.signal);
    out(`  central Nagios pid ${centralNagios.process.pid} (${central.nagios.mainConfig})\n`);
    out(`  central bridge pid ${centralBridge.pid} consuming ${consumer.queues.length} queues (${central.bridgeConfig}; metrics ${central.metricsUrl ?? 'none'}; log ${world.centralLog})\n`);

    // ---- sites ----
    phases.to('sites');
    out(`\n[3/4] site Nagios and site bridges ...\n`);
    for (const site of plan.sites) {
      const setup = writeSiteSetup({
        dir: path.join(stateDir, 'sites', site.name),
        site,
        clientConfig: path.join(world.networkDir, 'sites', `${site.name}.yaml`),
        metricsPort: await freePort(),
        checkIntervalSeconds: o.checkIntervalSeconds,
        rotateSeconds: 10,
      });
      const running: RunningSite = { setup, bridgeLog: path.join(stateDir, 'logs', `site-bridge-${site.name}.log`) };
      world.sites.push(running);
      const bridge = startCli(['--log-format', 'json', 'nagios-to-msg', '--config', setup.bridgeConfig], running.bridgeLog);
      running.bridge = bridge;
      procs.add({ name: `site bridge ${site.name}`, pids: () => [bridge.pid], stop: () => bridge.stop(30_000) });
      await waitForChild(`the site bridge of ${site.name}`, bridge, running.bridgeLog, async () => !('error' in (await readSiteBridge(setup.metricsUrl))), o.signal);
      const nagios = await startNagios(setup.nagios);
      running.nagios = nagios;
      procs.add({ name: `site Nagios ${site.name}`, pids: () => [nagios.process.pid], stop: () => nagios.stop() });
      out(`  ${site.name}: site Nagios pid ${nagios.process.pid}, site bridge pid ${bridge.pid} (metrics ${setup.metricsUrl}; log ${running.bridgeLog})\n`);
    }

    // ---- flowing ----
    phases.to('flowing');
    const flowStart = Date.now();
    out(`\n[4/4] results flowing for ${o.durationSeconds} s (one line every ${o.progressSeconds} s; counts are results):\n`);
    while (Date.now() - flowStart < o.durationSeconds * 1000) {
      await sleep(Math.min(o.progressSeconds * 1000, Math.max(0, o.durationSeconds * 1000 - (Date.now() - flowStart))), o.signal);
      out(`${progressLine(await snapshot(world), flowStart)}\n`);
    }

    let final: Snapshot;
    if (o.keepRunning) {
      final = await snapshot(world);
    } else {
      phases.to('draining');
      out(`\nstopping the site checks and letting the last results through (up to 60 s) ...\n`);
      await stopSiteChecks(world, o.signal);
      final = await drain(world, o.signal, 60_000);
      out(`${progressLine(final, flowStart)}\n`);
    }
    const snapDir = copySnapshots(world);
    phases.to('reporting');
    const report = reportText(final, world);
    ok = report.ok;
    out(report.text);
    out(`  status.dat of each Nagios as it was at this point: ${snapDir}\n`);
    out(`  network picture: ${svg}\n`);

    if (o.keepRunning) {
      phases.to('keep-running');
      out(`\nEverything keeps running until Ctrl-C. Meanwhile, e.g.:\n`);
      const bridgeConfigs = [...world.sites.map((s) => s.setup.bridgeConfig), ...(world.central ? [world.central.bridgeConfig] : [])];
      out(`  node bin/gridmsg.js status --registry ${registry.file} --state ${world.networkDir} ${bridgeConfigs.map((f) => `--bridge-config ${f}`).join(' ')}\n`);
      out(`  node bin/gridmsg.js check-network --registry ${registry.file} --state ${world.networkDir}\n`);
      for (;;) {
        await sleep(Math.max(10, o.progressSeconds) * 1000, o.signal);
        out(`${progressLine(await snapshot(world), flowStart)}\n`);
      }
    }
  } catch (err) {
    if (err instanceof Interrupted || o.signal.aborted) {
      outcome = 'interrupted';
      out(phases.phase === 'keep-running' ? `\nCtrl-C: ending the demo.\n` : `\ninterrupted (during ${phases.phase}).\n`);
    } else {
      outcome = 'failed';
      failure = err;
      out(`\nthe demo failed during ${phases.phase}: ${describeError(err)}\n`);
    }
  } finally {
    const wasKeepRunning = phases.phase === 'keep-running';
    phases.to('stopping');
    if (wasKeepRunning) copySnapshots(world);
    out(`\nstopping everything the demo started (newest first) ...\n`);
    const stopped = await procs.stopAll();
    for (const r of stopped) {
      if (r.pids.length === 0 && r.error === undefined) continue;
      out(`  ${r.name}${r.pids.length > 0 ? ` (pid ${r.pids.join(', ')})` : ''}: ${r.error === undefined ? 'stopped' : `could not be stopped: ${r.error}`}\n`);
    }
    const left = processesUsing(stateDir);
    if (left.length === 0) out(`nothing the demo started is left running.\n`);
    else out(`STILL RUNNING (stop them by pid): ${left.map((p) => `${p.pid} ${p.command.slice(0, 100)}`).join('\n  ')}\n`);
    out(`state kept in ${stateDir} (logs/, configs, snapshots/, network.svg); the next demo run wipes it, or: rm -rf ${stateDir}\n`);
    phases.to('done');
    if (outcome === 'interrupted' && wasKeepRunning) outcome = 'completed';
  }
  if (failure !== undefined) throw failure;
  if (outcome === 'interrupted') return 130;
  return ok ? 0 : 1;
}
