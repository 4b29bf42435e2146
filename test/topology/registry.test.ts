import test from 'ava';
import { Ajv } from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import {
  checkRegistryText,
  formatSize,
  loadRegistry,
  parseRegistry,
  parseSize,
  registrySchema,
  segmentProblem,
  siteTopic,
  DEFAULT_LIMITS,
} from '../../topology/index.js';

const root = path.join(import.meta.dirname, '..', '..');
const example = path.join(root, 'examples', 'registry.yaml');

test('the example registry is valid and EGI-like: 2+ regional pairs, a central pair, 12+ sites, several tenants', (t) => {
  const r = loadRegistry(example);
  t.true(r.pairs.length >= 3);
  t.true(r.pairs.every((p) => p.brokers.length === 2));
  t.true(r.sites.length >= 12);
  t.true(new Set(r.sites.map((s) => s.tenant)).size >= 2);
  t.true(r.brokers.every((b) => b.host.includes('.')));
  for (const name of ['CERN-PROD', 'egee.srce.hr', 'UKI-LT2-QMUL']) t.truthy(r.sites.find((s) => s.name === name));
  t.true(r.consumers.some((c) => c.reads.all));
  t.true(r.consumers.some((c) => c.reads.ngis !== undefined));
});

test('defaults apply: tenant, role, limits, lock, store shared by the pair, username from the site name', (t) => {
  const r = loadRegistry(example);
  const qmul = r.sites.find((s) => s.name === 'UKI-LT2-QMUL')!;
  t.is(qmul.tenant, 'EGI');
  t.is(qmul.role, 'site');
  t.is(qmul.credentials.username, 'UKI-LT2-QMUL');
  const north = r.brokers.filter((b) => b.name.startsWith('north-'));
  t.deepEqual(new Set(north.map((b) => b.store)), new Set(['/srv/shared/gridmsg/eu-north/kahadb']));
  t.is(north[0]!.limits.heapBytes, 512 * 1024 ** 2);
  const central = r.brokers.find((b) => b.name === 'central-a')!;
  t.is(central.limits.memoryBytes, 512 * 1024 ** 2);
  t.is(central.limits.maxConnections, 1000);
  t.is(central.listen, '0.0.0.0');
  t.deepEqual(r.pairs[0]!.lock, { keepAliveMs: 5000, retryMs: 2000 });
});

test('destination naming: grid convention, dots in site names become underscores', (t) => {
  const r = loadRegistry(example);
  const srce = r.sites.find((s) => s.name === 'egee.srce.hr')!;
  t.is(siteTopic(r.naming, srce), 'grid.probe.metricOutput.EGI.site.egee_srce_hr');
  const cern = r.sites.find((s) => s.name === 'CERN-PROD')!;
  t.is(siteTopic(r.naming, cern), 'grid.probe.metricOutput.WLCG.site.CERN-PROD');
  const ngi = r.sites.find((s) => s.name === 'NGI_HR')!;
  t.is(siteTopic(r.naming, ngi), 'grid.probe.metricOutput.EGI.ngi.NGI_HR');
  t.is(siteTopic({ prefix: 'egi.mon', pattern: '{prefix}.results.{site}.{tenant}' }, cern), 'egi.mon.results.CERN-PROD.WLCG');
});

test('segment checks name the offending character', (t) => {
  t.is(segmentProblem('CERN-PROD'), undefined);
  t.regex(segmentProblem('a>b')!, /'>' is an ActiveMQ wildcard/);
  t.regex(segmentProblem('a,b')!, /composite/);
  t.regex(segmentProblem('é')!, /not allowed/);
  t.is(segmentProblem(''), 'is empty');
});

test('sizes: integers and "N unit" strings, binary multiples', (t) => {
  t.is(parseSize('512 mb'), 512 * 1024 ** 2);
  t.is(parseSize('2gb'), 2 * 1024 ** 3);
  t.is(parseSize('1.5 KB'), 1536);
  t.is(parseSize(4096), 4096);
  t.is(parseSize('lots'), undefined);
  t.is(parseSize(-1), undefined);
  t.is(formatSize(256 * 1024 ** 2), '256 mb');
  t.is(formatSize(1536), '1536');
  t.is(formatSize(DEFAULT_LIMITS.storeBytes), '8 gb');
});

test('the published JSON Schema is itself valid draft-07 and accepts the example', (t) => {
  const ajv = new Ajv({ strict: false });
  const validate = ajv.compile(registrySchema);
  const { parse } = JSON;
  const schemaFile = JSON.stringify(parse(fs.readFileSync(path.join(root, 'topology', 'registry.schema.json'), 'utf8')));
  t.is(schemaFile, JSON.stringify(registrySchema));
  const r = checkRegistryText(fs.readFileSync(example, 'utf8'), example);
  t.true(r.ok);
  t.true(ajv.validateSchema(registrySchema) as boolean);
  t.truthy(validate);
});

