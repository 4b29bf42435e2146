/**
 * The status file the daemon rewrites every second (atomically) and
 * `gridmsg check-bridge` reads, plus the check itself (pure).
 */
import fs from 'node:fs';
import { writeFileAtomic } from '../../core/files.js';
import type { CheckThresholds, Threshold } from './config.js';

export type BridgeState = 'starting' | 'running' | 'blocked' | 'spool-error' | 'draining' | 'stopped';

export interface InputStatus {
  name: string;
  path: string;
  state: string;
  file: string | null;
  offset: number;
  lagBytes: number;
  /** Epoch ms since when the input file has been missing. */
  missingSince: number | null;
}

export interface BridgeStatus {
  version: 1;
  pid: number;
  config: string;
  state: BridgeState;
  /** Epoch ms. */
  startedAt: number;
  updatedAt: number;
  spool: {
    dir: string;
    records: number;
    bytes: number;
    segments: number;
    dropped: number;
    quarantined: number;
    policy: string;
    full: boolean;
    fullReason: string | null;
    /** Epoch seconds the oldest unsent result was spooled. */
    oldestUnsentAt: number | null;
    /** Epoch ms of the last drop-oldest. */
    lastDropAt: number | null;
    writeError: string | null;
  };
  publisher: {
    state: string;
    broker: string | null;
    inFlight: number;
    receiptedMessages: number;
    receiptedRecords: number;
    /** Epoch ms. */
    lastReceiptAt: number | null;
    failures: number;
    lastError: string | null;
  };
  inputs: InputStatus[];
  counters: {
    linesRead: number;
    resultsSpooled: number;
    filteredSoft: number;
    filteredOut: number;
    parseErrors: number;
    perfdataMalformed: number;
  };
}

/**
 * Atomic (a reader sees the old or the new file, never half of one) but not
 * fsync'd: it is rewritten every second, and after a crash a stale or
 * missing file is what check-bridge must see anyway. Two fsyncs a second per
 * bridge were most of an idle bridge's CPU (bench/grid.ts runs 250 of them).
 */
export function writeStatus(file: string, status: BridgeStatus): void {
  writeFileAtomic(file, JSON.stringify(status, null, 1) + '\n', 0o644, false);
}

export function readStatus(file: string): { ok: true; status: BridgeStatus } | { ok: false; error: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: code === 'ENOENT' ? `no status file ${file}: is gridmsg nagios-to-msg running?` : `cannot read status file ${file}: ${code ?? (err as Error).message}` };
  }
  try {
    const s = JSON.parse(text) as BridgeStatus;
    if (s.version !== 1 || typeof s.updatedAt !== 'number') return { ok: false, error: `status file ${file} is not a gridmsg bridge status` };
    return { ok: true, status: s };
  } catch {
    return { ok: false, error: `status file ${file} is not valid JSON` };
  }
}

export type PluginCode = 0 | 1 | 2 | 3;
export const PLUGIN_WORDS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface CheckResult {
  code: PluginCode;
  /** First line: `BRIDGE OK - ... | perfdata`. */
  output: string;
}

function level(value: number, t: Threshold): PluginCode {
  if (value >= t.critical) return 2;
  if (value >= t.warning) return 1;
  return 0;
}

/** Nagios plugin verdict for a status (or for its absence). Pure. */
export function evaluateStatus(read: ReturnType<typeof readStatus>, thresholds: CheckThresholds, nowMs: number): CheckResult {
  if (!read.ok) return { code: 2, output: `BRIDGE CRITICAL - ${read.error}` };
  const s = read.status;
  const problems: Array<{ code: PluginCode; text: string }> = [];
  const add = (code: PluginCode, text: string): void => {
    if (code > 0) problems.push({ code, text });
  };
  const staleFor = Math.round((nowMs - s.updatedAt) / 1000);
  if (s.state === 'stopped') add(2, 'bridge is stopped');
  else if (staleFor > thresholds.staleAfter) add(2, `status not updated for ${staleFor} s (pid ${s.pid} not running?)`);
  if (s.spool.full) add(2, `spool full: ${s.spool.fullReason ?? 'over its limits'} (policy ${s.spool.policy})`);
  if (s.spool.writeError) add(2, `spool write failed: ${s.spool.writeError}`);
  const records = s.spool.records;
  add(level(records, thresholds.spoolRecords), `${records} results waiting in the spool`);
  const oldest = s.spool.oldestUnsentAt === null ? 0 : Math.max(0, Math.round(nowMs / 1000 - s.spool.oldestUnsentAt));
  add(level(oldest, thresholds.oldestUnsent), `oldest unsent result is ${oldest} s old`);
  const sinceReceipt = s.publisher.lastReceiptAt === null ? Math.round((nowMs - s.startedAt) / 1000) : Math.round((nowMs - s.publisher.lastReceiptAt) / 1000);
  if (records > 0) add(level(sinceReceipt, thresholds.lastReceipt), `no broker receipt for ${sinceReceipt} s${s.publisher.lastError ? ` (${s.publisher.lastError})` : ''}`);
  if (s.spool.lastDropAt !== null && nowMs - s.spool.lastDropAt < 3_600_000) add(1, `${s.spool.dropped} results dropped by the drop-oldest policy (last ${Math.round((nowMs - s.spool.lastDropAt) / 1000)} s ago)`);
  for (const i of s.inputs) {
    if (i.missingSince !== null && nowMs - i.missingSince > 60_000) add(1, `input ${i.name}: ${i.path} missing for ${Math.round((nowMs - i.missingSince) / 1000)} s`);
  }
  if (s.spool.quarantined > 0) add(1, `${s.spool.quarantined} corrupt spool regions set aside since start`);
  const code = problems.reduce<PluginCode>((m, p) => (p.code > m ? p.code : m), 0);
  const t = thresholds;
  const perf = [
    `spool_records=${records};${t.spoolRecords.warning};${t.spoolRecords.critical};0`,
    `spool_bytes=${s.spool.bytes}B;;;0`,
    `oldest_unsent=${oldest}s;${t.oldestUnsent.warning};${t.oldestUnsent.critical};0`,
    `last_receipt=${sinceReceipt}s;${t.lastReceipt.warning};${t.lastReceipt.critical};0`,
    `dropped=${s.spool.dropped}c`,
    `receipted=${s.publisher.receiptedRecords}c`,
  ].join(' ');
  const summary =
    problems.length > 0
      ? problems.sort((a, b) => b.code - a.code).map((p) => p.text).join('; ')
      : `${records} results spooled, oldest unsent ${oldest} s, ${s.publisher.state}${s.publisher.broker ? ` to ${s.publisher.broker}` : ''}`;
  return { code, output: `BRIDGE ${PLUGIN_WORDS[code]} - ${summary} | ${perf}` };
}
