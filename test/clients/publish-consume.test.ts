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
