/**
 * Signed mode (the consumer config has `verification`, each queue its site's
 * `signerDn`): real certificates from a development CA, real signatures
 * (security/signing.ts). A tampered body, a message signed by another site,
 * an unsigned message and a queue without an expected signer are all refused
 * as a whole, with the reason; Nagios gets nothing from them.
 */
import test from 'ava';
import type { ConsumerQueue } from '../../clients/client-config.js';
import { encodeRecords, messageHeaders } from '../../bridges/format/index.js';
import { verifySignature } from '../../bridges/msg-to-nagios/ingest-engine.js';
import { planMessage, type PlanContext } from '../../bridges/msg-to-nagios/message-plan.js';
import { DEFAULT_ILLEGAL_NAME_CHARS } from '../../bridges/msg-to-nagios/object-names.js';
import { hostMatcher } from '../../bridges/msg-to-nagios/site-policy.js';
import { createSigner, createVerifier } from '../../security/signing.js';
import { createTestPki } from '../helpers/pki.js';
import { goodRecord, OTHER_SITE, SITE } from './corpus.js';

test('only messages signed by their own site, untouched, reach Nagios', async (t) => {
  const pki = await createTestPki();
  t.teardown(pki.cleanup);
  const cern = await pki.issue('site', SITE);
  const qmul = await pki.issue('site', OTHER_SITE);
  const signCern = createSigner({ certFile: cern.paths.cert, keyFile: cern.paths.key });
  const signQmul = createSigner({ certFile: qmul.paths.cert, keyFile: qmul.paths.key });
  const verifier = createVerifier({ caFile: pki.caFile });
  const queue: ConsumerQueue = { site: SITE, tenant: 'EGI', role: 'site', destination: '/queue/Consumer.c.x.CERN-PROD', hosts: ['*.cern.ch'], signerDn: cern.dn };

  const plan = (body: Uint8Array, headers: Record<string, string>, q: ConsumerQueue = queue) => {
    const ctx: PlanContext = {
      policy: { queue: q, hostAllowed: hostMatcher(q.hosts), naming: {}, illegalNameChars: DEFAULT_ILLEGAL_NAME_CHARS, maxFutureSkewSeconds: 300 },
      maxRecordBytes: 65536,
      isDone: () => false,
      newestFor: () => undefined,
      noteNewest: () => {},
      known: undefined,
      unknownAction: 'submit',
      now: Math.floor(Date.now() / 1000),
      verify: (b, h) => verifySignature(verifier, b, h, q),
    };
    return planMessage({ key: 'k', destination: q.destination, headers: { ...messageHeaders({ recordCount: 1, siteName: SITE, role: 'site', nagiosHost: 'n', bodyFormat: 'grid' }), ...headers }, body }, ctx);
  };
  const body = Buffer.from(encodeRecords([goodRecord({ summaryData: 'signed result' })], 'grid'));

  const good = plan(body, signCern.sign(body));
  t.deepEqual(good.submit.map((r) => r.output), ['signed result']);
  t.deepEqual(good.rejections, []);

  const tampered = Buffer.from(body.toString().replace('signed result', 'forged result'));
  const forged = plan(tampered, signCern.sign(body));
  t.is(forged.submit.length, 0);
  t.is(forged.rejections[0]?.reason, 'signature-invalid');
  t.regex(forged.rejections[0]?.detail ?? '', /does not match the message body/);

  const otherSite = plan(body, signQmul.sign(body));
  t.is(otherSite.submit.length, 0);
  t.regex(otherSite.rejections[0]?.detail ?? '', new RegExp(`signed by ".*${OTHER_SITE}.*", but messages of this site must be signed by ".*${SITE}`));

  const unsigned = plan(body, {});
  t.is(unsigned.submit.length, 0);
  t.regex(unsigned.rejections[0]?.detail ?? '', /unsigned message/);

  const { signerDn: _dropped, ...noDn } = queue;
  const misconfigured = plan(body, signCern.sign(body), noDn);
  t.is(misconfigured.submit.length, 0);
  t.regex(misconfigured.rejections[0]?.detail ?? '', /names no signer DN for site "CERN-PROD"/);
});
