/**
 * What `gridmsg status` says about the bridges: spool depth, last receipt and
 * connection, read from their Prometheus endpoints; where a bridge has no
 * endpoint, what its files tell (the site bridge's status file, the central
 * bridge's state-directory lock). Interpreting is pure; fetching and reading
 * files are at the edges.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, describeError } from '../core/errors.js';
import { pidAlive } from '../core/process.js';
import { loadBridgeConfig as loadSiteBridgeConfig, readStatus } from '../bridges/nagios-to-msg/index.js';
import { loadBridgeConfig as loadCentralBridgeConfig } from '../bridges/msg-to-nagios/index.js';
import { metric, parsePrometheus, type Sample } from './prometheus.js';

export type BridgeKind = 'nagios-to-msg' | 'msg-to-nagios' | 'unknown';

/** Where to look for one bridge. */
export interface BridgeSource {
  name: string;
  kind: BridgeKind;
  /** Prometheus endpoint, when the bridge serves one. */
  metricsUrl?: string;
  /** Site bridge: its status file (used when there is no endpoint). */
  statusFile?: string;
  /** Central bridge: its state directory (the lock file names its pid). */
  stateDir?: string;
  /** What is not available and why. */
  notes: string[];
}

export interface BridgeRow {
  name: string;
  kind: BridgeKind;
  /** What the numbers come from: a URL or a file. */
  from: string;
  reachable: boolean;
  error?: string;
  running?: boolean;
  connected?: boolean;
  /** Results spooled and not yet receipted by a broker. */
  spoolRecords?: number;
  /** Epoch seconds of the last broker receipt; null when none yet. */
  lastReceiptAt?: number | null;
  oldestUnsentSeconds?: number;
  receipted?: number;
  /** Central bridge: check-result files waiting in check_result_path (its spool depth). */
  spoolFiles?: number;
  /** Central bridge: results queued for Nagios, not yet written. */
  pendingResults?: number;
  /** Central bridge: does Nagios take results? */
  nagiosAccepting?: boolean;
  /** Central bridge: results that went to Nagios' writer. */
  submitted?: number;
  /** Central bridge: results Nagios accepted. */
  written?: number;
  /** Central bridge: records refused to the error destination. */
  rejected?: number;
  notes: string[];
}

/** `NAME=URL` or `URL` (name from host:port). */
export function bridgeFromArg(arg: string): BridgeSource {
  const eq = arg.indexOf('=');
  const named = eq > 0 && !arg.slice(0, eq).includes('/');
  const url = named ? arg.slice(eq + 1) : arg;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--bridge ${JSON.stringify(arg)}: not a URL (give NAME=http://host:port/metrics or the URL)`, { path: '--bridge' });
  }
  if (parsed.protocol !== 'http:') throw new ConfigError(`--bridge ${JSON.stringify(arg)}: only http:// metrics endpoints are supported`, { path: '--bridge' });
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/metrics';
  return { name: named ? arg.slice(0, eq) : parsed.host, kind: 'unknown', metricsUrl: parsed.toString(), notes: [] };
}

