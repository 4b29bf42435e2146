/**
 * Distinguished names. The grid writes them the OpenSSL way
 * (`/DC=ch/DC=cern/OU=computers/CN=mq.cern.ch`, most significant first),
 * LDAP and most libraries the RFC 2253 way (`CN=mq.cern.ch,OU=computers,DC=cern,DC=ch`,
 * least significant first) and Java (ActiveMQ's JAAS certificate login)
 * its own RFC 1779-like way (`CN=mq.cern.ch, OU=computers, DC=cern, DC=ch`).
 * All three parse into one structure and compare equal when they name the
 * same subject: attribute types by OID, values exactly (case-sensitive).
 */

/** One attribute: type as a dotted OID, value as text. */
export interface Ava {
  type: string;
  value: string;
}
/** A relative distinguished name: usually one attribute, sometimes several (`+`). */
export type Rdn = Ava[];
/** A DN as its RDNs, most significant first (the order inside a certificate). */
export type Dn = Rdn[];

export class DnError extends Error {
  override readonly name = 'DnError';
}

interface AttributeName {
  oid: string;
  /** OpenSSL short name, used for the OpenSSL and RFC 2253 forms. */
  openssl: string;
  /** Keyword Java's X500Name.toString() prints, or undefined for `OID.x.y.z`. */
  java?: string;
  /** Other accepted spellings (compared case-insensitively). */
  aliases: string[];
}

const ATTRIBUTES: AttributeName[] = [
  { oid: '2.5.4.3', openssl: 'CN', java: 'CN', aliases: ['commonName'] },
  { oid: '2.5.4.4', openssl: 'SN', java: 'SURNAME', aliases: ['surname'] },
  { oid: '2.5.4.5', openssl: 'serialNumber', java: 'SERIALNUMBER', aliases: [] },
  { oid: '2.5.4.6', openssl: 'C', java: 'C', aliases: ['countryName'] },
  { oid: '2.5.4.7', openssl: 'L', java: 'L', aliases: ['localityName'] },
  { oid: '2.5.4.8', openssl: 'ST', java: 'ST', aliases: ['S', 'stateOrProvinceName'] },
  { oid: '2.5.4.9', openssl: 'street', java: 'STREET', aliases: ['streetAddress'] },
  { oid: '2.5.4.10', openssl: 'O', java: 'O', aliases: ['organizationName'] },
  { oid: '2.5.4.11', openssl: 'OU', java: 'OU', aliases: ['organizationalUnitName'] },
  { oid: '2.5.4.12', openssl: 'title', java: 'T', aliases: ['T'] },
  { oid: '2.5.4.42', openssl: 'GN', java: 'GIVENNAME', aliases: ['givenName'] },
  { oid: '2.5.4.43', openssl: 'initials', java: 'INITIALS', aliases: [] },
  { oid: '2.5.4.44', openssl: 'generationQualifier', java: 'GENERATION', aliases: ['generation'] },
  { oid: '2.5.4.46', openssl: 'dnQualifier', java: 'DNQ', aliases: ['DNQ'] },
  { oid: '2.5.4.65', openssl: 'pseudonym', aliases: [] },
  { oid: '0.9.2342.19200300.100.1.25', openssl: 'DC', java: 'DC', aliases: ['domainComponent'] },
  { oid: '0.9.2342.19200300.100.1.1', openssl: 'UID', java: 'UID', aliases: ['userid'] },
  { oid: '1.2.840.113549.1.9.1', openssl: 'emailAddress', java: 'EMAILADDRESS', aliases: ['E', 'EMAIL'] },
];

const BY_OID = new Map(ATTRIBUTES.map((a) => [a.oid, a]));
const BY_NAME = new Map<string, AttributeName>();
for (const a of ATTRIBUTES) {
  for (const n of [a.openssl, ...a.aliases, ...(a.java ? [a.java] : [])]) BY_NAME.set(n.toLowerCase(), a);
}

