/**
 * Real Nagios 4 running check_dummy checks with nasty outputs, configured
 * with exactly what `gridmsg nagios-config site` prints (perfdata files,
 * rotated by Nagios every 2 s; or the OCSP handler), a real ActiveMQ, and the
 * bridge: every result arrives with its fields intact.
 */
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { parseStatusBlocks } from '../../bridges/nagios-status.js';
import { startNagios, writeNagiosInstance, type NagiosHost } from '../../bridges/nagios-instance.js';
import { Bridge, loadBridgeConfig, ocspCommands, ocspHandlerScript, ocspMainConfig, perfdataCommands, perfdataMainConfig, unescapeNagiosLongOutput, type SnippetOptions } from '../../bridges/nagios-to-msg/index.js';
import { parsePluginOutput, type MetricRecord } from '../../bridges/format/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';
import { collect, writeBridgeConfig, writeSiteClientConfig, type Received } from './helpers.js';

/** Plugin outputs (check_dummy prints "STATE: <text>"). */
const OUTPUTS: Record<string, { state: number; text: string }> = {
  quotes: { state: 0, text: `He said "hi" and 'bye' \`uname\`` },
  'semicolon-pipe': { state: 1, text: "a;b;c | time=0.5s;1;2;0;10 'my label'=5%;@10:20;~:30 bytes=12B" },
  dollar: { state: 2, text: 'cost $5, $HOME, $$ and $(id) & <tag>' },
  utf8: { state: 0, text: 'héllo wörld 日本語 🚀 — ok' },
  long: { state: 3, text: 'first line | p1=1\nsecond "line" with \\ backslash\n\tindented with tab\nEOT\n$VAR; more | p2=2;3;4\np3=5' },
  empty: { state: 0, text: '' },
};

function nagiosSetup(dir: string, extraMain: Record<string, string | number>, extraObjects: string): ReturnType<typeof writeNagiosInstance> {
  for (const [name, o] of Object.entries(OUTPUTS)) fs.writeFileSync(path.join(dir, `out-${name}.txt`), o.text);
  const hosts: NagiosHost[] = [
    {
      name: 'ce01.example.org',
      directives: { _site_name: 'HOST-SITE', hostgroups: 'grid-ces', active_checks_enabled: '1', check_command: 'check_dummy!0!host-alive', check_interval: '2', retry_interval: '2' },
      services: Object.entries(OUTPUTS).map(([name, o]) => ({
        description: name,
        checkCommand: `check_file!${o.state}!${dir}/out-${name}.txt`,
        directives: { check_interval: '2', retry_interval: '2', ...(name === 'utf8' ? { _service_uri: 'https://ce01.example.org:8443/', _vo_name: 'dteam', _service_flavour: 'ARC-CE', _metric_name: 'org.example.UTF8' } : {}) },
      })),
    },
  ];
  return writeNagiosInstance(path.join(dir, 'nagios'), {
    hosts,
    extraObjects:
      'define hostgroup {\n  hostgroup_name grid-ces\n}\n' +
      'define command {\n  command_name check_file\n  command_line /usr/lib/nagios/plugins/check_dummy $ARG1$ "$$(cat $ARG2$)"\n}\n' +
      extraObjects,
    extraMainConfig: { interval_length: 1, ...extraMain },
  });
}

