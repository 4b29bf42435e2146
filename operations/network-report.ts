/**
 * Renders a NetworkVerdict (pure): Nagios plugin output (first line with
 * perfdata per link and per consumer pair, then one long-output line per
 * pair, link and path), a text table for people, and JSON.
 */
import { NAGIOS_WORDS, type NetworkVerdict, type RttThresholds } from './network-verdict.js';

export type NetworkFormat = 'text' | 'nagios' | 'json';
export const NETWORK_FORMATS: readonly NetworkFormat[] = ['text', 'nagios', 'json'];

/** Perfdata label: quoted, no quotes or '=' inside. */
const label = (s: string): string => `'${s.replace(/['=]/g, '_')}'`;

export function perfdata(v: NetworkVerdict, rtt: RttThresholds): string {
  const out: string[] = [];
  for (const l of v.links) {
    out.push(`${label(`${l.name}_rtt`)}=${l.rttMs === undefined ? 'U' : `${l.rttMs}ms`};${rtt.warningMs};${rtt.criticalMs};0`);
    out.push(`${label(`${l.name}_loss`)}=${l.lossPct}%;;;0;100`);
  }
  for (const p of v.paths.filter((x) => x.links.length === 0)) {
    out.push(`${label(`${p.to}_local_rtt`)}=${p.rttMs === undefined ? 'U' : `${p.rttMs.median}ms`};${rtt.warningMs};${rtt.criticalMs};0`);
    out.push(`${label(`${p.to}_local_loss`)}=${p.lossPct}%;;;0;100`);
  }
  return out.join(' ');
}

const mark = (code: number): string => NAGIOS_WORDS[code] ?? 'UNKNOWN';

export function renderNagios(v: NetworkVerdict, rtt: RttThresholds): string {
  const lines = [`NETWORK ${mark(v.code)} - ${v.summary} | ${perfdata(v, rtt)}`];
  for (const p of v.pairs) lines.push(`[${mark(p.code)}] pair ${p.pair}: ${p.detail}`);
  for (const l of v.links) lines.push(`[${mark(l.code)}] link ${l.name}: ${l.state}: ${l.detail}`);
  for (const p of v.paths) lines.push(`[${mark(p.code)}] path ${p.id}${p.links.length === 0 ? ' (local)' : ''}: ${p.detail}`);
  return `${lines.join('\n')}\n`;
}

export function renderText(v: NetworkVerdict): string {
  const lines = [`network ${mark(v.code)}: ${v.summary}`, '', 'pairs:'];
  const w = Math.max(4, ...v.pairs.map((p) => p.pair.length));
  for (const p of v.pairs) lines.push(`  ${p.pair.padEnd(w)}  ${(p.up ? 'up' : 'DOWN').padEnd(5)} ${p.detail}`);
  lines.push('', 'links (network connectors):');
  const lw = Math.max(4, ...v.links.map((l) => l.name.length));
  for (const l of v.links) {
    const rtt = l.rttMs === undefined ? '     -' : `${String(l.rttMs).padStart(4)} ms`;
    lines.push(`  ${l.name.padEnd(lw)}  ${l.state.padEnd(11)} rtt ${rtt}  loss ${String(l.lossPct).padStart(3)}%  ${l.detail}`);
  }
  if (v.links.length === 0) lines.push('  (none: every route stays on one pair)');
  lines.push('', 'paths (probe sent at the first pair, read at the last):');
  const pw = Math.max(4, ...v.paths.map((p) => p.id.length + (p.links.length === 0 ? 8 : 0)));
  for (const p of v.paths) lines.push(`  ${(p.id + (p.links.length === 0 ? ' (local)' : '')).padEnd(pw)}  ${p.state.padEnd(6)}  ${p.detail}`);
  lines.push('', `run ${v.run}, ${v.durationMs} ms`);
  return `${lines.join('\n')}\n`;
}

export function renderJson(v: NetworkVerdict): string {
  return `${JSON.stringify({ status: mark(v.code), ...v }, null, 2)}\n`;
}

export function renderNetwork(v: NetworkVerdict, format: NetworkFormat, rtt: RttThresholds): string {
  return format === 'nagios' ? renderNagios(v, rtt) : format === 'json' ? renderJson(v) : renderText(v);
}
