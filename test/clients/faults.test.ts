/**
 * Fault injection with the scripted fake STOMP server: the client must not
 * crash, must not lose a message and must not leave a rejection unhandled
 * (ava fails the run on unhandled rejections and uncaught exceptions).
 */
import test from 'ava';
import {
  AuthenticationError,
  BrokerError,
  IDEMPOTENCY_HEADER,
  createConsumer,
  createPublisher,
  type ConnectionState,
  type Publisher,
  type PublisherOptions,
  type ReceivedMessage,
} from '../../clients/index.js';
import { frame, header } from '../../clients/stomp-frame.js';
import { startFakeStompServer, type FakeStompServer } from '../helpers/fake-stomp-server.js';

async function fake(t: { teardown: (fn: () => Promise<void>) => void }, ...args: Parameters<typeof startFakeStompServer>): Promise<FakeStompServer> {
  const server = await startFakeStompServer(...args);
  t.teardown(() => server.close());
  return server;
}

function publisherFor(server: FakeStompServer, extra: Partial<PublisherOptions> = {}): Publisher {
  return createPublisher({
    brokers: [{ name: 'fake', host: '127.0.0.1', port: server.port }],
    destination: '/queue/faults',
    initialReconnectDelayMs: 20,
    maxReconnectDelayMs: 200,
    receiptWindow: 8,
    ...extra,
  });
}

/** Sends `n` messages with keys k-0..k-(n-1) and waits for every receipt. */
async function sendAll(p: Publisher, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => p.send({ body: `body ${i}`, idempotencyKey: `k-${i}` })));
}

/** Distinct idempotency keys the server stored, sorted. */
function keysStored(server: FakeStompServer): string[] {
  return [...new Set(server.stored.map((m) => m.headers[IDEMPOTENCY_HEADER]!))].sort();
}

const allKeys = (n: number) => Array.from({ length: n }, (_, i) => `k-${i}`).sort();

test('garbage frames from the server: the client reconnects and delivers everything', async (t) => {
  const server = await fake(t, {
    script: {
      onFrame(conn, f) {
        if (conn.id === 1 && f.command === 'SEND' && conn.received.filter((r) => r.command === 'SEND').length === 5) {
          conn.sendRaw('\u0001\u0002 this is not STOMP\n\n\0');
          return true;
        }
        return false;
      },
    },
  });
  const p = publisherFor(server);
  await sendAll(p, 50);
  await p.close();
  t.deepEqual(keysStored(server), allKeys(50));
  t.true(server.connections.length >= 2);
});

test('an ERROR frame without receipt-id ends the session; everything unreceipted is resent in order', async (t) => {
  const server = await fake(t, {
    script: {
      onFrame(conn, f) {
        if (conn.id === 1 && f.command === 'SEND' && conn.received.filter((r) => r.command === 'SEND').length === 10) {
          conn.send(frame('ERROR', { message: 'broker is going down' }, 'shutting down'));
          conn.cut();
          return true;
        }
        return false;
      },
    },
  });
  const p = publisherFor(server);
  await sendAll(p, 40);
  const stats = p.stats();
  await p.close();
  t.deepEqual(keysStored(server), allKeys(40));
  // Order on the second connection: the first stored key there continues where connection 1 stopped, ascending.
  const second = server.stored.filter((m) => m.connection === 2).map((m) => Number(m.headers[IDEMPOTENCY_HEADER]!.slice(2)));
  t.deepEqual(second, [...second].sort((a, b) => a - b));
  t.true(stats.resent >= 1);
  t.is(stats.failed, 0);
});

test('an ERROR frame for one message (receipt-id) rejects that send with BrokerError; others are delivered', async (t) => {
  const server = await fake(t, {
    script: {
      onFrame(conn, f) {
        if (f.command === 'SEND' && f.headers.some(([k, v]) => k === IDEMPOTENCY_HEADER && v === 'k-3')) {
          conn.send(frame('ERROR', { 'receipt-id': header(f, 'receipt')!, message: 'User guest is not authorized to write to: queue://faults' }));
          return true;
        }
        return false;
      },
    },
  });
  const p = publisherFor(server);
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => p.send({ body: 'x', idempotencyKey: `k-${i}` })));
  await p.close();
  const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason] as const] : []));
  t.is(rejected.length, 1);
  const [index, err] = rejected[0]!;
  t.is(index, 3);
  t.true(err instanceof BrokerError);
  t.is(err.context.destination, '/queue/faults');
  t.is(err.context.broker, `fake (127.0.0.1:${server.port})`);
  t.regex(err.describe(), /broker said: User guest is not authorized/);
  t.is(keysStored(server).length, 9);
  t.is(p.stats().failed, 1);
});

