import test from 'ava';
import fc from 'fast-check';
import { canonicalDn, dnEquals, DnError, formatJava, formatOpenssl, formatRfc2253, normalizeDn, parseDn, type Dn } from '../../security/dn.js';

const GRID = '/DC=ch/DC=cern/OU=computers/CN=mq.cern.ch';

test('OpenSSL, RFC 2253 and Java spellings of a grid DN are the same DN', (t) => {
  const forms = [GRID, 'CN=mq.cern.ch,OU=computers,DC=cern,DC=ch', 'CN=mq.cern.ch, OU=computers, DC=cern, DC=ch', 'cn=mq.cern.ch; ou=computers; dc=cern; dc=ch'];
  const parsed = forms.map(parseDn);
  for (const p of parsed) t.true(dnEquals(p, parsed[0]!), formatOpenssl(p));
  t.is(formatOpenssl(parsed[0]!), GRID);
  t.is(formatRfc2253(parsed[0]!), 'CN=mq.cern.ch,OU=computers,DC=cern,DC=ch');
  t.is(formatJava(parsed[0]!), 'CN=mq.cern.ch, OU=computers, DC=cern, DC=ch');
});

test('attribute type aliases and OIDs name the same attribute', (t) => {
  const a = parseDn('/C=UK/ST=London/emailAddress=ops@example.org/CN=x');
  const b = parseDn('CN=x,E=ops@example.org,S=London,countryName=UK');
  const c = parseDn('/2.5.4.6=UK/OID.2.5.4.8=London/1.2.840.113549.1.9.1=ops@example.org/CN=x');
  t.true(dnEquals(a, b));
  t.true(dnEquals(a, c));
  t.is(formatJava(a), 'CN=x, EMAILADDRESS=ops@example.org, ST=London, C=UK');
});

test('a slash inside a value (grid service DNs) is part of the value, not a separator', (t) => {
  const dn = parseDn('/DC=ch/DC=cern/OU=computers/CN=host/mq.cern.ch');
  t.is(dn.length, 4);
  t.deepEqual(dn[3], [{ type: '2.5.4.3', value: 'host/mq.cern.ch' }]);
  t.true(dnEquals(dn, parseDn('/DC=ch/DC=cern/OU=computers/CN=host\\/mq.cern.ch')), 'openssl -nameopt compat escapes the slash');
  t.true(dnEquals(dn, parseDn('CN=host/mq.cern.ch,OU=computers,DC=cern,DC=ch')));
  t.deepEqual(parseDn('/CN=a\\/B=c'), [[{ type: '2.5.4.3', value: 'a/B=c' }]], 'an escaped slash before TYPE= stays in the value');
  t.is(formatOpenssl([[{ type: '2.5.4.3', value: 'a/B=c+CN=d' }]]), '/CN=a\\/B=c\\+CN=d');
});

test('special characters: RFC 2253 escapes and Java quoting parse to the same value', (t) => {
  const dn = parseDn('/C=UK/O=eScience, Inc./CN=a+b "c"');
  t.is(formatRfc2253(dn), 'CN=a\\+b \\"c\\",O=eScience\\, Inc.,C=UK');
  t.is(formatJava(dn), 'CN="a+b \\"c\\"", O="eScience, Inc.", C=UK');
  t.true(dnEquals(parseDn(formatRfc2253(dn)), dn));
  t.true(dnEquals(parseDn(formatJava(dn)), dn));
  t.true(dnEquals(parseDn('CN=caf\\C3\\A9'), parseDn('/CN=café')), 'hex-escaped UTF-8');
  // Unicode spaces are value text, never trimmed like ASCII whitespace around the DN
  const nbsp: Dn = [[{ type: '2.5.4.3', value: '\u00a0' }], [{ type: '2.5.4.3', value: 'x\u3000' }]];
  for (const f of [formatOpenssl, formatRfc2253, formatJava]) t.true(dnEquals(parseDn(f(nbsp)), nbsp), f.name);
});