const OID_RE = /^(?:OID\.)?([0-2](?:\.\d+)+)$/i;

/** Dotted OID of an attribute type name (`CN`, `commonName`, `OID.2.5.4.3`, `2.5.4.3`). */
export function attributeOid(name: string): string {
  const trimmed = name.trim();
  const known = BY_NAME.get(trimmed.toLowerCase());
  if (known) return known.oid;
  const m = OID_RE.exec(trimmed);
  if (m) return m[1]!;
  throw new DnError(`unknown attribute type "${trimmed}"`);
}

/** OpenSSL short name of an attribute type, or its dotted OID. */
export function attributeName(oid: string): string {
  return BY_OID.get(oid)?.openssl ?? oid;
}

/** Whether `TYPE=` follows at `from`: a known type, something shaped like a type, or neither. */
function attributeStartAt(s: string, from: number): 'known' | 'unknown' | 'none' {
  const m = /^([A-Za-z][A-Za-z0-9-]*|(?:OID\.)?[0-2](?:\.\d+)+)\s*=/.exec(s.slice(from));
  if (!m) return 'none';
  const name = m[1]!;
  return BY_NAME.has(name.toLowerCase()) || OID_RE.test(name) ? 'known' : 'unknown';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Collects a value: characters as they are, escaped bytes decoded as UTF-8 runs. */
class ValueBuilder {
  private out = '';
  private pending: number[] = [];
  private flush(): void {
    if (this.pending.length === 0) return;
    try {
      this.out += utf8.decode(Uint8Array.from(this.pending));
    } catch {
      throw new DnError('escaped bytes are not valid UTF-8');
    }
    this.pending = [];
  }
  /** One UTF-16 code unit or more (surrogate halves join up in the string). */
  char(c: string): void {
    this.flush();
    this.out += c;
  }
  byte(b: number): void {
    this.pending.push(b);
  }
  text(): string {
    this.flush();
    return this.out;
  }
}

const HEX2 = /^[0-9A-Fa-f]{2}$/;

/** `/DC=ch/DC=cern/OU=computers/CN=host/mq.cern.ch`: `/` or `+` start a new attribute only before `TYPE=`. */
function parseOpenssl(text: string): Dn {
  const dn: Dn = [];
  let i = 1;
  let rdn: Rdn = [];
  while (i <= text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new DnError(`expected TYPE=value at position ${i + 1}`);
    const type = attributeOid(text.slice(i, eq));
    const value = new ValueBuilder();
    let j = eq + 1;
    let sep: '/' | '+' | undefined;
    for (; j < text.length; j++) {
      const c = text[j]!;
      if (c === '\\') {
        const hex = /^x([0-9A-Fa-f]{2})/.exec(text.slice(j + 1, j + 4));
        if (hex) {
          value.byte(parseInt(hex[1]!, 16));
          j += 3;
        } else if (j + 1 < text.length) {
          value.char(text[j + 1]!);
          j += 1;
        } else {
          throw new DnError('DN ends with a lone backslash');
        }
        continue;
      }
      if (c === '/' || c === '+') {
        const next = attributeStartAt(text, j + 1);
        if (next === 'known') {
          sep = c;
          break;
        }
        if (next === 'unknown') {
          const name = /^[A-Za-z0-9-]*/.exec(text.slice(j + 1))![0];
          throw new DnError(`unknown attribute type "${name}" (write \\${c} for a "${c}" inside a value)`);
        }
      }
      value.char(c);
    }
    rdn.push({ type, value: value.text() });
    if (sep === '+') {
      i = j + 1;
      continue;
    }
    dn.push(rdn);
    rdn = [];
    if (sep === undefined) break;
    i = j + 1;
  }
  return dn;
}

const RFC2253_SPECIAL = ',=+<>#;\\"';

/** `CN=mq.cern.ch,OU=computers,DC=cern,DC=ch` (also `, ` / `;` separators and `"quoted"` values, as Java prints them). */
function parseRfc2253(text: string): Dn {
  const rdnsLeastFirst: Dn = [];
  let rdn: Rdn = [];
  let i = 0;
  const n = text.length;
  const skipSpaces = (): void => {
    while (i < n && text[i] === ' ') i++;
  };
  for (;;) {
    skipSpaces();
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new DnError(`expected TYPE=value at position ${i + 1}`);
    const type = attributeOid(text.slice(i, eq));
    i = eq + 1;
    skipSpaces();
    const value = new ValueBuilder();
    if (text[i] === '#') throw new DnError('hex-encoded (#...) attribute values are not supported');
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new DnError('unterminated quoted value');
        const c = text[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const next = text.slice(i + 1, i + 3);
          if (HEX2.test(next)) {
            value.byte(parseInt(next, 16));
            i += 3;
          } else if (i + 1 < n) {
            value.char(text[i + 1]!);
            i += 2;
          } else throw new DnError('DN ends with a lone backslash');
          continue;
        }
        value.char(c);
        i++;
      }
      skipSpaces();
    } else {
      // Unquoted: trailing unescaped spaces are not part of the value.
      let pendingSpaces = 0;
      while (i < n) {
        const c = text[i]!;
        if (c === ',' || c === ';' || c === '+') break;
        if (c === '\\') {
          for (; pendingSpaces > 0; pendingSpaces--) value.char(' ');
          const next = text.slice(i + 1, i + 3);
          if (HEX2.test(next)) {
            value.byte(parseInt(next, 16));
            i += 3;
          } else if (i + 1 < n && (RFC2253_SPECIAL.includes(text[i + 1]!) || text[i + 1] === ' ')) {
            value.char(text[i + 1]!);
            i += 2;
          } else throw new DnError(`bad escape at position ${i + 1}`);
          continue;
        }
        if (c === ' ') {
          pendingSpaces++;
          i++;
          continue;
        }
        if (c === '"') throw new DnError(`unescaped quote at position ${i + 1}`);
        for (; pendingSpaces > 0; pendingSpaces--) value.char(' ');
        value.char(c);
        i++;
      }
    }
    rdn.push({ type, value: value.text() });
    if (i >= n) {
      rdnsLeastFirst.push(rdn);
      break;
    }
    const sep = text[i]!;
    i++;
    if (sep === '+') continue;
    if (sep !== ',' && sep !== ';') throw new DnError(`unexpected "${sep}" at position ${i}`);
    rdnsLeastFirst.push(rdn);
    rdn = [];
  }
  return rdnsLeastFirst.reverse();
}