test('receipts that never come: receipt timeout, reconnect, resend; nothing lost', async (t) => {
  const server = await fake(t, {
    script: {
      onFrame(conn, f) {
        // Connection 1 swallows every SEND after the 3rd (stored, never receipted).
        if (conn.id === 1 && f.command === 'SEND' && conn.received.filter((r) => r.command === 'SEND').length > 3) return true;
        return false;
      },
    },
  });
  const p = publisherFor(server, { receiptTimeoutMs: 300 });
  await sendAll(p, 30);
  const stats = p.stats();
  await p.close();
  t.deepEqual(keysStored(server), allKeys(30));
  t.is(stats.receipted, 30);
  t.true(stats.resent > 0);
  t.true(server.connections.length >= 2);
});

test('heart-beats that stop: the dead connection is detected and replaced', async (t) => {
  const server = await fake(t, {
    script: {
      heartbeatMs: 100,
      onFrame(conn, f) {
        // Connection 1: after the handshake the server falls silent forever (no heart-beats, no receipts).
        if (conn.id === 1 && f.command === 'SEND') {
          conn.stopHeartbeats();
          return true;
        }
        return false;
      },
    },
  });
  const states: ConnectionState[] = [];
  const p = publisherFor(server, { heartbeatMs: 100, receiptTimeoutMs: 60_000 });
  p.on('state', (s) => states.push(s));
  await sendAll(p, 5);
  await p.close();
  t.deepEqual(keysStored(server), allKeys(5));
  t.deepEqual(states, ['connected', 'reconnecting', 'connected', 'closed']);
  t.true(server.connections[0]!.heartbeatsReceived > 0, 'the client sends heart-beats too');
});

test('connection cut in the middle of a RECEIPT frame: no crash, no loss', async (t) => {
  const server = await fake(t, {
    script: {
      onFrame(conn, f) {
        if (conn.id === 1 && f.command === 'SEND' && conn.received.filter((r) => r.command === 'SEND').length === 4) {
          conn.sendRaw(`RECEIPT\nreceipt-id:${header(f, 'receipt')}`); // no blank line, no NUL
          setTimeout(() => conn.cut(), 20);
          return true;
        }
        return false;
      },
    },
  });
  const p = publisherFor(server);
  await sendAll(p, 20);
  await p.close();
  t.deepEqual(keysStored(server), allKeys(20));
});

test('consumer: a connection cut mid-MESSAGE loses nothing and acks only handled messages', async (t) => {
  let cutDone = false;
  const server = await fake(t, {
    script: {
      onFrame(conn, f) {
        if (!cutDone && f.command === 'ACK' && conn.received.filter((r) => r.command === 'ACK').length === 3) {
          cutDone = true;
          conn.handleNormally(f);
          conn.sendRaw('MESSAGE\ndestination:/queue/in\nmessage-id:partial\nsubscription:x\nack:y\ncontent-length:100\n\nonly part of th');
          conn.cut();
          return true;
        }
        return false;
      },
    },
  });
  for (let i = 0; i < 10; i++) server.enqueue('/queue/in', { [IDEMPOTENCY_HEADER]: `k-${i}` }, `m${i}`);
  const consumer = createConsumer({ brokers: [{ name: 'fake', host: '127.0.0.1', port: server.port }], initialReconnectDelayMs: 20, maxReconnectDelayMs: 200 });
  const seen: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.subscribe({ destination: '/queue/in', prefetch: 2 }, async (m: ReceivedMessage) => {
    seen.push(m.idempotencyKey!);
    if (new Set(seen).size === 10) done();
  });
  await finished;
  await consumer.close();
  t.deepEqual([...new Set(seen)].sort(), allKeys(10));
  t.is(new Set(server.acked).size, server.acked.length, 'no message acked twice');
  t.is(server.acked.length, 10);
});

