/**
 * Message signing with real certificates from the development CA (openssl):
 * every way a message can be forged or broken is rejected with its reason.
 */
import test from 'ava';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import {
  createSigner,
  createVerifier,
  SIGNATURE_ALG_HEADER,
  SIGNATURE_HEADER,
  SIGNER_CERT_HEADER,
  SIGNER_CHAIN_HEADER,
  type Signer,
  type Verifier,
} from '../../security/index.js';
import { withCaLock, type IssuedIdentity } from '../../security/pki.js';
import { runTool } from '../../security/tools.js';
import { createTestPki, type TestPki } from '../helpers/pki.js';

const DN_A = '/DC=ch/DC=cern/OU=computers/CN=nagios.cern.ch';
const DN_B = '/DC=uk/DC=ac/DC=qmul/OU=computers/CN=nagios.qmul.ac.uk';

interface World {
  pki: TestPki;
  other: TestPki;
  siteA: IssuedIdentity;
  siteB: IssuedIdentity;
  signerA: Signer;
  signerB: Signer;
  verifier: Verifier;
}
let world: World | undefined;
const cleanups: Array<() => void> = [];

test.before(async () => {
  const pki = await createTestPki();
  cleanups.push(pki.cleanup);
  const other = await createTestPki({ dn: '/DC=org/DC=elsewhere/CN=Other CA' });
  cleanups.push(other.cleanup);
  const siteA = await pki.issue('site', 'SITE-A', { dn: DN_A });
  const siteB = await pki.issue('site', 'SITE-B', { dn: DN_B, keyType: 'rsa' });
  world = {
    pki,
    other,
    siteA,
    siteB,
    signerA: createSigner({ certFile: siteA.paths.cert, keyFile: siteA.paths.key }),
    signerB: createSigner({ certFile: siteB.paths.cert, keyFile: siteB.paths.key }),
    verifier: createVerifier({ caFile: pki.caFile }),
  };
});

test.after.always(() => {
  for (const c of cleanups) c();
});

function w(): World {
  if (!world) throw new Error('not set up');
  return world;
}

const body = (s: string): Uint8Array => new TextEncoder().encode(s);
const BATCH = body('{"records":[{"host":"ce01.cern.ch","service":"org.sam.CE-JobSubmit","status":0,"output":"OK"}]}');

function reasonOf(r: { ok: boolean; reason?: string }): string {
  return r.ok ? '(accepted)' : (r.reason ?? '');
}

test('a signed message verifies against the DN the registry expects, in either DN spelling', (t) => {
  const { signerA, signerB, verifier } = w();
  const headers = signerA.sign(BATCH);
  t.deepEqual(Object.keys(headers).sort(), [SIGNATURE_HEADER, SIGNATURE_ALG_HEADER, SIGNER_CERT_HEADER].sort());
  t.is(headers[SIGNATURE_ALG_HEADER], 'ecdsa-sha256');
  t.deepEqual(verifier.verify(BATCH, headers, DN_A), { ok: true, dn: DN_A });
  t.deepEqual(verifier.verify(BATCH, headers, 'CN=nagios.cern.ch,OU=computers,DC=cern,DC=ch'), { ok: true, dn: DN_A });
  const rsa = signerB.sign(BATCH);
  t.is(rsa[SIGNATURE_ALG_HEADER], 'rsa-sha256');
  t.deepEqual(verifier.verify(BATCH, rsa, DN_B), { ok: true, dn: DN_B });
  t.is(signerA.dn, DN_A);
  t.true(signerA.notAfter.getTime() > Date.now());
});

test('tampered body: rejected, the signature does not match', (t) => {
  const { signerA, verifier } = w();
  const headers = signerA.sign(BATCH);
  const tampered = body('{"records":[{"host":"ce01.cern.ch","service":"org.sam.CE-JobSubmit","status":2,"output":"OK"}]}');
  const r = verifier.verify(tampered, headers, DN_A);
  t.false(r.ok);
  t.regex(reasonOf(r), /signature of "\/DC=ch\/DC=cern\/OU=computers\/CN=nagios\.cern\.ch" does not match the message body/);
});

test('signed by site A but claiming to be site B: rejected, naming both DNs', (t) => {
  const { signerA, verifier } = w();
  const r = verifier.verify(BATCH, signerA.sign(BATCH), DN_B);
  t.false(r.ok);
  t.is(reasonOf(r), `signed by "${DN_A}", but messages of this site must be signed by "${DN_B}"`);
});

