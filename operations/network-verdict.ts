/**
 * From probe observations to a verdict per pair, path and link, and one
 * Nagios state (pure).
 *
 * A path is OK when every probe came back, WARNING when some were lost,
 * CRITICAL when none arrived. A link (network connector) carries every path
 * that crosses it; its state names the likely cause:
 *   ok           a path through it delivered every probe;
 *   degraded     the best path through it lost some probes;
 *   source-down  its sending pair has no active broker;
 *   target-down  its receiving pair has no active broker;
 *   broken       nothing crossed it although the rest of the way works (the
 *                path from its receiving pair on delivered): this link is at fault;
 *   unverified   nothing crossed it and the way on beyond it fails too: the
 *                cause is further on (reported there).
 * RTT thresholds apply to the RTT of a link: the median round trip of the
 * shortest probe path that starts with it (for a link into a consumer pair,
 * exactly that hop).
 */
import type { ProbePath, ProbePlan } from './probe-plan.js';
import type { PairObservation, PathObservation, ProbeObservations } from './probe-run.js';

export type NagiosCode = 0 | 1 | 2 | 3;
export const NAGIOS_WORDS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface RttThresholds {
  warningMs: number;
  criticalMs: number;
}

export type LinkState = 'ok' | 'degraded' | 'source-down' | 'target-down' | 'broken' | 'unverified';
export type PathState = 'ok' | 'lossy' | 'failed';

export interface PairVerdict {
  pair: string;
  up: boolean;
  active?: string;
  /** One line: who answered, or why none did. */
  detail: string;
  code: NagiosCode;
}

export interface PathVerdict {
  id: string;
  from: string;
  to: string;
  links: string[];
  state: PathState;
  sent: number;
  received: number;
  /** Percent of probes lost (100 when none could be sent). */
  lossPct: number;
  rttMs?: { min: number; median: number; max: number };
  detail: string;
  code: NagiosCode;
}

export interface LinkVerdict {
  name: string;
  from: string;
  to: string;
  state: LinkState;
  /** Median RTT of the shortest path starting with this link. */
  rttMs?: number;
  lossPct: number;
  /** Path the RTT and loss come from. */
  measuredBy?: string;
  detail: string;
  code: NagiosCode;
}

export interface NetworkVerdict {
  code: NagiosCode;
  /** One line naming the causes (pairs down, broken links) first. */
  summary: string;
  pairs: PairVerdict[];
  paths: PathVerdict[];
  links: LinkVerdict[];
  run: string;
  durationMs: number;
}

const worst = (codes: NagiosCode[]): NagiosCode => codes.reduce<NagiosCode>((m, c) => (c > m ? c : m), 0);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)]!;
};

function pairVerdict(o: PairObservation): PairVerdict {
  if (o.active) {
    const skipped = o.attempts.filter((a) => a.error !== undefined).map((a) => a.broker);
    return { pair: o.pair, up: true, active: o.active, code: 0, detail: `${o.active} active${skipped.length ? ` (${skipped.join(', ')} not accepting: standby or down)` : ''}` };
  }
  const why = o.attempts.map((a) => `${a.broker}: ${a.error ?? 'unknown'}`).join('; ');
  return { pair: o.pair, up: false, code: 2, detail: `no broker accepts the monitoring login (${why || 'no broker'})` };
}

function pathVerdict(p: ProbePath, o: PathObservation, pairs: Map<string, PairVerdict>, count: number, rtt: RttThresholds): PathVerdict {
  const base = { id: p.id, from: p.from, to: p.to, links: p.links, sent: o.sent, received: o.received };
  const lossPct = o.sent === 0 ? 100 : Math.round((100 * (o.sent - o.received)) / o.sent);
  const down = p.pairs.filter((x) => pairs.get(x)?.up === false);
  if (o.received === 0) {
    const why =
      down.length > 0
        ? `pair${down.length > 1 ? 's' : ''} ${down.join(', ')} down`
        : o.receiveError ?? o.sendError ?? (o.accepted === 0 && o.sent > 0 ? 'the source broker took no probe' : `none of ${o.sent || count} probes arrived`);
    return { ...base, state: 'failed', lossPct: 100, code: 2, detail: why };
  }
  const r = { min: Math.min(...o.rtts), median: median(o.rtts), max: Math.max(...o.rtts) };
  const rttCode: NagiosCode = r.median >= rtt.criticalMs ? 2 : r.median >= rtt.warningMs ? 1 : 0;
  const lossy = o.received < o.sent;
  const detail = `${o.received}/${o.sent} probes, rtt ${r.median} ms (min ${r.min}, max ${r.max})${lossy ? `, ${lossPct}% lost` : ''}`;
  return { ...base, state: lossy ? 'lossy' : 'ok', lossPct, rttMs: r, code: worst([lossy ? 1 : 0, rttCode]), detail };
}

