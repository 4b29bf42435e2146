import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveSecrets, type GeneratedFile } from '../../broker-config/index.js';
import { loadBridgeConfig as loadSiteBridgeConfig } from '../../bridges/nagios-to-msg/index.js';
import { loadBridgeConfig as loadCentralBridgeConfig } from '../../bridges/msg-to-nagios/index.js';
import { bridgeFromConfig, deployFiles, LAYOUT, SITE_UNIT, brokerUnit, centralUnit } from '../../operations/index.js';
import { loadRegistry } from '../../topology/index.js';
import { modeOf, runCli } from '../broker-config/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const EXAMPLE = path.join(import.meta.dirname, 'fixtures', 'deploy.yaml');
const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'network.yaml');
const example = loadRegistry(EXAMPLE);
/** Every secret the registry references, made up: `pw-<file or variable name>`. */
const fakeSecrets = (registry: ReturnType<typeof loadRegistry>): Map<string, string> =>
  resolveSecrets(registry, {
    readFile: (f) => `pw-${path.basename(f)}`,
    env: new Proxy({}, { get: (_o, key) => (typeof key === 'string' ? `pw-${key}` : undefined) }) as NodeJS.ProcessEnv,
  }).secrets;
const secrets = fakeSecrets(example);
const byPath = (files: GeneratedFile[]): Map<string, GeneratedFile> => new Map(files.map((f) => [f.path, f]));

test('deploy files of a production-like registry (snapshots): units, bridge configurations, Nagios additions, README', (t) => {
  const files = byPath(deployFiles(example, { secrets }).files);
  for (const p of [
    'README.txt',
    `broker-central-a/etc/systemd/system/${brokerUnit('central-a')}`,
    `site-CERN-PROD/etc/systemd/system/${SITE_UNIT}`,
    'site-CERN-PROD/etc/gridmsg/nagios-to-msg.yaml',
    'site-CERN-PROD/etc/gridmsg/nagios/nagios.cfg.add',
    'site-CERN-PROD/etc/nagios4/conf.d/gridmsg-site.cfg',
    `consumer-argo-central/etc/systemd/system/${centralUnit('argo-central')}`,
    'consumer-argo-central/etc/gridmsg/msg-to-nagios-argo-central.yaml',
    'consumer-argo-central/etc/nagios4/conf.d/gridmsg-network.cfg',
  ]) {
    const f = files.get(p);
    t.truthy(f, `${p} missing`);
    t.snapshot(f?.content, p);
  }
});

test('every broker, site and consumer gets its bundle, with the generator\'s configurations in /etc/gridmsg', (t) => {
  const { files, bundles } = deployFiles(example, { secrets });
  const paths = new Set(files.map((f) => f.path));
  t.deepEqual(bundles.filter((b) => b.kind === 'broker').map((b) => b.name).sort(), example.brokers.map((b) => b.name).sort());
  t.deepEqual(bundles.filter((b) => b.kind === 'site').map((b) => b.name).sort(), example.sites.map((s) => s.name).sort());
  t.deepEqual(bundles.filter((b) => b.kind === 'consumer').map((b) => b.name).sort(), example.consumers.map((c) => c.name).sort());
  for (const b of example.brokers) {
    for (const f of ['conf/activemq.xml', 'conf/credentials.properties', 'broker.json']) t.true(paths.has(`broker-${b.name}/etc/gridmsg/brokers/${b.name}/${f}`), `${b.name}: ${f}`);
  }
  t.true(paths.has('site-egee.srce.hr/etc/gridmsg/sites/egee.srce.hr.yaml'));
  t.true(paths.has('consumer-argo-central/etc/gridmsg/consumers/argo-central.yaml'));
  t.is(bundles.find((b) => b.name === 'CERN-PROD')!.host, 'nagios.cern.ch');
  // Same input, same bytes.
  t.deepEqual(deployFiles(loadRegistry(EXAMPLE), { secrets }).files, files);
});