test("site A's certificate with site B's signature spliced in: rejected", (t) => {
  const { signerA, signerB, verifier } = w();
  const headers = { ...signerA.sign(BATCH), [SIGNATURE_HEADER]: signerB.sign(BATCH)[SIGNATURE_HEADER]! };
  const r = verifier.verify(BATCH, headers, DN_A);
  t.false(r.ok);
  t.regex(reasonOf(r), /does not match the message body/);
});

test('unsigned message, or signature without certificate: rejected', (t) => {
  const { signerA, verifier } = w();
  t.is(reasonOf(verifier.verify(BATCH, {}, DN_A)), 'unsigned message: no gridmsg-signature header');
  const { [SIGNER_CERT_HEADER]: _dropped, ...noCert } = signerA.sign(BATCH);
  t.is(reasonOf(verifier.verify(BATCH, noCert, DN_A)), 'signed message without a gridmsg-signer-cert header');
});

test('expired signer certificate: rejected with its expiry date', async (t) => {
  const { pki, verifier } = w();
  const old = await pki.issue('site', 'SITE-A-old', { dn: DN_A, expired: true });
  const signer = createSigner({ certFile: old.paths.cert, keyFile: old.paths.key });
  const r = verifier.verify(BATCH, signer.sign(BATCH), DN_A);
  t.false(r.ok);
  t.regex(reasonOf(r), /^signer not trusted: certificate "\/DC=ch\/DC=cern\/OU=computers\/CN=nagios\.cern\.ch" expired at \d{4}-/);
});

test('a certificate that is not yet valid is rejected (verifier clock)', (t) => {
  const { signerA, pki } = w();
  const past = createVerifier({ caFile: pki.caFile, now: () => new Date('2001-01-01T00:00:00Z') });
  t.regex(reasonOf(past.verify(BATCH, signerA.sign(BATCH), DN_A)), /is not valid before/);
});

test('certificate from another CA with the right DN: rejected as not trusted', async (t) => {
  const { other, verifier } = w();
  const impostor = await other.issue('site', 'SITE-A', { dn: DN_A });
  const signer = createSigner({ certFile: impostor.paths.cert, keyFile: impostor.paths.key });
  const r = verifier.verify(BATCH, signer.sign(BATCH), DN_A);
  t.false(r.ok);
  t.is(reasonOf(r), `signer not trusted: certificate "${DN_A}" is not issued by a trusted CA (its issuer is "/DC=org/DC=elsewhere/CN=Other CA")`);
});

test('a forged algorithm header or garbage certificate is rejected, never thrown', (t) => {
  const { signerA, verifier } = w();
  const headers = signerA.sign(BATCH);
  t.regex(reasonOf(verifier.verify(BATCH, { ...headers, [SIGNATURE_ALG_HEADER]: 'rsa-sha256' }, DN_A)), /signature algorithm rsa-sha256 does not match the signer key \(expected ecdsa-sha256\)/);
  t.regex(reasonOf(verifier.verify(BATCH, { ...headers, [SIGNER_CERT_HEADER]: 'AAAA' }, DN_A)), /does not hold a usable certificate/);
  t.regex(reasonOf(verifier.verify(BATCH, { ...headers, [SIGNER_CERT_HEADER]: 'not base64!' }, DN_A)), /does not hold a usable certificate/);
  t.regex(reasonOf(verifier.verify(BATCH, { ...headers, [SIGNATURE_HEADER]: '%%%' }, DN_A)), /is not base64/);
  t.regex(reasonOf(verifier.verify(BATCH, headers, 'CN=')), /expected signer DN "CN=" is not a valid DN .*fix the registry/);
});

test('the signer refuses a key that does not belong to its certificate, naming the file', (t) => {
  const { siteA, siteB } = w();
  const err = t.throws(() => createSigner({ certFile: siteA.paths.cert, keyFile: siteB.paths.key }), { instanceOf: ConfigError });
  t.is(err?.context.file, siteB.paths.key);
  t.regex(err?.message ?? '', /does not belong to the certificate/);
  const missing = t.throws(() => createSigner({ certFile: '/nonexistent/cert.pem', keyFile: siteA.paths.key }), { instanceOf: ConfigError });
  t.is(missing?.context.file, '/nonexistent/cert.pem');
  t.throws(() => createVerifier({ caFile: siteA.paths.key }), { instanceOf: ConfigError, message: /holds no PEM certificate/ });
});

