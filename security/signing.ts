/**
 * End-to-end integrity of messages: the site bridge signs each message body
 * with its certificate's key (a detached signature in STOMP headers, with the
 * certificate itself so the verifier needs only the CA); the central bridge
 * checks the certificate chains to a trusted CA, is valid now, carries the
 * DN the registry expects for that site, and that the signature matches the
 * body. Holds even when a broker on the way is compromised.
 *
 * Headers (all values are STOMP-safe ASCII):
 *   gridmsg-signature       base64 signature over the exact body bytes
 *   gridmsg-signature-alg   rsa-sha256 | rsa-pss-sha256 | ecdsa-sha256 | ed25519
 *   gridmsg-signer-cert     base64 DER of the signer certificate
 *   gridmsg-signer-chain    base64 DER of intermediate CAs, comma-separated (only when the cert file holds a chain)
 */
import { constants, createPrivateKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { buildChain, checkValidity, loadCertificate, loadCertificateFile, type ChainResult, type LoadedCertificate } from './certificate.js';
import { dnEquals, DnError, formatOpenssl, parseDn, type Dn } from './dn.js';

export const SIGNATURE_HEADER = 'gridmsg-signature';
export const SIGNATURE_ALG_HEADER = 'gridmsg-signature-alg';
export const SIGNER_CERT_HEADER = 'gridmsg-signer-cert';
export const SIGNER_CHAIN_HEADER = 'gridmsg-signer-chain';
export const SIGNING_HEADERS = [SIGNATURE_HEADER, SIGNATURE_ALG_HEADER, SIGNER_CERT_HEADER, SIGNER_CHAIN_HEADER] as const;

export type SignatureAlgorithm = 'rsa-sha256' | 'rsa-pss-sha256' | 'ecdsa-sha256' | 'ed25519';

/** The one algorithm gridmsg uses for a key type; the verifier insists on it (no algorithm choice by the sender). */
export function algorithmForKey(key: KeyObject): SignatureAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'rsa-sha256';
    case 'rsa-pss':
      return 'rsa-pss-sha256';
    case 'ec':
      return 'ecdsa-sha256';
    case 'ed25519':
      return 'ed25519';
    default:
      throw new ConfigError(`unsupported key type "${key.asymmetricKeyType ?? 'unknown'}" for message signing (use RSA, EC or Ed25519)`);
  }
}

function signWith(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array): Buffer {
  switch (alg) {
    case 'rsa-sha256':
    case 'ecdsa-sha256':
      return cryptoSign('sha256', data, key);
    case 'rsa-pss-sha256':
      return cryptoSign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    case 'ed25519':
      return cryptoSign(null, data, key);
  }
}

function verifyWith(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Buffer): boolean {
  switch (alg) {
    case 'rsa-sha256':
    case 'ecdsa-sha256':
      return cryptoVerify('sha256', data, key, signature);
    case 'rsa-pss-sha256':
      return cryptoVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    case 'ed25519':
      return cryptoVerify(null, data, key, signature);
  }
}

export interface SignerOptions {
  /** PEM: the signer certificate first, then any intermediate CA certificates. */
  certFile: string;
  /** PEM private key of the certificate (unencrypted; keep it mode 0600). */
  keyFile: string;
}

export interface Signer {
  /** STOMP headers carrying a detached signature of `body` (sign once per message, i.e. per batch of records). */
  sign(body: Uint8Array): Record<string, string>;
  /** Subject DN of the signer certificate, OpenSSL form. */
  readonly dn: string;
  /** End of the certificate's validity: a bridge warns well before it. */
  readonly notAfter: Date;
  readonly algorithm: SignatureAlgorithm;
}

/** Loads a certificate and its key once; `sign` is then pure CPU. Throws ConfigError naming the file. */
export function createSigner(options: SignerOptions): Signer {
  const certs = loadCertificateFile(options.certFile, 'signing certificate');
  const leaf = certs[0]!;
  let key: KeyObject;
  try {
    key = createPrivateKey(fs.readFileSync(options.keyFile));
  } catch (err) {
    throw new ConfigError(`cannot load the signing key: ${(err as Error).message}`, { file: options.keyFile, cause: err });
  }
  if (!leaf.x509.checkPrivateKey(key)) {
    throw new ConfigError(`the key does not belong to the certificate ${options.certFile}`, { file: options.keyFile });
  }
  const algorithm = algorithmForKey(key);
  const fixed: Record<string, string> = {
    [SIGNATURE_ALG_HEADER]: algorithm,
    [SIGNER_CERT_HEADER]: leaf.der.toString('base64'),
  };
  if (certs.length > 1) fixed[SIGNER_CHAIN_HEADER] = certs.slice(1).map((c) => c.der.toString('base64')).join(',');
  return {
    dn: formatOpenssl(leaf.fields.subject),
    notAfter: leaf.fields.notAfter,
    algorithm,
    sign(body) {
      return { ...fixed, [SIGNATURE_HEADER]: signWith(algorithm, key, body).toString('base64') };
    },
  };
}

export type VerifyResult = { ok: true; dn: string } | { ok: false; reason: string };

