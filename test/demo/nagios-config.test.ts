/**
 * What the demo writes for its Nagios instances and bridges is valid for the
 * real programs: `nagios4 -v` accepts both instances without a warning, and
 * the bridges' own loaders accept both bridge configurations.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { NAGIOS_BINARY } from '../../bridges/nagios-instance.js';
import { loadBridgeConfig as loadCentralConfig } from '../../bridges/msg-to-nagios/index.js';
import { loadBridgeConfig as loadSiteConfig } from '../../bridges/nagios-to-msg/index.js';
import { consumerClientConfigs, renderClientConfig, siteClientConfigs } from '../../broker-config/client-configs.js';
import { writeCentralSetup } from '../../demo/central-setup.js';
import { planDemo } from '../../demo/plan.js';
import { writeSiteSetup } from '../../demo/site-setup.js';
import { buildNetwork, loadRegistry } from '../../topology/index.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);

test('the demo Nagios instances pass nagios4 -v without warnings; both bridge configs load', async (t) => {
  const tmp = tempDir('gridmsg-demo-cfg-');
  t.teardown(tmp.cleanup);
  const registry = loadRegistry(path.join(REPO_ROOT, 'examples', 'registry.yaml'));
  const plan = planDemo(registry, buildNetwork(registry));
  const consumer = consumerClientConfigs(registry).find((c) => c.consumer === plan.consumer)!;
  const consumerFile = path.join(tmp.dir, 'consumer.yaml');
  fs.writeFileSync(consumerFile, renderClientConfig(consumer));
  const central = writeCentralSetup({ dir: path.join(tmp.dir, 'central'), plan, consumer, consumerFile, statsIntervalSeconds: 2 });
  const site = plan.sites[0]!;
  const clientFile = path.join(tmp.dir, 'site.yaml');
  fs.writeFileSync(clientFile, renderClientConfig(siteClientConfigs(registry).find((s) => s.site === site.name)!));
  const siteSetup = writeSiteSetup({ dir: path.join(tmp.dir, 'site'), site, clientConfig: clientFile, metricsPort: 9999, checkIntervalSeconds: 5, rotateSeconds: 10 });

  for (const cfg of [central.nagios.mainConfig, siteSetup.nagios.mainConfig]) {
    const { stdout } = await run(NAGIOS_BINARY, ['-v', cfg]);
    t.regex(stdout, /Total Warnings: 0\s+Total Errors:\s+0/, `${cfg}:\n${stdout}`);
  }
  const c = loadCentralConfig(central.bridgeConfig);
  t.is(c.nagios.mode, 'spool');
  t.is(c.nagios.checkResultPath, central.nagios.checkResultPath);
  t.is(c.nagios.querySocket, central.nagios.querySocket);
  t.is(c.nagios.lockFile, undefined, 'a foreground Nagios writes no lock file: the bridge asks the query socket');
  t.is(c.summaryIntervalSeconds, 2);
  const s = loadSiteConfig(siteSetup.bridgeConfig);
  t.deepEqual(s.metrics, { host: '127.0.0.1', port: 9999 });
  t.deepEqual(s.filters.include.hosts, site.hostPatterns);
  t.deepEqual(s.inputs.map((i) => path.dirname(i.path)), [siteSetup.dataDir, siteSetup.dataDir]);
  // The site Nagios writes its perfdata files where the bridge reads them.
  const main = fs.readFileSync(siteSetup.nagios.mainConfig, 'utf8');
  for (const i of s.inputs) t.true(main.includes(`=${i.path}\n`), i.path);
});
