/**
 * The role of each broker in its failover pair, from what can be observed
 * (pure). A pair's two brokers share one store: the one holding its lock is
 * active and opens its connectors, the other waits without opening any port.
 *
 *   STOMP answers (CONNECTED, or an ERROR about the login) → active
 *   (no monitoring certificate) its ssl port answers TLS   → active
 *   no STOMP answer, process known dead                    → down
 *   no STOMP answer, process alive, partner active         → standby
 *   no STOMP answer, process alive, partner not active     → starting (taking over, or failing to)
 *   no STOMP answer, process unknown, partner active       → standby (from outside a standby and a
 *                                                            stopped broker look the same: no port)
 *   no STOMP answer, process unknown, partner not active   → down
 *
 * A pair is up with one active broker, down with none, and split with two
 * (they cannot share one store: a configuration error).
 */
/** `answers-tls`: not logged in (no monitoring certificate), but its stomp+ssl port completes or refuses a TLS handshake. */
export type StompAnswer = 'accepts' | 'refuses-login' | 'answers-tls' | 'closed' | 'no-answer' | 'no-stomp-port';
export type BrokerRole = 'active' | 'standby' | 'starting' | 'down';
export type PairState = 'up' | 'down' | 'split';

export interface BrokerObservation {
  name: string;
  pair: string;
  pairIndex: number;
  partner?: string;
  endpoint: string;
  answer: StompAnswer;
  /** The broker's words (server header, ERROR message) or the socket error. */
  answerDetail: string;
  /** Only known on this machine (dev network): is the pid alive? */
  process?: 'alive' | 'dead';
  pid?: number;
  /** Its log says it waits for the store lock (dev network). */
  logSaysStandby?: boolean;
}

export interface BrokerRoleRow extends BrokerObservation {
  role: BrokerRole;
  /** Why this role, in words. */
  evidence: string;
}

export interface PairRow {
  pair: string;
  state: PairState;
  active: string[];
  brokers: BrokerRoleRow[];
}

const answers = (o: BrokerObservation): boolean => o.answer === 'accepts' || o.answer === 'refuses-login' || o.answer === 'answers-tls';

export function brokerRole(o: BrokerObservation, partner: BrokerObservation | undefined): { role: BrokerRole; evidence: string } {
  if (answers(o)) {
    const evidence =
      o.answer === 'accepts'
        ? `accepts STOMP (${o.answerDetail})`
        : o.answer === 'answers-tls'
          ? `its ssl port answers TLS; not logged in: ${o.answerDetail}`
          : `answers STOMP but refused the login: ${o.answerDetail}`;
    return { role: 'active', evidence };
  }
  const partnerActive = partner !== undefined && answers(partner);
  const closed = o.answer === 'no-stomp-port' ? `not asked: ${o.answerDetail}` : `no STOMP answer (${o.answerDetail})`;
  if (o.process === 'dead') return { role: 'down', evidence: `process ${o.pid ?? ''} is gone; ${closed}`.replace('process  is', 'process is') };
  if (o.process === 'alive') {
    if (partnerActive) return { role: 'standby', evidence: `process ${o.pid} alive, ${closed}, partner ${partner.name} active${o.logSaysStandby ? '; its log says it waits for the store lock' : ''}` };
    return { role: 'starting', evidence: `process ${o.pid} alive but ${closed}, and no partner is active: taking over the store, or failing to` };
  }
  if (partnerActive) return { role: 'standby', evidence: `${closed} while partner ${partner.name} is active (a standby opens no port; a stopped broker looks the same from here)` };
  return { role: 'down', evidence: closed };
}

export function pairRows(observations: BrokerObservation[]): PairRow[] {
  const pairs = [...new Set(observations.map((o) => o.pair))].sort();
  return pairs.map((pair) => {
    const members = observations.filter((o) => o.pair === pair).sort((a, b) => a.pairIndex - b.pairIndex);
    const brokers = members.map((o) => ({ ...o, ...brokerRole(o, members.find((m) => m.name !== o.name)) }));
    const active = brokers.filter((b) => b.role === 'active').map((b) => b.name);
    return { pair, state: active.length === 1 ? 'up' : active.length === 0 ? 'down' : 'split', active, brokers };
  });
}