export interface VerifierOptions {
  /** PEM bundle of the CAs trusted to issue site certificates (e.g. the IGTF CAs concatenated). */
  caFile: string;
  /** Clock, for tests. */
  now?: () => Date;
  /** Certificates whose path is remembered (default 1024). */
  cacheSize?: number;
}

export interface Verifier {
  /** Checks `headers` carry a valid signature of `body` by a certificate of the CA whose subject is `expectedDn`. */
  verify(body: Uint8Array, headers: Record<string, string>, expectedDn: string): VerifyResult;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(value: string): Buffer | undefined {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

interface CachedSigner {
  leaf: LoadedCertificate;
  chain: ChainResult;
  algorithm: SignatureAlgorithm;
}

function isAlgorithm(s: string): s is SignatureAlgorithm {
  return s === 'rsa-sha256' || s === 'rsa-pss-sha256' || s === 'ecdsa-sha256' || s === 'ed25519';
}

/**
 * Verifies signed messages against the trusted CAs. The certificate path of
 * each distinct signer certificate is built once and cached; validity dates,
 * DN and signature are checked on every message.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const roots = loadCertificateFile(options.caFile, 'CA file');
  const now = options.now ?? (() => new Date());
  const cacheSize = options.cacheSize ?? 1024;
  const cache = new Map<string, CachedSigner | string>();
  const expectedCache = new Map<string, Dn | string>();

  const signerOf = (certHeader: string, chainHeader: string | undefined): CachedSigner | string => {
    const cacheKey = chainHeader === undefined ? certHeader : `${certHeader}|${chainHeader}`;
    const hit = cache.get(cacheKey);
    if (hit !== undefined) return hit;
    let result: CachedSigner | string;
    try {
      const der = decodeBase64(certHeader);
      if (!der) throw new Error('not base64');
      const leaf = loadCertificate(der);
      const intermediates: LoadedCertificate[] = [];
      for (const part of chainHeader === undefined || chainHeader === '' ? [] : chainHeader.split(',')) {
        const d = decodeBase64(part);
        if (!d) throw new Error(`${SIGNER_CHAIN_HEADER} is not base64`);
        intermediates.push(loadCertificate(d));
      }
      result = { leaf, chain: buildChain(leaf, intermediates, roots), algorithm: algorithmForKey(leaf.x509.publicKey) };
    } catch (err) {
      result = `${SIGNER_CERT_HEADER} does not hold a usable certificate (${(err as Error).message})`;
    }
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    cache.set(cacheKey, result);
    return result;
  };

  const expected = (text: string): Dn | string => {
    let hit = expectedCache.get(text);
    if (hit === undefined) {
      try {
        hit = parseDn(text);
      } catch (err) {
        hit = `the expected signer DN "${text}" is not a valid DN (${err instanceof DnError ? err.message : String(err)}); fix the registry`;
      }
      if (expectedCache.size >= cacheSize) expectedCache.delete(expectedCache.keys().next().value!);
      expectedCache.set(text, hit);
    }
    return hit;
  };

  return {
    verify(body, headers, expectedDn) {
      const sigHeader = headers[SIGNATURE_HEADER];
      if (sigHeader === undefined || sigHeader === '') return { ok: false, reason: `unsigned message: no ${SIGNATURE_HEADER} header` };
      const certHeader = headers[SIGNER_CERT_HEADER];
      if (certHeader === undefined || certHeader === '') return { ok: false, reason: `signed message without a ${SIGNER_CERT_HEADER} header` };
      const signature = decodeBase64(sigHeader);
      if (!signature) return { ok: false, reason: `${SIGNATURE_HEADER} is not base64` };

      const signer = signerOf(certHeader, headers[SIGNER_CHAIN_HEADER]);
      if (typeof signer === 'string') return { ok: false, reason: signer };
      if (!signer.chain.ok) return { ok: false, reason: `signer not trusted: ${signer.chain.reason}` };
      const invalid = checkValidity(signer.chain.path, now());
      if (invalid) return { ok: false, reason: `signer not trusted: ${invalid}` };

      const want = expected(expectedDn);
      if (typeof want === 'string') return { ok: false, reason: want };
      const dn = formatOpenssl(signer.leaf.fields.subject);
      if (!dnEquals(signer.leaf.fields.subject, want)) {
        return { ok: false, reason: `signed by "${dn}", but messages of this site must be signed by "${formatOpenssl(want)}"` };
      }

      const alg = headers[SIGNATURE_ALG_HEADER];
      if (alg !== signer.algorithm) {
        const shown = alg === undefined ? 'none' : isAlgorithm(alg) ? alg : JSON.stringify(alg.slice(0, 40));
        return { ok: false, reason: `signature algorithm ${shown} does not match the signer key (expected ${signer.algorithm})` };
      }
      let good: boolean;
      try {
        good = verifyWith(signer.algorithm, signer.leaf.x509.publicKey, body, signature);
      } catch {
        good = false;
      }
      if (!good) return { ok: false, reason: `signature of "${dn}" does not match the message body (altered on the way, or signed with another key)` };
      return { ok: true, dn };
    },
  };
}
