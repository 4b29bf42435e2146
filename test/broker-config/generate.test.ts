import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { toYaml } from '../../broker-config/yaml-emit.js';
import {
  consumerClientConfigs,
  escapeProperty,
  renderClientConfig,
  siteClientConfigs,
  generateBrokerNetwork,
  planNetwork,
  resolveSecrets,
  secretProblem,
  secretReferences,
  type GeneratedFile,
} from '../../broker-config/index.js';
import { loadRegistry, parseRegistry, type Registry } from '../../topology/index.js';
import { EXAMPLE, FIXTURES, PLAIN_EXAMPLE } from './helpers.js';

const registry = loadRegistry(EXAMPLE);
const plainRegistry = loadRegistry(PLAIN_EXAMPLE);
const mixedRegistry = loadRegistry(path.join(FIXTURES, 'valid-tls-mixed.yaml'));
/** A made-up secret for every reference of a registry: user passwords and TLS brokers' store passwords. */
const secretsOf = (r: Registry): Map<string, string> => new Map(secretReferences(r).map((ref, i) => [ref.id, `s3cret-${i}-${ref.id.replace(':', '-')}`]));
const secrets = secretsOf(registry);
const byPath = (files: GeneratedFile[]): Map<string, GeneratedFile> => new Map(files.map((f) => [f.path, f]));

test('the generated activemq.xml of each example broker (snapshots)', (t) => {
  const files = byPath(generateBrokerNetwork(registry).files);
  for (const b of ['central-a', 'north-a', 'south-a']) {
    t.snapshot(files.get(`brokers/${b}/conf/activemq.xml`)!.content, `${b}/conf/activemq.xml`);
  }
  // The second broker of a pair differs only in its name, own data directory and partner.
  const a = files.get('brokers/central-a/conf/activemq.xml')!.content;
  const b = files.get('brokers/central-b/conf/activemq.xml')!.content;
  t.is(b.replace('KahaDB shared with central-a', 'KahaDB shared with central-b'), a.replaceAll('central-a', 'central-b'));
});

test('the other generated files (snapshots): run script, broker.json, JAAS files, client configurations', (t) => {
  const files = byPath(generateBrokerNetwork(registry).files);
  for (const p of [
    'brokers/south-b/run.sh',
    'brokers/south-b/broker.json',
    'brokers/south-b/conf/login.config',
    'brokers/south-b/conf/cert-users.properties',
    'brokers/south-b/conf/groups.properties',
    'sites/egee.srce.hr.yaml',
    'consumers/ngi-uk.yaml',
  ]) {
    t.snapshot(files.get(p)!.content, p);
  }
});

