/**
 * Failover: 20,000 messages published to a pair of real ActiveMQ brokers
 * sharing one KahaDB; the active one is killed -9 mid-stream and its partner
 * takes over. A consumer, running all along, must see all 20,000 keys.
 * Publisher duplicates (same key, different broker message-ids) may only be
 * messages that were unreceipted at the kill; consumer-side redeliveries
 * (same message-id again, acks lost with the broker) are counted separately.
 */
import test from 'ava';
import { createConsumer, createPublisher, type ConnectionState } from '../../clients/index.js';
import { startBrokerPair } from '../helpers/broker-pair.js';
import { capturingLogger } from './capture-logger.js';

const TOTAL = 20_000;
const KILL_AT = 7_000;
const WINDOW = 128;

test('20,000 messages survive kill -9 of the active broker of a pair', async (t) => {
  const pair = await startBrokerPair();
  t.teardown(() => pair.stop());
  const destination = '/queue/failover.test';
  const reconnect = { initialReconnectDelayMs: 100, maxReconnectDelayMs: 1000, heartbeatMs: 2000 };

  // Consumer: every delivery, by key and by broker message-id.
  const byKey = new Map<string, Set<string>>();
  let deliveries = 0;
  let allSeen!: () => void;
  const seenAll = new Promise<void>((r) => (allSeen = r));
  const consumer = createConsumer({ brokers: pair.failoverUri, ...reconnect });
  const consumerStates: ConnectionState[] = [];
  consumer.on('state', (s) => consumerStates.push(s));
  await consumer.subscribe({ destination, prefetch: 200 }, async (m) => {
    deliveries++;
    const key = m.idempotencyKey!;
    const ids = byKey.get(key) ?? new Set<string>();
    ids.add(m.headers['message-id']!);
    byKey.set(key, ids);
    if (byKey.size === TOTAL) allSeen();
  });

  const { logger, lines } = capturingLogger();
  const publisher = createPublisher({ brokers: pair.endpoints, destination, receiptWindow: WINDOW, logger, ...reconnect });
  const publisherStates: ConnectionState[] = [];
  publisher.on('state', (s, broker) => publisherStates.push(`${s}${broker ? ` ${broker}` : ''}` as ConnectionState));
  const receipted = new Set<number>();
  let unreceiptedAtKill: Set<string> | undefined;
  let killed: Promise<void> | undefined;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < TOTAL; i++) {
    await publisher.ready();
    sends.push(
      publisher.send({ body: `result ${i}`, idempotencyKey: `fo-${i}` }).then(() => {
        receipted.add(i);
        if (receipted.size === KILL_AT && killed === undefined) {
          unreceiptedAtKill = new Set(Array.from({ length: TOTAL }, (_, j) => j).filter((j) => !receipted.has(j)).map((j) => `fo-${j}`));
          killed = pair.kill9(pair.a);
        }
      }),
    );
  }
  await Promise.all(sends);
  await killed;
  const stats = publisher.stats();
  await publisher.close();
  await seenAll;
  await consumer.close();

  const publisherDuplicates = [...byKey].filter(([, ids]) => ids.size > 1).map(([k]) => k);
  const redeliveries = deliveries - [...byKey.values()].reduce((n, ids) => n + ids.size, 0);
  t.log(`publisher resent ${stats.resent}, duplicates at the consumer: ${publisherDuplicates.length}, consumer redeliveries: ${redeliveries}`);
  t.log(`publisher brokers: ${JSON.stringify(stats.brokers)}`);
  t.log(`publisher states: ${publisherStates.join(' -> ')}; consumer states: ${consumerStates.join(' -> ')}`);

  t.is(byKey.size, TOTAL, 'every idempotency key arrived');
  t.is(stats.receipted, TOTAL);
  t.true(unreceiptedAtKill !== undefined);
  t.true(publisherDuplicates.every((k) => unreceiptedAtKill!.has(k)), 'duplicates only among messages unreceipted at the kill');
  t.true(publisherDuplicates.length <= stats.resent);
  t.true(stats.resent <= WINDOW, 'at most one window of messages was in flight, hence resent');
  t.is(stats.brokers[0]!.connects, 1);
  t.is(stats.brokers[1]!.connects, 1);
  t.true(stats.brokers[1]!.messages > 0, 'the partner took over the stream');
  // The standby refusing connections until it took over is normal: debug lines, no error storm.
  const refusals = lines.filter((l) => l.message === 'broker not available');
  t.true(refusals.length > 0 && refusals.every((l) => l.level === 'debug'));
  t.deepEqual(lines.filter((l) => l.level === 'error'), []);
  t.true(lines.filter((l) => l.level === 'warn').length <= 2, JSON.stringify(lines.filter((l) => l.level === 'warn')));
  t.true(publisherStates.includes('reconnecting pair-a (127.0.0.1:' + pair.a.stompPort + ')' as ConnectionState));
});
