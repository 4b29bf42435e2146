/**
 * The broker pool: which broker to try next and when, with per-broker counters.
 * Pure state plus an injected clock and random source (tests drive both).
 *
 * - Ordered (default): always prefer the earliest broker in the list that is
 *   not backing off, so a site returns to its own pair.
 * - Randomized: the list is shuffled once when the pool is built.
 * - A broker that fails backs off on its own (capped exponential, jittered) and
 *   is retried later; a successful connect resets its backoff.
 */
import type { BrokerEndpoint } from './client-config.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';

export interface BrokerCounters {
  /** Connection attempts started. */
  attempts: number;
  /** Attempts that failed (refused, timeout, ERROR) and sessions that died early. */
  failures: number;
  /** Sessions established (CONNECTED received). */
  connects: number;
  /** Messages sent (receipted) or received through this broker. */
  messages: number;
}

export interface BrokerStatus extends BrokerCounters {
  broker: string;
  endpoint: BrokerEndpoint;
  consecutiveFailures: number;
  /** Epoch ms before which the broker is not retried. */
  retryAt: number;
  lastError: string | undefined;
  /** Kind of the last failure (e.g. `refused`, `tls`), while failing. */
  lastErrorKind: string | undefined;
}

export interface PoolChoice {
  index: number;
  endpoint: BrokerEndpoint;
  /** How long to wait before trying it (0 = now). */
  waitMs: number;
}

export interface BrokerPoolOptions extends BackoffPolicy {
  randomize?: boolean;
  random?: () => number;
}

/** `name` when it differs from host:port, e.g. `eu-a (127.0.0.1:61613)`. */
export function brokerLabel(endpoint: BrokerEndpoint): string {
  const hp = `${endpoint.host}:${endpoint.port}`;
  return endpoint.name && endpoint.name !== hp ? `${endpoint.name} (${hp})` : hp;
}

export class BrokerPool {
  private readonly entries: BrokerStatus[];
  private readonly random: () => number;

  constructor(endpoints: readonly BrokerEndpoint[], private readonly options: BrokerPoolOptions) {
    if (endpoints.length === 0) throw new Error('broker pool needs at least one broker');
    this.random = options.random ?? Math.random;
    const list = [...endpoints];
    if (options.randomize) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
    }
    this.entries = list.map((endpoint) => ({
      broker: brokerLabel(endpoint),
      endpoint,
      attempts: 0,
      failures: 0,
      connects: 0,
      messages: 0,
      consecutiveFailures: 0,
      retryAt: 0,
      lastError: undefined,
      lastErrorKind: undefined,
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The broker to try next: the first one not backing off, else the one free soonest. */
  next(now: number): PoolChoice {
    let best = 0;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.retryAt <= now) return { index: i, endpoint: e.endpoint, waitMs: 0 };
      if (e.retryAt < this.entries[best]!.retryAt) best = i;
    }
    const e = this.entries[best]!;
    return { index: best, endpoint: e.endpoint, waitMs: e.retryAt - now };
  }

  attempt(index: number): void {
    this.entry(index).attempts++;
  }

  failure(index: number, now: number, reason: string, kind = 'other'): number {
    const e = this.entry(index);
    e.failures++;
    e.consecutiveFailures++;
    e.lastError = reason;
    e.lastErrorKind = kind;
    const delay = backoffDelay(this.options, e.consecutiveFailures, this.random());
    e.retryAt = now + delay;
    return delay;
  }

  connected(index: number): void {
    const e = this.entry(index);
    e.connects++;
    e.consecutiveFailures = 0;
    e.retryAt = 0;
    e.lastError = undefined;
    e.lastErrorKind = undefined;
  }

  messages(index: number, count = 1): void {
    this.entry(index).messages += count;
  }

  /** True when every broker failed its last attempt (nothing reachable right now). */
  allFailing(): boolean {
    return this.entries.every((e) => e.consecutiveFailures > 0);
  }

  /** True when every broker's last attempt failed with this kind of failure. */
  allFailingWith(kind: string): boolean {
    return this.entries.every((e) => e.consecutiveFailures > 0 && e.lastErrorKind === kind);
  }

  status(): BrokerStatus[] {
    return this.entries.map((e) => ({ ...e }));
  }

  private entry(index: number): BrokerStatus {
    const e = this.entries[index];
    if (e === undefined) throw new RangeError(`no broker #${index} in pool`);
    return e;
  }
}
