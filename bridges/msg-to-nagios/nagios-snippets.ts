import { stringify } from 'yaml';
import type { ConsumerClientConfig } from '../../clients/client-config.js';
import { DEFAULT_BRIDGE_LIMITS } from './config.js';
import { DEFAULT_ILLEGAL_NAME_CHARS } from './object-names.js';
import { PASSIVE_HOST_TEMPLATE, PASSIVE_SERVICE_TEMPLATE } from './unknown-objects.js';

/**
 * What `gridmsg nagios-config central` prints: the nagios.cfg settings and
 * object templates a central Nagios needs to take results from the bridge,
 * the sites it will hear from, and a bridge configuration to start from.
 * Defaults are Debian's nagios4 paths.
 */
export interface CentralSnippetOptions {
  consumer: ConsumerClientConfig;
  /** Path of the consumer client config, as the bridge config should name it. */
  consumerFile: string;
  mode: 'pipe' | 'spool';
  commandFile: string;
  checkResultPath: string;
  objectCache: string;
  /** Nagios' query_socket: the bridge releases spool files only while it accepts connections (Nagios runs). */
  querySocket: string;
  stateDir: string;
  /** Seconds without a result after which a service goes UNKNOWN (0: no freshness checking). */
  freshnessSeconds: number;
  /** Plugin directory holding check_dummy. */
  pluginDir: string;
  /** Port of the bridge's Prometheus endpoint on 127.0.0.1 (what `gridmsg status` reads); absent: printed commented out. */
  metricsPort?: number;
}

/** The metrics port `deploy-files` gives the central bridge (the site bridge has 9465). */
export const CENTRAL_METRICS_PORT = 9466;

export const DEBIAN_DEFAULTS = {
  commandFile: '/var/lib/nagios4/rw/nagios.cmd',
  checkResultPath: '/var/lib/nagios4/spool/checkresults',
  objectCache: '/var/lib/nagios4/objects.cache',
  querySocket: '/var/lib/nagios4/rw/nagios.qh',
  stateDir: '/var/lib/gridmsg/msg-to-nagios',
  pluginDir: '/usr/lib/nagios/plugins',
} as const;

function block(type: string, fields: Array<[string, string | number]>): string {
  return `define ${type} {\n${fields.map(([k, v]) => `  ${k.padEnd(28)} ${v}`).join('\n')}\n}\n`;
}

/** The nagios.cfg lines. */
export function centralMainConfig(o: CentralSnippetOptions): string {
  return [
    `# nagios.cfg settings for gridmsg msg-to-nagios (consumer ${o.consumer.consumer})`,
    'check_external_commands=1',
    `command_file=${o.commandFile}`,
    'accept_passive_service_checks=1',
    'accept_passive_host_checks=1',
    '# Passive host results set HARD states, as on the site.',
    'passive_host_checks_are_soft=0',
    `check_result_path=${o.checkResultPath}`,
    '# Spool mode: results wait for the reaper; every second keeps end-to-end latency (with status.dat every 1 s) under 2 s.',
    'check_result_reaper_frequency=1',
    '# The bridge only releases spool files while Nagios runs; keep Nagios from discarding them unread after a long stop.',
    'max_check_result_file_age=86400',
    `object_cache_file=${o.objectCache}`,
    "# The bridge asks this socket whether Nagios runs (Debian's nagios4.service runs Nagios in the foreground, which writes no lock_file).",
    `query_socket=${o.querySocket}`,
    "# Grid metric names contain '=' (e.g. org.sam.CE-JobSubmit-/ops/Role=lcgadmin): keep it out of this list.",
    `illegal_object_name_chars=${DEFAULT_ILLEGAL_NAME_CHARS}`,
    '# 1 logs one line per received result (useful to audit, heavy at grid rates).',
    'log_passive_checks=0',
    '',
  ].join('\n');
}

