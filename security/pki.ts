/**
 * A development certificate authority for demos and tests, built on
 * Debian's openssl (`openssl ca`) and Java's keytool. NOT FOR PRODUCTION:
 * the CA key sits unencrypted on disk and nothing is revoked. Production
 * uses the sites' existing host certificates (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, GridmsgError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { readCertificateFields, pemCertificates } from './certificate.js';
import { attributeName, DnError, formatOpenssl, parseDn, type Dn } from './dn.js';
import {
  caPaths,
  DEV_CA_DN,
  defaultIdentityDn,
  IDENTITY_KINDS,
  identityPaths,
  kindNeedsKeystore,
  type CaPaths,
  type IdentityKind,
  type IdentityPaths,
} from './pki-layout.js';
import { runTool } from './tools.js';

/** `ec` (P-256, default) and `rsa` (2048) work everywhere; `ed25519` is for message-signing identities only. */
export type KeyType = 'ec' | 'rsa' | 'ed25519';

export interface InitCaOptions {
  dir: string;
  dn?: string;
  days?: number;
  keyType?: KeyType;
  /** Replace an existing CA (every certificate it issued stops being trusted). */
  force?: boolean;
}

export interface CaInfo {
  dn: string;
  notAfter: Date;
  paths: CaPaths;
}

export interface IssueOptions {
  dir: string;
  kind: IdentityKind;
  name: string;
  /** Subject DN, OpenSSL (`/DC=../CN=..`) or RFC 2253 form. Default `/DC=org/DC=gridmsg-dev/OU=<kind>s/CN=<name>`. */
  dn?: string;
  days?: number;
  /** Issue a certificate whose validity ended yesterday (for refusal tests). */
  expired?: boolean;
  keyType?: KeyType;
  /** Extra subjectAltName entries (`DNS:mq.example.org`, `IP:10.0.0.1`); brokers always get their name, localhost and loopback. */
  san?: string[];
  /** Also write a Java keystore/truststore (always done for brokers and bridges). */
  keystore?: boolean;
  /** Replace an identity issued before. */
  force?: boolean;
  /** Clock, for tests. */
  now?: Date;
}

export interface IssuedIdentity {
  kind: IdentityKind;
  name: string;
  dn: string;
  notBefore: Date;
  notAfter: Date;
  paths: IdentityPaths;
  /** Whether keystore/truststore files were written. */
  keystore: boolean;
}

