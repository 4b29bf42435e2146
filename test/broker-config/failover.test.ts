import test from 'ava';
import { portOpen } from '../../core/ports.js';
import { RawStompClient, type Frame } from '../helpers/raw-stomp.js';
import { startExample } from './helpers.js';

/**
 * Failover pair: the central pair's two brokers share one KahaDB store.
 * Messages are stored at the active broker (sent there directly and
 * forwarded from eu-south), the active broker is killed with SIGKILL, the
 * standby takes the lock and opens its connectors, and every stored message
 * is delivered from it; eu-south's bridge reconnects to it too.
 */

const CERN_TOPIC = '/topic/grid.probe.metricOutput.WLCG.site.CERN-PROD';
const CERN_QUEUE = '/queue/Consumer.argo-central.grid.probe.metricOutput.WLCG.site.CERN-PROD';
const batch = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

/** Counts the messages in a queue without consuming them (ActiveMQ queue browser). */
async function browseCount(client: RawStompClient, queue: string): Promise<number> {
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  await client.subscribe(queue, (f: Frame) => {
    if (f.headers['browser'] === 'end') done();
    else seen++;
  }, { browser: 'true', ack: 'auto' });
  await finished;
  return seen;
}

test.serial('kill -9 of the active broker of a pair: the standby takes over and delivers every stored message', async (t) => {
  const net = await startExample(t, { pairs: ['central', 'eu-south'], standbys: true });
  t.is(net.broker('central-a').role, 'active');
  t.is(net.broker('central-b').role, 'standby');
  t.false(await portOpen('127.0.0.1', net.broker('central-b').stompPort));

  // Stored at central-a directly: CERN-PROD falls back to the central pair.
  const direct = batch('direct', 200);
  const atCentral = await net.connect('central-a', 'CERN-PROD');
  for (const body of direct) await atCentral.send(CERN_TOPIC, body);
  await atCentral.close();
  // Forwarded from eu-south by the network bridge.
  const forwarded = batch('forwarded', 200);
  const atSouth = await net.connect('south-a', 'CERN-PROD');
  t.teardown(() => atSouth.close());
  for (const body of forwarded) await atSouth.send(CERN_TOPIC, body);

  // Wait until central-a stores all 400 (browsing consumes nothing).
  const browser = await net.connect('central-a', 'argo-central');
  let stored = 0;
  for (let i = 0; i < 240 && stored < 400; i++) {
    stored = await browseCount(browser, CERN_QUEUE);
    if (stored < 400) await new Promise((r) => setTimeout(r, 250));
  }
  browser.abort();
  t.is(stored, 400, 'central-a did not store every message before the kill');

  await net.broker('central-a').process.kill9();
  t.false(net.broker('central-a').process.alive());

  // The standby acquires the lock and accepts the consumer.
  let consumer: RawStompClient | undefined;
  for (let i = 0; i < 240 && !consumer; i++) {
    consumer = await net.connect('central-b', 'argo-central').catch(() => undefined);
    if (!consumer) await new Promise((r) => setTimeout(r, 250));
  }
  t.truthy(consumer, 'central-b never took over');
  t.teardown(() => consumer?.close());

  // Sent after the failover: eu-south's bridge finds central-b (masterslave: URI).
  const after = batch('after', 50);
  for (const body of after) await atSouth.send(CERN_TOPIC, body);

  // Nothing lost. (A bridge ack in flight at the kill may resend one: consumers drop duplicates by idempotency key.)
  const expected = [...direct, ...forwarded, ...after].sort();
  const got = new Set<string>();
  let frames = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  await consumer!.subscribe(CERN_QUEUE, (f) => {
    frames++;
    got.add(f.body);
    consumer!.ack(f);
    if (got.size === expected.length) done();
  });
  const timeout = setTimeout(done, 180_000);
  await all;
  clearTimeout(timeout);
  t.deepEqual([...got].sort(), expected);
  t.log(`${frames} frames for ${expected.length} messages`);
});
