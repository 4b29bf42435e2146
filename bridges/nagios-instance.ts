import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GridmsgError } from '../core/errors.js';
import { startProcess, type ManagedProcess } from '../core/process.js';

/**
 * A private Nagios 4 instance in a directory of its own: used by the demo,
 * the tests and the benches. Production sites use their own Nagios; gridmsg
 * only prints the snippets they paste (see `gridmsg nagios-config`).
 */
export const NAGIOS_BINARY = process.env['GRIDMSG_NAGIOS_BINARY'] ?? '/usr/sbin/nagios4';
export const NAGIOS_PLUGINS = '/usr/lib/nagios/plugins';

export interface NagiosService {
  description: string;
  /** Active check command line (e.g. `check_dummy!1!"warn"`); omitted = passive only. */
  checkCommand?: string;
  checkIntervalSeconds?: number;
  /** Extra object directives, e.g. `{ _service_uri: 'ce.example.org' }` for custom variables. */
  directives?: Record<string, string>;
}

export interface NagiosHost {
  name: string;
  address?: string;
  services: NagiosService[];
  directives?: Record<string, string>;
}

export interface NagiosInstanceSpec {
  hosts: NagiosHost[];
  /** Extra object definitions appended verbatim (commands, templates). */
  extraObjects?: string;
  /** Extra nagios.cfg lines (`key=value`), appended after the defaults and overriding them. */
  extraMainConfig?: Record<string, string | number>;
}

export interface NagiosPaths {
  dir: string;
  mainConfig: string;
  commandFile: string;
  statusFile: string;
  logFile: string;
  checkResultPath: string;
  /** Query-handler socket (private: see nagiosMainConfig). */
  querySocket: string;
  /** Written only by a daemon-mode (-d) Nagios; these instances run in the foreground. */
  lockFile: string;
}

export function nagiosPaths(dir: string): NagiosPaths {
  const d = path.resolve(dir);
  return {
    dir: d,
    mainConfig: path.join(d, 'nagios.cfg'),
    commandFile: path.join(d, 'rw', 'nagios.cmd'),
    statusFile: path.join(d, 'status.dat'),
    logFile: path.join(d, 'nagios.log'),
    checkResultPath: path.join(d, 'checkresults'),
    querySocket: path.join(d, 'rw', 'nagios.qh'),
    lockFile: path.join(d, 'nagios.lock'),
  };
}

function objectBlock(type: string, fields: Record<string, string | number | undefined>): string {
  const lines = Object.entries(fields)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `  ${k.padEnd(28)} ${v}`);
  return `define ${type} {\n${lines.join('\n')}\n}\n`;
}

/** Object definitions for the spec: a generic host/service template, check_dummy, and the hosts. */
export function nagiosObjects(spec: NagiosInstanceSpec): string {
  const out: string[] = [];
  out.push(objectBlock('timeperiod', { timeperiod_name: '24x7', alias: '24x7', sunday: '00:00-24:00', monday: '00:00-24:00', tuesday: '00:00-24:00', wednesday: '00:00-24:00', thursday: '00:00-24:00', friday: '00:00-24:00', saturday: '00:00-24:00' }));
  out.push(objectBlock('command', { command_name: 'check_dummy', command_line: `${NAGIOS_PLUGINS}/check_dummy $ARG1$ $ARG2$` }));
  out.push(objectBlock('command', { command_name: 'notify_none', command_line: '/bin/true' }));
  out.push(objectBlock('contact', { contact_name: 'nobody', service_notification_period: '24x7', host_notification_period: '24x7', service_notification_options: 'n', host_notification_options: 'n', service_notification_commands: 'notify_none', host_notification_commands: 'notify_none' }));
  out.push(objectBlock('host', { name: 'gridmsg-host', register: 0, check_command: 'check_dummy!0', max_check_attempts: 1, check_interval: 5, check_period: '24x7', active_checks_enabled: 0, passive_checks_enabled: 1, notifications_enabled: 0, contacts: 'nobody', notification_period: '24x7' }));
  out.push(objectBlock('service', { name: 'gridmsg-service', register: 0, max_check_attempts: 1, check_interval: 1, retry_interval: 1, check_period: '24x7', active_checks_enabled: 0, passive_checks_enabled: 1, check_freshness: 0, notifications_enabled: 0, contacts: 'nobody', notification_period: '24x7', check_command: 'check_dummy!3!"no result yet"' }));
  for (const host of spec.hosts) {
    out.push(objectBlock('host', { use: 'gridmsg-host', host_name: host.name, address: host.address ?? '127.0.0.1', ...host.directives }));
    for (const svc of host.services) {
      const active = svc.checkCommand !== undefined;
      out.push(
        objectBlock('service', {
          use: 'gridmsg-service',
          host_name: host.name,
          service_description: svc.description,
          ...(active ? { check_command: svc.checkCommand, active_checks_enabled: 1, check_interval: (svc.checkIntervalSeconds ?? 60) / 60 } : {}),
          ...svc.directives,
        }),
      );
    }
  }
  if (spec.extraObjects) out.push(spec.extraObjects);
  return out.join('\n');
}