/**
 * Drops surrounding ASCII whitespace (not Unicode spaces, which can be part
 * of a value), but not a trailing space that a backslash escapes.
 */
function trimDn(text: string): string {
  const start = text.replace(/^[ \t\r\n]+/, '');
  const end = start.replace(/[ \t\r\n]+$/, '');
  if (end.length === start.length) return end;
  const backslashes = /\\*$/.exec(end)![0].length;
  return backslashes % 2 === 1 ? end + start[end.length] : end;
}

/**
 * Parses a DN in OpenSSL form (starts with `/`) or RFC 2253 / Java form.
 * Throws DnError naming the problem.
 */
export function parseDn(text: string): Dn {
  const trimmed = trimDn(text);
  if (trimmed === '') throw new DnError('empty DN');
  const dn = trimmed.startsWith('/') ? parseOpenssl(trimmed) : parseRfc2253(trimmed);
  for (const rdn of dn) {
    for (const ava of rdn) if (ava.value === '') throw new DnError(`empty value for ${attributeName(ava.type)}`);
  }
  return dn;
}

function escapeOpensslValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') out += '\\\\';
    else if ((c === '/' || c === '+') && attributeStartAt(value, i + 1) !== 'none') out += '\\' + c;
    else if (c === ' ' && i === value.length - 1) out += '\\ ';
    else out += c;
  }
  return out;
}

