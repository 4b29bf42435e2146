import test from 'ava';
import { RawStompClient, StompError } from '../helpers/raw-stomp.js';
import { startExample } from './helpers.js';

/**
 * Authentication and authorization of the generated brokers, seen with
 * receipt-requested frames (without a receipt ActiveMQ refuses silently).
 */

const topic = (tenant: string, site: string): string => `/topic/grid.probe.metricOutput.${tenant}.site.${site}`;

test.serial('who may write and read what, on a real broker of the example network', async (t) => {
  const net = await startExample(t, { pairs: ['eu-south'] });

  const cern = await net.connect('south-a', 'CERN-PROD');
  t.teardown(() => cern.close());
  // Its own destination: stored (receipt).
  await t.notThrowsAsync(cern.send(topic('WLCG', 'CERN-PROD'), 'mine'));
  // Site B's destination: refused, and the broker says why.
  const refused = await t.throwsAsync(cern.send(topic('EGI', 'pic'), 'not mine'), { instanceOf: StompError });
  t.regex(refused.message, /User CERN-PROD is not authorized to write to: topic:\/\/grid\.probe\.metricOutput\.EGI\.site\.pic/);

  // A site reads no consumer queue, not even the one holding its own results.
  const site = await net.connect('south-a', 'egee.srce.hr');
  t.teardown(() => site.close());
  const read = await t.throwsAsync(site.subscribe('/queue/Consumer.argo-central.grid.probe.metricOutput.EGI.site.egee_srce_hr', () => undefined), {
    instanceOf: StompError,
  });
  t.regex(read.message, /not authorized to read/);
  // Nor another site's topic.
  await t.throwsAsync(site.subscribe(topic('WLCG', 'CERN-PROD'), () => undefined), { message: /not authorized to read/ });

  // The network user forwards queues but writes no site destination.
  const bridge = await net.connect('south-a', 'gridmsg-network');
  t.teardown(() => bridge.close());
  await t.throwsAsync(bridge.send(topic('WLCG', 'CERN-PROD'), 'forged'), { message: /not authorized to write/ });
});

test.serial('consumers read only their own queues and write no site destination', async (t) => {
  const net = await startExample(t, { pairs: ['central'] });
  const argo = await net.connect('central-a', 'argo-central');
  t.teardown(() => argo.close());
  await t.notThrowsAsync(argo.subscribe('/queue/Consumer.argo-central.grid.probe.metricOutput.EGI.site.pic', () => undefined));
  await t.throwsAsync(argo.subscribe('/queue/Consumer.ngi-uk.grid.probe.metricOutput.EGI.site.UKI-LT2-QMUL', () => undefined), {
    message: /User argo-central is not authorized to read/,
  });
  await t.throwsAsync(argo.send(topic('WLCG', 'CERN-PROD'), 'forged'), { message: /not authorized to write/ });
  // Its error queue is its own.
  await t.notThrowsAsync(argo.send('/queue/grid.probe.errors.argo-central', 'rejected message'));
});

test.serial('logins: wrong password, no login and users of other pairs are refused', async (t) => {
  const net = await startExample(t, { pairs: ['eu-south'] });
  const port = net.broker('south-a').stompPort;
  await t.throwsAsync(RawStompClient.connect({ port, login: 'CERN-PROD', passcode: 'wrong' }), { message: /User name \[CERN-PROD\] or password is invalid/ });
  await t.throwsAsync(RawStompClient.connect({ port }), { message: /connect refused/ });
  // SARA-MATRIX publishes only at eu-north (no fallback): it has no account on eu-south.
  await t.throwsAsync(RawStompClient.connect({ port, login: 'SARA-MATRIX', passcode: net.password('SARA-MATRIX') }), { message: /invalid/ });
  // UKI-LT2-QMUL falls back to eu-south: it may log in there.
  const qmul = await net.connect('south-a', 'UKI-LT2-QMUL');
  await t.notThrowsAsync(qmul.send(topic('EGI', 'UKI-LT2-QMUL'), 'from the fallback pair'));
  await qmul.close();
});

test.serial('a STOMP frame over the registry maxFrameSize is refused', async (t) => {
  const net = await startExample(t, { pairs: ['eu-south'] });
  const limit = net.net.registry.brokers.find((b) => b.name === 'south-a')!.limits.maxFrameSizeBytes;
  const cern = await net.connect('south-a', 'CERN-PROD');
  t.teardown(() => cern.close());
  const tooBig = await t.throwsAsync(cern.send(topic('WLCG', 'CERN-PROD'), 'x'.repeat(limit + 1024)));
  // ActiveMQ drops the connection of a client that sends an oversized frame: no receipt, ever.
  t.regex(tooBig.message, /ECONNRESET|closed|maximum|exceed/i);
  // Below the limit is fine (on a new connection: the broker drops the one that sent too much).
  const again = await net.connect('south-a', 'CERN-PROD');
  t.teardown(() => again.close());
  await t.notThrowsAsync(again.send(topic('WLCG', 'CERN-PROD'), 'y'.repeat(limit - 4096)));
});