test('secrets are only in mode-0600 files: broker credentials, password files at the registry paths, environment files', (t) => {
  const { files } = deployFiles(example, { secrets });
  for (const f of files) {
    if (f.mode === 0o600) continue;
    for (const s of secrets.values()) t.false(f.content.includes(s), `${f.path} holds a secret`);
  }
  const cern = files.find((f) => f.path === 'site-CERN-PROD/etc/gridmsg/secrets/sites/CERN-PROD.password')!;
  t.is(cern.mode, 0o600);
  t.is(cern.content, 'pw-CERN-PROD.password\n');
  // argo-central's password comes from an environment variable: an EnvironmentFile the unit names.
  const env = files.find((f) => f.path === 'consumer-argo-central/etc/gridmsg/secrets/msg-to-nagios-argo-central.env')!;
  t.is(env.mode, 0o600);
  t.true(env.content.includes(`GRIDMSG_ARGO_CENTRAL_PASSWORD='${secrets.get('argo-central')}'`));
  const unit = files.find((f) => f.path === `consumer-argo-central/etc/systemd/system/${centralUnit('argo-central')}`)!;
  t.true(unit.content.includes('EnvironmentFile=/etc/gridmsg/secrets/msg-to-nagios-argo-central.env'));
  t.true(files.some((f) => f.path === 'consumer-argo-central/etc/gridmsg/secrets/monitor.password' && f.mode === 0o600));
  // Without secrets nothing secret is written.
  const none = deployFiles(example);
  t.false(none.files.some((f) => f.mode === 0o600));
  t.true(none.warnings.some((w) => w.includes('no secrets written')));
});

test('units: the right users, restart policy and sandbox; a broker on a port below 1024 gets only CAP_NET_BIND_SERVICE', (t) => {
  const files = byPath(deployFiles(example, { secrets }).files);
  const broker = files.get(`broker-central-a/etc/systemd/system/${brokerUnit('central-a')}`)!.content;
  for (const line of ['User=activemq', 'Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'ProtectHome=yes', 'CapabilityBoundingSet=\n', 'SuccessExitStatus=143']) {
    t.true(broker.includes(line), line);
  }
  t.regex(broker, /^ReadWritePaths=\/var\/lib\/gridmsg\/central-a \/srv\/shared\/gridmsg\/central\/kahadb$/m);
  t.regex(broker, /^ExecStart=\/usr\/bin\/java -Xms1024M -Xmx1024M .*-Dactivemq\.base=\/etc\/gridmsg\/brokers\/central-a .*xbean:file:\/etc\/gridmsg\/brokers\/central-a\/conf\/activemq\.xml$/m);
  t.regex(broker, /^LimitNOFILE=\d+$/m);
  const site = files.get(`site-CERN-PROD/etc/systemd/system/${SITE_UNIT}`)!.content;
  t.true(site.includes('User=nagios'));
  t.true(site.includes('ExecReload=/bin/kill -HUP $MAINPID'));
  t.regex(site, /^ExecStart=\/usr\/local\/bin\/gridmsg nagios-to-msg --config \/etc\/gridmsg\/nagios-to-msg\.yaml --log-format json$/m);

  const low = loadRegistry(FIXTURE);
  low.brokers[0]!.ports.stomp = 613;
  const lowUnit = deployFiles(low).files.find((f) => f.path.endsWith(brokerUnit(low.brokers[0]!.name)))!.content;
  t.true(lowUnit.includes('CapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n'));
});

test('installed under a root, the bundles load with the bridges\' own configuration loaders', (t) => {
  const tmp = tempDir('gridmsg-deploy-');
  t.teardown(tmp.cleanup);
  const root = path.join(tmp.dir, 'root');
  const registry = loadRegistry(FIXTURE);
  const { files } = deployFiles(registry, { root, secrets: fakeSecrets(registry), registryText: fs.readFileSync(FIXTURE, 'utf8') });
  // "cp -r bundle/. root/" for a site host and a central host.
  for (const f of files) {
    const [bundle, ...rest] = f.path.split('/');
    if (bundle !== 'site-site-s' && bundle !== 'consumer-central-nagios') continue;
    const target = path.join(root, ...rest);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content, { mode: f.mode });
  }
  const site = loadSiteBridgeConfig(path.join(root, LAYOUT.siteBridge));
  t.is(site.client.site, 'site-s');
  t.is(site.client.destination, '/topic/grid.probe.metricOutput.EGI.site.site-s');
  t.is(site.spool.dir, path.join(root, LAYOUT.siteState, 'spool'));
  t.deepEqual(site.metrics, { host: '127.0.0.1', port: 9465 });
  t.deepEqual(site.inputs.map((i) => i.path), [path.join(root, '/var/spool/gridmsg/service-perfdata'), path.join(root, '/var/spool/gridmsg/host-perfdata')]);
  const central = loadCentralBridgeConfig(path.join(root, LAYOUT.centralBridge('central-nagios')));
  t.is(central.consumer.consumer, 'central-nagios');
  t.is(central.stateDir, path.join(root, LAYOUT.centralState('central-nagios')));
  t.deepEqual(central.consumer.queues.map((q) => q.site), ['site-n', 'site-s']);
  t.deepEqual([central.metrics?.host, central.metrics?.port], ['127.0.0.1', 9466], 'the central bridge serves metrics for gridmsg status');
  // gridmsg status finds that endpoint from the installed configuration.
  t.is(bridgeFromConfig(path.join(root, LAYOUT.centralBridge('central-nagios'))).metricsUrl, 'http://127.0.0.1:9466/metrics');
  t.is(fs.readFileSync(path.join(root, LAYOUT.registry), 'utf8'), fs.readFileSync(FIXTURE, 'utf8'));
});

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
(hasSystemdAnalyze ? test : test.skip)('systemd-analyze verify accepts every generated unit', (t) => {
  const tmp = tempDir('gridmsg-units-');
  t.teardown(tmp.cleanup);
  // ExecStart must name existing executables here: the repository's launcher stands for the installed gridmsg.
  const { files } = deployFiles(loadRegistry(FIXTURE), { gridmsgBin: path.join(ROOT, 'bin', 'gridmsg.js'), javaBin: process.execPath });
  const units = files.filter((f) => f.path.endsWith('.service'));
  t.is(units.length, 4 + 2 + 2);
  for (const u of units) fs.writeFileSync(path.join(tmp.dir, path.basename(u.path).replace('.service', `-${u.path.split('/')[0]}.service`)), u.content);
  const r = spawnSync('systemd-analyze', ['verify', ...fs.readdirSync(tmp.dir).map((f) => path.join(tmp.dir, f))], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr.trim(), '', 'systemd-analyze reported problems');
});