test('an Ed25519 signing identity works', async (t) => {
  const { pki, verifier } = w();
  const ed = await pki.issue('site', 'SITE-ED', { keyType: 'ed25519' });
  const signer = createSigner({ certFile: ed.paths.cert, keyFile: ed.paths.key });
  const headers = signer.sign(BATCH);
  t.is(headers[SIGNATURE_ALG_HEADER], 'ed25519');
  t.deepEqual(verifier.verify(BATCH, headers, ed.dn), { ok: true, dn: ed.dn });
});

/** A site certificate issued by an intermediate CA below the development CA (as IGTF CAs sometimes are). */
async function issueViaIntermediate(pki: TestPki, dir: string): Promise<{ chainFile: string; leafFile: string; keyFile: string }> {
  const caDir = path.join(pki.dir, 'ca');
  const f = (n: string): string => path.join(dir, n);
  fs.writeFileSync(f('int.key'), (await runTool('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'])).stdout, { mode: 0o600 });
  await runTool('openssl', ['req', '-new', '-config', path.join(caDir, 'openssl.cnf'), '-key', f('int.key'), '-subj', '/DC=org/DC=gridmsg-dev/CN=Intermediate CA', '-out', f('int.csr')]);
  await withCaLock(caDir, () =>
    runTool('openssl', ['ca', '-batch', '-config', 'openssl.cnf', '-preserveDN', '-extensions', 'v3_ca', '-days', '30', '-in', f('int.csr'), '-out', f('int.pem')], { cwd: caDir }),
  );
  fs.writeFileSync(f('leaf.key'), (await runTool('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'])).stdout, { mode: 0o600 });
  await runTool('openssl', ['req', '-new', '-config', path.join(caDir, 'openssl.cnf'), '-key', f('leaf.key'), '-subj', '/DC=org/DC=gridmsg-dev/CN=via-intermediate', '-out', f('leaf.csr')]);
  await runTool('openssl', ['x509', '-req', '-in', f('leaf.csr'), '-CA', f('int.pem'), '-CAkey', f('int.key'), '-set_serial', '4242', '-days', '30', '-out', f('leaf.pem')]);
  fs.writeFileSync(f('chain.pem'), fs.readFileSync(f('leaf.pem'), 'utf8') + fs.readFileSync(f('int.pem'), 'utf8'));
  return { chainFile: f('chain.pem'), leafFile: f('leaf.pem'), keyFile: f('leaf.key') };
}

test('a certificate issued by an intermediate CA verifies when the signer sends the chain, and only then', async (t) => {
  const { pki, verifier } = w();
  const dir = fs.mkdtempSync(path.join(pki.dir, 'int-'));
  const { chainFile, leafFile, keyFile } = await issueViaIntermediate(pki, dir);
  const dn = '/DC=org/DC=gridmsg-dev/CN=via-intermediate';
  const withChain = createSigner({ certFile: chainFile, keyFile }).sign(BATCH);
  t.truthy(withChain[SIGNER_CHAIN_HEADER]);
  t.deepEqual(verifier.verify(BATCH, withChain, dn), { ok: true, dn });
  const leafOnly = createSigner({ certFile: leafFile, keyFile }).sign(BATCH);
  t.regex(reasonOf(verifier.verify(BATCH, leafOnly, dn)), /is not issued by a trusted CA \(its issuer is "\/DC=org\/DC=gridmsg-dev\/CN=Intermediate CA"\)/);
});

test('property: sign -> verify round-trips for any body, and any changed byte is caught', (t) => {
  const { signerA, signerB, verifier } = w();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (bytes, pos, flip, useB) => {
      const [signer, dn] = useB ? [signerB, DN_B] : [signerA, DN_A];
      const headers = signer.sign(bytes);
      const good = verifier.verify(bytes, headers, dn);
      if (!good.ok) return false;
      if (bytes.length === 0) return true;
      const changed = Uint8Array.from(bytes);
      const i = pos % changed.length;
      changed[i] = changed[i]! ^ flip;
      return !verifier.verify(changed, headers, dn).ok;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