/** The object definitions: a freshness command and the passive host and service templates. */
export function centralObjects(o: CentralSnippetOptions): string {
  const fresh = o.freshnessSeconds > 0;
  return [
    '# Object templates for results delivered by gridmsg msg-to-nagios.',
    '# Hosts and services use them: define host { use gridmsg-passive-host ... }.',
    '# Needs a timeperiod 24x7 (Debian: /etc/nagios4/objects/timeperiods.cfg).',
    block('command', [
      ['command_name', 'gridmsg_no_result'],
      ['command_line', `${o.pluginDir}/check_dummy 3 "no result received through gridmsg"`],
    ]),
    block('host', [
      ['name', PASSIVE_HOST_TEMPLATE],
      ['register', 0],
      ['check_command', 'gridmsg_no_result'],
      ['active_checks_enabled', 0],
      ['passive_checks_enabled', 1],
      ['check_freshness', 0],
      ['max_check_attempts', 1],
      ['check_period', '24x7'],
      ['notification_period', '24x7'],
      ['flap_detection_enabled', 0],
    ]),
    block('service', [
      ['name', PASSIVE_SERVICE_TEMPLATE],
      ['register', 0],
      ['check_command', 'gridmsg_no_result'],
      ['active_checks_enabled', 0],
      ['passive_checks_enabled', 1],
      ['check_freshness', fresh ? 1 : 0],
      ...(fresh ? ([['freshness_threshold', o.freshnessSeconds]] as Array<[string, number]>) : []),
      ['max_check_attempts', 1],
      ['check_interval', 60],
      ['retry_interval', 5],
      ['check_period', '24x7'],
      ['notification_period', '24x7'],
      ['flap_detection_enabled', 0],
      ['obsess_over_service', 0],
    ]),
  ].join('\n');
}

/** The sites this consumer hears from, with the hosts each may report on (comments plus a hostgroup per site). */
export function centralSites(o: CentralSnippetOptions): string {
  const out = [`# Sites consumer ${o.consumer.consumer} reads, and the hosts each may report on.`, '# Results for other hosts are refused by the bridge; define the hosts you want to see.'];
  for (const q of o.consumer.queues) {
    out.push(`#   ${q.site.padEnd(24)} role ${q.role.padEnd(8)} hosts ${q.hosts?.join(' ') ?? '(any)'}`);
  }
  out.push('');
  for (const q of o.consumer.queues) {
    out.push(block('hostgroup', [['hostgroup_name', `site-${q.site}`], ['alias', `${q.site} (${q.tenant}, ${q.role})`]]));
  }
  return out.join('\n');
}

/** A msg-to-nagios.yaml to start from. */
export function centralBridgeConfig(o: CentralSnippetOptions): string {
  const cfg = {
    consumer: o.consumerFile,
    stateDir: o.stateDir,
    nagios: {
      mode: o.mode,
      commandFile: o.commandFile,
      checkResultPath: o.checkResultPath,
      longOutput: 'spool',
      objectCache: o.objectCache,
      querySocket: o.querySocket,
      maxOutputBytes: 8192,
    },
    unknownObjects: { action: 'reject', suggestionsFile: `${o.stateDir}/unknown-objects.cfg` },
    naming: { default: { suffix: '' }, roles: {} },
    limits: { ...DEFAULT_BRIDGE_LIMITS },
    reporting: { summaryIntervalSeconds: 60 },
  };
  const metrics =
    o.metricsPort === undefined
      ? `# metrics:                 # Prometheus endpoint that gridmsg status reads (docs/operations.md)\n#   host: 127.0.0.1\n#   port: ${CENTRAL_METRICS_PORT}\n`
      : `metrics:                   # Prometheus endpoint that gridmsg status reads (docs/operations.md)\n  host: 127.0.0.1\n  port: ${o.metricsPort}\n`;
  return `# msg-to-nagios.yaml: run with  gridmsg msg-to-nagios --config msg-to-nagios.yaml\n${stringify(cfg, { lineWidth: 0 })}${metrics}`;
}

export type SnippetPart = 'nagios-cfg' | 'objects' | 'sites' | 'bridge';
export const SNIPPET_PARTS: readonly SnippetPart[] = ['nagios-cfg', 'objects', 'sites', 'bridge'];

export function centralSnippets(o: CentralSnippetOptions, parts: readonly SnippetPart[] = SNIPPET_PARTS): string {
  const render: Record<SnippetPart, (o: CentralSnippetOptions) => string> = {
    'nagios-cfg': centralMainConfig,
    objects: centralObjects,
    sites: centralSites,
    bridge: centralBridgeConfig,
  };
  const titles: Record<SnippetPart, string> = {
    'nagios-cfg': 'nagios.cfg',
    objects: 'objects (e.g. /etc/nagios4/conf.d/gridmsg.cfg)',
    sites: 'sites (e.g. /etc/nagios4/conf.d/gridmsg-sites.cfg)',
    bridge: 'msg-to-nagios.yaml',
  };
  if (parts.length === 1) return render[parts[0]!](o);
  return parts.map((p) => `# ===== ${titles[p]} =====\n${render[p](o)}`).join('\n');
}
