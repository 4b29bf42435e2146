/**
 * End to end, everything real: a site Nagios running check_dummy, its
 * perfdata files followed by the site bridge (nagios-to-msg), the site's
 * regional broker, the broker network, the central broker, the central bridge
 * (msg-to-nagios) and a second Nagios whose status.dat shows each service's
 * state, output and check time as the site Nagios recorded them.
 * The network is the plain example registry, localized; the active broker of
 * the regional pair (eu-south) and of the central pair are started.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { prepareLocalNetwork, startLocalNetwork } from '../../broker-config/index.js';
import { startNagios, type NagiosHost } from '../../bridges/nagios-instance.js';
import { parseServiceStatus, parseStatusBlocks } from '../../bridges/nagios-status.js';
import { Bridge, loadBridgeConfig as loadSiteBridgeConfig, perfdataCommands, perfdataMainConfig } from '../../bridges/nagios-to-msg/index.js';
import { centralObjects, DEBIAN_DEFAULTS } from '../../bridges/msg-to-nagios/index.js';
import { loadRegistry } from '../../topology/index.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually, REPO, startBridge, writeBridgeConfig, writePrivateNagios } from './helpers/harness.js';

const REGISTRY = path.join(REPO, 'test', 'fixtures', 'registries', 'valid-example-plain.yaml');

/** What each site service runs: check_dummy state and text. */
const CHECKS: Record<string, { code: number; text: string }> = {
  'org.sam.CE-JobSubmit': { code: 0, text: 'job submitted in 42 s' },
  'org.sam.SRM-Put': { code: 1, text: 'slow transfer; 12 MB/s | rate=12MB/s;20;5' },
  'org.sam.WN-Rep': { code: 2, text: 'replica missing: $VO_HOME "ops"' },
  'hr.srce.CertLifetime': { code: 3, text: 'cannot read certificate' },
};
const HOSTS = ['ce01.cern.ch', 'se01.cern.ch'];
const WORDS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

