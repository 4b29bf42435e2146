import test from 'ava';
import { RawStompClient, receiveN, type Frame } from '../helpers/raw-stomp.js';
import { startExample } from './helpers.js';

/**
 * The example network (active brokers of all three pairs) on this machine:
 * persistent messages published at a site's regional broker arrive at the
 * central consumer on another broker, also while that consumer is stopped,
 * and at the NGI consumer through the hub when its sites fall back to the
 * other regional pair.
 */

const CERN_TOPIC = '/topic/grid.probe.metricOutput.WLCG.site.CERN-PROD';
const CERN_QUEUE = '/queue/Consumer.argo-central.grid.probe.metricOutput.WLCG.site.CERN-PROD';
const QMUL_TOPIC = '/topic/grid.probe.metricOutput.EGI.site.UKI-LT2-QMUL';
const QMUL_NGI_QUEUE = '/queue/Consumer.ngi-uk.grid.probe.metricOutput.EGI.site.UKI-LT2-QMUL';
const QMUL_CENTRAL_QUEUE = '/queue/Consumer.argo-central.grid.probe.metricOutput.EGI.site.UKI-LT2-QMUL';

const bodies = (frames: Frame[]): string[] => frames.map((f) => f.body).sort();
const batch = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

test.serial('messages cross the network to the central consumer and none is lost while it is stopped', async (t) => {
  const net = await startExample(t, { pairs: ['eu-south', 'central', 'eu-north'] });
  const site = await net.connect('south-a', 'CERN-PROD');
  t.teardown(() => site.close());

  // The central consumer reads a first batch as it arrives...
  const consumer1 = await net.connect('central-a', 'argo-central');
  const first = batch('online', 50);
  const reading = receiveN(consumer1, CERN_QUEUE, first.length, 120_000);
  for (const body of first) await site.send(CERN_TOPIC, body, { 'gridmsg-idempotency-key': body });
  t.deepEqual(bodies(await reading), first);
  await consumer1.close();

  // ...is stopped while a second batch is sent (every send receipted by south-a)...
  const offline = batch('offline', 300);
  for (const body of offline) await site.send(CERN_TOPIC, body, { 'gridmsg-idempotency-key': body });

  // ...and gets all of it, once, when it returns.
  const consumer2 = await net.connect('central-a', 'argo-central');
  t.teardown(() => consumer2.close());
  const got = await receiveN(consumer2, CERN_QUEUE, offline.length, 120_000);
  t.deepEqual(bodies(got), offline);
  t.true(got.every((f) => f.headers['persistent'] === 'true'));
  t.true(got.every((f) => f.headers['original-destination'] === CERN_TOPIC));
});

test.serial('a site that falls back to the other regional pair still reaches its NGI consumer, through the hub', async (t) => {
  const net = await startExample(t, { pairs: ['eu-south', 'central', 'eu-north'] });
  // UKI-LT2-QMUL normally publishes at eu-north; here it uses its fallback, eu-south.
  const site = await net.connect('south-a', 'UKI-LT2-QMUL');
  t.teardown(() => site.close());
  const sent = batch('fallback', 40);
  for (const body of sent) await site.send(QMUL_TOPIC, body);

  const ngi = await net.connect('north-a', 'ngi-uk-nagios');
  t.teardown(() => ngi.close());
  t.deepEqual(bodies(await receiveN(ngi, QMUL_NGI_QUEUE, sent.length, 120_000)), sent);
  const central = await net.connect('central-a', 'argo-central');
  t.teardown(() => central.close());
  t.deepEqual(bodies(await receiveN(central, QMUL_CENTRAL_QUEUE, sent.length, 120_000)), sent);

  // Published at its own pair, it reaches the NGI consumer locally and the central one across.
  await ngi.close();
  await central.close();
  const home = await net.connect('north-a', 'UKI-LT2-QMUL');
  t.teardown(() => home.close());
  await home.send(QMUL_TOPIC, 'at-home');
  const again = await RawStompClient.connect({ port: net.broker('north-a').stompPort, login: 'ngi-uk-nagios', passcode: net.password('ngi-uk-nagios') });
  t.teardown(() => again.close());
  t.deepEqual(bodies(await receiveN(again, QMUL_NGI_QUEUE, 1, 120_000)), ['at-home']);
  const central2 = await net.connect('central-a', 'argo-central');
  t.teardown(() => central2.close());
  t.deepEqual(bodies(await receiveN(central2, QMUL_CENTRAL_QUEUE, 1, 120_000)), ['at-home']);
});
