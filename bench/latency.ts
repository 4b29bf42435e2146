/**
 * End-to-end latency at a steady rate, everything real and with the settings
 * gridmsg generates: a site Nagios 4 gets passive results at RATE/s through
 * its command pipe and writes them to its perfdata file (`gridmsg
 * nagios-config site` settings) -> site bridge (nagios-to-msg, the config
 * `nagios-config site --part bridge` prints) -> the site's regional broker
 * (active of the eu-south pair) -> broker network -> central broker (active
 * of the central pair) -> central bridge (msg-to-nagios) -> central Nagios
 * (`gridmsg nagios-config central` nagios.cfg settings). Each result's output
 * carries its sequence number and send time; the central status.dat (written
 * every status_update_interval = 1 s) is read whenever Nagios rewrites it,
 * and each result's latency is the time it first appears there. Prints
 * p50/p99/max and the settings that matter. Goal: p99 < 2 s at 1,000/s.
 *
 *   npx tsc -p . && npx tsx bench/latency.ts [RATE=1000] [SECONDS=30] [spool|pipe]
 *
 * The bridges run from the build (bin/gridmsg.js) as separate processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { prepareLocalNetwork, startLocalNetwork } from '../broker-config/index.js';
import { startNagios, type NagiosHost } from '../bridges/nagios-instance.js';
import { centralMainConfig, centralObjects, DEBIAN_DEFAULTS } from '../bridges/msg-to-nagios/index.js';
import { bridgeConfigYaml, DEFAULT_ROTATE_INTERVAL, perfdataCommands, perfdataMainConfig } from '../bridges/nagios-to-msg/index.js';
import { loadClientConfig } from '../clients/config-loader.js';
import type { ConsumerClientConfig } from '../clients/client-config.js';
import { silentLogger } from '../core/logger.js';
import { startProcess } from '../core/process.js';
import { loadRegistry } from '../topology/index.js';
import { tempDir } from '../test/helpers/tmp.js';
import { REPO, startBridge, writeBridgeConfig, writePrivateNagios } from '../test/msg-to-nagios/helpers/harness.js';

const RATE = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 30);
const MODE = (process.argv[4] ?? 'spool') as 'spool' | 'pipe';
/** Results before this many seconds are warm-up (JIT, first connections): sent, not counted. */
const WARMUP_SECONDS = 5;
const HOSTS = 60;
const SERVICES = 50;
const SITE = 'CERN-PROD';
const REGISTRY = path.join(REPO, 'test', 'fixtures', 'registries', 'valid-example-plain.yaml');
const MARK = 'LAT seq=';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** The key=value lines of a printed nagios.cfg snippet (comments and blank lines skipped). */
function cfgSettings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

