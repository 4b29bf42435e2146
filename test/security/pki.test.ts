/**
 * The development CA, with the real openssl and keytool: layout, file modes,
 * keystores Java can open, DNs exactly as asked (checked against openssl's and
 * Java's own rendering), expired certificates, concurrency.
 */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, GridmsgError } from '../../core/errors.js';
import { certificateSummary } from '../../security/certificate.js';
import { dnEquals, formatJava, parseDn } from '../../security/dn.js';
import { caPaths, identityPaths } from '../../security/pki-layout.js';
import { initCa, issueIdentity, readPasswordFile } from '../../security/pki.js';
import { runTool } from '../../security/tools.js';
import { tempDir } from '../helpers/tmp.js';

const mode = (f: string): number => fs.statSync(f).mode & 0o777;

async function freshCa(t: { teardown: (fn: () => void) => void }): Promise<string> {
  const tmp = tempDir('gridmsg-pki-test-');
  t.teardown(tmp.cleanup);
  await initCa({ dir: tmp.dir });
  return tmp.dir;
}

async function opensslVerify(caFile: string, certFile: string): Promise<string> {
  try {
    return (await runTool('openssl', ['verify', '-CAfile', caFile, certFile])).stdout.toString();
  } catch (err) {
    return (err as Error).message;
  }
}

test('init writes the CA with its key 0600 in a 0700 directory, marked development-only, and refuses to overwrite it', async (t) => {
  const dir = await freshCa(t);
  const ca = caPaths(dir);
  t.is(mode(ca.dir), 0o700);
  t.is(mode(ca.key), 0o600);
  t.true(new X509Certificate(fs.readFileSync(ca.cert)).ca);
  t.regex(fs.readFileSync(path.join(dir, 'DEVELOPMENT-ONLY.txt'), 'utf8'), /demos and tests only/);
  const again = await t.throwsAsync(initCa({ dir }), { instanceOf: GridmsgError });
  t.is(again?.code, 'PKI_EXISTS');
  const before = fs.readFileSync(ca.cert, 'utf8');
  await initCa({ dir, force: true, dn: '/DC=org/DC=example/CN=Replacement CA' });
  t.not(fs.readFileSync(ca.cert, 'utf8'), before);
  t.is(certificateSummary(fs.readFileSync(ca.cert)).subject, '/DC=org/DC=example/CN=Replacement CA');
});