function caConfig(): string {
  return `# gridmsg development CA -- FOR DEMOS AND TESTS ONLY, NEVER FOR PRODUCTION.
# Used as: cd DIR/ca && openssl ca -config openssl.cnf ...
[ ca ]
default_ca = gridmsg_dev_ca

[ gridmsg_dev_ca ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/issued
certificate = $dir/ca.pem
private_key = $dir/ca.key
rand_serial = yes
default_md = sha256
default_days = 365
policy = policy_any
# the subject is kept exactly as requested: gridmsg passes -preserveDN
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only

[ policy_any ]
commonName = supplied

[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes

[ req_dn ]

[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;
}

function leafExtensions(kind: IdentityKind, keyType: KeyType, san: string[]): string {
  const usage = keyType === 'rsa' ? 'digitalSignature, keyEncipherment' : 'digitalSignature';
  const eku = kind === 'broker' ? 'serverAuth, clientAuth' : 'clientAuth';
  const lines = [
    '[ leaf ]',
    'basicConstraints = critical, CA:false',
    `keyUsage = critical, ${usage}`,
    `extendedKeyUsage = ${eku}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid, issuer',
  ];
  if (san.length > 0) lines.push(`subjectAltName = ${san.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** `-subj` argument for openssl: every `/`, `+` and `\` in a value escaped. */
export function opensslSubject(dn: Dn): string {
  const esc = (v: string): string => v.replace(/[\\/+]/g, (c) => '\\' + c);
  return dn.map((rdn) => '/' + rdn.map((a) => `${attributeName(a.type)}=${esc(a.value)}`).join('+')).join('');
}

function parseDnOption(text: string): Dn {
  try {
    const dn = parseDn(text);
    if (!dn.some((rdn) => rdn.some((a) => a.type === '2.5.4.3'))) throw new DnError('a CN is required');
    return dn;
  } catch (err) {
    throw new ConfigError(`invalid DN "${text}": ${(err as Error).message}`, { path: '--dn' });
  }
}

function positiveDays(days: number | undefined, fallback: number): number {
  const d = days ?? fallback;
  if (!Number.isInteger(d) || d < 1 || d > 36500) throw new ConfigError(`must be a whole number of days from 1 to 36500, not ${String(days)}`, { path: '--days' });
  return d;
}

/** `YYYYMMDDHHMMSSZ`, what `openssl ca -startdate/-enddate` take. */
function generalizedTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

async function generateKey(keyType: KeyType): Promise<Buffer> {
  const args =
    keyType === 'rsa'
      ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : keyType === 'ed25519'
        ? ['genpkey', '-algorithm', 'ED25519']
        : ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const { stdout } = await runTool('openssl', args);
  return stdout;
}

/** A password for a keystore: 32 random base64url characters. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridmsg-pki-'));
  fs.chmodSync(dir, 0o700);
  return fn(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding DIR/ca/.lock: `openssl ca` rewrites its database by
 * rename and two concurrent runs (in this process or another) corrupt it.
 * A lock left by a dead process is taken over.
 */
export async function withCaLock<T>(caDir: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const lock = path.join(caDir, '.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8'));
      } catch {
        /* removed meanwhile */
      }
      if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) fs.rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new GridmsgError('PKI_LOCKED', `the CA in ${caDir} is locked by process ${holder}`, { file: lock });
      else await sleep(20 + Math.random() * 30);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Creates DIR/ca: key, self-signed CA certificate, `openssl ca` database. */
export async function initCa(options: InitCaOptions): Promise<CaInfo> {
  const paths = caPaths(options.dir);
  const dn = parseDnOption(options.dn ?? DEV_CA_DN);
  const days = positiveDays(options.days, 3650);
  if (fs.existsSync(paths.cert) && !options.force) {
    throw new GridmsgError('PKI_EXISTS', `a CA already exists in ${paths.dir} (use --force to replace it; certificates it issued stop being trusted)`, {
      file: paths.cert,
    });
  }
  if (options.force) fs.rmSync(paths.dir, { recursive: true, force: true });
  fs.mkdirSync(paths.issuedDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(paths.dir, 0o700);
  writeFileAtomic(paths.config, caConfig());
  writeFileAtomic(paths.database, '');
  writeFileAtomic(paths.key, await generateKey(options.keyType ?? 'ec'), 0o600);
  await runTool(
    'openssl',
    ['req', '-x509', '-new', '-config', 'openssl.cnf', '-extensions', 'v3_ca', '-key', 'ca.key', '-subj', opensslSubject(dn), '-utf8', '-days', String(days), '-sha256', '-out', 'ca.pem'],
    { cwd: paths.dir },
  );
  fs.chmodSync(paths.cert, 0o644);
  writeFileAtomic(
    path.join(options.dir, 'DEVELOPMENT-ONLY.txt'),
    'This directory is a gridmsg development CA made by `gridmsg pki init`.\n' +
      'Its CA key is stored unencrypted and nothing here can be revoked.\n' +
      'Use it for demos and tests only; production brokers and sites use their\n' +
      "existing host certificates (IGTF CAs). See docs/security.md.\n",
  );
  const fields = readCertificateFields(pemCertificates(fs.readFileSync(paths.cert, 'utf8'))[0]!);
  return { dn: formatOpenssl(fields.subject), notAfter: fields.notAfter, paths };
}

function defaultSan(kind: IdentityKind, name: string): string[] {
  if (kind !== 'broker') return [];
  return [`DNS:${name}`, 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1'];
}

function validateSan(entry: string): string {
  if (!/^(DNS:[A-Za-z0-9*._-]+|IP:[0-9A-Fa-f:.]+|email:[^\s,]+|URI:[^\s,]+)$/.test(entry)) {
    throw new ConfigError(`invalid subjectAltName "${entry}" (use DNS:name, IP:address, email:addr or URI:uri)`, { path: '--san' });
  }
  return entry;
}

/**
 * Issues a certificate for a broker, site, consumer or network bridge,
 * signed by the CA in DIR/ca, and writes its files (see pki-layout.ts).
 */
export async function issueIdentity(options: IssueOptions): Promise<IssuedIdentity> {
  if (!(IDENTITY_KINDS as readonly string[]).includes(options.kind)) {
    throw new ConfigError(`unknown kind "${String(options.kind)}" (one of ${IDENTITY_KINDS.join(', ')})`, { path: '--kind' });
  }
  const ca = caPaths(options.dir);
  if (!fs.existsSync(ca.cert) || !fs.existsSync(ca.key)) {
    throw new GridmsgError('PKI_NO_CA', `no CA in ${ca.dir}: run "gridmsg pki init --dir ${options.dir}" first`, { file: ca.cert });
  }
  const paths = identityPaths(options.dir, options.kind, options.name);
  const dn = parseDnOption(options.dn ?? defaultIdentityDn(options.kind, options.name));
  const keyType = options.keyType ?? 'ec';
  const days = positiveDays(options.days, options.expired ? 30 : 365);
  const san = [...new Set([...defaultSan(options.kind, options.name), ...(options.san ?? []).map(validateSan)])];
  if (fs.existsSync(paths.cert) && !options.force) {
    throw new GridmsgError('PKI_EXISTS', `${options.kind} "${options.name}" was already issued in ${paths.dir} (use --force to replace it)`, { file: paths.cert });
  }
  const now = options.now ?? new Date();
  const DAY = 86_400_000;
  // Backdated a few minutes so that a peer whose clock is slightly behind accepts it at once.
  const start = options.expired ? new Date(now.getTime() - (days + 1) * DAY) : new Date(now.getTime() - 5 * 60_000);
  const end = options.expired ? new Date(now.getTime() - DAY) : new Date(now.getTime() + days * DAY);

  fs.mkdirSync(paths.dir, { recursive: true });
  writeFileAtomic(paths.key, await generateKey(keyType), 0o600);
  await withTempDir(async (tmp) => {
    const csr = path.join(tmp, 'request.csr');
    const ext = path.join(tmp, 'extensions.cnf');
    const out = path.join(tmp, 'cert.pem');
    fs.writeFileSync(ext, leafExtensions(options.kind, keyType, san));
    await runTool('openssl', ['req', '-new', '-config', ca.config, '-key', paths.key, '-subj', opensslSubject(dn), '-utf8', '-out', csr]);
    await withCaLock(ca.dir, () =>
      runTool(
        'openssl',
        ['ca', '-batch', '-notext', '-preserveDN', '-config', 'openssl.cnf', '-in', csr, '-out', out, '-extfile', ext, '-extensions', 'leaf', '-startdate', generalizedTime(start), '-enddate', generalizedTime(end)],
        { cwd: ca.dir },
      ),
    );
    const certPem = fs.readFileSync(out, 'utf8');
    const caPem = fs.readFileSync(ca.cert, 'utf8');
    writeFileAtomic(paths.cert, certPem);
    writeFileAtomic(paths.ca, caPem);
    writeFileAtomic(paths.chain, certPem.trimEnd() + '\n' + caPem);
  });
  const fields = readCertificateFields(pemCertificates(fs.readFileSync(paths.cert, 'utf8'))[0]!);
  writeFileAtomic(paths.subject, formatOpenssl(fields.subject) + '\n');

  const keystore = options.keystore === true || kindNeedsKeystore(options.kind);
  if (keystore) await writeKeystores(paths, options.name);
  else {
    for (const f of [paths.keystore, paths.keystorePassword, paths.truststore, paths.truststorePassword]) fs.rmSync(f, { force: true });
  }
  return { kind: options.kind, name: options.name, dn: formatOpenssl(fields.subject), notBefore: fields.notBefore, notAfter: fields.notAfter, paths, keystore };
}

/**
 * PKCS#12 keystore (key + certificate + CA) with openssl, PKCS#12 truststore
 * (the CA as a trusted entry, which only keytool writes in a form Java reads)
 * with keytool; random passwords in 0600 files next to them.
 */
async function writeKeystores(paths: IdentityPaths, alias: string): Promise<void> {
  writeFileAtomic(paths.keystorePassword, generatePassword() + '\n', 0o600);
  writeFileAtomic(paths.truststorePassword, generatePassword() + '\n', 0o600);
  const { stdout } = await runTool('openssl', [
    'pkcs12', '-export', '-in', paths.cert, '-inkey', paths.key, '-certfile', paths.ca, '-name', alias, '-passout', `file:${paths.keystorePassword}`,
  ]);
  writeFileAtomic(paths.keystore, stdout, 0o600);
  await withTempDir(async (tmp) => {
    const store = path.join(tmp, 'truststore.p12');
    await runTool('keytool', [
      '-importcert', '-noprompt', '-alias', 'gridmsg-ca', '-file', paths.ca, '-keystore', store, '-storetype', 'PKCS12', '-storepass:file', paths.truststorePassword,
    ]);
    writeFileAtomic(paths.truststore, fs.readFileSync(store), 0o600);
  });
}

/** Reads a password file written by `pki issue` (first line). */
export function readPasswordFile(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  return text.split('\n')[0]!.replace(/\r$/, '');
}
