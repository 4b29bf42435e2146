/**
 * Bookkeeping of one rehearsal run at the central end (pure): which results
 * the central Nagios processed (once, or more: duplicates), their end-to-end
 * latency (written by the site's Nagios -> processed by the central Nagios),
 * the delivery rate second by second, and, around a broker kill, when each
 * site's results flowed again. After the run, what was written and never
 * processed is split into lost and superseded (an older result of a service
 * the central bridge dropped because Nagios already had a newer one).
 */
import type { ResultId } from './result-line.js';

/** One burst of a site: results `startSeq`.. written at `writtenAt` (epoch ms). */
export interface Burst {
  startSeq: number;
  writtenAt: number;
}

export interface SiteGeneration {
  site: number;
  generated: number;
  bursts: Burst[];
}

export interface Accounting {
  generated: number;
  delivered: number;
  duplicates: number;
  /** Written, never processed, and a newer result of the same service was. */
  superseded: number;
  /** Written, never processed, nothing newer for that service either. */
  lost: number;
  lostExamples: string[];
}

const MAX_MS = 600_000;

export class Tally {
  private readonly seen: Uint8Array[] = [];
  private readonly latency = new Uint32Array(MAX_MS + 1);
  private maxLatency = 0;
  private readonly perSecond = new Map<number, number>();
  delivered = 0;
  duplicates = 0;
  /** Outputs of other runs or not from the bench at all. */
  foreign = 0;
  private killAt: number | undefined;
  private readonly lastBeforeKill = new Map<number, number>();
  private readonly firstAfterKill = new Map<number, number>();

  constructor(readonly run: string) {}

  private bits(site: number, seq: number): Uint8Array {
    let a = this.seen[site];
    if (a === undefined || a.length <= seq) {
      const grown = new Uint8Array(Math.max(1024, (seq + 1) * 2));
      if (a) grown.set(a);
      this.seen[site] = a = grown;
    }
    return a;
  }

  markKill(at: number): void {
    this.killAt = at;
  }

  note(id: ResultId | undefined, arrivedAt: number): void {
    if (id === undefined || id.run !== this.run) {
      this.foreign++;
      return;
    }
    const bits = this.bits(id.site, id.seq);
    if (bits[id.seq]! > 0) {
      this.duplicates++;
      if (bits[id.seq]! < 255) bits[id.seq]!++;
      return;
    }
    bits[id.seq] = 1;
    this.delivered++;
    const ms = Math.max(0, Math.round(arrivedAt - id.writtenAt));
    this.latency[Math.min(ms, MAX_MS)]!++;
    if (ms > this.maxLatency) this.maxLatency = ms;
    const sec = Math.floor(arrivedAt / 1000);
    this.perSecond.set(sec, (this.perSecond.get(sec) ?? 0) + 1);
    if (this.killAt !== undefined) {
      if (id.writtenAt <= this.killAt) this.lastBeforeKill.set(id.site, Math.max(this.lastBeforeKill.get(id.site) ?? 0, arrivedAt));
      else if (!this.firstAfterKill.has(id.site)) this.firstAfterKill.set(id.site, arrivedAt);
    }
  }

  isSeen(site: number, seq: number): boolean {
    return (this.seen[site]?.[seq] ?? 0) > 0;
  }

  /** Latency percentile in ms (0 < p <= 1). */
  percentile(p: number): number {
    const want = Math.ceil(p * this.delivered);
    let acc = 0;
    for (let ms = 0; ms <= MAX_MS; ms++) {
      acc += this.latency[ms]!;
      if (acc >= want && want > 0) return ms;
    }
    return this.maxLatency;
  }

  get max(): number {
    return this.maxLatency;
  }

  /** Deliveries per second between two epoch-ms times (whole seconds inside the window). */
  ratesBetween(from: number, to: number): number[] {
    const out: number[] = [];
    for (let s = Math.ceil(from / 1000); s < Math.floor(to / 1000); s++) out.push(this.perSecond.get(s) ?? 0);
    return out;
  }

  /**
   * Around the kill, for the given sites: the last arrival of a result written
   * before the kill, and the first arrival of one written after it.
   */
  killTimes(sites: number[]): { lastBeforeKill: number | undefined; firstAfterKillPerSite: Array<number | undefined> } {
    let last: number | undefined;
    for (const v of this.lastBeforeKill.values()) last = last === undefined ? v : Math.max(last, v);
    return { lastBeforeKill: last, firstAfterKillPerSite: sites.map((s) => this.firstAfterKill.get(s)) };
  }

  account(generation: SiteGeneration[], services: number): Accounting {
    let generated = 0;
    let superseded = 0;
    let lost = 0;
    const lostExamples: string[] = [];
    for (const g of generation) {
      generated += g.generated;
      const burstOf = (seq: number): number => {
        let lo = 0;
        let hi = g.bursts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (g.bursts[mid]!.startSeq <= seq) lo = mid;
          else hi = mid - 1;
        }
        return lo;
      };
      for (let seq = 0; seq < g.generated; seq++) {
        if (this.isSeen(g.site, seq)) continue;
        const b = burstOf(seq);
        let newer = false;
        for (let later = seq + services; later < g.generated; later += services) {
          if (burstOf(later) > b && this.isSeen(g.site, later)) {
            newer = true;
            break;
          }
        }
        if (newer) superseded++;
        else {
          lost++;
          if (lostExamples.length < 5) lostExamples.push(`site ${g.site} seq ${seq} (written ${new Date(g.bursts[b]?.writtenAt ?? 0).toISOString()})`);
        }
      }
    }
    return { generated, delivered: this.delivered, duplicates: this.duplicates, superseded, lost, lostExamples };
  }
}
