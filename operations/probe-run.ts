/**
 * Sends the probes of a ProbePlan through real brokers and records what
 * happened (I/O). Steps, all bounded by one deadline:
 *   1. open a session to every pair: its brokers in order, the first that
 *      accepts the monitoring login is the pair's active broker;
 *   2. at every consumer pair, subscribe to its probe queue with a selector on
 *      this run's id (several checkers never take each other's probes);
 *   3. from the source pair of every path, send `count` probes (non-persistent,
 *      expiring: a probe nobody reads disappears, never reaches a DLQ);
 *   4. wait until every probe arrived or the deadline passed.
 * The verdict (network-verdict.ts) is computed from the observations alone.
 */
import crypto from 'node:crypto';
import type { Logger } from '../core/logger.js';
import type { ProbePlan } from './probe-plan.js';
import { SessionError, StompSession, type ProbeMessage } from './stomp-session.js';
import { sessionEndpoint, type BrokerTarget, type MonitoringAccess } from './targets.js';

export const RUN_HEADER = 'gridmsg_probe_run';
export const PATH_HEADER = 'gridmsg_probe_path';
export const SEQ_HEADER = 'gridmsg_probe_seq';
/** Probes nobody reads expire after this (they are non-persistent: no DLQ copy). */
export const PROBE_EXPIRY_MS = 10 * 60_000;

export interface BrokerAttempt {
  broker: string;
  /** Why it was not used; undefined for the broker that answered. */
  error?: string;
  kind?: SessionError['kind'];
}

export interface PairObservation {
  pair: string;
  /** Broker that accepted the monitoring login, if any. */
  active?: string;
  attempts: BrokerAttempt[];
  /** ms to open the session. */
  connectMs?: number;
}

export interface PathObservation {
  id: string;
  sent: number;
  /** Probes the source broker receipted. */
  accepted: number;
  received: number;
  /** Round-trip time of each received probe (send → read at the consumer pair), ms. */
  rtts: number[];
  /** Why sending failed, when it did. */
  sendError?: string;
  /** Why reading at the consumer pair failed, when it did. */
  receiveError?: string;
}

export interface ProbeObservations {
  run: string;
  startedAt: number;
  durationMs: number;
  count: number;
  pairs: PairObservation[];
  paths: PathObservation[];
}

export interface ProbeRunOptions {
  brokers: BrokerTarget[];
  /** The monitoring password (plain STOMP) and/or certificate (stomp+ssl). */
  access: MonitoringAccess;
  /** Whole run, ms. */
  timeoutMs: number;
  /** Probes per path. */
  count: number;
  logger: Logger;
  now?: () => number;
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function openPair(pair: string, brokers: BrokerTarget[], access: MonitoringAccess, deadline: number, now: () => number): Promise<{ obs: PairObservation; session?: StompSession }> {
  const obs: PairObservation = { pair, attempts: [] };
  const members = brokers.filter((b) => b.pair === pair).sort((a, b) => a.pairIndex - b.pairIndex);
  for (const b of members) {
    const how = sessionEndpoint(b, access);
    if ('why' in how) {
      obs.attempts.push({ broker: b.name, error: how.why, kind: 'other' });
      continue;
    }
    const left = deadline - now();
    if (left <= 0) {
      obs.attempts.push({ broker: b.name, error: 'not tried: the check ran out of time', kind: 'timeout' });
      continue;
    }
    const started = now();
    try {
      const session = await StompSession.open(how.endpoint, how.login, Math.min(5000, Math.max(250, Math.floor(left / 2))), now);
      obs.active = b.name;
      obs.connectMs = now() - started;
      obs.attempts.push({ broker: b.name });
      return { obs, session };
    } catch (err) {
      obs.attempts.push({ broker: b.name, error: `${how.endpoint.host}:${how.endpoint.port}${how.endpoint.tls ? ' (ssl)' : ''}: ${describe(err)}`, kind: err instanceof SessionError ? err.kind : 'other' });
    }
  }
  return { obs };
}

export async function runProbes(plan: ProbePlan, options: ProbeRunOptions): Promise<ProbeObservations> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const deadline = startedAt + options.timeoutMs;
  const run = crypto.randomBytes(8).toString('hex');
  const log = options.logger;

