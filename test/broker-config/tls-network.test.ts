/**
 * The example registry as generated (TLS by default) on real ActiveMQ: the
 * eu-south and central pairs (active brokers) localized by `dev up`'s code
 * with a development PKI carrying the registry's DNs. A site publishes over
 * stomp+ssl with its certificate through the client layer, and its results
 * reach the central consumer across the ssl network bridge. Wrong
 * certificates and wrong destinations are refused with a clear error at the
 * client.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {
  AuthenticationError,
  BrokerError,
  TlsError,
  createConsumer,
  createPublisher,
  loadClientConfig,
  type BrokerEndpoint,
  type ConsumerClientConfig,
  type ReceivedMessage,
  type SiteClientConfig,
  type TlsSettings,
} from '../../clients/index.js';
import { ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { prepareLocalNetwork, startLocalNetwork, type LocalNetwork, type StartedBroker } from '../../broker-config/index.js';
import { issueIdentity } from '../../security/pki.js';
import { identityPaths } from '../../security/pki-layout.js';
import { loadRegistry } from '../../topology/index.js';
import { createTestPki, type TestPki } from '../helpers/pki.js';
import { tempDir } from '../helpers/tmp.js';
import { connectStompTls, StompTlsError } from '../security/stomp-tls.js';
import { EXAMPLE, runCli } from './helpers.js';

const CERN_DN = '/DC=ch/DC=cern/OU=computers/CN=nagios.cern.ch';
const CERN_TOPIC = '/topic/grid.probe.metricOutput.WLCG.site.CERN-PROD';
const PIC_TOPIC = '/topic/grid.probe.metricOutput.EGI.site.pic';
const CERN_QUEUE = '/queue/Consumer.argo-central.grid.probe.metricOutput.WLCG.site.CERN-PROD';

let tmp: { dir: string; cleanup: () => void };
let net: LocalNetwork;
let brokers: StartedBroker[] = [];
let otherPki: TestPki;

test.before(async () => {
  tmp = tempDir('gridmsg-tls-net-');
  net = await prepareLocalNetwork(loadRegistry(EXAMPLE), tmp.dir);
  brokers = await startLocalNetwork(net, { logger: silentLogger(), pairs: ['eu-south', 'central'], standbys: false });
  otherPki = await createTestPki({ dn: '/DC=org/DC=elsewhere/CN=Some Other CA' });
});

test.after.always(async () => {
  await Promise.all(brokers.map((b) => b.process.stop(20_000)));
  otherPki?.cleanup();
  tmp?.cleanup();
});

const siteConfig = (site: string): SiteClientConfig => loadClientConfig(path.join(net.stateDir, 'sites', `${site}.yaml`)) as SiteClientConfig;
const consumerConfig = (name: string): ConsumerClientConfig => loadClientConfig(path.join(net.stateDir, 'consumers', `${name}.yaml`)) as ConsumerClientConfig;
/** The site's first endpoint (south-a) alone, with other TLS settings: a refusal there is the whole answer. */
const southA = (tls: TlsSettings): BrokerEndpoint[] => {
  const first = siteConfig('CERN-PROD').brokers[0]!;
  return [{ name: first.name, host: first.host, port: first.port, tls }];
};

test.serial('generated client configs are TLS: every endpoint stomp+ssl with the dev PKI files, signing on, no password', (t) => {
  const cern = siteConfig('CERN-PROD');
  t.deepEqual(cern.brokers.map((b) => b.name), ['south-a', 'south-b', 'central-a', 'central-b', 'north-a', 'north-b']);
  const pki = identityPaths(net.pkiDir!, 'site', 'CERN-PROD');
  for (const b of cern.brokers) {
    t.deepEqual(b.tls, { caFile: path.join(net.pkiDir!, 'ca', 'ca.pem'), certFile: pki.cert, keyFile: pki.key });
    t.is(b.port, net.registry.brokers.find((x) => x.name === b.name)!.ports.stompSsl!);
  }
  t.deepEqual(cern.credentials, {});
  t.deepEqual(cern.signing, { certFile: pki.cert, keyFile: pki.key });
  const argo = consumerConfig('argo-central');
  t.true(argo.brokers.every((b) => b.tls?.certFile === identityPaths(net.pkiDir!, 'consumer', 'argo-central').cert));
  t.is(argo.queues.find((q) => q.site === 'CERN-PROD')!.signerDn, CERN_DN);
  t.deepEqual(argo.verification, { caFile: path.join(net.pkiDir!, 'ca', 'ca.pem') });
});

test.serial('a site publishes over stomp+ssl with its certificate; the central consumer receives it across the ssl bridge', async (t) => {
  const cern = siteConfig('CERN-PROD');
  const publisher = createPublisher({ brokers: cern.brokers, credentials: cern.credentials, destination: cern.destination, logger: silentLogger() });
  t.teardown(() => publisher.close({ abandon: true }));
  const bodies = Array.from({ length: 50 }, (_, i) => `CERN-PROD result ${i}`);
  await Promise.all(bodies.map((body, i) => publisher.send({ body, idempotencyKey: `cern-${i}` })));
  t.is(publisher.stats().receipted, bodies.length);
  t.is(publisher.stats().brokers.find((b) => b.broker.startsWith('south-a'))?.messages, bodies.length, 'published at the regional broker');
  await publisher.close();

  const argo = consumerConfig('argo-central');
  const consumer = createConsumer({ brokers: argo.brokers, credentials: argo.credentials, logger: silentLogger() });
  t.teardown(() => consumer.close());
  const got: ReceivedMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .subscribe({ destination: CERN_QUEUE }, async (m) => {
        got.push(m);
        if (got.length === bodies.length) resolve();
      })
      .catch(reject);
  });
  t.deepEqual(got.map((m) => m.text()).sort(), [...bodies].sort());
  t.true(got.every((m) => m.broker.startsWith('central-a')), 'read at the central broker, after crossing the bridge');
  t.true(got.every((m) => m.headers['original-destination'] === CERN_TOPIC));
});

