/**
 * What a site pastes into its Nagios configuration (printed by
 * `gridmsg nagios-config site`), and a matching bridge config. Pure.
 */
import path from 'node:path';
import { ocspHandlerScript } from './ocsp-handler.js';
import { CUSTOM_VARIABLES, perfdataTemplate } from './template.js';

export interface SnippetOptions {
  site: string;
  /** Directory of the perfdata/OCSP files (Nagios must be able to write it). */
  dataDir: string;
  /** Where the OCSP handler script is installed. */
  handlerPath: string;
  /** Seconds between rotations of the perfdata files by Nagios. */
  rotateInterval: number;
  /** Print the OCSP/OCHP variant as the active one (default: perfdata files). */
  ocsp: boolean;
  /** Host patterns the site may report on (registry): the bridge config includes only those. */
  hosts?: string[];
  /** Site client config (for the bridge config). */
  clientConfig?: string;
  spoolDir?: string;
}

export const DEFAULT_DATA_DIR = '/var/spool/gridmsg';
/** Seconds between rotations of the perfdata files by Nagios (`--rotate-interval`). */
export const DEFAULT_ROTATE_INTERVAL = 60;
export const DEFAULT_HANDLER = '/usr/local/libexec/gridmsg/gridmsg-ocsp-handler';

export function dataFiles(dataDir: string): { service: string; host: string; ocsp: string } {
  return {
    service: path.posix.join(dataDir, 'service-perfdata'),
    host: path.posix.join(dataDir, 'host-perfdata'),
    ocsp: path.posix.join(dataDir, 'ocsp-results'),
  };
}

function command(name: string, line: string): string {
  return `define command {\n    command_name    ${name}\n    command_line    ${line}\n}\n`;
}

/** nagios.cfg lines for the perfdata-file path. */
export function perfdataMainConfig(o: SnippetOptions): Record<string, string | number> {
  const f = dataFiles(o.dataDir);
  return {
    process_performance_data: 1,
    service_perfdata_file: f.service,
    service_perfdata_file_template: perfdataTemplate('service'),
    service_perfdata_file_mode: 'a',
    service_perfdata_file_processing_interval: o.rotateInterval,
    service_perfdata_file_processing_command: 'gridmsg-rotate-service-perfdata',
    host_perfdata_file: f.host,
    host_perfdata_file_template: perfdataTemplate('host'),
    host_perfdata_file_mode: 'a',
    host_perfdata_file_processing_interval: o.rotateInterval,
    host_perfdata_file_processing_command: 'gridmsg-rotate-host-perfdata',
  };
}

/** Command definitions for the perfdata-file path (rotation by rename; the bridge reads and deletes the rotated files). */
export function perfdataCommands(o: SnippetOptions): string {
  const f = dataFiles(o.dataDir);
  return (
    command('gridmsg-rotate-service-perfdata', `/bin/mv -n ${f.service} ${f.service}.$TIMET$`) +
    '\n' +
    command('gridmsg-rotate-host-perfdata', `/bin/mv -n ${f.host} ${f.host}.$TIMET$`)
  );
}

export function ocspMainConfig(): Record<string, string | number> {
  return {
    enable_environment_macros: 1,
    obsess_over_services: 1,
    ocsp_command: 'gridmsg-ocsp',
    obsess_over_hosts: 1,
    ochp_command: 'gridmsg-ochp',
  };
}

export function ocspCommands(o: SnippetOptions): string {
  const f = dataFiles(o.dataDir);
  return command('gridmsg-ocsp', `${o.handlerPath} service ${f.ocsp}`) + '\n' + command('gridmsg-ochp', `${o.handlerPath} host ${f.ocsp}`);
}

const cfgLines = (settings: Record<string, string | number>, prefix = ''): string =>
  Object.entries(settings)
    .map(([k, v]) => `${prefix}${k}=${v}`)
    .join('\n');

/** The full text `gridmsg nagios-config site` prints. */
export function siteSnippets(o: SnippetOptions): string {
  const f = dataFiles(o.dataDir);
  const vars = Object.entries(CUSTOM_VARIABLES)
    .map(([name, doc]) => `#   _${name.toLowerCase().padEnd(16)} ${doc}`)
    .join('\n');
  const out: string[] = [];
  out.push(`# gridmsg site bridge: Nagios configuration for site ${o.site}`);
  out.push(`# Create ${o.dataDir} writable by the Nagios user and readable by the bridge.`);
  out.push('');
  if (!o.ocsp) {
    out.push('# ---- nagios.cfg: results go to perfdata files, no process per result ----');
    out.push('# Nagios renames the files every service/host_perfdata_file_processing_interval seconds;');
    out.push('# the bridge reads each renamed file to its end, then deletes it. Keep the mode "a".');
    out.push(cfgLines(perfdataMainConfig(o)));
    out.push('');
    out.push('# ---- commands (any object cfg_file) ----');
    out.push(perfdataCommands(o));
  } else {
    out.push('# ---- nagios.cfg: OCSP/OCHP compatibility path (one small shell process per result) ----');
    out.push(`# Install the handler: gridmsg nagios-config site ... --write-handler ${o.handlerPath}`);
    out.push('# The bridge renames the results file when it grows (inputs[].rotateAtBytes) and deletes what it forwarded.');
    out.push(cfgLines(ocspMainConfig()));
    out.push('');
    out.push('# ---- commands (any object cfg_file) ----');
    out.push(ocspCommands(o));
  }
  out.push('# ---- custom variables (optional, on hosts and/or services; service values win) ----');
  out.push(vars);
  out.push('# Example:');
  out.push('#   define host {');
  out.push('#       host_name        ce01.example.org');
  out.push(`#       _site_name       ${o.site}`);
  out.push('#       ...');
  out.push('#   }');
  out.push('#   define service {');
  out.push('#       service_description  org.sam.CE-JobSubmit');
  out.push('#       _service_uri         ce01.example.org:8443');
  out.push('#       _service_flavour     ARC-CE');
  out.push('#       _vo_name             ops');
  out.push('#       ...');
  out.push('#   }');
  out.push('# SOFT states are not forwarded unless filters.skipSoft is false in the bridge config.');
  out.push(`# Bridge inputs: ${o.ocsp ? `${f.ocsp} (type: ocsp)` : `${f.service} and ${f.host}`}`);
  return out.join('\n') + '\n';
}

/** A bridge config matching the snippets. */
export function bridgeConfigYaml(o: SnippetOptions): string {
  const f = dataFiles(o.dataDir);
  const inputs = o.ocsp
    ? `  - name: ocsp\n    path: ${f.ocsp}\n    type: ocsp\n`
    : `  - name: services\n    path: ${f.service}\n  - name: hosts\n    path: ${f.host}\n`;
  return `# gridmsg nagios-to-msg configuration for site ${o.site} (see docs/site-bridge.md)
client: ${o.clientConfig ?? `/etc/gridmsg/sites/${o.site}.yaml`}
inputs:
${inputs}spool:
  dir: ${o.spoolDir ?? path.posix.join(o.dataDir, 'spool')}
  maxBytes: 1GiB
  maxAge: 7d
  whenFull: block
batch:
  maxRecords: 500
  maxBytes: 256KiB
  linger: 20ms
format: grid
filters:
  skipSoft: true
${o.hosts && o.hosts.length > 0 ? `  include:\n    hosts: [${o.hosts.map((h) => JSON.stringify(h)).join(', ')}]   # the hosts the registry lets this site report on\n` : ''}# metrics:
#   port: 9465
`;
}

export { ocspHandlerScript };