/** nagios.cfg for a private instance in `dir`, tuned for fast tests (1 s status, 1 s reaper). */
export function nagiosMainConfig(paths: NagiosPaths, extra: Record<string, string | number> = {}): string {
  const root = os.userInfo().uid === 0;
  const settings: Record<string, string | number> = {
    log_file: paths.logFile,
    cfg_file: path.join(paths.dir, 'objects.cfg'),
    object_cache_file: path.join(paths.dir, 'objects.cache'),
    precached_object_file: path.join(paths.dir, 'objects.precache'),
    status_file: paths.statusFile,
    status_update_interval: 1,
    command_file: paths.commandFile,
    // Private query-handler socket: the default path is shared by every instance, and two
    // instances on one socket take each other's check workers ("Unable to run check").
    query_socket: paths.querySocket,
    check_external_commands: 1,
    lock_file: paths.lockFile,
    temp_file: path.join(paths.dir, 'nagios.tmp'),
    temp_path: path.join(paths.dir, 'tmp'),
    check_result_path: paths.checkResultPath,
    check_result_reaper_frequency: 1,
    max_check_result_reaper_time: 5,
    state_retention_file: path.join(paths.dir, 'retention.dat'),
    retain_state_information: 1,
    retention_update_interval: 1,
    use_syslog: 0,
    log_passive_checks: 1,
    log_external_commands: 1,
    log_rotation_method: 'n',
    enable_notifications: 0,
    interval_length: 60,
    max_service_check_spread: 1,
    max_host_check_spread: 1,
    service_inter_check_delay_method: 'n',
    host_inter_check_delay_method: 'n',
    execute_host_checks: 1,
    accept_passive_service_checks: 1,
    accept_passive_host_checks: 1,
    enable_flap_detection: 0,
    check_for_orphaned_services: 0,
    check_for_updates: 0,
    bare_update_check: 1,
    illegal_macro_output_chars: '`~$&|\'"<>',
    ...(root ? { nagios_user: 'root', nagios_group: 'root' } : {}),
    ...extra,
  };
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n') + '\n';
}

/** Writes a complete private Nagios instance into `dir` and returns its paths. */
export function writeNagiosInstance(dir: string, spec: NagiosInstanceSpec): NagiosPaths {
  const paths = nagiosPaths(dir);
  for (const d of [paths.dir, path.dirname(paths.commandFile), paths.checkResultPath, path.join(paths.dir, 'tmp')]) {
    fs.mkdirSync(d, { recursive: true });
  }
  fs.writeFileSync(path.join(paths.dir, 'objects.cfg'), nagiosObjects(spec));
  fs.writeFileSync(paths.mainConfig, nagiosMainConfig(paths, spec.extraMainConfig));
  return paths;
}

export interface RunningNagios {
  paths: NagiosPaths;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts Nagios in the foreground on an instance written by `writeNagiosInstance`, waits for its command pipe. */
export async function startNagios(paths: NagiosPaths, timeoutMs = 30_000): Promise<RunningNagios> {
  if (!fs.existsSync(NAGIOS_BINARY)) {
    throw new GridmsgError('NAGIOS_MISSING', `Nagios is not installed at ${NAGIOS_BINARY} (apt-get install -y nagios4-core monitoring-plugins-basic)`);
  }
  const proc = startProcess(NAGIOS_BINARY, [paths.mainConfig], { cwd: paths.dir, logFile: path.join(paths.dir, 'nagios.out') });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(paths.commandFile) && fs.statSync(paths.commandFile).isFIFO() && fs.existsSync(paths.statusFile)) break;
    if (!proc.alive()) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!proc.alive() || !fs.existsSync(paths.commandFile)) {
    await proc.kill9();
    const out = fs.existsSync(path.join(paths.dir, 'nagios.out')) ? fs.readFileSync(path.join(paths.dir, 'nagios.out'), 'utf8').slice(-2000) : '';
    throw new GridmsgError('NAGIOS_START_FAILED', `Nagios did not start from ${paths.mainConfig}: ${out}`, { file: paths.mainConfig });
  }
  return { paths, process: proc, stop: () => proc.stop(15_000) };
}