test('a site Nagios result travels site bridge -> regional broker -> network -> central broker -> central bridge -> central Nagios', async (t) => {
  const tmp = tempDir('gridmsg-e2e-');
  if (process.env['KEEP_TMP'] === undefined) t.teardown(tmp.cleanup);
  else t.log(`keeping ${tmp.dir}`);
  // The broker network.
  const net = await prepareLocalNetwork(loadRegistry(REGISTRY), path.join(tmp.dir, 'net'));
  const brokers = await startLocalNetwork(net, { logger: silentLogger(), pairs: ['eu-south', 'central'], standbys: false });
  t.teardown(() => Promise.all(brokers.map((b) => b.process.stop(20_000))).then(() => undefined));

  // The site: a real Nagios running check_dummy, writing gridmsg's perfdata files.
  const dataDir = path.join(tmp.dir, 'site-data');
  fs.mkdirSync(dataDir);
  const snippet = { site: 'CERN-PROD', dataDir, handlerPath: '/nonexistent', rotateInterval: 2, ocsp: false };
  // Plugin output comes from files, so that ';' and '$' reach the plugin verbatim.
  for (const [svc, c] of Object.entries(CHECKS)) fs.writeFileSync(path.join(tmp.dir, `${svc}.out`), c.text);
  const siteHosts: NagiosHost[] = HOSTS.map((name) => ({
    name,
    // One check each (the next would be an hour later), so the centre can be compared with the site at leisure.
    directives: { active_checks_enabled: '1', check_command: 'check_dummy!0!"host alive"', check_interval: '3600', retry_interval: '3600' },
    services: Object.entries(CHECKS).map(([description, c]) => ({ description, checkCommand: `check_file!${c.code}!${path.join(tmp.dir, `${description}.out`)}`, checkIntervalSeconds: 3600, directives: { check_interval: '3600', retry_interval: '3600' } })),
  }));
  const sitePaths = writePrivateNagios(path.join(tmp.dir, 'site-nagios'), {
    hosts: siteHosts,
    extraObjects: 'define command {\n  command_name check_file\n  command_line /usr/lib/nagios/plugins/check_dummy $ARG1$ "$$(cat $ARG2$)"\n}\n' + perfdataCommands(snippet),
    extraMainConfig: { interval_length: 1, ...perfdataMainConfig(snippet) },
  });

  // The central Nagios: the same hosts and services, passive, with the templates gridmsg prints.
  const passive = { use: 'gridmsg-passive-service' };
  const centralPaths = writePrivateNagios(path.join(tmp.dir, 'central-nagios'), {
    hosts: HOSTS.map((name) => ({ name, directives: { use: 'gridmsg-passive-host' }, services: Object.keys(CHECKS).map((description) => ({ description, directives: passive })) })),
    extraObjects: centralObjects({ freshnessSeconds: 0, pluginDir: DEBIAN_DEFAULTS.pluginDir } as Parameters<typeof centralObjects>[0]),
  });
  const [siteNagios, centralNagios] = await Promise.all([startNagios(sitePaths), startNagios(centralPaths)]);
  t.teardown(() => Promise.all([siteNagios.stop(), centralNagios.stop()]).then(() => undefined));

  // The central bridge (spool mode), reading the consumer config broker-config generated.
  const central = startBridge(
    writeBridgeConfig(tmp.dir, {
      consumerFile: path.join(net.stateDir, 'consumers', 'argo-central.yaml'),
      stateDir: path.join(tmp.dir, 'central-state'),
      nagios: { mode: 'spool', checkResultPath: centralPaths.checkResultPath, objectCache: path.join(centralPaths.dir, 'objects.cache') },
      unknownObjects: { action: 'reject' },
    }),
    path.join(tmp.dir, 'central-bridge.log'),
  );
  t.teardown(() => central.process.stop());
  await central.waitForLog(/consuming/);

  // The site bridge, with the site client config broker-config generated.
  const siteConfigFile = path.join(tmp.dir, 'site-bridge.yaml');
  fs.writeFileSync(
    siteConfigFile,
    `client: ${path.join(net.stateDir, 'sites', 'CERN-PROD.yaml')}\ninputs:\n  - path: ${path.join(dataDir, 'service-perfdata')}\n  - path: ${path.join(dataDir, 'host-perfdata')}\nspool:\n  dir: ${path.join(tmp.dir, 'site-spool')}\npoll: 50ms\nrotationGrace: 200ms\n`,
  );
  const siteBridge = await Bridge.start({ config: loadSiteBridgeConfig(siteConfigFile), logger: silentLogger() });
  t.teardown(() => siteBridge.stop());

  // Every service shows the site's state and output at the centre.
  const centralStatus = () => parseServiceStatus(fs.readFileSync(centralPaths.statusFile, 'utf8'));
  const arrived = await eventually(() => {
    const s = centralStatus();
    return HOSTS.every((h) => Object.entries(CHECKS).every(([svc, c]) => s.get(`${h};${svc}`)?.currentState === c.code && (s.get(`${h};${svc}`)?.lastCheck ?? 0) > 0));
  }, 60_000);
  t.true(arrived, central.log().slice(-3000));

  // Each service was checked once at the site: the centre shows that very check (time and output).
  const siteStatus = () => parseServiceStatus(fs.readFileSync(sitePaths.statusFile, 'utf8'));
  const same = await eventually(() => {
    const c = centralStatus();
    const st = siteStatus();
    return HOSTS.every((h) => Object.keys(CHECKS).every((svc) => (st.get(`${h};${svc}`)?.lastCheck ?? 0) > 0 && c.get(`${h};${svc}`)?.lastCheck === st.get(`${h};${svc}`)?.lastCheck));
  }, 60_000);
  const mismatch = HOSTS.flatMap((h) => Object.keys(CHECKS).map((svc) => `${h};${svc}: central ${centralStatus().get(`${h};${svc}`)?.lastCheck} site ${siteStatus().get(`${h};${svc}`)?.lastCheck}`));
  t.true(same, `central check times equal the site check times:\n${mismatch.join('\n')}\n${central.log().slice(-1500)}`);
  const site = siteStatus();
  const s = centralStatus();
  for (const h of HOSTS) {
    for (const [svc, c] of Object.entries(CHECKS)) {
      const got = s.get(`${h};${svc}`)!;
      const want = site.get(`${h};${svc}`)!;
      t.is(got.currentState, c.code, `${h} ${svc} state`);
      t.is(got.pluginOutput, want.pluginOutput, `${h} ${svc} output as the site Nagios had it`);
      t.true(got.pluginOutput.startsWith(`${WORDS[c.code]}: `), got.pluginOutput);
      t.is(got.lastCheck, want.lastCheck, `${h} ${svc} check time`);
      t.is(got.checkType, 1, 'passive at the centre');
    }
  }
  // Host results too.
  const hostsUp = () => parseStatusBlocks(fs.readFileSync(centralPaths.statusFile, 'utf8')).filter((b) => b.type === 'hoststatus' && HOSTS.includes(b.fields['host_name'] ?? '') && b.fields['current_state'] === '0' && (b.fields['plugin_output'] ?? '').includes('host alive'));
  t.true(await eventually(() => hostsUp().length === HOSTS.length, 60_000), 'host results shown at the centre');
  t.notRegex(central.log(), /refused \d+ record/);
});
