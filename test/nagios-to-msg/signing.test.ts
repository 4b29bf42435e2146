/**
 * The site bridge's signing path, end to end against a real ActiveMQ: a real
 * Bridge whose site client config has a `signing` section publishes perfdata
 * results; a plain consumer reads the messages as they are on the broker and
 * checks them with the central side's verifier (security/signing.ts
 * createVerifier): one valid signature per message (per batch, not per
 * record) by the site certificate, over the exact body bytes. A bridge
 * without `signing` sends no signature header. Unusable signing files are
 * config errors at the `signing.*` line of the site client config.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { createConsumer, type ReceivedMessage } from '../../clients/index.js';
import { silentLogger } from '../../core/logger.js';
import { Bridge, loadBridgeConfig } from '../../bridges/nagios-to-msg/index.js';
import { decodeRecords, recordCountOf } from '../../bridges/format/index.js';
import { createVerifier, SIGNATURE_ALG_HEADER, SIGNATURE_HEADER, SIGNER_CERT_HEADER, SIGNING_HEADERS } from '../../security/signing.js';
import { pemCertificates } from '../../security/certificate.js';
import type { KeyType } from '../../security/pki.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { runCli } from '../helpers/cli.js';
import { createTestPki, type TestPki } from '../helpers/pki.js';
import { tempDir } from '../helpers/tmp.js';
import { perfdataLine, writeBridgeConfig, writeSiteClientConfig } from './helpers.js';

let broker: TestBroker;
let pki: TestPki;

test.before(async () => {
  [broker, pki] = await Promise.all([startTestBroker(), createTestPki()]);
});
test.after.always(async () => {
  await broker?.stop();
  pki?.cleanup();
});

const RESULTS = 50;
const BATCH = 7;

/** Writes RESULTS perfdata lines, runs a bridge on them and returns the messages as the broker holds them. */
async function forward(t: { teardown: (f: () => void | Promise<void>) => void }, name: string, signing?: { certFile: string; keyFile: string }): Promise<ReceivedMessage[]> {
  const tmp = tempDir(`gridmsg-signing-${name}-`);
  t.teardown(tmp.cleanup);
  const destination = `/queue/test.signing.${name}`;
  const client = writeSiteClientConfig(tmp.dir, broker.stompPort, destination, 'TEST-SITE', signing ? { signing } : {});
  const perf = path.join(tmp.dir, 'service-perfdata');
  const lines = Array.from({ length: RESULTS }, (_, i) => perfdataLine({ host: `ce${i % 5}.example.org`, service: `svc-${i}`, output: `result ${i} of ${name}`, long: `detail ${i}\nsecond line` }));
  fs.writeFileSync(perf, lines.join('\n') + '\n');
  const cfg = writeBridgeConfig(tmp.dir, { client, inputs: [{ path: perf }], spoolDir: path.join(tmp.dir, 'spool'), extra: `batch:\n  maxRecords: ${BATCH}\n` });

  const messages: ReceivedMessage[] = [];
  let records = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const consumer = createConsumer({ brokers: [{ name: 'test', host: '127.0.0.1', port: broker.stompPort }] });
  t.teardown(() => consumer.close());
  await consumer.subscribe({ destination, prefetch: 100 }, async (m) => {
    messages.push(m);
    records += recordCountOf(m.headers) ?? 0;
    if (records >= RESULTS) done();
  });
  const bridge = await Bridge.start({ config: loadBridgeConfig(cfg), logger: silentLogger() });
  t.teardown(() => bridge.stop());
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${records} of ${RESULTS} results arrived`)), 60_000).unref());
  await Promise.race([all, timeout]);
  return messages;
}

for (const keyType of ['ec', 'rsa'] as const satisfies readonly KeyType[]) {
  test(`signing (${keyType} key): every message carries a valid signature of its exact body by the site certificate`, async (t) => {
    const site = await pki.issue('site', `SIGN-${keyType.toUpperCase()}`, { keyType });
    const other = await pki.issue('site', `OTHER-${keyType.toUpperCase()}`, { keyType });
    const messages = await forward(t, keyType, { certFile: site.paths.cert, keyFile: site.paths.key });
    const verifier = createVerifier({ caFile: pki.caFile });

    // Batches of up to BATCH records: one signature per message, not per record.
    t.true(messages.length >= Math.ceil(RESULTS / BATCH));
    const siteDer = pemCertificates(fs.readFileSync(site.paths.cert, 'utf8'))[0]!;
    let records = 0;
    for (const m of messages) {
      t.is(m.headers[SIGNATURE_ALG_HEADER], keyType === 'ec' ? 'ecdsa-sha256' : 'rsa-sha256');
      t.is(m.headers[SIGNER_CERT_HEADER], siteDer.toString('base64'));
      t.deepEqual(verifier.verify(m.body, m.headers, site.dn), { ok: true, dn: site.dn });
      // Signed by this site, so not acceptable as another site's message.
      const asOther = verifier.verify(m.body, m.headers, other.dn);
      t.false(asOther.ok);
      // Signing leaves the body as it is: the records decode as sent.
      const decoded = decodeRecords(m.text(), 'grid');
      t.true(decoded.every((d) => d.ok));
      records += decoded.length;
    }
    t.is(records, RESULTS);

    // The signature covers the exact body: one changed byte, a dropped byte, or another message's body all fail.
    const m = messages[0]!;
    const body = Buffer.from(m.body);
    const at = body.indexOf('result ');
    const flipped = Buffer.from(body);
    flipped[at] = 'R'.charCodeAt(0);
    const truncated = body.subarray(0, body.length - 1);
    for (const tampered of [flipped, truncated, Buffer.from(messages[1]!.body)]) {
      const r = verifier.verify(tampered, m.headers, site.dn);
      t.false(r.ok);
      t.regex(r.ok ? '' : r.reason, /does not match the message body/);
    }
    // And the signature of one message does not carry over to another.
    t.false(verifier.verify(messages[1]!.body, { ...messages[1]!.headers, [SIGNATURE_HEADER]: m.headers[SIGNATURE_HEADER]! }, site.dn).ok);
  });
}

test('without a signing section the bridge sends no signature header', async (t) => {
  const messages = await forward(t, 'unsigned');
  t.true(messages.length >= Math.ceil(RESULTS / BATCH));
  for (const m of messages) for (const h of SIGNING_HEADERS) t.false(h in m.headers, `header ${h} on an unsigned message`);
  const verdict = createVerifier({ caFile: pki.caFile }).verify(messages[0]!.body, messages[0]!.headers, '/CN=anyone');
  t.deepEqual(verdict, { ok: false, reason: `unsigned message: no ${SIGNATURE_HEADER} header` });
});

test('unusable signing files: a config error at the signing.* line of the site client config, naming the file, exit 2, no stack', async (t) => {
  const tmp = tempDir('gridmsg-signing-cfg-');
  t.teardown(tmp.cleanup);
  const site = await pki.issue('site', 'SIGN-CFG');
  const stranger = await pki.issue('site', 'SIGN-STRANGER');
  const garbage = path.join(tmp.dir, 'garbage.pem');
  fs.writeFileSync(garbage, 'not a certificate\n');
  const aDirectory = path.join(tmp.dir, 'a-directory');
  fs.mkdirSync(aDirectory);
  const missing = path.join(tmp.dir, 'no-such-key.pem');
  const perf = path.join(tmp.dir, 'service-perfdata');
  fs.writeFileSync(perf, '');
  const cases: Array<{ signing: { certFile: string; keyFile: string }; expect: RegExp }> = [
    { signing: { certFile: site.paths.cert, keyFile: missing }, expect: /TEST-SITE\.client\.yaml:14:\d+: signing\.keyFile: cannot load the signing key: ENOENT.*no-such-key\.pem/ },
    { signing: { certFile: missing, keyFile: site.paths.key }, expect: /TEST-SITE\.client\.yaml:13:\d+: signing\.certFile: cannot read signing certificate: ENOENT.*no-such-key\.pem/ },
    { signing: { certFile: aDirectory, keyFile: site.paths.key }, expect: /TEST-SITE\.client\.yaml:13:\d+: signing\.certFile: cannot read signing certificate: EISDIR/ },
    { signing: { certFile: garbage, keyFile: site.paths.key }, expect: /TEST-SITE\.client\.yaml:13:\d+: signing\.certFile: .*no PEM certificate.*garbage\.pem/ },
    { signing: { certFile: site.paths.cert, keyFile: stranger.paths.key }, expect: /TEST-SITE\.client\.yaml:14:\d+: signing\.keyFile: the key does not belong to the certificate .*SIGN-CFG/ },
  ];
  for (const c of cases) {
    const client = writeSiteClientConfig(tmp.dir, 1, '/queue/test.signing.cfg', 'TEST-SITE', { signing: c.signing });
    t.regex(fs.readFileSync(client, 'utf8').split('\n')[12]!, /^ {2}certFile: /); // the line numbers the patterns expect
    const cfg = writeBridgeConfig(tmp.dir, { client, inputs: [{ path: perf }], spoolDir: path.join(tmp.dir, 'spool') });
    const err = await t.throwsAsync(Bridge.start({ config: loadBridgeConfig(cfg), logger: silentLogger() }));
    t.regex(err!.message + ' ' + JSON.stringify((err as { context?: unknown }).context ?? {}), /signing/);
    const r = await runCli(['nagios-to-msg', '--config', cfg]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, c.expect);
    t.notRegex(r.stderr, /\n\s+at /);
  }
});
