import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { children, decodeOid, decodeString, decodeTime, DerError, expectTag, readNode, TAG, type DerNode } from './asn1.js';
import { formatOpenssl, type Dn, type Rdn } from './dn.js';

/** The fields of a certificate gridmsg decides on, read from its DER. */
export interface CertificateFields {
  subject: Dn;
  issuer: Dn;
  notBefore: Date;
  notAfter: Date;
}

function readName(node: DerNode): Dn {
  expectTag(node, TAG.SEQUENCE, 'Name');
  return children(node).map((set): Rdn => {
    expectTag(set, TAG.SET, 'RelativeDistinguishedName');
    return children(set).map((atv) => {
      const [type, value] = children(expectTag(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'));
      return { type: decodeOid(expectTag(type, TAG.OID, 'attribute type')), value: decodeString(value ?? fail('attribute value')) };
    });
  });
}

function fail(what: string): never {
  throw new DerError(`missing ${what}`);
}

/** Subject, issuer and validity of a DER certificate. Throws DerError when it is not one. */
export function readCertificateFields(der: Uint8Array): CertificateFields {
  const cert = readNode(der, 0);
  expectTag(cert, TAG.SEQUENCE, 'Certificate');
  if (cert.end !== der.length) throw new DerError('trailing bytes after the certificate');
  const tbs = expectTag(children(cert)[0], TAG.SEQUENCE, 'TBSCertificate');
  const fields = children(tbs);
  let k = fields[0]?.tag === TAG.CONTEXT_0 ? 1 : 0; // optional [0] version
  k += 2; // serialNumber, signature algorithm
  const issuer = readName(fields[k] ?? fail('issuer'));
  const validity = children(expectTag(fields[k + 1], TAG.SEQUENCE, 'Validity'));
  const subject = readName(fields[k + 2] ?? fail('subject'));
  return {
    subject,
    issuer,
    notBefore: decodeTime(validity[0] ?? fail('notBefore')),
    notAfter: decodeTime(validity[1] ?? fail('notAfter')),
  };
}

/** The DER bodies of every `CERTIFICATE` block in a PEM text, in order. */
export function pemCertificates(pem: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;
  for (const m of pem.matchAll(re)) out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  return out;
}

/** A certificate together with the fields read from its DER. */
export interface LoadedCertificate {
  x509: X509Certificate;
  fields: CertificateFields;
  der: Buffer;
}

export function loadCertificate(der: Buffer): LoadedCertificate {
  const x509 = new X509Certificate(der);
  return { x509, fields: readCertificateFields(der), der };
}

/** Every certificate in a PEM file; ConfigError naming the file when there is none or one is broken. */
export function loadCertificateFile(file: string, what = 'certificate file'): LoadedCertificate[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what}: ${(err as Error).message}`, { file, cause: err });
  }
  const ders = pemCertificates(text);
  if (ders.length === 0) throw new ConfigError(`${what} holds no PEM certificate`, { file });
  return ders.map((der, i) => {
    try {
      return loadCertificate(der);
    } catch (err) {
      throw new ConfigError(`${what}: certificate #${i + 1} is not a valid X.509 certificate (${(err as Error).message})`, { file, cause: err });
    }
  });
}

/** Result of checking a certificate path to one of the trusted CAs at a moment. */
export type ChainResult = { ok: true; path: LoadedCertificate[] } | { ok: false; reason: string };

function issuedBy(child: LoadedCertificate, parent: LoadedCertificate): boolean {
  try {
    return child.x509.checkIssued(parent.x509) && child.x509.verify(parent.x509.publicKey);
  } catch {
    return false;
  }
}

/**
 * Builds and checks the path leaf → intermediates → trusted CA: every link
 * signed by the next, every issuer a CA. Validity dates are checked
 * separately (`checkValidity`) because a path, once found, can be cached.
 */
export function buildChain(leaf: LoadedCertificate, intermediates: LoadedCertificate[], roots: LoadedCertificate[], maxDepth = 6): ChainResult {
  const path: LoadedCertificate[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < maxDepth; depth++) {
    const root = roots.find((r) => issuedBy(current, r));
    if (root) {
      if (!root.x509.ca) return { ok: false, reason: `trusted certificate "${formatOpenssl(root.fields.subject)}" is not a CA certificate` };
      path.push(root);
      return { ok: true, path };
    }
    const next = intermediates.find((c) => !path.includes(c) && issuedBy(current, c));
    if (!next) {
      return {
        ok: false,
        reason: `certificate "${formatOpenssl(current.fields.subject)}" is not issued by a trusted CA (its issuer is "${formatOpenssl(current.fields.issuer)}")`,
      };
    }
    if (!next.x509.ca) return { ok: false, reason: `intermediate "${formatOpenssl(next.fields.subject)}" is not a CA certificate` };
    path.push(next);
    current = next;
  }
  return { ok: false, reason: `certificate path longer than ${maxDepth}` };
}

/** Checks every certificate of a path is valid at `now`; returns a reason when one is not. */
export function checkValidity(path: LoadedCertificate[], now: Date): string | undefined {
  for (const c of path) {
    const name = formatOpenssl(c.fields.subject);
    if (now < c.fields.notBefore) return `certificate "${name}" is not valid before ${c.fields.notBefore.toISOString()}`;
    if (now > c.fields.notAfter) return `certificate "${name}" expired at ${c.fields.notAfter.toISOString()}`;
  }
  return undefined;
}

/** Subject, issuer (OpenSSL form) and validity of the first certificate of a PEM text, e.g. to explain a TLS refusal. */
export function certificateSummary(pem: string | Buffer): { subject: string; issuer: string; notBefore: Date; notAfter: Date } {
  const der = pemCertificates(typeof pem === 'string' ? pem : pem.toString('utf8'))[0];
  if (der === undefined) throw new DerError('no PEM certificate');
  const f = readCertificateFields(der);
  return { subject: formatOpenssl(f.subject), issuer: formatOpenssl(f.issuer), notBefore: f.notBefore, notAfter: f.notAfter };
}