test.serial('refused: no client certificate (TlsError CLIENT_CERT_REQUIRED)', async (t) => {
  const publisher = createPublisher({ brokers: southA({ caFile: path.join(net.pkiDir!, 'ca', 'ca.pem') }), destination: CERN_TOPIC, logger: silentLogger(), initialReconnectDelayMs: 10 });
  const err = await t.throwsAsync(publisher.send({ body: 'x', idempotencyKey: 'no-cert' }), { instanceOf: TlsError });
  t.is(err!.code, 'CLIENT_CERT_REQUIRED', err!.describe());
  t.regex(err!.message, /requires a client certificate/);
  await publisher.close();
});

test.serial('refused: a certificate with the right DN from another CA (TlsError CLIENT_CERT_UNTRUSTED)', async (t) => {
  const forged = await otherPki.issue('site', 'CERN-PROD', { dn: CERN_DN });
  const publisher = createPublisher({
    brokers: southA({ caFile: path.join(net.pkiDir!, 'ca', 'ca.pem'), certFile: forged.paths.cert, keyFile: forged.paths.key }),
    destination: CERN_TOPIC,
    logger: silentLogger(),
    initialReconnectDelayMs: 10,
  });
  const err = await t.throwsAsync(publisher.send({ body: 'x', idempotencyKey: 'other-ca' }), { instanceOf: TlsError });
  t.is(err!.code, 'CLIENT_CERT_UNTRUSTED', err!.describe());
  t.regex(err!.message, /Some Other CA/);
  await publisher.close();
});

test.serial('refused: an expired certificate of the right CA and DN (the client says so before connecting; the broker refuses it too)', async (t) => {
  const expired = await issueIdentity({ dir: net.pkiDir!, kind: 'site', name: 'CERN-PROD-expired', dn: CERN_DN, expired: true });
  const tls = { caFile: path.join(net.pkiDir!, 'ca', 'ca.pem'), certFile: expired.paths.cert, keyFile: expired.paths.key };
  const publisher = createPublisher({ brokers: southA(tls), destination: CERN_TOPIC, logger: silentLogger(), initialReconnectDelayMs: 10 });
  const err = await t.throwsAsync(publisher.send({ body: 'x', idempotencyKey: 'expired' }), { instanceOf: ConfigError });
  t.regex(err!.message, /client certificate ".*CN=nagios\.cern\.ch" expired at \d{4}-/);
  t.is(err!.context.file, expired.paths.cert);
  await publisher.close();
  // Without the client's own check, the broker refuses the handshake.
  const raw = await t.throwsAsync(
    connectStompTls({ port: southA(tls)[0]!.port, ca: fs.readFileSync(tls.caFile), cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) }),
    { instanceOf: StompTlsError },
  );
  t.is(raw!.kind, 'tls');
  t.regex(raw!.message, /CLIENT_CERT_EXPIRED/);
});

test.serial('refused: a certificate of the right CA whose DN the registry does not know (AuthenticationError)', async (t) => {
  const stranger = await issueIdentity({ dir: net.pkiDir!, kind: 'site', name: 'UNKNOWN-SITE', dn: '/DC=org/DC=example/CN=nagios.unknown.example.org' });
  const publisher = createPublisher({
    brokers: southA({ caFile: path.join(net.pkiDir!, 'ca', 'ca.pem'), certFile: stranger.paths.cert, keyFile: stranger.paths.key }),
    destination: CERN_TOPIC,
    logger: silentLogger(),
  });
  const err = await t.throwsAsync(publisher.send({ body: 'x', idempotencyKey: 'stranger' }), { instanceOf: AuthenticationError });
  t.regex(err!.context.brokerMessage ?? '', /No user for client certificate.*CN=nagios\.unknown\.example\.org/);
  await publisher.close();
});

test.serial("refused: site A's certificate writing to site B's destination (client layer and gridmsg send)", async (t) => {
  const cern = siteConfig('CERN-PROD');
  const publisher = createPublisher({ brokers: cern.brokers, credentials: cern.credentials, destination: PIC_TOPIC, logger: silentLogger() });
  const err = await t.throwsAsync(publisher.send({ body: 'forged result for pic', idempotencyKey: 'a-to-b' }), { instanceOf: BrokerError });
  t.is(err!.context.destination, PIC_TOPIC);
  t.regex(err!.context.brokerMessage ?? '', /User CN=nagios\.cern\.ch, OU=computers, DC=cern, DC=ch is not authorized to write to: topic:\/\/grid\.probe\.metricOutput\.EGI\.site\.pic/);
  // Its own destination still works on the same connection.
  await t.notThrowsAsync(publisher.send({ destination: CERN_TOPIC, body: 'mine', idempotencyKey: 'own' }));
  await publisher.close({ abandon: true });

  const body = path.join(tmp.dir, 'forged.txt');
  fs.writeFileSync(body, 'forged via the CLI');
  const cli = await runCli(['send', '--config', path.join(net.stateDir, 'sites', 'CERN-PROD.yaml'), '--destination', PIC_TOPIC, '--file', body, '--timeout', '30']);
  t.is(cli.code, 1, cli.stderr);
  t.regex(cli.stderr, /not authorized to write to: topic:\/\/grid\.probe\.metricOutput\.EGI\.site\.pic/);
  t.false(/\n\s+at .+:\d+:\d+/.test(cli.stderr), 'no stack trace');
});
