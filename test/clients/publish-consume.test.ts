import test from 'ava';
import { createConsumer, createPublisher, type ReceivedMessage } from '../../clients/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

let broker: TestBroker;

test.before(async () => {
  broker = await startTestBroker();
});
test.after.always(async () => {
  await broker?.stop();
});

const brokersOf = (b: TestBroker) => [{ name: 'test', host: '127.0.0.1', port: b.stompPort }];

test('publisher sends with receipts and a consumer receives every message, acking them', async (t) => {
  const destination = '/queue/test.basic';
  const publisher = createPublisher({ brokers: brokersOf(broker), destination, receiptWindow: 32 });
  const states: string[] = [];
  publisher.on('state', (s) => states.push(s));
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 1000; i++) {
    await publisher.ready();
    sends.push(publisher.send({ body: `message ${i}`, idempotencyKey: `k-${i}`, headers: { seq: String(i) } }));
  }
  await Promise.all(sends);
  const stats = publisher.stats();
  t.is(stats.receipted, 1000);
  t.is(stats.resent, 0);
  t.is(stats.brokers[0]!.messages, 1000);
  await publisher.close();
  t.deepEqual(states, ['connected', 'closed']);

  const consumer = createConsumer({ brokers: brokersOf(broker) });
  const got: ReceivedMessage[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  await consumer.subscribe({ destination, prefetch: 50 }, async (m) => {
    got.push(m);
    if (got.length === 1000) done();
  });
  await all;
  await consumer.close();
  t.deepEqual(
    got.map((m) => m.idempotencyKey),
    Array.from({ length: 1000 }, (_, i) => `k-${i}`),
  );
  t.is(got[7]!.text(), 'message 7');
  t.is(got[7]!.headers['seq'], '7');
  t.is(got[7]!.headers['persistent'], 'true');

  // Everything was acked: a new consumer gets nothing, and a probe message arrives first.
  const probe = createPublisher({ brokers: brokersOf(broker), destination });
  await probe.send({ body: 'probe', idempotencyKey: 'probe' });
  await probe.close();
  const consumer2 = createConsumer({ brokers: brokersOf(broker) });
  const first = await new Promise<ReceivedMessage>((resolve) => void consumer2.subscribe({ destination }, async (m) => resolve(m)));
  await consumer2.close();
  t.is(first.idempotencyKey, 'probe');
});

test('real broker: a failing handler is retried, then dead-lettered (reason header) and acked; without a dead-letter destination it is NACKed to ActiveMQ.DLQ', async (t) => {
  const destination = '/queue/test.poison';
  const publisher = createPublisher({ brokers: brokersOf(broker), destination });
  await publisher.send({ body: 'poison one', idempotencyKey: 'p-1', headers: { site: 'X' } });
  await publisher.send({ body: 'fine', idempotencyKey: 'p-2' });
  await publisher.send({ body: 'poison two', idempotencyKey: 'p-3' });
  await publisher.close();

  const calls = new Map<string, number>();
  let fineSeen!: () => void;
  const fine = new Promise<void>((r) => (fineSeen = r));
  const consumer = createConsumer({ brokers: brokersOf(broker) });
  await consumer.subscribe({ destination, maxAttempts: 2, retryDelayMs: 10, deadLetterDestination: '/queue/test.poison.dead' }, async (m) => {
    calls.set(m.idempotencyKey!, (calls.get(m.idempotencyKey!) ?? 0) + 1);
    if (m.text().startsWith('poison')) throw new Error(`bad record ${m.idempotencyKey}`);
    if (m.idempotencyKey === 'p-2') fineSeen();
  });
  await fine;
  const reader = createConsumer({ brokers: brokersOf(broker) });
  const dead: ReceivedMessage[] = [];
  let twoDead!: () => void;
  const bothDead = new Promise<void>((r) => (twoDead = r));
  await reader.subscribe({ destination: '/queue/test.poison.dead' }, async (m) => {
    dead.push(m);
    if (dead.length === 2) twoDead();
  });
  await bothDead;
  await consumer.close();
  await reader.close();
  t.deepEqual(Object.fromEntries(calls), { 'p-1': 2, 'p-2': 1, 'p-3': 2 });
  t.deepEqual(dead.map((m) => [m.idempotencyKey, m.text(), m.headers['gridmsg-error']]), [
    ['p-1', 'poison one', 'bad record p-1 (after 2 attempts)'],
    ['p-3', 'poison two', 'bad record p-3 (after 2 attempts)'],
  ]);
  t.is(dead[0]!.headers['site'], 'X');

  // Without a dead-letter destination: NACK, and ActiveMQ moves it to its DLQ.
  const p2 = createPublisher({ brokers: brokersOf(broker), destination: '/queue/test.nack' });
  await p2.send({ body: 'poison three', idempotencyKey: 'p-4' });
  await p2.close();
  const nacker = createConsumer({ brokers: brokersOf(broker) });
  let attempts = 0;
  await nacker.subscribe({ destination: '/queue/test.nack', maxAttempts: 1 }, async () => {
    attempts++;
    throw new Error('no');
  });
  const dlq = createConsumer({ brokers: brokersOf(broker) });
  const fromDlq = await new Promise<ReceivedMessage>((resolve) => void dlq.subscribe({ destination: '/queue/ActiveMQ.DLQ' }, async (m) => resolve(m)));
  await nacker.close();
  await dlq.close();
  t.is(attempts, 1);
  t.is(fromDlq.idempotencyKey, 'p-4');
});
