import test from 'ava';
import fc from 'fast-check';
import { backoffDelay, BrokerPool, nextState, type ConnectionEvent } from '../../clients/index.js';
import type { ConnectionState } from '../../clients/index.js';

const eps = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `b${i}`, host: '127.0.0.1', port: 61000 + i }));

test('backoff doubles from the initial delay, stays within [d/2, d] and is capped', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (initial, maxExtra, n, r) => {
      const policy = { initialDelayMs: initial, maxDelayMs: initial + maxExtra };
      const d = backoffDelay(policy, n, r);
      const base = Math.min(policy.maxDelayMs, initial * 2 ** (n - 1));
      return d >= Math.floor(base / 2) && d <= Math.ceil(base) && d <= policy.maxDelayMs;
    }),
  );
  t.is(backoffDelay({ initialDelayMs: 100, maxDelayMs: 1000 }, 0, 0.5), 0);
  t.is(backoffDelay({ initialDelayMs: 100, maxDelayMs: 1000 }, 3, 1), 400);
  t.is(backoffDelay({ initialDelayMs: 100, maxDelayMs: 1000 }, 30, 1), 1000);
});

test('ordered pool prefers the first broker that is not backing off', (t) => {
  const pool = new BrokerPool(eps(3), { initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 });
  t.is(pool.next(0).index, 0);
  pool.attempt(0);
  pool.failure(0, 0, 'connection refused');
  t.deepEqual(pool.next(0), { index: 1, endpoint: eps(3)[1]!, waitMs: 0 });
  pool.attempt(1);
  pool.failure(1, 0, 'connection refused');
  pool.attempt(2);
  pool.failure(2, 0, 'connection refused');
  t.true(pool.allFailing());
  const wait = pool.next(0);
  t.true(wait.waitMs > 0, 'everything failed: wait for the first to come out of backoff');
  // After its backoff, broker 0 is retried again ("a failed broker is retried later").
  t.is(pool.next(1000).index, 0);
  pool.connected(1);
  t.false(pool.allFailing());
  const s = pool.status();
  t.deepEqual(
    s.map((b) => [b.attempts, b.failures, b.connects]),
    [
      [1, 1, 0],
      [1, 1, 1],
      [1, 1, 0],
    ],
  );
  pool.messages(1, 5);
  t.is(pool.status()[1]!.messages, 5);
});

test('consecutive failures of one broker grow its backoff until the cap; a connect resets it', (t) => {
  const pool = new BrokerPool(eps(1), { initialDelayMs: 100, maxDelayMs: 800, random: () => 0.999999 });
  const delays = [1, 2, 3, 4, 5, 6].map(() => pool.failure(0, 0, 'x'));
  t.deepEqual(delays, [100, 200, 400, 800, 800, 800]);
  pool.connected(0);
  t.is(pool.failure(0, 0, 'x'), 100);
});

test('randomized pool is a permutation of the brokers', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer(), (n, seed) => {
      let x = seed;
      const random = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
      const pool = new BrokerPool(eps(n), { initialDelayMs: 1, maxDelayMs: 1, randomize: true, random });
      const names = pool.status().map((b) => b.endpoint.name).sort();
      return JSON.stringify(names) === JSON.stringify(eps(n).map((e) => e.name).sort());
    }),
  );
  t.pass();
});

test('connection state machine: explicit transitions, closed is final', (t) => {
  const run = (events: ConnectionEvent[]): ConnectionState => events.reduce<ConnectionState>((s, e) => nextState(s, e), 'connecting');
  t.is(run(['attempt-failed', 'attempt-failed']), 'connecting');
  t.is(run(['session-up']), 'connected');
  t.is(run(['session-up', 'session-lost']), 'reconnecting');
  t.is(run(['session-up', 'session-lost', 'attempt-failed']), 'reconnecting');
  t.is(run(['session-up', 'session-lost', 'session-up']), 'connected');
  t.is(run(['fatal', 'session-up']), 'closed');
  t.is(run(['session-up', 'close', 'session-lost']), 'closed');
});
