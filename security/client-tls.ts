/**
 * The client side of the TLS recipe: loads a stomp+ssl endpoint's PEM files
 * once, checks them before any connection (clear errors naming the file
 * instead of an opaque handshake failure), and keeps what is needed to
 * explain a refusal later with describeTlsError.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type tls from 'node:tls';
import { ConfigError } from '../core/errors.js';
import type { TlsSettings } from '../clients/client-config.js';
import { certificateSummary, pemCertificates } from './certificate.js';
import type { TlsClientContext } from './tls-errors.js';

export interface LoadedClientTls {
  /** For tls.connect: `ca`, and `cert`/`key` when a client certificate is configured. */
  options: { ca: Buffer; cert?: Buffer; key?: Buffer; servername?: string };
  /** Pass to describeTlsError(err, context) when a connection fails. */
  context: TlsClientContext;
}

/**
 * tls.connect options for a stomp+ssl endpoint: the loaded PEM files, the
 * server name to verify (the configured one, else the host unless it is an
 * IP address), and the broker's certificate always verified.
 */
export function tlsConnectOptions(loaded: LoadedClientTls, host: string, port: number): tls.ConnectionOptions {
  const servername = loaded.options.servername ?? (net.isIP(host) ? undefined : host);
  return { host, port, ...loaded.options, ...(servername === undefined ? {} : { servername }), rejectUnauthorized: true };
}

function read(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(`cannot read the ${what}: ${(err as Error).message}`, { file, cause: err });
  }
}

/**
 * Reads and checks caFile, certFile and keyFile. Throws ConfigError (with
 * the file) when a file is unreadable or not PEM, when the key does not
 * belong to the certificate, or when the certificate is expired or not yet
 * valid at `now` (the broker would refuse it anyway, with a vaguer alert).
 */
export function loadClientTls(settings: TlsSettings, now: Date = new Date()): LoadedClientTls {
  const ca = read(settings.caFile, 'CA file');
  if (pemCertificates(ca.toString('utf8')).length === 0) throw new ConfigError('the CA file holds no PEM certificate', { file: settings.caFile });
  const options: LoadedClientTls['options'] = { ca };
  if (settings.serverName !== undefined) options.servername = settings.serverName;
  if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) {
    throw new ConfigError('a client certificate needs both certFile and keyFile', { ...(settings.certFile ? { file: settings.certFile } : {}), path: settings.certFile ? 'keyFile' : 'certFile' });
  }
  if (settings.certFile === undefined || settings.keyFile === undefined) return { options, context: { clientCertificate: null } };

  const cert = read(settings.certFile, 'client certificate');
  const key = read(settings.keyFile, 'client key');
  let x509: X509Certificate;
  let summary: ReturnType<typeof certificateSummary>;
  try {
    x509 = new X509Certificate(cert);
    summary = certificateSummary(cert);
  } catch (err) {
    throw new ConfigError(`not a PEM certificate: ${(err as Error).message}`, { file: settings.certFile, cause: err });
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new ConfigError(`not a usable private key: ${(err as Error).message}`, { file: settings.keyFile, cause: err });
  }
  if (!matches) throw new ConfigError(`the key does not belong to the certificate ${settings.certFile}`, { file: settings.keyFile });
  if (now > summary.notAfter) {
    throw new ConfigError(`client certificate "${summary.subject}" expired at ${summary.notAfter.toISOString()}`, { file: settings.certFile });
  }
  if (now < summary.notBefore) {
    throw new ConfigError(`client certificate "${summary.subject}" is not valid before ${summary.notBefore.toISOString()} (check the clock)`, { file: settings.certFile });
  }
  options.cert = cert;
  options.key = key;
  return { options, context: { clientCertificate: summary } };
}