test('multi-valued RDNs compare regardless of the order of their attributes', (t) => {
  t.true(dnEquals(parseDn('/DC=org/CN=a+UID=b'), parseDn('UID=b+CN=a,DC=org')));
  t.false(dnEquals(parseDn('/DC=org/CN=a+UID=b'), parseDn('/DC=org/CN=a/UID=b')));
});

test('different DNs differ: order, value case, extra RDN', (t) => {
  t.false(dnEquals(parseDn('/DC=ch/DC=cern/CN=x'), parseDn('/DC=cern/DC=ch/CN=x')));
  t.false(dnEquals(parseDn('/DC=ch/CN=X'), parseDn('/DC=ch/CN=x')), 'values are compared exactly');
  t.true(dnEquals(parseDn('/dc=ch/cn=x'), parseDn('/DC=ch/CN=x')), 'types are case-insensitive');
  t.false(dnEquals(parseDn('/DC=ch/CN=x'), parseDn('/DC=ch/OU=y/CN=x')));
});

test('bad DNs are rejected with the reason', (t) => {
  for (const [text, reason] of [
    ['', /empty DN/],
    ['/XX=foo/CN=a', /unknown attribute type "XX"/],
    ['/DC=org/BOGUS=1/CN=x', /unknown attribute type "BOGUS" \(write \\\/ for a "\/" inside a value\)/],
    ['/DC=org/CN=a+Foo=b', /unknown attribute type "Foo"/],
    ['CN=a,=b', /unknown attribute type ""/],
    ['/CN=a\\', /lone backslash/],
    ['CN=#0403616263', /hex-encoded/],
    ['CN="open', /unterminated quoted value/],
    ['CN=', /empty value for CN/],
    ['just text', /expected TYPE=value/],
  ] as const) {
    const err = t.throws(() => parseDn(text), { instanceOf: DnError }, text);
    t.regex(err?.message ?? '', reason, text);
  }
});

test('normalizeDn renders any accepted spelling in OpenSSL form', (t) => {
  t.is(normalizeDn('CN=mq.cern.ch,OU=computers,DC=cern,DC=ch'), GRID);
  t.is(normalizeDn(' /DC=ch/DC=cern/OU=computers/CN=mq.cern.ch '), GRID);
});

const TYPES = ['2.5.4.3', '2.5.4.6', '2.5.4.10', '2.5.4.11', '0.9.2342.19200300.100.1.25', '0.9.2342.19200300.100.1.1', '1.2.840.113549.1.9.1', '2.5.4.65', '1.3.6.1.4.1.99999.1'];
const SPECIAL = ['/', '+', ',', ';', '=', '"', '\\', '<', '>', '#', ' ', '  ', '/CN=', '+OU=', ',DC=', 'é', '日本', '😀'];
const valueArb = fc
  .array(fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 })), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(''))
  // Control characters never occur in real DNs; RFC 2253 output hex-escapes them (tested above), Java does not.
  .filter((v) => v.length > 0 && !/[\u0000-\u001f\u007f]/.test(v));
const avaArb = fc.record({ type: fc.constantFrom(...TYPES), value: valueArb });
const dnArb: fc.Arbitrary<Dn> = fc.array(fc.array(avaArb, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 5 });

test('property: every DN survives OpenSSL, RFC 2253 and Java formatting and parsing', (t) => {
  fc.assert(
    fc.property(dnArb, (dn) => {
      const want = canonicalDn(dn);
      // Java prints a value that starts and ends with '"' unchanged (its own ambiguity, reproduced on purpose).
      const javaAmbiguous = dn.some((rdn) => rdn.some((a) => a.value.length > 1 && a.value.startsWith('"') && a.value.endsWith('"')));
      return (
        canonicalDn(parseDn(formatOpenssl(dn))) === want &&
        canonicalDn(parseDn(formatRfc2253(dn))) === want &&
        (javaAmbiguous || canonicalDn(parseDn(formatJava(dn))) === want)
      );
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