test('warnings do not make a registry invalid', (t) => {
  const text = fs.readFileSync(path.join(root, 'test', 'fixtures', 'registries', 'valid-minimal.yaml'), 'utf8').replace('[a1, a2]', '[a1]').replace('  - { name: a2,', '  # - { name: a2,');
  const r = checkRegistryText(text, 'w.yaml');
  t.true(r.ok, r.problems.map((p) => p.message).join('\n'));
  t.true(r.problems.some((p) => p.severity === 'warning' && /no failover partner/.test(p.message)));
});

test('parseRegistry resolves relative secret paths against the given directory', (t) => {
  const text = fs.readFileSync(path.join(root, 'test', 'fixtures', 'registries', 'valid-minimal.yaml'), 'utf8');
  const r = parseRegistry(text, 'mem.yaml', '/etc/gridmsg');
  t.is(r.baseDir, '/etc/gridmsg');
  t.is(r.sites[0]!.credentials.passwordFile, 'secrets/cern.pw');
  t.deepEqual(r.locate(['sites', 0, 'pair']), { line: 17, column: 30 });
});

test('TLS is the default: the example has no warning; plain ports are warnings, not errors', (t) => {
  const r = checkRegistryText(fs.readFileSync(example, 'utf8'), example);
  t.true(r.ok);
  t.deepEqual(r.problems, []);
  const plain = checkRegistryText(fs.readFileSync(path.join(root, 'test', 'fixtures', 'registries', 'valid-example-plain.yaml'), 'utf8'), 'plain.yaml');
  t.true(plain.ok, plain.problems.map((p) => p.message).join('\n'));
  const warnings = plain.problems.filter((p) => p.severity === 'warning').map((p) => `${p.path}: ${p.message}`);
  t.is(warnings.length, 6);
  t.true(warnings.every((w) => /^brokers\[\d\]\.ports: broker "[a-z-]+" has no tls identity: clients and bridges log in with passwords over plain STOMP and OpenWire, unencrypted/.test(w)), warnings.join('\n'));
  const mixed = checkRegistryText(fs.readFileSync(path.join(root, 'test', 'fixtures', 'registries', 'valid-tls-mixed.yaml'), 'utf8'), 'mixed.yaml');
  t.true(mixed.ok);
  t.deepEqual(
    mixed.problems.filter((p) => p.path.includes('ports')).map((p) => `${p.line}:${p.column} ${p.severity} ${p.path}`),
    ['17:58 warning brokers[0].ports.stomp'],
  );
});

test('TLS identities load: broker DN and store password references, site and consumer DNs, client files, signing', (t) => {
  const r = loadRegistry(example);
  const central = r.brokers.find((b) => b.name === 'central-a')!;
  t.deepEqual(central.ports, { stompSsl: 61614, openwireSsl: 61617 });
  t.is(central.tls!.dn, '/DC=org/DC=terena/DC=tcs/C=NL/O=Grid Messaging Example/CN=mq1.central.grid-msg.example.org');
  t.deepEqual(central.tls!.keyStorePassword, { file: '/etc/gridmsg/secrets/keystore.password' });
  t.is(central.tls!.keyStore, undefined);
  const cern = r.sites.find((s) => s.name === 'CERN-PROD')!;
  t.is(cern.certificateDn, '/DC=ch/DC=cern/OU=computers/CN=nagios.cern.ch');
  t.deepEqual(cern.credentials.passwordFile, undefined);
  t.true(r.security.signing.enabled);
  t.is(r.security.signing.caFile, '/etc/gridmsg/tls/igtf-sites-ca.pem');
  t.deepEqual(r.security.clientTls, { caFile: '/etc/gridmsg/tls/brokers-ca.pem', certFile: '/etc/grid-security/hostcert.pem', keyFile: '/etc/gridmsg/tls/hostkey.pem' });
  // Built-in defaults where the registry says nothing.
  const minimal = loadRegistry(path.join(root, 'test', 'fixtures', 'registries', 'valid-minimal.yaml'));
  t.deepEqual(minimal.security, {
    clientTls: { caFile: '/etc/gridmsg/tls/ca-bundle.pem', certFile: '/etc/grid-security/hostcert.pem', keyFile: '/etc/grid-security/hostkey.pem' },
    signing: { enabled: false, caFile: '/etc/gridmsg/tls/ca-bundle.pem' },
  });
});

test('a password is never accepted inline, also not for a keystore', (t) => {
  const text = fs.readFileSync(example, 'utf8').replace('keyStorePasswordFile: /etc/gridmsg/secrets/keystore.password ', 'keyStorePassword: changeit ');
  const r = checkRegistryText(text, 'inline.yaml');
  t.false(r.ok);
  t.true(r.problems.some((p) => p.path === 'brokers[0].tls.keyStorePassword' && p.message === 'passwords are never written in the registry: use keyStorePasswordFile or keyStorePasswordEnv'), r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
});
