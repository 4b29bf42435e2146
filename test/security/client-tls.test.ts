import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { loadClientTls } from '../../security/client-tls.js';
import type { IssuedIdentity } from '../../security/pki.js';
import { createTestPki, type TestPki } from '../helpers/pki.js';

let pki: TestPki | undefined;
let site: IssuedIdentity | undefined;
let other: IssuedIdentity | undefined;
let expired: IssuedIdentity | undefined;

test.before(async () => {
  pki = await createTestPki();
  site = await pki.issue('site', 'SITE-A');
  other = await pki.issue('site', 'SITE-B');
  expired = await pki.issue('site', 'OLD', { expired: true });
});
test.after.always(() => pki?.cleanup());

test('a good identity loads into tls.connect options with the context describeTlsError needs', (t) => {
  const loaded = loadClientTls({ caFile: site!.paths.ca, certFile: site!.paths.cert, keyFile: site!.paths.key, serverName: 'mq.example.org' });
  t.true(loaded.options.ca.equals(fs.readFileSync(site!.paths.ca)));
  t.truthy(loaded.options.cert);
  t.truthy(loaded.options.key);
  t.is(loaded.options.servername, 'mq.example.org');
  t.is(loaded.context.clientCertificate?.subject, site!.dn);
  const anonymous = loadClientTls({ caFile: site!.paths.ca });
  t.is(anonymous.context.clientCertificate, null);
  t.is(anonymous.options.cert, undefined);
});

test('problems are found before connecting, each naming its file', (t) => {
  const ca = site!.paths.ca;
  const cases: Array<[Parameters<typeof loadClientTls>[0], string, RegExp]> = [
    [{ caFile: '/nonexistent/ca.pem' }, '/nonexistent/ca.pem', /cannot read the CA file/],
    [{ caFile: site!.paths.key }, site!.paths.key, /holds no PEM certificate/],
    [{ caFile: ca, certFile: site!.paths.cert, keyFile: other!.paths.key }, other!.paths.key, /does not belong to the certificate/],
    [{ caFile: ca, certFile: expired!.paths.cert, keyFile: expired!.paths.key }, expired!.paths.cert, /client certificate ".*CN=OLD" expired at /],
    [{ caFile: ca, certFile: site!.paths.key, keyFile: site!.paths.key }, site!.paths.key, /not a PEM certificate/],
    [{ caFile: ca, certFile: site!.paths.cert, keyFile: site!.paths.cert }, site!.paths.cert, /not a usable private key/],
  ];
  for (const [settings, file, reason] of cases) {
    const err = t.throws(() => loadClientTls(settings), { instanceOf: ConfigError }, String(reason));
    t.is(err?.context.file, file, String(reason));
    t.regex(err?.message ?? '', reason);
  }
  const half = t.throws(() => loadClientTls({ caFile: ca, certFile: site!.paths.cert }), { instanceOf: ConfigError });
  t.is(half?.context.path, 'keyFile');
  const early = t.throws(() => loadClientTls({ caFile: ca, certFile: site!.paths.cert, keyFile: site!.paths.key }, new Date('2000-01-01T00:00:00Z')), { instanceOf: ConfigError });
  t.regex(early?.message ?? '', /not valid before/);
  t.is(path.basename(early?.context.file ?? ''), 'cert.pem');
});
