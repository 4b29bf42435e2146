/**
 * The client against a real ActiveMQ: broker down at start, wrong password,
 * STOMP 1.2 header escaping and binary bodies end to end.
 */
import test from 'ava';
import { freePort } from '../../core/ports.js';
import {
  AuthenticationError,
  createConsumer,
  createPublisher,
  type ConnectionState,
  type ReceivedMessage,
} from '../../clients/index.js';
import { plainBrokerXml, startTestBroker } from '../helpers/broker.js';
import { capturingLogger } from './capture-logger.js';

function authBrokerXml(): string {
  return plainBrokerXml('auth').replace(
    '<destinationPolicy>',
    `<plugins>
      <simpleAuthenticationPlugin anonymousAccessAllowed="false">
        <users><authenticationUser username="site" password="right-password" groups="users"/></users>
      </simpleAuthenticationPlugin>
    </plugins>
    <destinationPolicy>`,
  );
}

function collect(n: number): { handler: (m: ReceivedMessage) => Promise<void>; done: Promise<ReceivedMessage[]> } {
  const got: ReceivedMessage[] = [];
  let resolve!: (v: ReceivedMessage[]) => void;
  const done = new Promise<ReceivedMessage[]>((r) => (resolve = r));
  return {
    handler: async (m) => {
      got.push(m);
      if (got.length === n) resolve(got);
    },
    done,
  };
}

test('broker down at start: the publisher waits quietly and delivers when the broker appears', async (t) => {
  const port = await freePort();
  const { logger, lines } = capturingLogger();
  const brokers = [{ name: 'late', host: '127.0.0.1', port }];
  const publisher = createPublisher({ brokers, destination: '/queue/late', logger, initialReconnectDelayMs: 50, maxReconnectDelayMs: 500 });
  const states: ConnectionState[] = [];
  publisher.on('state', (s) => states.push(s));
  const sends = Array.from({ length: 100 }, (_, i) => publisher.send({ body: `late ${i}`, idempotencyKey: `late-${i}` }));
  let settled = false;
  void Promise.all(sends).then(() => (settled = true));
  // Let it fail a few times against the closed port, then start the broker there.
  while (lines.filter((l) => l.message === 'broker not available').length < 3) await new Promise((r) => setTimeout(r, 50));
  t.false(settled, 'nothing counts as delivered before a broker is up');
  const broker = await startTestBroker({ stompPort: port });
  t.teardown(() => broker.stop());
  await Promise.all(sends);
  await publisher.close();
  t.deepEqual(states, ['connected', 'closed']);
  const refused = lines.filter((l) => l.message === 'broker not available');
  t.true(refused.every((l) => l.level === 'debug'), 'refused attempts are debug-level');
  t.true(lines.filter((l) => l.level === 'warn').length <= 1, 'at most one warning while nothing is reachable');
  t.true(lines.some((l) => l.level === 'info' && l.message === 'connected'));

  const consumer = createConsumer({ brokers });
  const c = collect(100);
  await consumer.subscribe({ destination: '/queue/late' }, c.handler);
  const got = await c.done;
  await consumer.close();
  t.deepEqual(got.map((m) => m.idempotencyKey), Array.from({ length: 100 }, (_, i) => `late-${i}`));
});

test('wrong password on a real ActiveMQ: AuthenticationError with the broker text, no reconnect loop; right password works', async (t) => {
  const broker = await startTestBroker({ xml: authBrokerXml() });
  t.teardown(() => broker.stop());
  const brokers = [{ name: 'auth', host: '127.0.0.1', port: broker.stompPort }];
  const { logger, lines } = capturingLogger();
  const states: ConnectionState[] = [];
  const env = process.env;
  env['GRIDMSG_TEST_AUTH_PW'] = 'wrong-password';
  const bad = createPublisher({ brokers, destination: '/queue/auth', logger, credentials: { username: 'site', passwordEnv: 'GRIDMSG_TEST_AUTH_PW' } });
  bad.on('state', (s) => states.push(s));
  const err = await t.throwsAsync(bad.send({ body: 'x', idempotencyKey: 'a-1' }), { instanceOf: AuthenticationError });
  t.log(err!.describe());
  t.regex(err!.context.brokerMessage ?? '', /password is invalid/i);
  t.is(err!.context.broker, `auth (127.0.0.1:${broker.stompPort})`);
  t.false(JSON.stringify(lines).includes('wrong-password'), 'password never logged');
  await bad.close();
  t.deepEqual(states, ['closed']);
  t.is(bad.stats().brokers[0]!.attempts, 1, 'one attempt, not a reconnect loop');

  env['GRIDMSG_TEST_AUTH_PW'] = 'right-password';
  const good = createPublisher({ brokers, destination: '/queue/auth', credentials: { username: 'site', passwordEnv: 'GRIDMSG_TEST_AUTH_PW' } });
  await good.send({ body: 'ok', idempotencyKey: 'a-2' });
  await good.close();
  t.pass();
});