async function main(): Promise<void> {
  const tmp = tempDir('gridmsg-bench-latency-');
  const stops: Array<() => Promise<unknown> | void> = [];
  try {
    const built = fs.existsSync(path.join(REPO, 'dist', 'cli', 'main.js'));
    if (!built) throw new Error('run npx tsc -p . first: the bridges run from the build');
    const hostNames = Array.from({ length: HOSTS }, (_, h) => `lat-wn${h}.cern.ch`);
    const services = Array.from({ length: SERVICES }, (_, s) => `org.sam.Lat-${s}`);

    // The broker network: the active broker of the site's regional pair and of the central pair.
    const net = await prepareLocalNetwork(loadRegistry(REGISTRY), path.join(tmp.dir, 'net'));
    const brokers = await startLocalNetwork(net, { logger: silentLogger(), pairs: ['eu-south', 'central'], standbys: false });
    stops.push(() => Promise.all(brokers.map((b) => b.process.stop(20_000))));

    // Site Nagios: passive services, results to the perfdata file as `gridmsg nagios-config site` sets it up.
    const dataDir = path.join(tmp.dir, 'site-data');
    fs.mkdirSync(dataDir);
    const snippet = { site: SITE, dataDir, handlerPath: '/nonexistent', rotateInterval: DEFAULT_ROTATE_INTERVAL, ocsp: false, clientConfig: path.join(net.stateDir, 'sites', `${SITE}.yaml`), spoolDir: path.join(tmp.dir, 'site-spool') };
    const siteMain = perfdataMainConfig(snippet);
    const quiet = { log_passive_checks: 0, log_external_commands: 0, status_update_interval: 10 };
    const sitePaths = writePrivateNagios(path.join(tmp.dir, 'site-nagios'), {
      hosts: hostNames.map((name): NagiosHost => ({ name, services: services.map((description) => ({ description })) })),
      extraObjects: perfdataCommands(snippet),
      extraMainConfig: { ...quiet, ...siteMain },
    });

    // Central Nagios: the same objects, passive templates and nagios.cfg settings `gridmsg nagios-config central` prints.
    const consumerFile = path.join(net.stateDir, 'consumers', 'argo-central.yaml');
    const centralOptions = { consumer: loadClientConfig(consumerFile) as ConsumerClientConfig, consumerFile, mode: MODE, ...DEBIAN_DEFAULTS, freshnessSeconds: 0 };
    const printed = cfgSettings(centralMainConfig(centralOptions));
    const centralSettings: Record<string, string | number> = { status_update_interval: 1, log_passive_checks: 0, log_external_commands: 0 };
    for (const k of ['check_result_reaper_frequency', 'max_check_result_file_age', 'passive_host_checks_are_soft', 'illegal_object_name_chars'] as const) {
      if (printed[k] !== undefined) centralSettings[k] = printed[k];
    }
    const centralPaths = writePrivateNagios(path.join(tmp.dir, 'central-nagios'), {
      hosts: hostNames.map((name) => ({ name, directives: { use: 'gridmsg-passive-host' }, services: services.map((description) => ({ description, directives: { use: 'gridmsg-passive-service' } })) })),
      extraObjects: centralObjects(centralOptions),
      extraMainConfig: centralSettings,
    });
    const [siteNagios, centralNagios] = await Promise.all([startNagios(sitePaths, 120_000), startNagios(centralPaths, 120_000)]);
    stops.push(() => Promise.all([siteNagios.stop(), centralNagios.stop()]));

    // Central bridge (generated defaults; mode as asked).
    const central = startBridge(
      writeBridgeConfig(tmp.dir, {
        consumerFile,
        stateDir: path.join(tmp.dir, 'central-state'),
        nagios: MODE === 'spool' ? { mode: 'spool', checkResultPath: centralPaths.checkResultPath, objectCache: path.join(centralPaths.dir, 'objects.cache') } : { mode: 'pipe', commandFile: centralPaths.commandFile, objectCache: path.join(centralPaths.dir, 'objects.cache') },
      }),
      path.join(tmp.dir, 'central-bridge.log'),
      [],
      [],
      true,
    );
    stops.unshift(() => central.process.stop());
    await central.waitForLog(/consuming/);

    // Site bridge: the configuration `gridmsg nagios-config site --part bridge` prints.
    const siteConfig = path.join(tmp.dir, 'site-bridge.yaml');
    fs.writeFileSync(siteConfig, bridgeConfigYaml(snippet));
    const siteLog = path.join(tmp.dir, 'site-bridge.log');
    const siteBridge = startProcess(process.execPath, [path.join(REPO, 'bin', 'gridmsg.js'), 'nagios-to-msg', '--config', siteConfig], { cwd: REPO, logFile: siteLog });
    stops.unshift(() => siteBridge.stop());
    const siteText = fs.readFileSync(siteConfig, 'utf8');

    console.log(`bench/latency: ${RATE} results/s for ${SECONDS} s (+${WARMUP_SECONDS} s warm-up), ${HOSTS * SERVICES} services, central bridge mode ${MODE}`);
    console.log('  path: site Nagios -> perfdata file -> nagios-to-msg -> broker eu-south (regional) -> network -> broker central -> msg-to-nagios -> central Nagios status.dat');
    console.log(`  site nagios.cfg: service_perfdata_file_processing_interval=${siteMain['service_perfdata_file_processing_interval']} service_perfdata_file_mode=${siteMain['service_perfdata_file_mode']}`);
    console.log(`  site bridge: ${/linger: \S+/.exec(siteText)?.[0] ?? 'linger: default'}, ${/maxRecords: \S+/.exec(siteText)?.[0] ?? ''}, poll: default (${/poll: (\S+)/.exec(siteText)?.[1] ?? '250ms'}; file changes are watched)`);
    console.log(`  central nagios.cfg: check_result_reaper_frequency=${centralSettings['check_result_reaper_frequency']} status_update_interval=${centralSettings['status_update_interval']}`);

    // Wait until the chain carries a result end to end (brokers' network bridge up, bridges subscribed).
    const cmd = fs.openSync(sitePaths.commandFile, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    const sent = new Map<number, number>();
    const seen = new Map<number, number>();
    let statusKey = '';
    const readStatus = (): void => {
      let st: fs.Stats;
      try {
        st = fs.statSync(centralPaths.statusFile);
      } catch {
        return;
      }
      const key = `${st.ino}:${st.mtimeMs}`;
      if (key === statusKey) return;
      statusKey = key;
      const now = Date.now();
      const text = fs.readFileSync(centralPaths.statusFile, 'utf8');
      for (let i = text.indexOf(MARK); i !== -1; i = text.indexOf(MARK, i + 1)) {
        const seq = Number.parseInt(text.slice(i + MARK.length, i + MARK.length + 12), 10);
        if (!seen.has(seq)) seen.set(seq, now);
      }
    };
    let seq = 0;
    const send = (n: number): void => {
      let out = '';
      const now = Date.now();
      const sec = Math.floor(now / 1000);
      for (let k = 0; k < n; k++, seq++) {
        const host = hostNames[seq % HOSTS]!;
        const svc = services[Math.floor(seq / HOSTS) % SERVICES]!;
        out += `[${sec}] PROCESS_SERVICE_CHECK_RESULT;${host};${svc};${seq % 3};${MARK}${seq} sent=${now}\n`;
        sent.set(seq, now);
      }
      // Lines are short: write in pieces of at most 4 KiB (whole lines), like any well-behaved writer.
      const buf = Buffer.from(out);
      for (let off = 0; off < buf.length; ) {
        let end = Math.min(buf.length, off + 4096);
        if (end < buf.length) end = buf.lastIndexOf(10, end - 1) + 1;
        off += fs.writeSync(cmd, buf, off, end - off);
      }
    };
    send(1);
    const ready = Date.now();
    while (!seen.has(0)) {
      if (Date.now() - ready > 120_000) throw new Error(`the first result did not reach the central status.dat in 120 s:\n${central.log().slice(-2000)}\n${fs.readFileSync(siteLog, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
      readStatus();
    }
    console.log(`  chain ready: first result through in ${((seen.get(0)! - ready) / 1000).toFixed(1)} s`);

    // Steady rate: every 10 ms, send what the schedule asks for.
    const total = RATE * (SECONDS + WARMUP_SECONDS);
    const first = seq;
    const t0 = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((Date.now() - t0) * RATE) / 1000));
        if (due > seq - first) send(due - (seq - first));
        readStatus();
        if (seq - first >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const sendSeconds = (Date.now() - t0) / 1000;
    // The tail: until every result showed up or 15 s passed.
    const tailEnd = Date.now() + 15_000;
    const counted = (): number[] => [...sent.keys()].filter((s) => s >= first + RATE * WARMUP_SECONDS);
    while (Date.now() < tailEnd && counted().some((s) => !seen.has(s))) {
      await new Promise((r) => setTimeout(r, 20));
      readStatus();
    }
    fs.closeSync(cmd);

    const measured = counted();
    const latencies = measured.filter((s) => seen.has(s)).map((s) => seen.get(s)! - sent.get(s)!).sort((a, b) => a - b);
    const missing = measured.length - latencies.length;
    console.log(`  sent ${total} results in ${sendSeconds.toFixed(1)} s (${Math.round(total / sendSeconds)}/s); measured the last ${measured.length}`);
    console.log(`  latency site command pipe -> central status.dat: p50 ${(percentile(latencies, 50) / 1000).toFixed(2)} s, p99 ${(percentile(latencies, 99) / 1000).toFixed(2)} s, max ${((latencies.at(-1) ?? NaN) / 1000).toFixed(2)} s (goal p99 < 2 s)`);
    if (missing > 0) console.log(`  ${missing} result(s) never seen in status.dat (replaced by the next result for the same service before a status.dat update, or lost)`);
    await central.process.stop();
    const stats = (log: string): string => /stats .*/.exec(log.split('\n').filter((l) => l.includes(' stats ')).at(-1) ?? '')?.[0] ?? '';
    console.log(`  central bridge: ${stats(central.log())}`);
  } finally {
    for (const stop of stops) await stop();
    if (process.env['KEEP'] === undefined) tmp.cleanup();
    else console.log(`  kept ${tmp.dir}`);
  }
}

await main();
