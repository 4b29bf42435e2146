import type { RecordRef } from './types.js';

/**
 * What the bridge remembers to stay correct across redeliveries and restarts:
 *  - a bounded window of message keys and which of their records are already
 *    done (written to Nagios, refused or dropped), so a redelivered or resent
 *    message never reaches Nagios twice;
 *  - the newest result time submitted per Nagios object, so an older result
 *    arriving late cannot roll a state back.
 * Pure and in memory; state-journal.ts makes it durable.
 */

export interface DeliveryStateLimits {
  /** Message keys remembered (oldest forgotten first). */
  maxMessages: number;
  /** Nagios objects whose newest result time is remembered (least recently updated forgotten first). */
  maxObjects: number;
}

export const DEFAULT_LIMITS: DeliveryStateLimits = { maxMessages: 200_000, maxObjects: 1_000_000 };

interface WindowEntry {
  total: number;
  /** Indices done so far; null once every record is done. */
  done: Set<number> | null;
}

/** Done records of one message, as written to the journal: [key, total, flat list of inclusive ranges]. */
export type DoneEntry = [key: string, total: number, ranges: number[]];

/** Serializable form of the whole state. */
export interface DeliverySnapshot {
  v: 1;
  window: DoneEntry[];
  newest: Array<[objectKey: string, timestamp: number]>;
}

/** Indices as inclusive ranges [a0, b0, a1, b1, ...] (sorted, merged). */
export function toRanges(indices: Iterable<number>): number[] {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const out: number[] = [];
  for (const i of sorted) {
    const last = out.length - 1;
    if (last > 0 && out[last] === i - 1) out[last] = i;
    else out.push(i, i);
  }
  return out;
}

export function fromRanges(ranges: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k + 1 < ranges.length; k += 2) {
    for (let i = ranges[k]!; i <= ranges[k + 1]!; i++) out.push(i);
  }
  return out;
}

/** Groups record references into journal entries, one per message. */
export function doneEntries(refs: readonly RecordRef[]): DoneEntry[] {
  return doneEntriesInOrder(refs) ?? doneEntriesGeneral(refs);
}

/**
 * doneEntries for the usual case, refs grouped by message with increasing
 * indices (a writer's batch): one pass, no sorting. Undefined otherwise.
 */
function doneEntriesInOrder(refs: readonly RecordRef[]): DoneEntry[] | undefined {
  const out: DoneEntry[] = [];
  let key: string | undefined;
  let ranges: number[] = [];
  let seen: Set<string> | undefined;
  for (const r of refs) {
    if (r.messageKey !== key) {
      if (key !== undefined) {
        // A message coming back after another: not the usual order.
        seen ??= new Set();
        seen.add(key);
        if (seen.has(r.messageKey)) return undefined;
      }
      key = r.messageKey;
      ranges = [r.index, r.index];
      out.push([key, r.total, ranges]);
      continue;
    }
    const last = ranges.length - 1;
    if (r.index === ranges[last]! + 1) ranges[last] = r.index;
    else if (r.index > ranges[last]! + 1) ranges.push(r.index, r.index);
    else return undefined;
  }
  return out;
}

/** doneEntries for any order (the reference of the in-order path). */
export function doneEntriesGeneral(refs: readonly RecordRef[]): DoneEntry[] {
  const byKey = new Map<string, { total: number; indices: number[] }>();
  for (const r of refs) {
    let g = byKey.get(r.messageKey);
    if (g === undefined) byKey.set(r.messageKey, (g = { total: r.total, indices: [] }));
    g.indices.push(r.index);
  }
  return [...byKey].map(([key, g]): DoneEntry => [key, g.total, toRanges(g.indices)]);
}

export class DeliveryState {
  private readonly window = new Map<string, WindowEntry>();
  private readonly newest = new Map<string, number>();

  constructor(readonly limits: DeliveryStateLimits = DEFAULT_LIMITS) {}

  /** True when this record of this message was already done. */
  isDone(ref: RecordRef): boolean {
    const e = this.window.get(ref.messageKey);
    if (e === undefined) return false;
    return e.done === null || e.done.has(ref.index);
  }

  /** True when every record of the message is done. */
  isMessageDone(messageKey: string): boolean {
    return this.window.get(messageKey)?.done === null;
  }

  /** Records done records. Returns the journal entries describing the change. */
  markDone(refs: readonly RecordRef[]): DoneEntry[] {
    const entries = doneEntries(refs);
    for (const e of entries) this.applyDone(e);
    return entries;
  }

  /** Applies a journal entry (idempotent: replaying twice changes nothing). */
  applyDone([key, total, ranges]: DoneEntry): void {
    let e = this.window.get(key);
    if (e === undefined) {
      e = { total, done: new Set() };
      this.window.set(key, e);
      this.evictMessages();
    }
    if (e.done === null) return;
    // The whole message at once (the usual case): no index set needed.
    if (e.done.size === 0 && ranges.length === 2 && ranges[0] === 0 && ranges[1]! >= total - 1 && total === e.total) {
      e.done = null;
      return;
    }
    for (let k = 0; k + 1 < ranges.length; k += 2) {
      for (let i = ranges[k]!; i <= ranges[k + 1]!; i++) e.done.add(i);
    }
    if (e.done.size >= e.total) e.done = null;
  }

  /** Newest result time (epoch s) submitted for a Nagios object, if known. */
  newestFor(objectKey: string): number | undefined {
    return this.newest.get(objectKey);
  }

  /** Raises the newest time of an object (never lowers it). */
  applyNewest(objectKey: string, timestamp: number): void {
    const cur = this.newest.get(objectKey);
    if (cur !== undefined && cur >= timestamp) return;
    this.newest.delete(objectKey);
    this.newest.set(objectKey, timestamp);
    while (this.newest.size > this.limits.maxObjects) {
      const oldest = this.newest.keys().next().value as string;
      this.newest.delete(oldest);
    }
  }

  get messageCount(): number {
    return this.window.size;
  }

  get objectCount(): number {
    return this.newest.size;
  }

  snapshot(): DeliverySnapshot {
    const window: DoneEntry[] = [];
    for (const [key, e] of this.window) {
      window.push([key, e.total, e.done === null ? [0, e.total - 1] : toRanges(e.done)]);
    }
    return { v: 1, window, newest: [...this.newest] };
  }

  static fromSnapshot(s: DeliverySnapshot, limits: DeliveryStateLimits = DEFAULT_LIMITS): DeliveryState {
    const state = new DeliveryState(limits);
    for (const entry of s.window) state.applyDone(entry);
    for (const [k, ts] of s.newest) state.applyNewest(k, ts);
    return state;
  }

  private evictMessages(): void {
    while (this.window.size > this.limits.maxMessages) {
      const oldest = this.window.keys().next().value as string;
      this.window.delete(oldest);
    }
  }
}
