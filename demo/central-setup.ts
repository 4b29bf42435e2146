/**
 * The demo's central side: a private central Nagios whose nagios.cfg lines,
 * passive templates and site hostgroups are what `gridmsg nagios-config
 * central` prints, with the demo sites' hosts and services defined as passive
 * objects, and the central bridge config that command prints (spool mode:
 * check-result files) pointed at the localized consumer client config.
 * Writes files only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { ConsumerClientConfig } from '../clients/client-config.js';
import { NAGIOS_PLUGINS, nagiosPaths, writeNagiosInstance, type NagiosHost, type NagiosPaths } from '../bridges/nagios-instance.js';
import {
  centralBridgeConfig,
  centralMainConfig,
  centralObjects,
  centralSites,
  PASSIVE_HOST_TEMPLATE,
  PASSIVE_SERVICE_TEMPLATE,
  type CentralSnippetOptions,
} from '../bridges/msg-to-nagios/index.js';
import type { DemoPlan } from './plan.js';

export interface CentralSetupOptions {
  dir: string;
  plan: DemoPlan;
  consumer: ConsumerClientConfig;
  /** The localized consumer client config `dev up` wrote (STATE/consumers/NAME.yaml). */
  consumerFile: string;
  /** Seconds between the central bridge's "stats" log lines (the demo reads them). */
  statsIntervalSeconds: number;
  /** Port of the central bridge's metrics endpoint (gridmsg status reads it); none when absent. */
  metricsPort?: number;
}

export interface CentralSetup {
  nagios: NagiosPaths;
  bridgeConfig: string;
  /** Nagios' lock file: a daemon Nagios writes its pid there; the demo's foreground Nagios gets it written for it. */
  bridgeStateDir: string;
  /** The central bridge's metrics endpoint, when it has one. */
  metricsUrl?: string;
}

/** `key=value` lines of a nagios.cfg snippet as settings (comments and blank lines skipped). */
export function mainConfigSettings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** The demo sites' hosts and services as passive objects of the central Nagios, in their site hostgroups. */
export function centralHosts(plan: DemoPlan): NagiosHost[] {
  return plan.sites.flatMap((site) =>
    site.hosts.map((host) => ({
      name: host,
      // The templates leave contacts to the site admin; the demo notifies nobody.
      directives: { use: PASSIVE_HOST_TEMPLATE, hostgroups: `site-${site.name}`, contacts: 'nobody' },
      services: site.checks
        .filter((c) => c.host === host)
        .map((c) => ({ description: c.service, directives: { use: PASSIVE_SERVICE_TEMPLATE, contacts: 'nobody', notification_interval: '0' } })),
    })),
  );
}

export function writeCentralSetup(o: CentralSetupOptions): CentralSetup {
  const nagiosDir = path.join(o.dir, 'nagios');
  const bridgeStateDir = path.join(o.dir, 'bridge-state');
  const snippet: CentralSnippetOptions = {
    consumer: o.consumer,
    consumerFile: o.consumerFile,
    mode: 'spool',
    commandFile: path.join(nagiosDir, 'rw', 'nagios.cmd'),
    checkResultPath: path.join(nagiosDir, 'checkresults'),
    objectCache: path.join(nagiosDir, 'objects.cache'),
    querySocket: nagiosPaths(nagiosDir).querySocket,
    stateDir: bridgeStateDir,
    freshnessSeconds: 0,
    pluginDir: NAGIOS_PLUGINS,
    ...(o.metricsPort === undefined ? {} : { metricsPort: o.metricsPort }),
  };
  const nagios = writeNagiosInstance(nagiosDir, {
    hosts: centralHosts(o.plan),
    extraMainConfig: mainConfigSettings(centralMainConfig(snippet)),
    extraObjects: `${centralObjects(snippet)}\n${centralSites(snippet)}`,
  });
  const doc = parseDocument(centralBridgeConfig(snippet));
  doc.setIn(['reporting', 'summaryIntervalSeconds'], o.statsIntervalSeconds);
  const bridgeConfig = path.join(o.dir, 'msg-to-nagios.yaml');
  fs.writeFileSync(bridgeConfig, `# Written by gridmsg demo: gridmsg nagios-config central --part bridge, stats every ${o.statsIntervalSeconds} s.\n${doc.toString({ lineWidth: 0 })}`);
  return { nagios, bridgeConfig, bridgeStateDir, ...(o.metricsPort === undefined ? {} : { metricsUrl: `http://127.0.0.1:${o.metricsPort}/metrics` }) };
}
