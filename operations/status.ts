/**
 * `gridmsg status`: every broker's answer and role in its pair, and the
 * bridges' spool depth and last receipt. Gathering is I/O (STOMP logins,
 * pids, HTTP); roles and rendering are pure.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { logSaysStandby } from '../broker-config/index.js';
import { pidAlive } from '../core/process.js';
import { pairRows, type BrokerObservation, type PairRow } from './broker-roles.js';
import { readBridge, type BridgeRow, type BridgeSource } from './bridge-status.js';
import { SessionError, StompSession } from './stomp-session.js';
import { endpointText, sessionEndpoint, type BrokerTarget, type MonitoringAccess } from './targets.js';

export interface StatusReport {
  at: string;
  source: 'registry' | 'dev';
  pairs: PairRow[];
  bridges: BridgeRow[];
  /** 0 when every pair has exactly one active broker and every bridge was read; 1 otherwise. */
  code: 0 | 1;
}

function ownsPid(b: BrokerTarget): boolean {
  if (b.pid === undefined || !pidAlive(b.pid)) return false;
  try {
    // A recycled pid must not pass for the broker.
    return fs.readFileSync(`/proc/${b.pid}/cmdline`, 'utf8').includes(`brokers/${b.name}`);
  } catch {
    return true;
  }
}

export async function observeBroker(b: BrokerTarget, access: MonitoringAccess, timeoutMs: number): Promise<BrokerObservation> {
  const base = {
    name: b.name,
    pair: b.pair,
    pairIndex: b.pairIndex,
    ...(b.partner === undefined ? {} : { partner: b.partner }),
    endpoint: endpointText(b, access),
    ...(b.pid === undefined ? {} : { pid: b.pid, process: ownsPid(b) ? ('alive' as const) : ('dead' as const) }),
    ...(b.log === undefined ? {} : { logSaysStandby: logSaysStandby(b.log) }),
  };
  const how = sessionEndpoint(b, access);
  if ('why' in how) {
    if (b.stompSslPort === undefined) return { ...base, answer: 'no-stomp-port', answerDetail: how.why };
    // No monitoring certificate for a TLS-only broker: a TLS handshake still shows whether it listens.
    const tls = await tlsAnswer(b.host, b.stompSslPort, timeoutMs);
    if (tls === 'answers') return { ...base, answer: 'answers-tls', answerDetail: how.why };
    return { ...base, answer: tls === 'refused' ? 'closed' : 'no-answer', answerDetail: tls === 'refused' ? 'connection refused (nothing listens: stopped, or a standby)' : tls };
  }
  try {
    const s = await StompSession.open(how.endpoint, how.login, timeoutMs);
    const server = s.server;
    await s.close(500);
    return { ...base, answer: 'accepts', answerDetail: server };
  } catch (err) {
    const e = err instanceof SessionError ? err : new SessionError(String(err), 'other');
    // A refused TLS handshake is an answer too: something listens on the broker's ssl port and speaks TLS.
    const answer = e.kind === 'login' || e.kind === 'tls' ? 'refuses-login' : e.kind === 'refused' ? 'closed' : 'no-answer';
    return { ...base, answer, answerDetail: e.message };
  }
}

/**
 * Does something speak TLS on host:port? A handshake without a client
 * certificate (and without checking the server's): the broker either
 * completes it or refuses our missing certificate with an alert; both are
 * answers. I/O edge, bounded by `timeoutMs`.
 */
