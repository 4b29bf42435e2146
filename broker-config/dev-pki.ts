/**
 * The development PKI of `gridmsg dev up` (I/O edge): a throw-away CA under
 * STATE/pki and a certificate for every identity of the (localized)
 * registry, with the registry's own DNs: brokers (keystore + truststore for
 * ActiveMQ), sites, consumers and the monitoring user (PEM files for the
 * clients and for check-network/status). Kept across
 * runs like the generated passwords; an identity is issued again when its DN
 * changed in the registry or its certificate is about to expire.
 * NOT FOR PRODUCTION (docs/security.md).
 */
import fs from 'node:fs';
import { readCertificateFields, pemCertificates } from '../security/certificate.js';
import { dnEquals, parseDn } from '../security/dn.js';
import { caPaths, identityPaths, type IdentityKind } from '../security/pki-layout.js';
import { initCa, issueIdentity } from '../security/pki.js';
import { LOCAL_MONITOR_IDENTITY, localPkiDir, type Registry } from '../topology/index.js';

export interface DevIdentity {
  kind: Extract<IdentityKind, 'broker' | 'site' | 'consumer' | 'monitor'>;
  name: string;
  dn: string;
  /** Extra subjectAltNames (a broker's real host name). */
  san: string[];
}

/** Identities a localized registry needs (pure). `original` gives the brokers' real host names for their certificates. */
export function devIdentities(registry: Registry, original: Registry = registry): DevIdentity[] {
  const hostOf = new Map(original.brokers.map((b) => [b.name, b.host]));
  const out: DevIdentity[] = [];
  for (const b of registry.brokers) {
    if (!b.tls) continue;
    const host = hostOf.get(b.name);
    const san = host !== undefined && /[A-Za-z]/.test(host) && host !== 'localhost' ? [`DNS:${host}`] : [];
    out.push({ kind: 'broker', name: b.name, dn: b.tls.dn, san });
  }
  for (const s of registry.sites) if (s.certificateDn !== undefined) out.push({ kind: 'site', name: s.name, dn: s.certificateDn, san: [] });
  for (const c of registry.consumers) if (c.certificateDn !== undefined) out.push({ kind: 'consumer', name: c.name, dn: c.certificateDn, san: [] });
  // The monitoring certificate (gridmsg check-network and status over stomp+ssl).
  if (registry.monitoring?.certificateDn !== undefined) out.push({ kind: 'monitor', name: LOCAL_MONITOR_IDENTITY, dn: registry.monitoring.certificateDn, san: [] });
  return out;
}

const DAY = 86_400_000;

/** True when the identity exists with this DN, valid for at least another day (and a broker has its stores). */
function upToDate(pki: string, id: DevIdentity, now: Date): boolean {
  const p = identityPaths(pki, id.kind, id.name);
  if (!fs.existsSync(p.cert) || !fs.existsSync(p.key)) return false;
  if (id.kind === 'broker' && !(fs.existsSync(p.keystore) && fs.existsSync(p.truststore) && fs.existsSync(p.keystorePassword) && fs.existsSync(p.truststorePassword))) return false;
  try {
    const fields = readCertificateFields(pemCertificates(fs.readFileSync(p.cert, 'utf8'))[0]!);
    return dnEquals(fields.subject, parseDn(id.dn)) && fields.notAfter.getTime() > now.getTime() + DAY;
  } catch {
    return false;
  }
}

/** Runs `fn` on every item, at most `limit` at a time (keytool starts a JVM per broker). */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export interface DevPkiResult {
  /** STATE/pki, or undefined when the registry needs no certificate. */
  dir?: string;
  /** Identities issued by this call (the others were kept). */
  issued: string[];
}

/**
 * Creates STATE/pki and issues what is missing. `registry` is the localized
 * registry (its TLS paths point into STATE/pki), `original` the registry as
 * written (broker host names for the certificates' subjectAltName).
 */
export async function ensureDevPki(registry: Registry, original: Registry, stateDir: string, now: Date = new Date()): Promise<DevPkiResult> {
  const ids = devIdentities(registry, original);
  if (ids.length === 0) return { issued: [] };
  const pki = localPkiDir(stateDir);
  const newCa = !fs.existsSync(caPaths(pki).cert);
  // A new CA invalidates everything the previous one issued.
  if (newCa) await initCa({ dir: pki, force: fs.existsSync(caPaths(pki).dir) });
  const todo = newCa ? ids : ids.filter((id) => !upToDate(pki, id, now));
  await eachLimited(todo, 2, async (id) => {
    await issueIdentity({ dir: pki, kind: id.kind, name: id.name, dn: id.dn, san: id.san, force: true });
  });
  return { dir: pki, issued: todo.map((id) => `${id.kind} ${id.name}`) };
}
