/**
 * The dual JAAS plugin against a real broker: certificate logins on the
 * stomp+ssl port, username/password on a plain port the registry asked for
 * explicitly, both mapped to the same groups and authorization.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { generatePassword } from '../../security/pki.js';
import { clientTls, createTestPki, startTlsTestBroker } from '../helpers/pki.js';
import { connectStompTls, StompTlsError } from './stomp-tls.js';

const DEST_A = '/topic/grid.probe.metricOutput.EGI.site.SITE-A';
const DEST_B = '/topic/grid.probe.metricOutput.EGI.site.SITE-B';

test('dual mode: certificate on stomp+ssl, password on the plain port, same per-site rights; wrong password refused', async (t) => {
  const pki = await createTestPki();
  t.teardown(pki.cleanup);
  const brokerId = await pki.issue('broker', 'dual');
  const siteA = await pki.issue('site', 'SITE-A');
  const passwordB = generatePassword();
  const broker = await startTlsTestBroker({
    broker: brokerId,
    mode: 'dual',
    users: [{ user: 'SITE-A', dn: siteA.dn, groups: ['site.SITE-A'] }],
    passwordUsers: [{ user: 'SITE-B', password: passwordB, groups: ['site.SITE-B'] }],
    authorization: [
      { kind: 'topic', destination: 'grid.probe.metricOutput.EGI.site.SITE-A', write: ['site.SITE-A'], admin: ['site.SITE-A'] },
      { kind: 'topic', destination: 'grid.probe.metricOutput.EGI.site.SITE-B', write: ['site.SITE-B'], admin: ['site.SITE-B'] },
    ],
  });
  t.teardown(() => broker.stop());
  t.is(fs.statSync(path.join(broker.confDir, 'users.properties')).mode & 0o777, 0o600);

  const byCert = await connectStompTls({ port: broker.stompSslPort, ...clientTls(siteA) });
  t.teardown(() => byCert.close());
  t.is((await byCert.send(DEST_A, 'by certificate')).command, 'RECEIPT');

  const byPassword = await connectStompTls({ port: broker.stompPort, plain: true, ca: Buffer.alloc(0), login: 'SITE-B', passcode: passwordB });
  t.teardown(() => byPassword.close());
  t.is((await byPassword.send(DEST_B, 'by password')).command, 'RECEIPT');
  const crossing = await byPassword.send(DEST_A, 'spoofed').then(
    () => undefined,
    (e: unknown) => e,
  );
  t.true(crossing instanceof StompTlsError && /not authorized to write/.test(crossing.message), String(crossing));

  const wrong = await connectStompTls({ port: broker.stompPort, plain: true, ca: Buffer.alloc(0), login: 'SITE-B', passcode: 'not-the-password' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.true(wrong instanceof StompTlsError && wrong.kind === 'error-frame', String(wrong));
  t.regex((wrong as StompTlsError).message, /password is invalid/i);
  t.false(fs.readFileSync(path.join(broker.dir, 'broker.log'), 'utf8').includes(passwordB), 'password in the broker log');
});