/** The latest result per service, once every service has at least `min` results. */
async function waitForAll(received: Received, min: number, timeoutMs = 120_000): Promise<Map<string, MetricRecord>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const per = new Map<string, MetricRecord[]>();
    for (const r of received.records) per.set(r.metricName, [...(per.get(r.metricName) ?? []), r]);
    const names = [...Object.keys(OUTPUTS).map((n) => (n === 'utf8' ? 'org.example.UTF8' : n)), 'host-check'];
    if (names.every((n) => (per.get(n)?.length ?? 0) >= (n === 'host-check' ? 1 : min))) return new Map(names.map((n) => [n, per.get(n)!.at(-1)!]));
    if (Date.now() > deadline) throw new Error(`not every result arrived: ${JSON.stringify([...per].map(([k, v]) => [k, v.length]))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function checkFields(t: ExecutionContext, latest: Map<string, MetricRecord>, statusFile: string): Promise<void> {
  const blocks = parseStatusBlocks(fs.readFileSync(statusFile, 'utf8')).filter((b) => b.type === 'servicestatus');
  for (const [name, o] of Object.entries(OUTPUTS)) {
    const metric = name === 'utf8' ? 'org.example.UTF8' : name;
    const r = latest.get(metric)!;
    const word = (['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const)[o.state]!;
    // What the plugin printed, split per the plugin guidelines; Nagios itself turns ';' into ':' in the first line (not in long output or perfdata).
    const expected = parsePluginOutput(`${word}: ${o.text}`);
    t.is(r.metricStatus, word, name);
    t.is(r.summaryData, expected.summary.replaceAll(';', ':'), `${name} summary`);
    t.is(r.detailsData.replace(/\n+$/, ''), expected.longOutput, `${name} details`);
    t.is(r.perfData.replace(/\s+/g, ' ').trim(), expected.perfData.replace(/\s+/g, ' '), `${name} perfdata`);
    // And exactly what Nagios itself holds (status.dat).
    const st = blocks.find((b) => b.fields['service_description'] === name)!.fields;
    t.is(r.summaryData, st['plugin_output'] ?? '', `${name} vs status.dat`);
    // (parseStatusBlocks trims each status.dat line, hence trimEnd.)
    t.is(r.detailsData.trimEnd(), unescapeNagiosLongOutput(st['long_plugin_output'] ?? '').trimEnd(), `${name} long vs status.dat`);
    t.is(r.hostName, 'ce01.example.org');
    t.is(r.siteName, 'HOST-SITE');
  }
  const u = latest.get('org.example.UTF8')!;
  t.like(u, { serviceURI: 'https://ce01.example.org:8443/', voName: 'dteam', serviceFlavour: 'ARC-CE' });
  t.is(latest.get('quotes')!.serviceURI, 'ce01.example.org');
  const h = latest.get('host-check')!;
  t.like(h, { kind: 'host', metricStatus: 'UP', summaryData: 'OK: host-alive', siteName: 'HOST-SITE' });
}

async function setup(t: ExecutionContext, ocsp: boolean) {
  const tmp = tempDir('gridmsg-nagbridge-');
  t.teardown(tmp.cleanup);
  const dataDir = path.join(tmp.dir, 'data');
  fs.mkdirSync(dataDir);
  const handler = path.join(tmp.dir, 'gridmsg-ocsp-handler');
  fs.writeFileSync(handler, ocspHandlerScript(), { mode: 0o755 });
  const snippet: SnippetOptions = { site: 'TEST-SITE', dataDir, handlerPath: handler, rotateInterval: 2, ocsp };
  const paths = ocsp
    ? nagiosSetup(tmp.dir, ocspMainConfig(), ocspCommands(snippet))
    : nagiosSetup(tmp.dir, perfdataMainConfig(snippet), perfdataCommands(snippet));
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  const dest = `/queue/test.nagios.${ocsp ? 'ocsp' : 'perfdata'}`;
  const client = writeSiteClientConfig(tmp.dir, broker.stompPort, dest);
  // The OCSP file is rotated by the bridge every 4000 bytes here: the handler must keep appending by name.
  const inputs = ocsp
    ? [{ path: path.join(dataDir, 'ocsp-results'), type: 'ocsp' as const, rotateAtBytes: 4000 }]
    : [{ path: path.join(dataDir, 'service-perfdata') }, { path: path.join(dataDir, 'host-perfdata') }];
  const config = loadBridgeConfig(writeBridgeConfig(tmp.dir, { client, inputs, spoolDir: path.join(tmp.dir, 'spool') }));
  const received = await collect(broker.stompPort, dest);
  t.teardown(() => received.close());
  const bridge = await Bridge.start({ config, logger: silentLogger() });
  t.teardown(() => bridge.stop());
  const nagios = await startNagios(paths);
  t.teardown(() => nagios.stop());
  return { received, paths, dataDir, bridge };
}

test('perfdata path: real Nagios results with quotes, ;, |, $, UTF-8 and long output arrive intact, across Nagios rotating the files', async (t) => {
  const { received, paths, dataDir } = await setup(t, false);
  const rotatedSeen = new Set<string>();
  const watch = setInterval(() => fs.readdirSync(dataDir).filter((f) => /perfdata\.\d+$/.test(f)).forEach((f) => rotatedSeen.add(f)), 50);
  t.teardown(() => clearInterval(watch));
  const latest = await waitForAll(received, 3);
  clearInterval(watch);
  t.deepEqual(received.errors, []);
  await checkFields(t, latest, paths.statusFile);
  // Nagios rotated the files (every 2 s) and the bridge deleted what it finished.
  const rotatedLeft = fs.readdirSync(dataDir).filter((f) => /perfdata\.\d+$/.test(f));
  t.true(rotatedLeft.length <= 2, `rotated files left: ${rotatedLeft.join(', ')}`);
  t.true(rotatedSeen.size >= 1, 'Nagios rotated the perfdata files while results flowed');
});

test('OCSP/OCHP path: the shell handler fed by environment macros, results intact, file rotated by the bridge', async (t) => {
  const { received, paths, dataDir } = await setup(t, true);
  const latest = await waitForAll(received, 3);
  t.deepEqual(received.errors, []);
  await checkFields(t, latest, paths.statusFile);
  t.true(fs.readdirSync(dataDir).filter((f) => /^ocsp-results\.\d+$/.test(f)).length <= 1);
});