function linkVerdict(from: string, to: string, name: string, paths: PathVerdict[], pairs: Map<string, PairVerdict>, rtt: RttThresholds): LinkVerdict {
  const through = paths.filter((p) => p.links.includes(name));
  // Shortest path starting with this link: the link's own measurement.
  const own = through.filter((p) => p.links[0] === name).sort((a, b) => a.links.length - b.links.length)[0] ?? through[0];
  const base = { name, from, to, lossPct: own?.lossPct ?? 100, ...(own ? { measuredBy: own.id } : {}) };
  const best = [...through].sort((a, b) => a.lossPct - b.lossPct)[0];
  if (best && best.received > 0) {
    const r = own?.rttMs?.median ?? best.rttMs?.median;
    const rttCode: NagiosCode = r === undefined ? 0 : r >= rtt.criticalMs ? 2 : r >= rtt.warningMs ? 1 : 0;
    const state: LinkState = best.lossPct === 0 ? 'ok' : 'degraded';
    return {
      ...base,
      lossPct: best.lossPct,
      ...(r === undefined ? {} : { rttMs: r }),
      state,
      code: worst([state === 'ok' ? 0 : 1, rttCode]),
      detail: `${state === 'ok' ? 'carries probes' : `loses probes (${best.lossPct}%)`}${r === undefined ? '' : `, rtt ${r} ms`} (path ${best.id})`,
    };
  }
  if (pairs.get(from)?.up === false) return { ...base, state: 'source-down', code: 2, detail: `pair ${from} is down: nothing is forwarded towards ${to}` };
  if (pairs.get(to)?.up === false) return { ...base, state: 'target-down', code: 2, detail: `pair ${to} is down: the connector from ${from} has no broker to deliver to` };
  // Is the way on from `to` working? Compare with the suffix of each failing path.
  const onward = through.map((p) => {
    const fromTo = p.links.indexOf(name);
    const suffixId = p.id.split('>').slice(fromTo + 1).join('>');
    return paths.find((q) => q.id === suffixId);
  });
  if (onward.some((q) => q !== undefined && q.received > 0)) {
    return { ...base, state: 'broken', code: 2, detail: `probes sent at ${from} never reached ${to}, while ${to} delivers onwards: the network connector ${name} does not forward` };
  }
  return { ...base, state: 'unverified', code: 2, detail: `nothing crossed it, and the way on from ${to} fails too (see the links and pairs beyond)` };
}

export function evaluateNetwork(plan: ProbePlan, obs: ProbeObservations, rtt: RttThresholds): NetworkVerdict {
  const pairs = new Map(obs.pairs.map((o) => [o.pair, pairVerdict(o)]));
  const byId = new Map(obs.paths.map((o) => [o.id, o]));
  const paths = plan.paths.map((p) => pathVerdict(p, byId.get(p.id) ?? { id: p.id, sent: 0, accepted: 0, received: 0, rtts: [] }, pairs, obs.count, rtt));
  const links = plan.links.map((l) => linkVerdict(l.from, l.to, l.name, paths, pairs, rtt));
  const pairList = [...pairs.values()];
  const code = worst([...pairList.map((p) => p.code), ...paths.map((p) => p.code), ...links.map((l) => l.code)]);

  const causes: string[] = [];
  for (const p of pairList) if (!p.up) causes.push(`pair ${p.pair} down`);
  for (const l of links) if (l.state === 'broken') causes.push(`link ${l.name} broken`);
  for (const l of links) if (l.state === 'degraded') causes.push(`link ${l.name} loses probes`);
  for (const l of links) if (l.code > 0 && l.state === 'ok') causes.push(`link ${l.name} slow (${l.rttMs} ms)`);
  for (const p of paths) if (p.links.length === 0 && p.code > 0 && pairs.get(p.to)?.up) causes.push(`pair ${p.to} does not deliver its own probes (${p.detail})`);
  const okPaths = paths.filter((p) => p.code === 0).length;
  const okLinks = links.filter((l) => l.code === 0).length;
  const counts = `${okLinks}/${links.length} links, ${okPaths}/${paths.length} paths OK`;
  const summary = causes.length > 0 ? `${causes.join('; ')}; ${counts}` : code === 0 ? counts : `${counts}`;
  return { code, summary, pairs: pairList, paths, links, run: obs.run, durationMs: obs.durationMs };
}