/** `/DC=ch/DC=cern/OU=computers/CN=mq.cern.ch`: the grid's usual spelling. */
export function formatOpenssl(dn: Dn): string {
  return dn.map((rdn) => '/' + rdn.map((a) => `${attributeName(a.type)}=${escapeOpensslValue(a.value)}`).join('+')).join('');
}

function escapeRfc2253Value(value: string): string {
  let out = '';
  const chars = [...value];
  chars.forEach((c, i) => {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) out += '\\' + code.toString(16).toUpperCase().padStart(2, '0');
    else if (',+"\\<>;='.includes(c)) out += '\\' + c;
    else if (i === 0 && (c === '#' || c === ' ')) out += '\\' + c;
    else if (i === chars.length - 1 && c === ' ') out += '\\ ';
    else out += c;
  });
  return out;
}

/** `CN=mq.cern.ch,OU=computers,DC=cern,DC=ch` (RFC 2253 / RFC 4514). */
export function formatRfc2253(dn: Dn): string {
  return [...dn]
    .reverse()
    .map((rdn) => rdn.map((a) => `${attributeName(a.type)}=${escapeRfc2253Value(a.value)}`).join('+'))
    .join(',');
}

/** True for the characters Java's DerValue.isPrintableStringChar accepts. */
function isPrintableStringChar(c: string): boolean {
  return /^[A-Za-z0-9 '()+,\-./:=?]$/.test(c);
}

/** One value the way sun.security.x509.AVA.toKeywordValueString writes it. */
function javaValue(value: string): string {
  const escapees = ',+=\n<>#;\\"';
  let quoteNeeded = false;
  let previousWhite = false;
  let buf = '';
  const length = value.length;
  const alreadyQuoted = length > 1 && value[0] === '"' && value[length - 1] === '"';
  for (let i = 0; i < length; i++) {
    const c = value[i]!;
    if (alreadyQuoted && (i === 0 || i === length - 1)) {
      buf += c;
      continue;
    }
    if (isPrintableStringChar(c) || escapees.includes(c)) {
      if (!quoteNeeded && ((i === 0 && (c === ' ' || c === '\n')) || escapees.includes(c))) quoteNeeded = true;
      if (!(c === ' ' || c === '\n')) {
        if (c === '"' || c === '\\') buf += '\\';
        previousWhite = false;
      } else {
        if (!quoteNeeded && previousWhite) quoteNeeded = true;
        previousWhite = true;
      }
      buf += c;
    } else {
      previousWhite = false;
      buf += c;
    }
  }
  const last = buf[buf.length - 1];
  if (last === ' ' || last === '\n') quoteNeeded = true;
  return !alreadyQuoted && quoteNeeded ? `"${buf}"` : buf;
}

/**
 * The DN exactly as Java's `X509Certificate.getSubjectDN().getName()` prints it,
 * which is the string ActiveMQ's TextFileCertificateLoginModule looks up in
 * its users file: `CN=mq.cern.ch, OU=computers, DC=cern, DC=ch`.
 */
export function formatJava(dn: Dn): string {
  return [...dn]
    .reverse()
    .map((rdn) =>
      rdn
        .map((a) => {
          const keyword = BY_OID.get(a.type)?.java ?? `OID.${a.type}`;
          return `${keyword}=${javaValue(a.value)}`;
        })
        .join(' + '),
    )
    .join(', ');
}

function canonicalRdn(rdn: Rdn): string {
  return rdn
    .map((a) => `${a.type}=${JSON.stringify(a.value)}`)
    .sort()
    .join('+');
}

/** A string equal for two DNs exactly when they name the same subject. */
export function canonicalDn(dn: Dn): string {
  return dn.map(canonicalRdn).join('/');
}

export function dnEquals(a: Dn, b: Dn): boolean {
  return canonicalDn(a) === canonicalDn(b);
}

/** Parses (if needed) and renders in OpenSSL form: the form gridmsg shows and stores. */
export function normalizeDn(dn: string | Dn): string {
  return formatOpenssl(typeof dn === 'string' ? parseDn(dn) : dn);
}
