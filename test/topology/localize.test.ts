import test from 'ava';
import path from 'node:path';
import { checkRegistryText, loadRegistry, localize, localPortCount, buildNetwork } from '../../topology/index.js';
import { stringify } from 'yaml';

const example = loadRegistry(path.join(import.meta.dirname, '..', '..', 'examples', 'registry.yaml'));

test('localize: loopback, given ports, state-dir paths, pairs still share one store, passwords from files', (t) => {
  const n = localPortCount(example);
  t.is(n, example.brokers.length * 3);
  const ports = Array.from({ length: n }, (_, i) => 40000 + i);
  const local = localize(example, { stateDir: '/tmp/state/', ports, maxHeapMb: 256 });
  t.true(local.brokers.every((b) => b.host === '127.0.0.1' && b.listen === '127.0.0.1'));
  const used = local.brokers.flatMap((b) => [b.ports.stomp, b.ports.openwire, b.ports.stompSsl]);
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
  t.deepEqual(buildNetwork(local).links, buildNetwork(example).links);
  // The original is untouched.
  t.is(example.brokers[0]!.host, 'mq1.central.grid-msg.example.org');
});

test('localize refuses too few or repeated ports', (t) => {
  t.throws(() => localize(example, { stateDir: '/s', ports: [1, 2, 3] }), { message: /needs 18 ports/ });
  t.throws(() => localize(example, { stateDir: '/s', ports: Array.from({ length: 18 }, () => 5) }), { message: /distinct/ });
});

test('a localized registry passes the same checks (written back as YAML it stays valid)', (t) => {
  const local = localize(example, { stateDir: '/tmp/s', ports: Array.from({ length: 18 }, (_, i) => 41000 + i) });
  const yaml = stringify({
    version: 1,
    defaults: { tenant: 'EGI' },
    network: { topology: local.network.topology, hub: local.network.hub, credentials: { passwordFile: local.network.credentials.passwordFile } },
    brokers: local.brokers.map((b) => ({ name: b.name, host: b.host, ports: b.ports, dataDir: b.dataDir, store: b.store })),
    pairs: local.pairs.map((p) => ({ name: p.name, brokers: p.brokers })),
    sites: local.sites.map((s) => ({ name: s.name, tenant: s.tenant, role: s.role, ...(s.ngi ? { ngi: s.ngi } : {}), pair: s.pair, fallback: s.fallback, credentials: { username: s.credentials.username, passwordFile: s.credentials.passwordFile } })),
    consumers: local.consumers.map((c) => ({ name: c.name, pair: c.pair, reads: c.reads.all ? 'all' : { ngis: c.reads.ngis }, credentials: { username: c.credentials.username, passwordFile: c.credentials.passwordFile } })),
  });
  const r = checkRegistryText(yaml, 'local.yaml');
  t.true(r.ok, r.problems.map((p) => p.message).join('\n'));
});
