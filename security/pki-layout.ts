/**
 * Where `gridmsg pki` puts things. The layout is fixed so that tests, the
 * demo and operators can find every file from (DIR, kind, name) alone:
 *
 *   DIR/DEVELOPMENT-ONLY.txt
 *   DIR/ca/ca.pem            CA certificate (public; the trust anchor to distribute)
 *   DIR/ca/ca.key            CA private key (0600)
 *   DIR/ca/openssl.cnf       configuration of `openssl ca`; index.txt, issued/ its database
 *   DIR/<kind>s/<name>/cert.pem         certificate
 *   DIR/<kind>s/<name>/key.pem          private key, PEM PKCS#8, unencrypted (0600)
 *   DIR/<kind>s/<name>/chain.pem        certificate followed by the CA certificate
 *   DIR/<kind>s/<name>/ca.pem           copy of the CA certificate (trust anchor for this identity)
 *   DIR/<kind>s/<name>/subject.txt      the subject DN, OpenSSL form, one line
 *   DIR/<kind>s/<name>/keystore.p12     PKCS#12 key + chain for Java/ActiveMQ (0600)   [broker, bridge, or --keystore]
 *   DIR/<kind>s/<name>/keystore.password                                         (0600)
 *   DIR/<kind>s/<name>/truststore.p12   PKCS#12 holding the CA certificate as trusted (0600)
 *   DIR/<kind>s/<name>/truststore.password                                       (0600)
 */
import path from 'node:path';
import { ConfigError } from '../core/errors.js';

export const IDENTITY_KINDS = ['broker', 'site', 'consumer', 'bridge', 'monitor'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export interface CaPaths {
  dir: string;
  cert: string;
  key: string;
  config: string;
  database: string;
  issuedDir: string;
}

export interface IdentityPaths {
  dir: string;
  cert: string;
  key: string;
  chain: string;
  ca: string;
  subject: string;
  keystore: string;
  keystorePassword: string;
  truststore: string;
  truststorePassword: string;
}

export function caPaths(root: string): CaPaths {
  const dir = path.join(root, 'ca');
  return {
    dir,
    cert: path.join(dir, 'ca.pem'),
    key: path.join(dir, 'ca.key'),
    config: path.join(dir, 'openssl.cnf'),
    database: path.join(dir, 'index.txt'),
    issuedDir: path.join(dir, 'issued'),
  };
}

/** Registry names (sites like `egee.srce.hr`, `UKI-LT2-QMUL`) that are safe as one path component. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function validateIdentityName(name: string): void {
  if (!NAME_RE.test(name) || name.includes('..')) {
    throw new ConfigError(`invalid name "${name}": use letters, digits, ".", "_" and "-" (at most 128, not starting with a symbol)`, { path: '--name' });
  }
}

export function identityPaths(root: string, kind: IdentityKind, name: string): IdentityPaths {
  validateIdentityName(name);
  const dir = path.join(root, `${kind}s`, name);
  return {
    dir,
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
    chain: path.join(dir, 'chain.pem'),
    ca: path.join(dir, 'ca.pem'),
    subject: path.join(dir, 'subject.txt'),
    keystore: path.join(dir, 'keystore.p12'),
    keystorePassword: path.join(dir, 'keystore.password'),
    truststore: path.join(dir, 'truststore.p12'),
    truststorePassword: path.join(dir, 'truststore.password'),
  };
}

/** Development DNs look like grid DNs so that DN handling is exercised realistically. */
export const DEV_CA_DN = '/DC=org/DC=gridmsg-dev/OU=development only/CN=gridmsg development CA';

export function defaultIdentityDn(kind: IdentityKind, name: string): string {
  return `/DC=org/DC=gridmsg-dev/OU=${kind}s/CN=${name}`;
}

/** Kinds that get a Java keystore and truststore without being asked. */
export function kindNeedsKeystore(kind: IdentityKind): boolean {
  return kind === 'broker' || kind === 'bridge';
}
