/**
 * describeTlsError on the error codes node reports. The codes used here are
 * the ones seen against the real broker in broker-tls.test.ts.
 */
import test from 'ava';
import { describeTlsError } from '../../security/tls-errors.js';

const err = (code: string, message = code): NodeJS.ErrnoException => Object.assign(new Error(message), { code });
const cert = { subject: '/DC=ch/CN=x', issuer: '/DC=org/CN=Some CA', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
const now = new Date('2026-06-01T00:00:00Z');

test('Java answers certificate problems with bad_certificate/certificate_unknown; what was offered tells them apart', (t) => {
  t.is(describeTlsError(err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), { clientCertificate: null, now })?.code, 'CLIENT_CERT_REQUIRED');
  t.is(describeTlsError(err('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'), { clientCertificate: cert, now: new Date('2028-01-01T00:00:00Z') })?.code, 'CLIENT_CERT_EXPIRED');
  t.is(describeTlsError(err('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'), { clientCertificate: cert, now: new Date('2025-01-01T00:00:00Z') })?.code, 'CLIENT_CERT_EXPIRED');
  const untrusted = describeTlsError(err('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'), { clientCertificate: cert, now });
  t.is(untrusted?.code, 'CLIENT_CERT_UNTRUSTED');
  t.regex(untrusted?.message ?? '', /does not trust its issuer "\/DC=org\/CN=Some CA"/);
  t.is(describeTlsError(err('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'))?.code, 'CLIENT_CERT_REFUSED', 'without context: generic');
  t.is(describeTlsError(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))?.code, 'CLIENT_CERT_REQUIRED');
  t.is(describeTlsError(err('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'))?.code, 'CLIENT_CERT_UNTRUSTED');
});

test("problems with the broker's certificate are named as such", (t) => {
  t.is(describeTlsError(err('CERT_HAS_EXPIRED'))?.code, 'BROKER_CERT_EXPIRED');
  t.is(describeTlsError(err('SELF_SIGNED_CERT_IN_CHAIN'))?.code, 'BROKER_CERT_UNTRUSTED');
  t.is(describeTlsError(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))?.code, 'BROKER_CERT_UNTRUSTED');
  const alt = describeTlsError(Object.assign(err('ERR_TLS_CERT_ALTNAME_INVALID'), { reason: "Host: mq.example.org. is not in the cert's altnames: DNS:localhost" }));
  t.is(alt?.code, 'BROKER_NAME_MISMATCH');
  t.regex(alt?.message ?? '', /is not in the cert's altnames/);
});

test('a reset during the handshake and a plain port are explained; unrelated errors are not TLS matters', (t) => {
  t.is(describeTlsError(err('ECONNRESET'))?.code, 'TLS_CONNECTION_CLOSED');
  t.is(describeTlsError(err('ECONNRESET'), { clientCertificate: null })?.code, 'CLIENT_CERT_REQUIRED');
  t.is(describeTlsError(err('ERR_SSL_WRONG_VERSION_NUMBER'))?.code, 'TLS_HANDSHAKE_FAILED');
  t.is(describeTlsError(err('ECONNREFUSED')), undefined);
  t.is(describeTlsError('just a string'), undefined);
});