test('STOMP 1.2 escaping, UTF-8, binary and 1 MiB bodies survive a real broker both ways', async (t) => {
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  const brokers = [{ name: 'b', host: '127.0.0.1', port: broker.stompPort }];
  const binary = Buffer.alloc(256 * 3);
  for (let i = 0; i < binary.length; i++) binary[i] = i & 0xff;
  const big = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
  const tricky = {
    'x-colon': 'a:b:c',
    'x-newline': 'line1\nline2\r\nline3',
    'x-backslash': 'C:\\new\\readme \\n not a newline',
    'x-utf8': 'Grüße, 日本, 🙂',
    'x-spaces': '  padded  ',
  };
  const publisher = createPublisher({ brokers, destination: '/queue/escape' });
  await publisher.send({ body: 'Grüße aus Genève 🙂\n\0 with NUL', idempotencyKey: 'e-1', headers: tricky });
  await publisher.send({ body: binary, idempotencyKey: 'e-2' });
  await publisher.send({ body: big, idempotencyKey: 'e-3' });
  await publisher.send({ body: '', idempotencyKey: 'e-4' });
  await publisher.close();
  const consumer = createConsumer({ brokers });
  const c = collect(4);
  await consumer.subscribe({ destination: '/queue/escape' }, c.handler);
  const [m1, m2, m3, m4] = await c.done;
  await consumer.close();
  t.is(m1!.text(), 'Grüße aus Genève 🙂\n\0 with NUL');
  for (const [k, v] of Object.entries(tricky)) t.is(m1!.headers[k], v, k);
  t.true(Buffer.compare(Buffer.from(m2!.body), binary) === 0);
  t.true(Buffer.compare(Buffer.from(m3!.body), big) === 0);
  t.is(m4!.body.length, 0);
  t.is(m1!.broker, `b (127.0.0.1:${broker.stompPort})`);
});

test('virtual topics: the site publishes to the topic, the consumer reads its own queue, also after a restart', async (t) => {
  const xml = plainBrokerXml('vt').replace(
    '<destinationPolicy>',
    `<destinationInterceptors><virtualDestinationInterceptor><virtualDestinations>
      <virtualTopic name="grid.probe.&gt;" prefix="Consumer.*." selectorAware="false"/>
    </virtualDestinations></virtualDestinationInterceptor></destinationInterceptors>
    <destinationPolicy>`,
  );
  const broker = await startTestBroker({ xml });
  t.teardown(() => broker.stop());
  const brokers = [{ name: 'vt', host: '127.0.0.1', port: broker.stompPort }];
  const topic = '/topic/grid.probe.metricOutput.EGI.site.CERN-PROD';
  const queue = '/queue/Consumer.central.grid.probe.metricOutput.EGI.site.CERN-PROD';
  const publisher = createPublisher({ brokers, destination: topic });

  // The consumer queue comes into existence with its first subscription.
  const first = createConsumer({ brokers });
  const c1 = collect(5);
  await first.subscribe({ destination: queue }, c1.handler);
  await Promise.all(Array.from({ length: 5 }, (_, i) => publisher.send({ body: `r${i}`, idempotencyKey: `vt-${i}` })));
  t.deepEqual((await c1.done).map((m) => m.idempotencyKey), ['vt-0', 'vt-1', 'vt-2', 'vt-3', 'vt-4']);
  await first.close();

  // While the consumer is away, its queue keeps what the site publishes.
  await Promise.all(Array.from({ length: 5 }, (_, i) => publisher.send({ body: `r${i + 5}`, idempotencyKey: `vt-${i + 5}` })));
  await publisher.close();
  const again = createConsumer({ brokers });
  const c2 = collect(5);
  await again.subscribe({ destination: queue }, c2.handler);
  const got = await c2.done;
  await again.close();
  t.deepEqual(got.map((m) => m.idempotencyKey), ['vt-5', 'vt-6', 'vt-7', 'vt-8', 'vt-9']);
  t.is(got[0]!.destination, queue);
});
