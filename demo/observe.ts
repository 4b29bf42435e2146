/**
 * What the demo looks at while results flow, read at the edges: each Nagios'
 * status.dat (the checks it ran or the passive results it took, and every
 * service's state), each site bridge's metrics endpoint, and the central
 * bridge's "stats" log line. Interpreting the texts is pure.
 */
import fs from 'node:fs';
import { parseServiceStatus, parseStatusBlocks, type ServiceStatus } from '../bridges/nagios-status.js';
import { describeError } from '../core/errors.js';
import { fetchText, metric, parsePrometheus } from '../operations/index.js';

export interface NagiosProgram {
  /** Active service checks run in the last 15 minutes (the whole demo, unless it runs longer). */
  activeServiceChecks: number;
  /** Passive service results processed in the last 15 minutes. */
  passiveServiceChecks: number;
  activeServiceChecksEnabled: boolean;
}

export interface NagiosView {
  program: NagiosProgram;
  services: Map<string, ServiceStatus>;
  /** When Nagios last wrote status.dat (epoch ms). */
  writtenAt: number;
}

export interface SiteBridgeCounts {
  linesRead: number;
  spooled: number;
  receipted: number;
  messagesReceipted: number;
  spoolRecords: number;
  connected: boolean;
}

export interface CentralBridgeStats {
  messages: number;
  records: number;
  submitted: number;
  rejected: number;
  duplicates: number;
  stale: number;
  unknown: number;
  inFlight: number;
  /** The log line's timestamp (epoch ms). */
  at: number;
}

/** The 15-minute figure of a `a,b,c` (1, 5, 15 minutes) status.dat counter. */
function fifteenMinutes(value: string | undefined): number {
  const parts = (value ?? '').split(',');
  return Number(parts[2] ?? parts[0] ?? 0) || 0;
}

export function parseNagiosView(text: string, writtenAt: number): NagiosView {
  const program = parseStatusBlocks(text).find((b) => b.type === 'programstatus')?.fields ?? {};
  return {
    program: {
      activeServiceChecks: fifteenMinutes(program['active_scheduled_service_check_stats']) + fifteenMinutes(program['active_ondemand_service_check_stats']),
      passiveServiceChecks: fifteenMinutes(program['passive_service_check_stats']),
      activeServiceChecksEnabled: program['active_service_checks_enabled'] === '1',
    },
    services: parseServiceStatus(text),
    writtenAt,
  };
}

/** status.dat of a running Nagios, or undefined while there is none (Nagios removes it when it stops). */
export function readNagiosView(statusFile: string): NagiosView | undefined {
  try {
    const writtenAt = fs.statSync(statusFile).mtimeMs;
    return parseNagiosView(fs.readFileSync(statusFile, 'utf8'), writtenAt);
  } catch {
    return undefined;
  }
}

export function siteBridgeCounts(metricsText: string): SiteBridgeCounts {
  const samples = parsePrometheus(metricsText);
  const m = (name: string): number => metric(samples, name) ?? 0;
  return {
    linesRead: m('gridmsg_bridge_lines_read_total'),
    spooled: m('gridmsg_bridge_results_spooled_total'),
    receipted: m('gridmsg_bridge_results_receipted_total'),
    messagesReceipted: m('gridmsg_bridge_messages_receipted_total'),
    spoolRecords: m('gridmsg_bridge_spool_records'),
    connected: m('gridmsg_bridge_connected') > 0,
  };
}

export async function readSiteBridge(metricsUrl: string, timeoutMs = 2000): Promise<SiteBridgeCounts | { error: string }> {
  try {
    return siteBridgeCounts(await fetchText(metricsUrl, timeoutMs));
  } catch (err) {
    return { error: describeError(err) };
  }
}

/** The last "stats" line of the central bridge's JSON log. */
export function lastCentralStats(logText: string): CentralBridgeStats | undefined {
  const lines = logText.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.includes('"stats"')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (entry['message'] !== 'stats') continue;
    const n = (k: string): number => (typeof entry[k] === 'number' ? (entry[k] as number) : 0);
    return {
      messages: n('messages'),
      records: n('records'),
      submitted: n('submitted'),
      rejected: n('rejected'),
      duplicates: n('duplicates'),
      stale: n('stale'),
      unknown: n('unknown'),
      inFlight: n('inFlight'),
      at: Date.parse(String(entry['timestamp'] ?? '')) || 0,
    };
  }
  return undefined;
}

export function readCentralStats(logFile: string): CentralBridgeStats | undefined {
  try {
    return lastCentralStats(fs.readFileSync(logFile, 'utf8'));
  } catch {
    return undefined;
  }
}
