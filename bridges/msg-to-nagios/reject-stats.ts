import type { RejectReason } from './types.js';

/**
 * Counts refused records per site and reason between periodic summaries, so
 * a misbehaving site shows up as one log line a minute rather than a flood.
 */
export class RejectStats {
  private window = new Map<string, Map<RejectReason, number>>();
  private readonly totals = new Map<RejectReason, number>();

  add(site: string, reason: RejectReason, count = 1): void {
    let bySite = this.window.get(site);
    if (bySite === undefined) this.window.set(site, (bySite = new Map()));
    bySite.set(reason, (bySite.get(reason) ?? 0) + count);
    this.totals.set(reason, (this.totals.get(reason) ?? 0) + count);
  }

  /** Totals since start, by reason. */
  total(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }

  /** Summary of the window (`site: reason=n ...; ...`) and its count; resets the window. */
  takeSummary(): { count: number; text: string; bySite: Record<string, Record<string, number>> } {
    let count = 0;
    const parts: string[] = [];
    const bySite: Record<string, Record<string, number>> = {};
    for (const [site, reasons] of [...this.window].sort(([a], [b]) => a.localeCompare(b))) {
      const items = [...reasons].sort(([a], [b]) => a.localeCompare(b));
      bySite[site] = Object.fromEntries(items);
      for (const [, n] of items) count += n;
      parts.push(`${site}: ${items.map(([r, n]) => `${r}=${n}`).join(' ')}`);
    }
    this.window = new Map();
    return { count, text: parts.join('; '), bySite };
  }
}