test('consumer: handler failures are retried, then dead-lettered with the reason, then acked', async (t) => {
  const server = await fake(t);
  server.enqueue('/queue/in', { [IDEMPOTENCY_HEADER]: 'good' }, 'fine');
  server.enqueue('/queue/in', { [IDEMPOTENCY_HEADER]: 'poison', custom: 'kept' }, 'bad body');
  server.enqueue('/queue/in', { [IDEMPOTENCY_HEADER]: 'flaky' }, 'works the 2nd time');
  const consumer = createConsumer({ brokers: [{ name: 'fake', host: '127.0.0.1', port: server.port }] });
  const calls: Record<string, number> = {};
  const handled: string[] = [];
  await consumer.subscribe({ destination: '/queue/in', maxAttempts: 3, retryDelayMs: 5, deadLetterDestination: '/queue/in.dead' }, async (m) => {
    const key = m.idempotencyKey!;
    calls[key] = (calls[key] ?? 0) + 1;
    if (key === 'poison') throw new Error('cannot parse record: line 1');
    if (key === 'flaky' && calls[key] === 1) throw new Error('Nagios pipe busy');
    handled.push(key);
  });
  while (server.acked.length < 3) await new Promise((r) => setTimeout(r, 20));
  await consumer.close();
  t.deepEqual(handled, ['good', 'flaky']);
  t.deepEqual(calls, { good: 1, poison: 3, flaky: 2 });
  const dead = server.stored.filter((m) => m.destination === '/queue/in.dead');
  t.is(dead.length, 1);
  t.is(dead[0]!.body.toString(), 'bad body');
  t.regex(dead[0]!.headers['gridmsg-error']!, /cannot parse record: line 1 \(after 3 attempts\)/);
  t.is(dead[0]!.headers['custom'], 'kept');
  t.is(dead[0]!.headers[IDEMPOTENCY_HEADER], 'poison');
  t.is(dead[0]!.headers['gridmsg-original-destination'], '/queue/in');
  t.is(server.acked.length, 3);
  t.deepEqual(server.nacked, []);
});

test('consumer close() waits for the running handler, acks it, and never acks unhandled messages', async (t) => {
  const server = await fake(t);
  for (let i = 0; i < 5; i++) server.enqueue('/queue/slow', { [IDEMPOTENCY_HEADER]: `k-${i}` }, `m${i}`);
  const consumer = createConsumer({ brokers: [{ name: 'fake', host: '127.0.0.1', port: server.port }] });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const inHandler = new Promise<void>((r) => (started = r));
  const handled: string[] = [];
  await consumer.subscribe({ destination: '/queue/slow', prefetch: 5 }, async (m) => {
    started();
    await gate;
    handled.push(m.idempotencyKey!);
  });
  await inHandler;
  const closing = consumer.close();
  release();
  await closing;
  t.deepEqual(handled, ['k-0']);
  t.deepEqual(server.acked, ['m-1']);
});

test('wrong password (ERROR answering CONNECT) is fatal: sends reject with AuthenticationError, no reconnect loop', async (t) => {
  const server = await fake(t, {
    script: {
      onFrame(conn, f) {
        if (f.command === 'CONNECT') {
          conn.send(frame('ERROR', { message: 'User name [site] or password is invalid.' }));
          conn.cut();
          return true;
        }
        return false;
      },
    },
  });
  process.env['GRIDMSG_TEST_FAKE_PW'] = 'wrong';
  const p = publisherFor(server, { credentials: { username: 'site', passwordEnv: 'GRIDMSG_TEST_FAKE_PW' } });
  const err = await t.throwsAsync(p.send({ body: 'x', idempotencyKey: 'k' }), { instanceOf: AuthenticationError });
  t.regex(err!.describe(), /broker said: User name \[site\] or password is invalid/);
  t.false(err!.describe().includes('wrong'), 'the password is never in a message');
  t.is(p.state, 'closed');
  await t.throwsAsync(p.send({ body: 'y', idempotencyKey: 'k2' }), { instanceOf: AuthenticationError });
  await p.close();
  t.is(server.connections.length, 1);
  const consumer = createConsumer({ brokers: [{ name: 'fake', host: '127.0.0.1', port: server.port }], credentials: { username: 'site', passwordEnv: 'GRIDMSG_TEST_FAKE_PW' } });
  await t.throwsAsync(consumer.subscribe({ destination: '/queue/x' }, async () => {}), { instanceOf: AuthenticationError });
  await consumer.close();
});

test('close() cancels a connection attempt that hangs (a server that never answers CONNECT)', async (t) => {
  const server = await fake(t, { script: { onFrame: (_conn, f) => f.command === 'CONNECT' } });
  const p = publisherFor(server, { connectTimeoutMs: 600_000 });
  const sent = p.send({ body: 'x', idempotencyKey: 'k' });
  while (server.connections.length === 0 || server.connections[0]!.received.length === 0) await new Promise((r) => setTimeout(r, 10));
  await p.close({ abandon: true });
  await t.throwsAsync(sent, { message: /closed before these messages were receipted/ });
  t.is(p.state, 'closed');
});