/** `http://host:port/metrics` of a configured endpoint; 0.0.0.0 is asked on loopback. */
function endpointUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/metrics`;
}

/** A bridge configuration file (either bridge): where its metrics or state live. Errors name file, line and field. */
export function bridgeFromConfig(file: string): BridgeSource {
  let data: unknown;
  try {
    data = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch {
    data = undefined; // the bridge's own loader reports the problem precisely below
  }
  const keys = data !== null && typeof data === 'object' ? Object.keys(data as object) : [];
  if (keys.includes('consumer') || keys.includes('stateDir')) {
    const cfg = loadCentralBridgeConfig(file);
    const central: BridgeSource = { name: cfg.consumer.consumer, kind: 'msg-to-nagios', stateDir: cfg.stateDir, notes: [] };
    // Port 0 (a free port picked at start) cannot be found from the file: fall back to the state-directory lock.
    if (cfg.metrics && cfg.metrics.port !== 0) central.metricsUrl = endpointUrl(cfg.metrics.host, cfg.metrics.port);
    else central.notes.push('no metrics endpoint configured (metrics.port): spool depth and last receipt are not available; its "stats" log line every reporting interval has the counts');
    return central;
  }
  const cfg = loadSiteBridgeConfig(file);
  const src: BridgeSource = { name: cfg.client.site, kind: 'nagios-to-msg', statusFile: cfg.statusFile, notes: [] };
  if (cfg.metrics) src.metricsUrl = endpointUrl(cfg.metrics.host, cfg.metrics.port);
  else src.notes.push('no metrics endpoint configured (metrics.port): numbers come from its status file');
  return src;
}

/** The central bridge's samples (gridmsg_central_*, bridges/msg-to-nagios/metrics.ts). Pure. */
function centralRow(src: BridgeSource, samples: Sample[]): BridgeRow {
  const get = (name: string): number | undefined => metric(samples, `gridmsg_central_${name}`);
  const row: BridgeRow = { name: src.name, kind: 'msg-to-nagios', from: src.metricsUrl ?? '', reachable: true, running: true, notes: [...src.notes] };
  const last = get('last_receipt_timestamp_seconds');
  const connected = get('connected');
  const accepting = get('nagios_accepting');
  const spool = get('spool_files');
  const pending = get('pending_results');
  const submitted = get('results_submitted_total');
  const written = get('results_written_total');
  const rejected = get('records_rejected_total');
  if (last !== undefined) row.lastReceiptAt = last > 0 ? last : null;
  if (connected !== undefined) row.connected = connected > 0;
  if (accepting !== undefined) row.nagiosAccepting = accepting > 0;
  if (spool !== undefined) row.spoolFiles = spool;
  else row.notes.push('no check-result spool (pipe mode without checkResultPath)');
  if (pending !== undefined) row.pendingResults = pending;
  if (submitted !== undefined) row.submitted = submitted;
  if (written !== undefined) row.written = written;
  row.rejected = rejected ?? 0;
  return row;
}

/** Interprets a bridge's samples (pure). The central bridge's metrics, else those of the site bridge or any name with the same suffix. */
export function rowFromSamples(src: BridgeSource, samples: Sample[]): BridgeRow {
  if (src.kind === 'msg-to-nagios' || samples.some((s) => s.name.startsWith('gridmsg_central_'))) return centralRow(src, samples);
  const last = metric(samples, 'gridmsg_bridge_last_receipt_timestamp_seconds', '_last_receipt_timestamp_seconds');
  const spool = metric(samples, 'gridmsg_bridge_spool_records', '_spool_records');
  const connected = metric(samples, 'gridmsg_bridge_connected', '_connected');
  const oldest = metric(samples, 'gridmsg_bridge_oldest_unsent_age_seconds', '_oldest_unsent_age_seconds');
  const receipted = metric(samples, 'gridmsg_bridge_results_receipted_total', '_results_receipted_total', '_receipted_total');
  const row: BridgeRow = { name: src.name, kind: src.kind, from: src.metricsUrl ?? '', reachable: true, running: true, notes: [...src.notes] };
  if (spool !== undefined) row.spoolRecords = spool;
  if (last !== undefined) row.lastReceiptAt = last > 0 ? last : null;
  if (connected !== undefined) row.connected = connected > 0;
  if (oldest !== undefined) row.oldestUnsentSeconds = Math.round(oldest);
  if (receipted !== undefined) row.receipted = receipted;
  if (spool === undefined) row.notes.push('the endpoint has no spool depth metric');
  if (last === undefined) row.notes.push('the endpoint has no last-receipt metric');
  return row;
}

/** GET a metrics endpoint (bounded in time). */
export function fetchText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode ?? '?'}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Reads one bridge: its endpoint, else its files. Never throws. */
export async function readBridge(src: BridgeSource, timeoutMs: number, nowMs: number = Date.now()): Promise<BridgeRow> {
  if (src.metricsUrl) {
    try {
      return rowFromSamples(src, parsePrometheus(await fetchText(src.metricsUrl, timeoutMs)));
    } catch (err) {
      return { name: src.name, kind: src.kind, from: src.metricsUrl, reachable: false, running: false, error: `metrics endpoint: ${describeError(err)} (bridge not running?)`, notes: [...src.notes] };
    }
  }
  if (src.statusFile) {
    const read = readStatus(src.statusFile);
    if (!read.ok) return { name: src.name, kind: src.kind, from: src.statusFile, reachable: false, error: read.error, notes: [...src.notes] };
    const s = read.status;
    const running = s.state !== 'stopped' && nowMs - s.updatedAt < 60_000 && pidAlive(s.pid);
    return {
      name: src.name,
      kind: src.kind,
      from: src.statusFile,
      reachable: true,
      running,
      connected: s.publisher.state === 'connected',
      spoolRecords: s.spool.records,
      lastReceiptAt: s.publisher.lastReceiptAt === null ? null : s.publisher.lastReceiptAt / 1000,
      oldestUnsentSeconds: s.spool.oldestUnsentAt === null ? 0 : Math.max(0, Math.round(nowMs / 1000 - s.spool.oldestUnsentAt)),
      receipted: s.publisher.receiptedRecords,
      notes: [...src.notes, ...(running ? [] : [`status file last updated ${Math.round((nowMs - s.updatedAt) / 1000)} s ago (state ${s.state}): not running`])],
    };
  }
  if (src.stateDir) {
    const lock = path.join(src.stateDir, 'lock');
    let pid: number | undefined;
    try {
      pid = Number(fs.readFileSync(lock, 'utf8').trim());
    } catch {
      pid = undefined;
    }
    const running = pid !== undefined && Number.isInteger(pid) && pid > 0 && pidAlive(pid);
    return { name: src.name, kind: src.kind, from: lock, reachable: true, running, notes: [...src.notes, running ? `running (pid ${pid} holds the state directory)` : 'not running (no live process holds the state directory)'] };
  }
  return { name: src.name, kind: src.kind, from: '', reachable: false, error: 'nothing to read', notes: [...src.notes] };
}
