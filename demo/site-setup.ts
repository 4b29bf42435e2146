/**
 * One demo site: a private site Nagios running the site's checks, configured
 * with what `gridmsg nagios-config site` prints (perfdata files rotated by
 * Nagios), and the site bridge config `nagios-config site --bridge-config`
 * prints, pointed at the localized site client config and with a metrics
 * endpoint so the demo can count what the bridge read, spooled and got
 * receipted. Writes files only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { NAGIOS_PLUGINS, writeNagiosInstance, type NagiosHost, type NagiosPaths } from '../bridges/nagios-instance.js';
import { bridgeConfigYaml, DEFAULT_HANDLER, perfdataCommands, perfdataMainConfig, type SnippetOptions } from '../bridges/nagios-to-msg/index.js';
import { demoCheckCommand, demoCheckCommandDefinition } from './checks.js';
import type { DemoSite } from './plan.js';

export interface SiteSetupOptions {
  /** Directory of this site's Nagios, data files, spool and bridge config. */
  dir: string;
  site: DemoSite;
  /** The localized site client config `dev up` wrote (STATE/sites/SITE.yaml). */
  clientConfig: string;
  metricsPort: number;
  /** Seconds between two runs of each check. */
  checkIntervalSeconds: number;
  /** Seconds between rotations of the perfdata files by Nagios. */
  rotateSeconds: number;
}

export interface SiteSetup {
  site: DemoSite;
  nagios: NagiosPaths;
  bridgeConfig: string;
  metricsUrl: string;
  dataDir: string;
}

/** The hosts and active checks of a demo site (hosts send no results of their own: process_perf_data 0). */
export function siteNagiosHosts(site: DemoSite, intervalSeconds: number): NagiosHost[] {
  return site.hosts.map((host) => ({
    name: host,
    directives: { process_perf_data: '0' },
    services: site.checks
      .filter((c) => c.host === host)
      .map((c) => ({
        description: c.service,
        checkCommand: demoCheckCommand(c),
        directives: { check_interval: String(intervalSeconds), retry_interval: String(intervalSeconds) },
      })),
  }));
}

/** The bridge config text `nagios-config site --bridge-config` prints, with the demo's metrics endpoint added. */
export function siteBridgeConfig(snippet: SnippetOptions, metricsPort: number): string {
  const doc = parseDocument(bridgeConfigYaml(snippet));
  doc.set('metrics', { host: '127.0.0.1', port: metricsPort });
  return `# Written by gridmsg demo: gridmsg nagios-config site --bridge-config, plus a metrics endpoint.\n${doc.toString({ lineWidth: 0 })}`;
}

export function writeSiteSetup(o: SiteSetupOptions): SiteSetup {
  const dataDir = path.join(o.dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const snippet: SnippetOptions = {
    site: o.site.name,
    dataDir,
    handlerPath: DEFAULT_HANDLER,
    rotateInterval: o.rotateSeconds,
    ocsp: false,
    ...(o.site.hostPatterns === undefined ? {} : { hosts: o.site.hostPatterns }),
    clientConfig: o.clientConfig,
    spoolDir: path.join(o.dir, 'spool'),
  };
  const nagios = writeNagiosInstance(path.join(o.dir, 'nagios'), {
    hosts: siteNagiosHosts(o.site, o.checkIntervalSeconds),
    // interval_length 1: check intervals are in seconds.
    extraMainConfig: { interval_length: 1, ...perfdataMainConfig(snippet) },
    extraObjects: `${perfdataCommands(snippet)}\n${demoCheckCommandDefinition(NAGIOS_PLUGINS)}`,
  });
  const bridgeConfig = path.join(o.dir, 'nagios-to-msg.yaml');
  fs.writeFileSync(bridgeConfig, siteBridgeConfig(snippet, o.metricsPort));
  return { site: o.site, nagios, bridgeConfig, metricsUrl: `http://127.0.0.1:${o.metricsPort}/metrics`, dataDir };
}