test('CLI: deploy-files writes the bundles with their modes; a missing secret names file, line and field, without a stack trace', async (t) => {
  const tmp = tempDir('gridmsg-deploy-cli-');
  t.teardown(tmp.cleanup);
  const env = { OPS_NETWORK_PW: 'n1', OPS_MONITOR_PW: 'm1', OPS_SITE_N_PW: 's1', OPS_SITE_S_PW: 's2', OPS_CENTRAL_PW: 'c1', OPS_NGI_PW: 'g1' };
  const ok = await runCli(['deploy-files', '--registry', FIXTURE, '--out', tmp.dir], { env });
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /wrote \d+ files to .* \(\d+ secrets, mode 0600\)/);
  t.is(modeOf(path.join(tmp.dir, 'broker-central-a/etc/gridmsg/brokers/central-a/conf/credentials.properties')), 0o600);
  t.is(modeOf(path.join(tmp.dir, 'site-site-n/etc/gridmsg/secrets/nagios-to-msg.env')), 0o600);
  t.is(modeOf(path.join(tmp.dir, 'broker-central-a/etc/gridmsg/brokers/central-a/run.sh')), 0o755);
  t.is(modeOf(path.join(tmp.dir, `site-site-n/etc/systemd/system/${SITE_UNIT}`)), 0o644);

  const { OPS_SITE_S_PW: _unset, ...partial } = env;
  const bad = await runCli(['deploy-files', '--registry', FIXTURE, '--out', path.join(tmp.dir, 'bad')], { env: { ...partial, OPS_SITE_S_PW: undefined as unknown as string } });
  t.not(bad.code, 0);
  t.regex(bad.stderr, /network\.yaml:\d+:\d+: sites\[1\]\.credentials: environment variable OPS_SITE_S_PW/);
  t.notRegex(bad.stderr, /\n\s+at /, 'stack trace printed');
  t.false(fs.existsSync(path.join(tmp.dir, 'bad')));
});