export function tlsAnswer(host: string, port: number, timeoutMs: number): Promise<'answers' | 'refused' | string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }) });
    let connected = false;
    const done = (r: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(`no TLS answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => (connected = true));
    socket.once('secureConnect', () => done('answers'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused' : connected ? 'answers' : `${err.code ?? 'socket error'}: ${err.message}`));
    socket.once('close', () => done(connected ? 'answers' : 'connection closed'));
  });
}

export async function gatherStatus(
  brokers: BrokerTarget[],
  bridges: BridgeSource[],
  options: { access: MonitoringAccess; timeoutMs: number; source: 'registry' | 'dev'; now?: () => number },
): Promise<StatusReport> {
  const now = options.now ?? Date.now;
  const [observations, bridgeRows] = await Promise.all([
    Promise.all(brokers.map((b) => observeBroker(b, options.access, options.timeoutMs))),
    Promise.all(bridges.map((b) => readBridge(b, options.timeoutMs, now()))),
  ]);
  const pairs = pairRows(observations);
  const ok = pairs.every((p) => p.state === 'up') && bridgeRows.every((b) => b.reachable && b.running !== false);
  return { at: new Date(now()).toISOString(), source: options.source, pairs, bridges: bridgeRows, code: ok ? 0 : 1 };
}

const ago = (epochSeconds: number | null | undefined, nowMs: number): string =>
  epochSeconds === undefined ? 'unknown' : epochSeconds === null ? 'never' : `${Math.max(0, Math.round(nowMs / 1000 - epochSeconds))} s ago`;

export function renderStatusText(r: StatusReport, nowMs: number = Date.parse(r.at)): string {
  const lines = [`status at ${r.at}${r.source === 'dev' ? ' (dev network)' : ''}`, '', 'brokers:'];
  const w = Math.max(6, ...r.pairs.flatMap((p) => p.brokers.map((b) => b.name.length)));
  for (const p of r.pairs) {
    const state = p.state === 'up' ? `up (active ${p.active[0]})` : p.state === 'down' ? 'DOWN: no active broker' : `SPLIT: ${p.active.join(' and ')} both active (they do not share one store)`;
    lines.push(`  pair ${p.pair}: ${state}`);
    for (const b of p.brokers) lines.push(`    ${b.name.padEnd(w)}  ${b.role.padEnd(8)} ${b.endpoint.padEnd(21)} ${b.evidence}`);
  }
  lines.push('', 'bridges:');
  if (r.bridges.length === 0) lines.push('  (none given: use --bridge NAME=URL or --bridge-config FILE)');
  for (const b of r.bridges) {
    const head = `  ${b.name} (${b.kind}) ${b.from}`;
    if (!b.reachable) {
      lines.push(`${head}: ${b.error ?? 'unreachable'}`);
    } else {
      const parts: string[] = [];
      if (b.running !== undefined) parts.push(b.running ? 'running' : 'NOT RUNNING');
      if (b.connected !== undefined) parts.push(b.connected ? 'connected to a broker' : 'NOT connected to a broker');
      if (b.nagiosAccepting !== undefined) parts.push(b.nagiosAccepting ? 'Nagios takes results' : 'NAGIOS DOES NOT TAKE RESULTS');
      if (b.spoolRecords !== undefined) parts.push(`spool ${b.spoolRecords} results`);
      if (b.spoolFiles !== undefined) parts.push(`spool ${b.spoolFiles} check-result files`);
      if (b.pendingResults !== undefined && b.pendingResults > 0) parts.push(`${b.pendingResults} results pending`);
      if (b.oldestUnsentSeconds !== undefined && (b.spoolRecords ?? 0) > 0) parts.push(`oldest unsent ${b.oldestUnsentSeconds} s`);
      if (b.lastReceiptAt !== undefined) parts.push(`last receipt ${ago(b.lastReceiptAt, nowMs)}`);
      if (b.receipted !== undefined) parts.push(`${b.receipted} results receipted`);
      if (b.written !== undefined) parts.push(`${b.written} results written`);
      else if (b.submitted !== undefined) parts.push(`${b.submitted} results submitted`);
      if (b.rejected !== undefined && b.rejected > 0) parts.push(`${b.rejected} records refused`);
      lines.push(`${head}: ${parts.join(', ') || 'no numbers'}`);
    }
    for (const n of b.notes) lines.push(`      note: ${n}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderStatusJson(r: StatusReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