test('plain and mixed registries (snapshots): plain brokers keep the simple plugin; a hub with a plain port is dual, a pair bridging to one broker uses certificates only', (t) => {
  const plain = byPath(generateBrokerNetwork(plainRegistry).files);
  t.snapshot(plain.get('brokers/south-a/conf/activemq.xml')!.content, 'plain: south-a/conf/activemq.xml');
  t.false([...plain.keys()].some((p) => /login\.config|cert-users|groups\.properties/.test(p)), 'no JAAS files without TLS');
  const mixed = byPath(generateBrokerNetwork(mixedRegistry, { secrets: secretsOf(mixedRegistry) }).files);
  for (const p of ['brokers/h1/conf/activemq.xml', 'brokers/r1/conf/activemq.xml', 'brokers/h1/conf/login.config', 'brokers/r1/conf/login.config', 'sites/egee.srce.hr.yaml', 'sites/LEGACY-SITE.yaml']) {
    t.snapshot(mixed.get(p)!.content.replaceAll(path.dirname(mixedRegistry.file), '<registry dir>'), `mixed: ${p}`);
  }
  const h1 = mixed.get('brokers/h1/conf/activemq.xml')!.content;
  t.regex(h1, /<jaasDualAuthenticationPlugin /);
  t.regex(h1, /name="stomp" uri="stomp:\/\/0\.0\.0\.0:61613\?/);
  t.regex(h1, /keyStore="file:\$\{activemq\.conf\}\/tls\/keystore\.p12"/);
  const r1 = mixed.get('brokers/r1/conf/activemq.xml')!.content;
  t.regex(r1, /<jaasCertificateAuthenticationPlugin configuration="gridmsg-certificate"\/>/);
  t.regex(r1, /uri="static:\(ssl:\/\/mq\.hub\.example\.org:61617\)/);
  t.notRegex(r1, /userName=/, 'a certificate-only bridge carries no password');
  t.regex(r1, /keyStore="file:\/etc\/gridmsg\/tls\/r1\.p12"/);
  t.false(mixed.has('brokers/r1/conf/users.properties'), 'no password file on a certificate-only broker');
  const users = mixed.get('brokers/h1/conf/users.properties')!;
  t.is(users.mode, 0o600);
  t.deepEqual(users.content.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('=')[0]), ['egee.srce.hr', 'gridmsg-network', 'LEGACY-SITE']);
});

test('generation is byte-identical for the same registry, and lists every file once', (t) => {
  const one = generateBrokerNetwork(loadRegistry(EXAMPLE), { secrets }).files;
  t.true(one.some((f) => f.path.endsWith('/users.properties')) && one.some((f) => f.path.endsWith('/cert-users.properties')));
  const two = generateBrokerNetwork(loadRegistry(EXAMPLE), { secrets }).files;
  t.deepEqual(one, two);
  t.is(new Set(one.map((f) => f.path)).size, one.length);
  t.is(one.filter((f) => f.path.endsWith('/activemq.xml')).length, registry.brokers.length);
  t.is(one.filter((f) => f.path.startsWith('sites/')).length, registry.sites.length);
  t.is(one.filter((f) => f.path.startsWith('consumers/')).length, registry.consumers.length);
});

test('secrets are only in credentials.properties and users.properties (0600): passwords of the broker\'s users, keystore and truststore passwords', (t) => {
  for (const r of [registry, plainRegistry, mixedRegistry]) {
    const s = secretsOf(r);
    const files = generateBrokerNetwork(r, { secrets: s }).files;
    for (const f of files) {
      if (/\/conf\/(credentials|users)\.properties$/.test(f.path)) {
        t.is(f.mode, 0o600, f.path);
        continue;
      }
      for (const secret of s.values()) t.false(f.content.includes(secret), `${f.path} holds a secret`);
    }
    for (const bp of planNetwork(r).brokers) {
      const cred = files.find((f) => f.path === `brokers/${bp.broker.name}/conf/credentials.properties`)!;
      const lines = cred.content.split('\n').filter((l) => l && !l.startsWith('#'));
      const tls = bp.broker.tls
        ? [`gridmsg.tls.keyStorePassword=${s.get(`keystore:${bp.broker.name}`)}`, `gridmsg.tls.trustStorePassword=${s.get(`truststore:${bp.broker.name}`)}`]
        : [];
      t.deepEqual(lines, [...bp.users.filter((u) => u.passwordKey).map((u) => `gridmsg.password.${u.username}=${s.get(u.username)}`), ...tls]);
      const xml = files.find((f) => f.path === `brokers/${bp.broker.name}/conf/activemq.xml`)!.content;
      if (bp.auth === 'password') for (const u of bp.users) t.true(xml.includes(`password="\${gridmsg.password.${u.username}}"`));
      if (bp.broker.tls) t.regex(xml, /keyStorePassword="\$\{gridmsg\.tls\.keyStorePassword\}" .* trustStorePassword="\$\{gridmsg\.tls\.trustStorePassword\}"/);
    }
    t.is(files.find((f) => f.path.endsWith('run.sh'))!.mode, 0o755);
    t.false(generateBrokerNetwork(r).files.some((f) => /\/(credentials|users)\.properties$/.test(f.path)), 'nothing secret without the secrets');
  }
});

test('TLS users: every broker certificate is a network identity on every TLS broker; sites and consumers by their DN, where they connect', (t) => {
  const plan = planNetwork(registry);
  const south = plan.brokers.find((b) => b.broker.name === 'south-a')!;
  t.is(south.auth, 'dual');
  for (const b of registry.brokers) t.truthy(south.users.find((u) => u.username === `broker.${b.name}` && u.dn === b.tls!.dn && u.groups.join() === 'network'));
  const cern = south.users.find((u) => u.username === 'CERN-PROD')!;
  t.is(cern.dn, '/DC=ch/DC=cern/OU=computers/CN=nagios.cern.ch');
  t.is(cern.passwordKey, undefined);
  t.deepEqual(cern.groups, ['clients', 'site.CERN-PROD']);
  t.false(south.users.some((u) => u.username === 'SARA-MATRIX'), 'a site that never publishes at eu-south has no user there');
  const files = byPath(generateBrokerNetwork(registry).files);
  const certUsers = files.get('brokers/south-a/conf/cert-users.properties')!.content;
  t.regex(certUsers, /^CERN-PROD=CN=nagios\.cern\.ch, OU=computers, DC=cern, DC=ch$/m);
  t.regex(certUsers, /^ngi-hr-nagios=CN=nagios\.cro-ngi\.hr, DC=srce, DC=hr$/m);
  t.regex(files.get('brokers/south-a/conf/groups.properties')!.content, /^site\.NGI_HR=ngi-hr-nagios$/m);
  // central has a consumer and a bridge towards a failover pair: dual, with the network password on its connector.
  t.is(plan.brokers.find((b) => b.broker.name === 'central-a')!.auth, 'dual');
});

test('site client configurations have exactly the SiteClientConfig shape: own pair first, then fallbacks', (t) => {
  const files = byPath(generateBrokerNetwork(registry).files);
  const cern = parse(files.get('sites/CERN-PROD.yaml')!.content) as Record<string, unknown>;
  t.deepEqual(Object.keys(cern).sort(), ['brokers', 'credentials', 'destination', 'kind', 'nagiosHost', 'role', 'signing', 'site', 'tenant']);
  t.is(cern['kind'], 'site');
  t.is(cern['destination'], '/topic/grid.probe.metricOutput.WLCG.site.CERN-PROD');
  t.deepEqual(
    (cern['brokers'] as Array<{ name: string }>).map((b) => b.name),
    ['south-a', 'south-b', 'central-a', 'central-b', 'north-a', 'north-b'],
  );
  const tls = { caFile: '/etc/gridmsg/tls/brokers-ca.pem', certFile: '/etc/grid-security/hostcert.pem', keyFile: '/etc/gridmsg/tls/hostkey.pem' };
  t.deepEqual((cern['brokers'] as unknown[])[0], { name: 'south-a', host: 'msg1.south.grid-msg.example.org', port: 61614, tls });
  t.true((cern['brokers'] as Array<{ tls: unknown }>).every((b) => JSON.stringify(b.tls) === JSON.stringify(tls)));
  // Certificate logins only: no password reference travels with the config.
  t.deepEqual(cern['credentials'], {});
  t.deepEqual(cern['signing'], { certFile: tls.certFile, keyFile: tls.keyFile });
  const hr = parse(files.get('sites/NGI_HR.yaml')!.content) as Record<string, unknown>;
  t.is(hr['role'], 'ngi');
  t.deepEqual(hr['credentials'], {});
  // A site's own files and a password for the plain port of a mixed registry.
  const mixed = byPath(generateBrokerNetwork(mixedRegistry).files);
  const srce = parse(mixed.get('sites/egee.srce.hr.yaml')!.content) as Record<string, unknown>;
  t.deepEqual((srce['brokers'] as unknown[])[0], {
    name: 'h1',
    host: 'mq.hub.example.org',
    port: 61614,
    tls: { caFile: path.join(path.dirname(mixedRegistry.file), 'ca', 'brokers.pem'), certFile: '/etc/grid-security/srce/hostcert.pem', keyFile: '/etc/grid-security/srce/hostkey.pem' },
  });
  t.deepEqual(srce['credentials'], {}, 'TLS everywhere it connects: its password stays out of the config');
  const legacy = parse(mixed.get('sites/LEGACY-SITE.yaml')!.content) as Record<string, unknown>;
  t.deepEqual(legacy['brokers'], [{ name: 'h1', host: 'mq.hub.example.org', port: 61613 }]);
  t.deepEqual(legacy['credentials'], { username: 'LEGACY-SITE', passwordEnv: 'MIX_LEGACY_PW' });
  t.false('signing' in legacy);
});

test('consumer client configurations have exactly the ConsumerClientConfig shape, one queue per site read', (t) => {
  const files = byPath(generateBrokerNetwork(registry).files);
  const argo = parse(files.get('consumers/argo-central.yaml')!.content) as Record<string, unknown>;
  t.deepEqual(Object.keys(argo).sort(), ['brokers', 'consumer', 'credentials', 'errorDestination', 'kind', 'prefetch', 'queues', 'verification']);
  t.is((argo['queues'] as unknown[]).length, registry.sites.length);
  t.true(Number.isInteger(argo['prefetch']) && (argo['prefetch'] as number) >= 1 && (argo['prefetch'] as number) <= 100, 'a sized prefetch');
  t.deepEqual(argo['credentials'], {});
  t.deepEqual(argo['verification'], { caFile: '/etc/gridmsg/tls/igtf-sites-ca.pem' });
  t.deepEqual((argo['brokers'] as unknown[])[0], {
    name: 'central-a',
    host: 'mq1.central.grid-msg.example.org',
    port: 61614,
    tls: { caFile: '/etc/gridmsg/tls/brokers-ca.pem', certFile: '/etc/grid-security/hostcert.pem', keyFile: '/etc/gridmsg/tls/hostkey.pem' },
  });
  t.is(argo['errorDestination'], '/queue/grid.probe.errors.argo-central');
  const queues = argo['queues'] as Array<Record<string, unknown>>;
  const srce = queues.find((q) => q['site'] === 'egee.srce.hr')!;
  t.deepEqual(srce, {
    site: 'egee.srce.hr',
    tenant: 'EGI',
    role: 'site',
    destination: '/queue/Consumer.argo-central.grid.probe.metricOutput.EGI.site.egee_srce_hr',
    hosts: ['*.srce.hr'],
    signerDn: '/DC=hr/DC=srce/CN=nagios.srce.hr',
  });
  t.false('hosts' in queues.find((q) => q['site'] === 'NGI_HR')!);
  // Without signed mode: no signerDn, no verification.
  const central = parse(byPath(generateBrokerNetwork(mixedRegistry).files).get('consumers/central.yaml')!.content) as Record<string, unknown>;
  t.false('verification' in central);
  t.true((central['queues'] as Array<Record<string, unknown>>).every((q) => !('signerDn' in q)));
  const uk = parse(files.get('consumers/ngi-uk.yaml')!.content) as Record<string, unknown>;
  t.deepEqual((uk['queues'] as Array<{ site: string }>).map((q) => q.site), ['UKI-LT2-QMUL', 'UKI-SCOTGRID-GLASGOW', 'RAL-LCG2']);
  t.deepEqual((uk['brokers'] as Array<{ name: string }>).map((b) => b.name), ['north-a', 'north-b']);
});

test('the XML carries the registry limits, the shared store and the network choices', (t) => {
  const files = byPath(generateBrokerNetwork(registry).files);
  const south = files.get('brokers/south-a/conf/activemq.xml')!.content;
  t.regex(south, /<memoryUsage limit="256 mb"\/>/);
  t.regex(south, /<storeUsage limit="8 gb"\/>/);
  t.regex(south, /<policyEntry queue="&gt;" memoryLimit="16 mb" producerFlowControl="true"/);
  t.regex(south, /name="stomp\+ssl" uri="stomp\+ssl:\/\/0\.0\.0\.0:61614\?transport\.needClientAuth=true&amp;transport\.enabledProtocols=TLSv1\.3,TLSv1\.2&amp;maximumConnections=1000&amp;transport\.maxFrameSize=1048576/);
  t.regex(south, /name="openwire\+ssl" uri="ssl:\/\/0\.0\.0\.0:61617\?transport\.needClientAuth=true&amp;/);
  t.notRegex(south, /name="(stomp|openwire)" /, 'no plain port unless the registry asks');
  t.regex(south, /<kahaDB directory="\/srv\/shared\/gridmsg\/eu-south\/kahadb" journalMaxFileLength="32mb" concurrentStoreAndDispatchQueues="false" lockKeepAlivePeriod="5000">/);
  // Stores in the receiving thread, before dispatch; the journal keeps KahaDB's default sync of every write (strategy `always`).
  t.notRegex(south, /journalDiskSync|enableJournalDiskSyncs/, 'no journal sync setting relaxed');
  t.regex(south, /uri="masterslave:\(ssl:\/\/mq1\.central\.grid-msg\.example\.org:61617,ssl:\/\/mq2\.central\.grid-msg\.example\.org:61617\)\?[^"]*" userName="gridmsg-network" password="\$\{gridmsg\.password\.gridmsg-network\}"/);
  t.regex(south, /duplex="false" staticBridge="true" decreaseNetworkConsumerPriority="true" suppressDuplicateQueueSubscriptions="true"/);
  t.regex(south, /messageTTL="2" consumerTTL="1"/);
  // Static includes name every queue: a wildcard subscription would create a queue literally named `Consumer.<c>.>` (docs/broker-network.md).
  const includes = /<staticallyIncludedDestinations>([\s\S]*?)<\/staticallyIncludedDestinations>/.exec(south)?.[1] ?? '';
  t.notRegex(includes, /&gt;|\*/, 'no wildcard in the static includes');
  t.regex(includes, /<queue physicalName="Consumer\.argo-central\.grid\.probe\.metricOutput\.WLCG\.site\.CERN-PROD"\/>/);
  t.regex(includes, /<queue physicalName="Consumer\.ngi-uk\.grid\.probe\.metricOutput\./);
  const southPlan = planNetwork(registry).brokers.find((b) => b.broker.name === 'south-a')!;
  const connector = southPlan.connectors[0]!;
  t.is((includes.match(/<queue /g) ?? []).length, connector.staticQueues.length);
  t.is(connector.staticQueues.filter((q) => q.startsWith('Consumer.')).length, connector.queueCount, 'every forwarded consumer queue, the rest are probe queues');
  t.true(connector.queueCount > 0);
  const central = files.get('brokers/central-a/conf/activemq.xml')!.content;
  t.is((central.match(/<networkConnector /g) ?? []).length, 1, 'central sends only towards eu-north');
  t.regex(central, /name="bridge\.central\.eu-north"/);
  t.regex(central, /<memoryUsage limit="512 mb"\/>/);
});

test('secrets: missing files and unset variables are reported with their location; unusable passwords refused', (t) => {
  const r = parseRegistry(
    `version: 1
defaults: { tenant: EGI }
network: { topology: full-mesh, credentials: { passwordEnv: NET_PW } }
brokers: [{ name: a1, host: a.example.org, ports: { stomp: 1, openwire: 2 } }]
pairs: [{ name: pa, brokers: [a1] }]
sites:
  - { name: s1, pair: pa, credentials: { passwordFile: s1.pw } }
  - { name: s2, pair: pa, credentials: { passwordFile: s2.pw } }
consumers:
  - { name: c, pair: pa, reads: all, credentials: { passwordEnv: C_PW } }
`,
    'mem.yaml',
    '/etc/gm',
  );
  const files: Record<string, string> = { '/etc/gm/s1.pw': 'abc\n', '/etc/gm/s2.pw': 'x${y}' };
  const { secrets: found, problems } = resolveSecrets(r, {
    readFile: (f) => {
      if (!(f in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[f]!;
    },
    env: { NET_PW: 'net' },
  });
  t.deepEqual([...found.entries()], [
    ['gridmsg-network', 'net'],
    ['s1', 'abc'],
  ]);
  t.deepEqual(
    problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`),
    [
      '8:40 sites[1].credentials: password of user "s2" contains "${", which the broker would read as a placeholder',
      '10:51 consumers[0].credentials: environment variable C_PW (password of user "c") is not set',
    ],
  );
  t.is(secretProblem(''), 'is empty');
  t.regex(secretProblem('a\nb')!, /several lines/);
});

test('property file escaping keeps any password intact', (t) => {
  t.is(escapeProperty('plain-Pass_1'), 'plain-Pass_1');
  t.is(escapeProperty(' lead\\back=:#!'), '\\ lead\\\\back=:#!');
  t.is(escapeProperty('é€'), '\\u00e9\\u20ac');
});

test('client configuration YAML reads back as exactly the configuration objects', (t) => {
  const local = parseRegistry(
    fs.readFileSync(EXAMPLE, 'utf8').replaceAll('msg1.south.grid-msg.example.org', '10.0.0.1'),
    EXAMPLE,
    path.dirname(EXAMPLE),
  );
  const configs = [...siteClientConfigs(local), ...consumerClientConfigs(local)];
  for (const c of configs) t.deepEqual(parse(renderClientConfig(c)), JSON.parse(JSON.stringify(c)));
  t.deepEqual(toYaml({ s: 'true', port: '61613', e: '', q: 'a: b', l: [], n: 1 }), 's: "true"\nport: "61613"\ne: ""\nq: "a: b"\nl: []\n"n": 1\n');
});