test('a broker gets PEM files, a PKCS#12 keystore and truststore that Java opens with the generated passwords, all secrets 0600', async (t) => {
  const dir = await freshCa(t);
  const b = await issueIdentity({ dir, kind: 'broker', name: 'eu-north-a', san: ['DNS:mq.example.org', 'IP:10.1.2.3'] });
  const p = identityPaths(dir, 'broker', 'eu-north-a');
  t.deepEqual(b.paths, p);
  for (const f of [p.key, p.keystore, p.keystorePassword, p.truststore, p.truststorePassword]) t.is(mode(f), 0o600, f);
  for (const f of [p.cert, p.chain, p.ca, p.subject]) t.true(fs.existsSync(f), f);
  t.is(fs.readFileSync(p.subject, 'utf8'), '/DC=org/DC=gridmsg-dev/OU=brokers/CN=eu-north-a\n');
  t.regex(readPasswordFile(p.keystorePassword), /^[A-Za-z0-9_-]{32}$/);
  t.not(readPasswordFile(p.keystorePassword), readPasswordFile(p.truststorePassword));

  const x = new X509Certificate(fs.readFileSync(p.cert));
  t.is(x.subjectAltName, 'DNS:eu-north-a, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:mq.example.org, IP Address:10.1.2.3');
  t.deepEqual([...(x.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // serverAuth, clientAuth
  t.false(x.ca);
  t.regex(await opensslVerify(p.ca, p.cert), /: OK/);

  const ks = (await runTool('keytool', ['-list', '-v', '-keystore', p.keystore, '-storetype', 'PKCS12', '-storepass:file', p.keystorePassword])).stdout.toString();
  t.regex(ks, /Alias name: eu-north-a/);
  t.regex(ks, /Entry type: PrivateKeyEntry/);
  t.regex(ks, /Certificate chain length: 2/);
  const ts = (await runTool('keytool', ['-list', '-keystore', p.truststore, '-storetype', 'PKCS12', '-storepass:file', p.truststorePassword])).stdout.toString();
  t.regex(ts, /gridmsg-ca, .*trustedCertEntry/);
  const wrong = await t.throwsAsync(runTool('keytool', ['-list', '-keystore', p.keystore, '-storetype', 'PKCS12', '-storepass', 'wrong-password']));
  t.regex(wrong?.message ?? '', /keytool -list failed/);
});

test('a site gets PEM files only (no keystore unless asked), client-auth usage, the exact grid DN asked for', async (t) => {
  const dir = await freshCa(t);
  const dn = '/DC=ch/DC=cern/OU=computers/CN=host/nagios.cern.ch';
  const s = await issueIdentity({ dir, kind: 'site', name: 'CERN-PROD', dn });
  t.is(s.dn, dn);
  t.false(s.keystore);
  t.false(fs.existsSync(s.paths.keystore));
  const x = new X509Certificate(fs.readFileSync(s.paths.cert));
  t.deepEqual([...(x.keyUsage ?? [])], ['1.3.6.1.5.5.7.3.2']);
  t.is(x.subjectAltName, undefined);
  // openssl's own rendering of the subject names the same DN
  const compat = (await runTool('openssl', ['x509', '-in', s.paths.cert, '-noout', '-subject', '-nameopt', 'compat'])).stdout.toString().trim().replace(/^subject=/, '');
  t.true(dnEquals(parseDn(compat), parseDn(dn)), compat);
  const withStore = await issueIdentity({ dir, kind: 'consumer', name: 'central', keystore: true });
  t.true(withStore.keystore);
  t.is(mode(withStore.paths.keystore), 0o600);
});

test("formatJava writes a subject exactly as Java prints it (keytool's Owner line), for DNs with characters Java quotes", async (t) => {
  const dir = await freshCa(t);
  const dns = [
    '/DC=ch/DC=cern/OU=computers/CN=host/nagios.cern.ch',
    '/C=UK/O=eScience, Inc./OU=QMUL/CN=nagios  qmul.ac.uk',
    '/C=DE/ST=Baden-Württemberg/O=KIT/emailAddress=grid@kit.edu/CN=a+b "c" <d>;e#f=g',
    '/DC=org/DC=example/OU=Sites/CN=x\\y/UID=ops1',
  ];
  for (const [i, dn] of dns.entries()) {
    const issued = await issueIdentity({ dir, kind: 'site', name: `java-${i}`, dn });
    t.true(dnEquals(parseDn(issued.dn), parseDn(dn)), `${issued.dn} vs ${dn}`);
    const printed = (await runTool('keytool', ['-J-Dfile.encoding=UTF-8', '-J-Dstdout.encoding=UTF-8', '-printcert', '-file', issued.paths.cert])).stdout.toString('utf8');
    const owner = /^Owner: (.*)$/m.exec(printed)?.[1];
    t.is(owner, formatJava(parseDn(dn)), dn);
  }
});

test('--expired makes a certificate that ended yesterday; openssl agrees it has expired', async (t) => {
  const dir = await freshCa(t);
  const now = new Date();
  const e = await issueIdentity({ dir, kind: 'site', name: 'OLD', expired: true, now });
  t.true(e.notAfter < now);
  t.true(e.notBefore < e.notAfter);
  t.regex(await opensslVerify(e.paths.ca, e.paths.cert), /certificate has expired/);
  const fresh = await issueIdentity({ dir, kind: 'site', name: 'NEW', days: 10, now });
  t.true(fresh.notBefore <= now);
  t.is(Math.round((fresh.notAfter.getTime() - now.getTime()) / 86_400_000), 10);
});

test('key types: RSA and Ed25519 keys are what was asked for', async (t) => {
  const dir = await freshCa(t);
  const rsa = await issueIdentity({ dir, kind: 'site', name: 'RSA', keyType: 'rsa' });
  t.is(new X509Certificate(fs.readFileSync(rsa.paths.cert)).publicKey.asymmetricKeyType, 'rsa');
  const ed = await issueIdentity({ dir, kind: 'site', name: 'ED', keyType: 'ed25519' });
  t.is(new X509Certificate(fs.readFileSync(ed.paths.cert)).publicKey.asymmetricKeyType, 'ed25519');
  t.regex(await opensslVerify(rsa.paths.ca, rsa.paths.cert), /: OK/);
});

test('bad requests are refused with the option they concern', async (t) => {
  const dir = await freshCa(t);
  const cases: Array<[Parameters<typeof issueIdentity>[0], string, RegExp]> = [
    [{ dir, kind: 'site', name: '../evil' }, '--name', /invalid name/],
    [{ dir, kind: 'site', name: 'X', dn: '/DC=org/OU=no common name' }, '--dn', /a CN is required/],
    [{ dir, kind: 'site', name: 'X', dn: 'CN=a,FOO=b' }, '--dn', /unknown attribute type "FOO"/],
    [{ dir, kind: 'site', name: 'X', days: 0 }, '--days', /whole number of days/],
    [{ dir, kind: 'site', name: 'X', san: ['DNS:ok', 'bogus'] }, '--san', /invalid subjectAltName "bogus"/],
    [{ dir, kind: 'nope' as never, name: 'X' }, '--kind', /unknown kind "nope"/],
  ];
  for (const [options, where, reason] of cases) {
    const err = await t.throwsAsync(issueIdentity(options), { instanceOf: ConfigError }, where);
    t.is(err?.context.path, where);
    t.regex(err?.message ?? '', reason);
  }
  const noCa = await t.throwsAsync(issueIdentity({ dir: path.join(dir, 'elsewhere'), kind: 'site', name: 'X' }), { instanceOf: GridmsgError });
  t.regex(noCa?.message ?? '', /run "gridmsg pki init --dir .*elsewhere" first/);
});

test('re-issuing needs --force and then replaces the key; concurrent issues all succeed', async (t) => {
  const dir = await freshCa(t);
  const first = await issueIdentity({ dir, kind: 'site', name: 'A' });
  const key1 = fs.readFileSync(first.paths.key, 'utf8');
  const again = await t.throwsAsync(issueIdentity({ dir, kind: 'site', name: 'A' }), { instanceOf: GridmsgError });
  t.is(again?.code, 'PKI_EXISTS');
  await issueIdentity({ dir, kind: 'site', name: 'A', force: true });
  t.not(fs.readFileSync(first.paths.key, 'utf8'), key1);

  const names = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];
  const issued = await Promise.all(names.map((name) => issueIdentity({ dir, kind: 'consumer', name })));
  t.deepEqual(issued.map((i) => i.name), names);
  const index = fs.readFileSync(caPaths(dir).database, 'utf8').trim().split('\n');
  t.is(index.length, 2 + names.length);
  for (const i of issued) t.regex(await opensslVerify(i.paths.ca, i.paths.cert), /: OK/);
});