  const opened = await Promise.all(plan.pairs.map((p) => openPair(p, options.brokers, options.access, deadline, now)));
  const sessions = new Map<string, StompSession>();
  for (const o of opened) {
    if (o.session) sessions.set(o.obs.pair, o.session);
    log.debug(o.obs.active ? 'pair answers' : 'pair does not answer', { pair: o.obs.pair, broker: o.obs.active ?? '', attempts: o.obs.attempts.map((a) => `${a.broker}: ${a.error ?? 'ok'}`).join('; ') });
  }

  const paths = new Map<string, PathObservation>(plan.paths.map((p) => [p.id, { id: p.id, sent: 0, accepted: 0, received: 0, rtts: [] }]));
  const sentAt = new Map<string, number>();
  let outstanding = 0;
  let allIn: () => void = () => undefined;
  const everything = new Promise<void>((resolve) => (allIn = resolve));
  const onProbe = (m: ProbeMessage): void => {
    const key = `${m.headers[PATH_HEADER] ?? ''}#${m.headers[SEQ_HEADER] ?? ''}`;
    const t0 = sentAt.get(key);
    const obs = paths.get(m.headers[PATH_HEADER] ?? '');
    if (t0 === undefined || !obs) return;
    sentAt.delete(key);
    obs.received++;
    obs.rtts.push(m.receivedAt - t0);
    if (--outstanding === 0) allIn();
  };

  const remaining = (): number => Math.max(1, deadline - now());
  // 2. Readers at the consumer pairs, before anything is sent.
  const readable = new Set<string>();
  await Promise.all(
    plan.targets.map(async (t) => {
      const s = sessions.get(t);
      if (!s) return;
      const queue = plan.paths.find((p) => p.to === t)!.queue;
      try {
        await s.subscribe(`/queue/${queue}`, { selector: `${RUN_HEADER} = '${run}'`, 'activemq.prefetchSize': '1000' }, onProbe, remaining());
        readable.add(t);
      } catch (err) {
        for (const p of plan.paths) if (p.to === t) paths.get(p.id)!.receiveError = `cannot read ${queue} on pair ${t}: ${describe(err)}`;
      }
    }),
  );

  // 3. Probes from every path's source pair.
  const sends: Array<Promise<void>> = [];
  for (const p of plan.paths) {
    const obs = paths.get(p.id)!;
    const s = sessions.get(p.from);
    if (!s || !readable.has(p.to)) continue;
    for (let seq = 0; seq < options.count; seq++) {
      const key = `${p.id}#${seq}`;
      const t0 = now();
      sentAt.set(key, t0);
      obs.sent++;
      outstanding++;
      const headers = {
        persistent: 'false',
        expires: String(Date.now() + PROBE_EXPIRY_MS),
        [RUN_HEADER]: run,
        [PATH_HEADER]: p.id,
        [SEQ_HEADER]: String(seq),
      };
      sends.push(
        s.send(`/queue/${p.queue}`, headers, JSON.stringify({ run, path: p.id, seq, sentAt: t0 }), remaining()).then(
          () => void obs.accepted++,
          (err: unknown) => {
            obs.sendError ??= `pair ${p.from} did not take the probe: ${describe(err)}`;
          },
        ),
      );
    }
  }
  if (outstanding === 0) allIn();

  // 4. Wait for every probe or the deadline.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([everything, new Promise<void>((resolve) => (timer = setTimeout(resolve, remaining())))]);
  clearTimeout(timer);
  await Promise.allSettled(sends);
  await Promise.all([...sessions.values()].map((s) => s.close(500)));

  const result: ProbeObservations = {
    run,
    startedAt,
    durationMs: now() - startedAt,
    count: options.count,
    pairs: opened.map((o) => o.obs),
    paths: plan.paths.map((p) => paths.get(p.id)!),
  };
  log.debug('probes done', { run, durationMs: result.durationMs });
  return result;
}
