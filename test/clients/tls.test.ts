/**
 * stomp+ssl against a real ActiveMQ requiring client certificates (the
 * security/ recipe): CA check, client certificate, server name check, and
 * clear fatal errors when certificates are wrong (instead of a reconnect loop).
 */
import test from 'ava';
import { BrokerError, TlsError, createConsumer, createPublisher, type BrokerEndpoint, type ReceivedMessage, type TlsSettings } from '../../clients/index.js';
import type { IssuedIdentity } from '../../security/pki.js';
import { createTestPki, startTlsTestBroker, type TestPki, type TlsTestBroker } from '../helpers/pki.js';

let pki: TestPki;
let otherPki: TestPki;
let broker: TlsTestBroker;
let site: IssuedIdentity;
let central: IssuedIdentity;

test.before(async () => {
  pki = await createTestPki();
  otherPki = await createTestPki({ dn: '/DC=org/DC=elsewhere/CN=Other CA' });
  const brokerId = await pki.issue('broker', 'tls-clients');
  site = await pki.issue('site', 'SITE-T');
  central = await pki.issue('consumer', 'central');
  broker = await startTlsTestBroker({
    broker: brokerId,
    users: [
      { user: 'SITE-T', dn: site.dn, groups: ['sites'] },
      { user: 'central', dn: central.dn, groups: ['consumers'] },
    ],
    authorization: [
      { kind: 'queue', destination: 'tls.results', write: ['sites'], read: ['consumers'], admin: ['sites', 'consumers'] },
      { kind: 'queue', destination: 'tls.private', read: ['consumers'], write: ['consumers'], admin: ['consumers'] },
    ],
  });
});
test.after.always(async () => {
  await broker?.stop();
  pki?.cleanup();
  otherPki?.cleanup();
});

function endpoint(tls: TlsSettings, host = 'localhost'): BrokerEndpoint[] {
  return [{ name: 'tls', host, port: broker.stompSslPort, tls }];
}

const identityTls = (id: IssuedIdentity): TlsSettings => ({ caFile: id.paths.ca, certFile: id.paths.cert, keyFile: id.paths.key });

test.serial('a site publishes over stomp+ssl with its certificate; the consumer receives it', async (t) => {
  const publisher = createPublisher({ brokers: endpoint(identityTls(site)), destination: '/queue/tls.results' });
  await publisher.send({ body: 'over TLS', idempotencyKey: 'tls-1' });
  await publisher.close();
  const consumer = createConsumer({ brokers: endpoint(identityTls(central), '127.0.0.1') });
  const got = await new Promise<ReceivedMessage>((resolve) => void consumer.subscribe({ destination: '/queue/tls.results' }, async (m) => resolve(m)));
  await consumer.close();
  t.is(got.text(), 'over TLS');
});

test.serial('a SEND the broker does not authorize rejects with BrokerError naming the destination', async (t) => {
  const publisher = createPublisher({ brokers: endpoint(identityTls(site)), destination: '/queue/tls.private' });
  const err = await t.throwsAsync(publisher.send({ body: 'x', idempotencyKey: 'tls-denied' }), { instanceOf: BrokerError });
  t.log(err!.describe());
  t.is(err!.context.destination, '/queue/tls.private');
  t.regex(err!.context.brokerMessage ?? '', /not authorized/i);
  await publisher.close({ abandon: true });
});

test.serial('a SUBSCRIBE the broker does not authorize rejects subscribe() with the broker text', async (t) => {
  const consumer = createConsumer({ brokers: endpoint(identityTls(site)) });
  const err = await t.throwsAsync(consumer.subscribe({ destination: '/queue/tls.private' }, async () => {}), { instanceOf: BrokerError });
  t.log(err!.describe());
  t.regex(err!.context.brokerMessage ?? '', /not authorized to read/i);
  t.is(err!.context.destination, '/queue/tls.private');
  await consumer.close();
});

const refusals: Array<[string, () => TlsSettings, string, RegExp]> = [
  ['broker certificate from a CA not in caFile', () => ({ ...identityTls(site), caFile: otherPki.caFile }), 'BROKER_CERT_UNTRUSTED', /not in caFile/],
  ['server name mismatch', () => ({ ...identityTls(site), serverName: 'not-the-broker.example.org' }), 'BROKER_NAME_MISMATCH', /does not name the host/],
  ['no client certificate', () => ({ caFile: site.paths.ca }), 'CLIENT_CERT_REQUIRED', /requires a client certificate/],
];

for (const [name, settings, code, message] of refusals) {
  test.serial(`TLS refusal (${name}) is a clear fatal TlsError, not a reconnect loop`, async (t) => {
    const publisher = createPublisher({ brokers: endpoint(settings()), destination: '/queue/tls.results', initialReconnectDelayMs: 10 });
    const err = await t.throwsAsync(publisher.send({ body: 'x', idempotencyKey: 'never' }), { instanceOf: TlsError });
    t.is(err!.code, code, err!.describe());
    t.regex(err!.message, message);
    t.is(publisher.state, 'closed');
    t.is(publisher.stats().brokers[0]!.attempts, 1);
    await publisher.close();
  });
}
