/**
 * The ActiveMQ TLS recipe of security/broker-tls.ts against a real broker:
 * stomp+ssl with client certificates required, JAAS certificate login
 * mapping DNs to users and groups, per-site authorization.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { clientTls, createTestPki, startTlsTestBroker, type TestPki, type TlsTestBroker } from '../helpers/pki.js';
import { connectStompTls, StompTlsError } from './stomp-tls.js';
import type { IssuedIdentity } from '../../security/pki.js';
import { readPasswordFile } from '../../security/pki.js';
import { certificateUsersProperties } from '../../security/broker-tls.js';

const DEST_A = '/topic/grid.probe.metricOutput.EGI.site.SITE-A';
const DEST_B = '/topic/grid.probe.metricOutput.EGI.site.SITE-B';
const DN_A = '/DC=ch/DC=cern/OU=computers/CN=nagios.cern.ch';
// A DN with characters Java quotes (comma, double space) so that the Java form of DNs is exercised.
const DN_B = '/C=UK/O=eScience, Inc./OU=QMUL/CN=nagios  qmul.ac.uk';

interface World {
  pki: TestPki;
  otherPki: TestPki;
  broker: TlsTestBroker;
  siteA: IssuedIdentity;
  siteB: IssuedIdentity;
  central: IssuedIdentity;
  brokerId: IssuedIdentity;
}

let world: World | undefined;
const cleanups: Array<() => void | Promise<void>> = [];

test.before(async () => {
  const pki = await createTestPki();
  cleanups.push(pki.cleanup);
  const otherPki = await createTestPki({ dn: '/DC=org/DC=elsewhere/CN=Some Other CA' });
  cleanups.push(otherPki.cleanup);
  const brokerId = await pki.issue('broker', 'tls-test');
  const siteA = await pki.issue('site', 'SITE-A', { dn: DN_A });
  const siteB = await pki.issue('site', 'SITE-B', { dn: DN_B, keyType: 'rsa' });
  const central = await pki.issue('consumer', 'central');
  const broker = await startTlsTestBroker({
    broker: brokerId,
    users: [
      { user: 'SITE-A', dn: siteA.dn, groups: ['site.SITE-A', 'sites'] },
      { user: 'SITE-B', dn: siteB.dn, groups: ['site.SITE-B', 'sites'] },
      { user: 'central', dn: central.dn, groups: ['consumers'] },
    ],
    authorization: [
      { kind: 'topic', destination: 'grid.probe.>', read: ['consumers'], admin: ['consumers'] },
      { kind: 'topic', destination: 'grid.probe.metricOutput.EGI.site.SITE-A', write: ['site.SITE-A'], admin: ['site.SITE-A'] },
      { kind: 'topic', destination: 'grid.probe.metricOutput.EGI.site.SITE-B', write: ['site.SITE-B'], admin: ['site.SITE-B'] },
    ],
  });
  cleanups.unshift(() => broker.stop());
  world = { pki, otherPki, broker, siteA, siteB, central, brokerId };
});

test.after.always(async () => {
  for (const c of cleanups) await c();
});

function w(): World {
  if (!world) throw new Error('test world not set up');
  return world;
}

async function refusal(promise: Promise<unknown>): Promise<StompTlsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof StompTlsError)) throw new Error(`expected a refusal, got ${err === undefined ? 'success' : String(err)}`);
  return err;
}

test.serial('a site with its certificate connects over stomp+ssl, publishes with a receipt, and the consumer receives it', async (t) => {
  const { broker, siteA, central } = w();
  const consumer = await connectStompTls({ port: broker.stompSslPort, ...clientTls(central) });
  t.teardown(() => consumer.close());
  await consumer.subscribe('/topic/grid.probe.>', 'sub-1');
  const site = await connectStompTls({ port: broker.stompSslPort, ...clientTls(siteA) });
  t.teardown(() => site.close());
  t.regex(site.brokerSubject, /tls-test/);
  const receipt = await site.send(DEST_A, 'hello over TLS', { persistent: 'true' });
  t.is(receipt.command, 'RECEIPT');
  const msg = await consumer.nextMessage();
  t.is(msg.body, 'hello over TLS');
  t.is(msg.headers['destination'], DEST_A);
});

test.serial('a site whose DN Java quotes (comma, double space) and RSA key is mapped and may publish', async (t) => {
  const { broker, siteB } = w();
  const site = await connectStompTls({ port: broker.stompSslPort, ...clientTls(siteB) });
  t.teardown(() => site.close());
  const receipt = await site.send(DEST_B, 'from B');
  t.is(receipt.command, 'RECEIPT');
});

test.serial('a client without a certificate is refused in the TLS handshake', async (t) => {
  const { broker, siteA } = w();
  const err = await refusal(connectStompTls({ port: broker.stompSslPort, ca: clientTls(siteA).ca }));
  t.is(err.kind, 'tls');
  t.regex(err.message, /^CLIENT_CERT_REQUIRED: the broker requires a client certificate and none is configured/);
  t.log(err.message, err.code);
});

test.serial('a certificate from another CA is refused, even with the right DN', async (t) => {
  const { broker, otherPki, siteA } = w();
  const impostor = await otherPki.issue('site', 'SITE-A', { dn: DN_A });
  const err = await refusal(connectStompTls({ port: broker.stompSslPort, ...clientTls(impostor), ca: clientTls(siteA).ca }));
  t.is(err.kind, 'tls');
  t.regex(err.message, /^CLIENT_CERT_UNTRUSTED: .*does not trust its issuer "\/DC=org\/DC=elsewhere\/CN=Some Other CA"/);
  t.log(err.message, err.code);
});

test.serial('an expired certificate is refused, even with a mapped DN', async (t) => {
  const { broker, pki } = w();
  const expired = await pki.issue('site', 'SITE-A-expired', { dn: DN_A, expired: true });
  const err = await refusal(connectStompTls({ port: broker.stompSslPort, ...clientTls(expired) }));
  t.is(err.kind, 'tls');
  t.regex(err.message, /^CLIENT_CERT_EXPIRED: .*nagios\.cern\.ch": it expired at /);
  t.log(err.message, err.code);
});

test.serial('a valid certificate whose DN the broker does not know is refused at CONNECT, naming the DN', async (t) => {
  const { broker, pki } = w();
  const stranger = await pki.issue('site', 'STRANGER');
  const err = await refusal(connectStompTls({ port: broker.stompSslPort, ...clientTls(stranger) }));
  t.is(err.kind, 'error-frame');
  t.regex(err.message + (err.frame?.body ?? ''), /STRANGER/);
  t.log(err.message, err.code);
});

test.serial('a DN added to cert-users.properties while the broker runs is accepted without a restart (reload=true)', async (t) => {
  const { broker, pki } = w();
  const late = await pki.issue('site', 'LATECOMER');
  const refused = await refusal(connectStompTls({ port: broker.stompSslPort, ...clientTls(late) }));
  t.is(refused.kind, 'error-frame');
  const usersFile = path.join(broker.confDir, 'cert-users.properties');
  const users = fs.readFileSync(usersFile, 'utf8');
  fs.writeFileSync(usersFile, users + certificateUsersProperties([{ user: 'LATECOMER', dn: late.dn, groups: [] }]).split('\n').slice(1).join('\n'));
  // ActiveMQ compares the file's modification time with its last load: make sure it moved on.
  const future = new Date(Date.now() + 2000);
  fs.utimesSync(usersFile, future, future);
  const session = await connectStompTls({ port: broker.stompSslPort, ...clientTls(late) });
  t.teardown(() => session.close());
  t.pass();
});

test.serial("site A's certificate cannot write to site B's destination: the receipt-requested send gets an ERROR", async (t) => {
  const { broker, siteA } = w();
  const site = await connectStompTls({ port: broker.stompSslPort, ...clientTls(siteA) });
  t.teardown(() => site.close());
  const err = await refusal(site.send(DEST_B, 'spoofed'));
  t.is(err.kind, 'error-frame');
  t.regex(err.message, /not authorized to write to: topic:\/\/grid\.probe\.metricOutput\.EGI\.site\.SITE-B/);
  t.regex(err.message, /CN=nagios\.cern\.ch/); // the broker names the user by its certificate DN
});

test.serial('a site cannot read the results topic (only consumers may)', async (t) => {
  const { broker, siteA } = w();
  const site = await connectStompTls({ port: broker.stompSslPort, ...clientTls(siteA) });
  t.teardown(() => site.close());
  const err = await refusal(site.subscribe(DEST_B, 'peek'));
  t.is(err.kind, 'error-frame');
  t.regex(err.message, /not authorized to read/);
});

test.serial('no keystore password appears in the broker configuration or log; the secrets file is 0600', (t) => {
  const { broker, brokerId } = w();
  const secrets = [readPasswordFile(brokerId.paths.keystorePassword), readPasswordFile(brokerId.paths.truststorePassword)];
  const xml = fs.readFileSync(path.join(broker.confDir, 'activemq.xml'), 'utf8');
  const log = fs.readFileSync(path.join(broker.dir, 'broker.log'), 'utf8');
  for (const s of secrets) {
    t.false(xml.includes(s), 'password in activemq.xml');
    t.false(log.includes(s), 'password in broker.log');
  }
  const secretsFile = path.join(broker.confDir, 'tls-secrets.properties');
  t.true(fs.readFileSync(secretsFile, 'utf8').includes(secrets[0]!));
  t.is(fs.statSync(secretsFile).mode & 0o777, 0o600);
});
