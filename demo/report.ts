/**
 * What the demo prints, from what it observed (pure): one progress line per
 * look, the per-hop counts, which sites report, and the central Nagios view
 * of the demo's services.
 */
import type { ServiceStatus } from '../bridges/nagios-status.js';
import { STATE_WORDS } from './checks.js';
import type { CentralBridgeStats, NagiosView, SiteBridgeCounts } from './observe.js';
import type { DemoPlan, DemoSite, PlannedCheck } from './plan.js';

export interface SiteSnapshot {
  site: DemoSite;
  nagios: NagiosView | undefined;
  bridge: SiteBridgeCounts | { error: string } | undefined;
}

export interface Snapshot {
  /** Epoch ms. */
  at: number;
  sites: SiteSnapshot[];
  centralBridge: CentralBridgeStats | undefined;
  centralNagios: NagiosView | undefined;
}

export interface HopCounts {
  siteChecks: number;
  read: number;
  spooled: number;
  receipted: number;
  receiptedMessages: number;
  /** Records the central bridge took off its queues (undefined before its first stats line). */
  consumed: number | undefined;
  consumedMessages: number | undefined;
  submitted: number | undefined;
  centralResults: number | undefined;
}

const bridgeOf = (s: SiteSnapshot): SiteBridgeCounts | undefined => (s.bridge !== undefined && !('error' in s.bridge) ? s.bridge : undefined);

export function hopCounts(snap: Snapshot): HopCounts {
  const sum = (f: (s: SiteSnapshot) => number): number => snap.sites.reduce((n, s) => n + f(s), 0);
  return {
    siteChecks: sum((s) => s.nagios?.program.activeServiceChecks ?? 0),
    read: sum((s) => bridgeOf(s)?.linesRead ?? 0),
    spooled: sum((s) => bridgeOf(s)?.spooled ?? 0),
    receipted: sum((s) => bridgeOf(s)?.receipted ?? 0),
    receiptedMessages: sum((s) => bridgeOf(s)?.messagesReceipted ?? 0),
    consumed: snap.centralBridge?.records,
    consumedMessages: snap.centralBridge?.messages,
    submitted: snap.centralBridge?.submitted,
    centralResults: snap.centralNagios?.program.passiveServiceChecks,
  };
}

const num = (n: number | undefined): string => (n === undefined ? '-' : String(n));

export function progressLine(snap: Snapshot, startedAt: number): string {
  const h = hopCounts(snap);
  const secs = Math.max(0, Math.round((snap.at - startedAt) / 1000));
  return `  +${String(secs).padStart(3)} s  site checks ${h.siteChecks} > read ${h.read} > spooled ${h.spooled} > receipted ${h.receipted} > central bridge ${num(h.consumed)} > submitted ${num(h.submitted)} > central Nagios ${num(h.centralResults)}`;
}

export function hopTable(snap: Snapshot, plan: DemoPlan): string {
  const h = hopCounts(snap);
  const rows: Array<[string, string, string]> = [
    ['site Nagios ran service checks', num(h.siteChecks), 'status.dat of each site Nagios'],
    ['site bridges read result lines', num(h.read), 'perfdata files Nagios wrote and rotated'],
    ['site bridges spooled (fsync)', num(h.spooled), 'gridmsg_bridge_results_spooled_total'],
    ['brokers receipted', num(h.receipted), `${h.receiptedMessages} messages, gridmsg_bridge_results_receipted_total`],
    [`central bridge consumed (${plan.consumer})`, num(h.consumed), `${num(h.consumedMessages)} messages, its "stats" log line`],
    ['central bridge submitted to Nagios', num(h.submitted), 'check-result files (spool mode)'],
    ['central Nagios took passive results', num(h.centralResults), 'status.dat of the central Nagios'],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(([what, n, from]) => `  ${what.padEnd(w)}  ${n.padStart(6)}   ${from}`);
  return `${lines.join('\n')}\n`;
}

function age(nowMs: number, epochSeconds: number): string {
  if (epochSeconds <= 0) return 'never';
  const s = Math.max(0, Math.round(nowMs / 1000 - epochSeconds));
  return `${s} s ago`;
}

function centralService(snap: Snapshot, c: PlannedCheck): ServiceStatus | undefined {
  const s = snap.centralNagios?.services.get(`${c.host};${c.service}`);
  return s !== undefined && s.lastCheck > 0 ? s : undefined;
}

/** Which sites report: checks run, results receipted, services current at the central Nagios. */
export function sitesTable(snap: Snapshot, plan: DemoPlan): string {
  const rows = snap.sites.map((s) => {
    const b = bridgeOf(s);
    const current = s.site.checks.map((c) => centralService(snap, c)).filter((x): x is ServiceStatus => x !== undefined);
    const newest = current.reduce((m, x) => Math.max(m, x.lastCheck), 0);
    return [
      s.site.name,
      s.site.route.join(' > '),
      String(s.nagios?.program.activeServiceChecks ?? '-'),
      b ? String(b.receipted) : `- (${s.bridge && 'error' in s.bridge ? s.bridge.error : 'no answer'})`,
      `${current.length}/${s.site.checks.length}${newest > 0 ? `, newest ${age(snap.at, newest)}` : ''}`,
    ];
  });
  const head = ['site', 'route to ' + plan.consumer, 'checks run', 'receipted', 'services at central'];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`;
  const out = [fmt(head), ...rows.map(fmt)];
  if (plan.silentSites.length > 0) {
    out.push(`  ${plan.silentSites.length} other site${plan.silentSites.length === 1 ? '' : 's'} read by ${plan.consumer} have no Nagios in this demo and stay silent: ${plan.silentSites.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** The central Nagios view (status.dat) of the demo's services. */
export function centralView(snap: Snapshot, plan: DemoPlan, outputWidth = 70): string {
  const rows: string[][] = [];
  for (const site of plan.sites) {
    for (const c of site.checks) {
      const s = centralService(snap, c);
      const state = s === undefined ? 'PENDING' : (STATE_WORDS[s.currentState] ?? String(s.currentState));
      rows.push([c.host, c.service, state, s === undefined ? 'no result yet' : age(snap.at, s.lastCheck), s === undefined ? '' : clip(s.pluginOutput, outputWidth)]);
    }
  }
  const head = ['host', 'service', 'state', 'last check', 'output'];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`;
  return `${[fmt(head), ...rows.map(fmt)].join('\n')}\n`;
}

export interface Verdict {
  ok: boolean;
  /** Demo services with a passive result at the central Nagios. */
  arrived: number;
  expected: number;
  /** Services whose central state is not the state their check returns. */
  wrongState: string[];
  missing: string[];
}

export function verdict(snap: Snapshot, plan: DemoPlan): Verdict {
  const checks = plan.sites.flatMap((s) => s.checks);
  const missing: string[] = [];
  const wrongState: string[] = [];
  let arrived = 0;
  for (const c of checks) {
    const s = centralService(snap, c);
    if (s === undefined) {
      missing.push(`${c.host};${c.service}`);
      continue;
    }
    arrived++;
    if (s.currentState !== c.state) wrongState.push(`${c.host};${c.service} is ${STATE_WORDS[s.currentState] ?? s.currentState}, its check returns ${STATE_WORDS[c.state]}`);
  }
  return { ok: missing.length === 0 && wrongState.length === 0, arrived, expected: checks.length, wrongState, missing };
}
