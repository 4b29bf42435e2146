import test from 'ava';
import path from 'node:path';
import { checkRegistryText, loadRegistry, localize, localPortCount, buildNetwork } from '../../topology/index.js';
import { stringify } from 'yaml';

const example = loadRegistry(path.join(import.meta.dirname, '..', '..', 'examples', 'registry.yaml'));
const plainExample = loadRegistry(path.join(import.meta.dirname, '..', 'fixtures', 'registries', 'valid-example-plain.yaml'));

test('localize: loopback, given ports, state-dir paths, pairs still share one store, passwords from files', (t) => {
  const n = localPortCount(plainExample);
  t.is(n, plainExample.brokers.length * 2);
  const ports = Array.from({ length: n }, (_, i) => 40000 + i);
  const local = localize(plainExample, { stateDir: '/tmp/state/', ports, maxHeapMb: 256 });
  t.true(local.brokers.every((b) => b.host === '127.0.0.1' && b.listen === '127.0.0.1'));
  const used = local.brokers.flatMap((b) => [b.ports.stomp, b.ports.openwire]);
  t.deepEqual([...used].sort(), [...ports].sort());
  for (const p of local.pairs) {
    const stores = new Set(local.brokers.filter((b) => p.brokers.includes(b.name)).map((b) => b.store));
    t.deepEqual([...stores], [`/tmp/state/stores/${p.name}/kahadb`]);
  }
  t.true(local.brokers.every((b) => b.dataDir === `/tmp/state/brokers/${b.name}/data`));
  const creds = [local.network.credentials, ...local.sites.map((s) => s.credentials), ...local.consumers.map((c) => c.credentials)];
  t.true(creds.every((c) => c.passwordFile === `/tmp/state/secrets/${c.username}.password` && c.passwordEnv === undefined));
  t.true(local.brokers.every((b) => b.limits.heapBytes === 256 * 1024 ** 2 && b.limits.memoryBytes <= 128 * 1024 ** 2));
  // Same network shape as the original.
  t.deepEqual(buildNetwork(local).links, buildNetwork(plainExample).links);
  // The original is untouched.
  t.is(plainExample.brokers[0]!.host, 'mq1.central.grid-msg.example.org');
});

test('localize a TLS registry: ssl ports, the development PKI under the state dir, the same DNs, no invented passwords', (t) => {
  const n = localPortCount(example);
  t.is(n, example.brokers.length * 2);
  const local = localize(example, { stateDir: '/tmp/state', ports: Array.from({ length: n }, (_, i) => 42000 + i) });
  for (const b of local.brokers) {
    const orig = example.brokers.find((x) => x.name === b.name)!;
    t.deepEqual(Object.keys(b.ports).sort(), ['openwireSsl', 'stompSsl']);
    t.is(b.tls!.dn, orig.tls!.dn);
    t.is(b.tls!.keyStore, `/tmp/state/pki/brokers/${b.name}/keystore.p12`);
    t.is(b.tls!.trustStore, `/tmp/state/pki/brokers/${b.name}/truststore.p12`);
    t.deepEqual(b.tls!.keyStorePassword, { file: `/tmp/state/pki/brokers/${b.name}/keystore.password` });
    t.deepEqual(b.tls!.trustStorePassword, { file: `/tmp/state/pki/brokers/${b.name}/truststore.password` });
  }
  const cern = local.sites.find((s) => s.name === 'CERN-PROD')!;
  t.is(cern.certificateDn, '/DC=ch/DC=cern/OU=computers/CN=nagios.cern.ch');
  t.deepEqual(cern.tls, { caFile: '/tmp/state/pki/ca/ca.pem', certFile: '/tmp/state/pki/sites/CERN-PROD/cert.pem', keyFile: '/tmp/state/pki/sites/CERN-PROD/key.pem' });
  t.deepEqual(local.consumers.find((c) => c.name === 'ngi-uk')!.tls!.certFile, '/tmp/state/pki/consumers/ngi-uk/cert.pem');
  // Certificate-only users stay so; the network user keeps a (local) password.
  t.is(cern.credentials.passwordFile, undefined);
  t.is(local.network.credentials.passwordFile, '/tmp/state/secrets/gridmsg-network.password');
  t.is(local.security.signing.caFile, '/tmp/state/pki/ca/ca.pem');
  t.true(local.security.signing.enabled);
  t.deepEqual(buildNetwork(local).links, buildNetwork(example).links);
});

test('localize refuses too few or repeated ports', (t) => {
  t.throws(() => localize(example, { stateDir: '/s', ports: [1, 2, 3] }), { message: /needs 12 ports/ });
  t.throws(() => localize(example, { stateDir: '/s', ports: Array.from({ length: 12 }, () => 5) }), { message: /distinct/ });
});

test('a localized registry passes the same checks (written back as YAML it stays valid)', (t) => {
  const local = localize(example, { stateDir: '/tmp/s', ports: Array.from({ length: 12 }, (_, i) => 41000 + i) });
  const yaml = stringify({
    version: 1,
    defaults: { tenant: 'EGI' },
    signing: { enabled: local.security.signing.enabled, caFile: local.security.signing.caFile },
    network: { topology: local.network.topology, hub: local.network.hub, credentials: { passwordFile: local.network.credentials.passwordFile } },
    brokers: local.brokers.map((b) => ({
      name: b.name,
      host: b.host,
      ports: b.ports,
      dataDir: b.dataDir,
      store: b.store,
      tls: { dn: b.tls!.dn, keyStore: b.tls!.keyStore, keyStorePasswordFile: b.tls!.keyStorePassword.file, trustStore: b.tls!.trustStore, trustStorePasswordFile: b.tls!.trustStorePassword.file },
    })),
    pairs: local.pairs.map((p) => ({ name: p.name, brokers: p.brokers })),
    sites: local.sites.map((s) => ({ name: s.name, tenant: s.tenant, role: s.role, ...(s.ngi ? { ngi: s.ngi } : {}), pair: s.pair, fallback: s.fallback, certificateDn: s.certificateDn, tls: s.tls, credentials: { username: s.credentials.username } })),
    consumers: local.consumers.map((c) => ({ name: c.name, pair: c.pair, reads: c.reads.all ? 'all' : { ngis: c.reads.ngis }, certificateDn: c.certificateDn, tls: c.tls, credentials: { username: c.credentials.username } })),
  });
  const r = checkRegistryText(yaml, 'local.yaml');
  t.true(r.ok, r.problems.map((p) => p.message).join('\n'));
});
