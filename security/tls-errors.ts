/**
 * What a failed TLS connection to a broker means, in words an operator can
 * act on. Node reports the broker's TLS alerts as OpenSSL error codes; the
 * client layer passes the error it got (from tls.connect or the socket) here.
 */

export interface TlsFailure {
  /** Short machine-readable code: CLIENT_CERT_REQUIRED, CLIENT_CERT_UNTRUSTED, ... */
  code: string;
  /** One line for the operator. */
  message: string;
}

const ALERTS: Array<[RegExp, TlsFailure]> = [
  [
    /CERTIFICATE_REQUIRED|PEER_DID_NOT_RETURN_A_CERTIFICATE/,
    { code: 'CLIENT_CERT_REQUIRED', message: 'the broker requires a client certificate and none was sent (configure certFile and keyFile)' },
  ],
  [
    /ALERT_UNKNOWN_CA/,
    { code: 'CLIENT_CERT_UNTRUSTED', message: 'the broker does not trust the CA that issued the client certificate' },
  ],
  [
    /ALERT_CERTIFICATE_EXPIRED/,
    { code: 'CLIENT_CERT_EXPIRED', message: 'the broker refused the client certificate as expired or not yet valid' },
  ],
  [
    /ALERT_CERTIFICATE_REVOKED/,
    { code: 'CLIENT_CERT_REVOKED', message: 'the broker refused the client certificate as revoked' },
  ],
  [
    /ALERT_BAD_CERTIFICATE|ALERT_CERTIFICATE_UNKNOWN|ALERT_UNSUPPORTED_CERTIFICATE/,
    {
      code: 'CLIENT_CERT_REFUSED',
      message: 'the broker refused the client certificate (issued by a CA it does not trust, expired, or unusable for client authentication)',
    },
  ],
  [
    /ALERT_HANDSHAKE_FAILURE|ALERT_PROTOCOL_VERSION|NO_PROTOCOLS_AVAILABLE|WRONG_VERSION_NUMBER|UNSUPPORTED_PROTOCOL/,
    { code: 'TLS_HANDSHAKE_FAILED', message: 'TLS handshake failed: no common protocol version or cipher (the port may not be a TLS port)' },
  ],
];

/** Node's verification codes for the broker's own certificate. */
const SERVER_VERIFY: Record<string, TlsFailure> = {
  CERT_HAS_EXPIRED: { code: 'BROKER_CERT_EXPIRED', message: "the broker's certificate has expired" },
  CERT_NOT_YET_VALID: { code: 'BROKER_CERT_NOT_YET_VALID', message: "the broker's certificate is not valid yet (check the clocks)" },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { code: 'BROKER_CERT_UNTRUSTED', message: "the broker's certificate is not issued by a CA in caFile" },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { code: 'BROKER_CERT_UNTRUSTED', message: "the broker's certificate is not issued by a CA in caFile" },
  UNABLE_TO_GET_ISSUER_CERT: { code: 'BROKER_CERT_UNTRUSTED', message: "the broker's certificate is not issued by a CA in caFile" },
  SELF_SIGNED_CERT_IN_CHAIN: { code: 'BROKER_CERT_UNTRUSTED', message: "the broker's certificate chains to a CA that is not in caFile" },
  DEPTH_ZERO_SELF_SIGNED_CERT: { code: 'BROKER_CERT_UNTRUSTED', message: "the broker's certificate is self-signed and not in caFile" },
  ERR_TLS_CERT_ALTNAME_INVALID: { code: 'BROKER_NAME_MISMATCH', message: "the broker's certificate does not name the host connected to (set serverName, or reissue it with that subjectAltName)" },
};

/** What the client offered, so that a refusal can be explained precisely. */
export interface TlsClientContext {
  /** The client certificate offered; `null` when none was configured; absent when unknown. */
  clientCertificate?: { subject: string; issuer: string; notBefore: Date; notAfter: Date } | null;
  now?: Date;
}

const CLIENT_CERT_CODES = new Set(['CLIENT_CERT_REQUIRED', 'CLIENT_CERT_UNTRUSTED', 'CLIENT_CERT_EXPIRED', 'CLIENT_CERT_REFUSED', 'TLS_CONNECTION_CLOSED']);

/**
 * Brokers (Java) answer most certificate problems with the same alert
 * (certificate_unknown or bad_certificate). Knowing what was offered tells them apart.
 */
function refine(failure: TlsFailure, context: TlsClientContext): TlsFailure {
  if (!CLIENT_CERT_CODES.has(failure.code) || context.clientCertificate === undefined) return failure;
  const cert = context.clientCertificate;
  if (cert === null) {
    return { code: 'CLIENT_CERT_REQUIRED', message: 'the broker requires a client certificate and none is configured (set certFile and keyFile)' };
  }
  const now = context.now ?? new Date();
  if (now > cert.notAfter) {
    return { code: 'CLIENT_CERT_EXPIRED', message: `the broker refused the client certificate "${cert.subject}": it expired at ${cert.notAfter.toISOString()}` };
  }
  if (now < cert.notBefore) {
    return { code: 'CLIENT_CERT_EXPIRED', message: `the broker refused the client certificate "${cert.subject}": it is not valid before ${cert.notBefore.toISOString()} (check the clocks)` };
  }
  if (failure.code === 'TLS_CONNECTION_CLOSED') return failure;
  return {
    code: 'CLIENT_CERT_UNTRUSTED',
    message: `the broker refused the client certificate "${cert.subject}" although it is within its validity: the broker does not trust its issuer "${cert.issuer}"`,
  };
}

/**
 * Maps an error from a TLS connection to a broker to a clear failure;
 * undefined when it is not a TLS matter. Pass what the client offered
 * (clientCertificateSummary) to tell "no certificate", "expired" and
 * "untrusted CA" apart.
 */
export function describeTlsError(err: unknown, context: TlsClientContext = {}): TlsFailure | undefined {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = typeof e?.code === 'string' ? e.code : '';
  const serverSide = SERVER_VERIFY[code];
  if (serverSide) {
    const detail = code === 'ERR_TLS_CERT_ALTNAME_INVALID' && typeof e.reason === 'string' ? `: ${e.reason}` : '';
    return { code: serverSide.code, message: serverSide.message + detail };
  }
  const text = `${code} ${typeof e?.message === 'string' ? e.message : ''}`.toUpperCase().replace(/ /g, '_');
  for (const [re, failure] of ALERTS) if (re.test(text)) return refine(failure, context);
  if (code === 'ECONNRESET' || code === 'EPIPE' || /SOCKET_HANG_UP|DISCONNECTED_BEFORE_SECURE/.test(text)) {
    return refine(
      {
        code: 'TLS_CONNECTION_CLOSED',
        message: 'the broker closed the connection during or right after the TLS handshake (client certificate refused, or not a TLS port)',
      },
      context,
    );
  }
  return undefined;
}
