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
  registryUsers,
  resolveSecrets,
  secretProblem,
  type GeneratedFile,
} from '../../broker-config/index.js';
import { loadRegistry, parseRegistry } from '../../topology/index.js';
import { EXAMPLE } from './helpers.js';

const registry = loadRegistry(EXAMPLE);
const secrets = new Map(
  registryUsers(registry).map((c, i) => [
    c.username,
    `s3cret-${i}-${c.username}`,
  ]),
);
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

test('the other generated files (snapshots): run script, broker.json, client configurations', (t) => {
  const files = byPath(generateBrokerNetwork(registry).files);
  for (const p of ['brokers/south-b/run.sh', 'brokers/south-b/broker.json', 'sites/egee.srce.hr.yaml', 'consumers/ngi-uk.yaml']) {
    t.snapshot(files.get(p)!.content, p);
  }
});

test('generation is byte-identical for the same registry, and lists every file once', (t) => {
  const one = generateBrokerNetwork(loadRegistry(EXAMPLE), { secrets }).files;
  const two = generateBrokerNetwork(loadRegistry(EXAMPLE), { secrets }).files;
  t.deepEqual(one, two);
  t.is(new Set(one.map((f) => f.path)).size, one.length);
  t.is(one.filter((f) => f.path.endsWith('/activemq.xml')).length, registry.brokers.length);
  t.is(one.filter((f) => f.path.startsWith('sites/')).length, registry.sites.length);
  t.is(one.filter((f) => f.path.startsWith('consumers/')).length, registry.consumers.length);
});

test('passwords are only in credentials.properties (0600), one line per user of the broker', (t) => {
  const files = generateBrokerNetwork(registry, { secrets }).files;
  for (const f of files) {
    if (f.path.endsWith('credentials.properties')) continue;
    for (const s of secrets.values()) t.false(f.content.includes(s), `${f.path} holds a password`);
  }
  const plan = planNetwork(registry);
  for (const bp of plan.brokers) {
    const cred = files.find((f) => f.path === `brokers/${bp.broker.name}/conf/credentials.properties`)!;
    t.is(cred.mode, 0o600);
    const lines = cred.content.split('\n').filter((l) => l && !l.startsWith('#'));
    t.deepEqual(lines, bp.users.map((u) => `gridmsg.password.${u.username}=${secrets.get(u.username)}`));
    const xml = files.find((f) => f.path === `brokers/${bp.broker.name}/conf/activemq.xml`)!.content;
    for (const u of bp.users) t.true(xml.includes(`password="\${gridmsg.password.${u.username}}"`));
  }
  t.is(files.find((f) => f.path.endsWith('run.sh'))!.mode, 0o755);
  t.false(generateBrokerNetwork(registry).files.some((f) => f.path.endsWith('credentials.properties')));
});

test('site client configurations have exactly the SiteClientConfig shape: own pair first, then fallbacks', (t) => {
  const files = byPath(generateBrokerNetwork(registry).files);
  const cern = parse(files.get('sites/CERN-PROD.yaml')!.content) as Record<string, unknown>;
  t.deepEqual(Object.keys(cern).sort(), ['brokers', 'credentials', 'destination', 'kind', 'nagiosHost', 'role', 'site', 'tenant']);
  t.is(cern['kind'], 'site');
  t.is(cern['destination'], '/topic/grid.probe.metricOutput.WLCG.site.CERN-PROD');
  t.deepEqual(
    (cern['brokers'] as Array<{ name: string }>).map((b) => b.name),
    ['south-a', 'south-b', 'central-a', 'central-b', 'north-a', 'north-b'],
  );
  t.deepEqual((cern['brokers'] as unknown[])[0], { name: 'south-a', host: 'msg1.south.grid-msg.example.org', port: 61613 });
  t.deepEqual(cern['credentials'], { username: 'CERN-PROD', passwordFile: '/etc/gridmsg/secrets/sites/CERN-PROD.password' });
  const hr = parse(files.get('sites/NGI_HR.yaml')!.content) as Record<string, unknown>;
  t.is(hr['role'], 'ngi');
  t.deepEqual(hr['credentials'], { username: 'ngi-hr-nagios', passwordFile: '/etc/gridmsg/secrets/sites/NGI_HR.password' });
});

test('consumer client configurations have exactly the ConsumerClientConfig shape, one queue per site read', (t) => {
  const files = byPath(generateBrokerNetwork(registry).files);
  const argo = parse(files.get('consumers/argo-central.yaml')!.content) as Record<string, unknown>;
  t.deepEqual(Object.keys(argo).sort(), ['brokers', 'consumer', 'credentials', 'errorDestination', 'kind', 'queues']);
  t.is((argo['queues'] as unknown[]).length, registry.sites.length);
  t.deepEqual(argo['credentials'], { username: 'argo-central', passwordEnv: 'GRIDMSG_ARGO_CENTRAL_PASSWORD' });
  t.is(argo['errorDestination'], '/queue/grid.probe.errors.argo-central');
  const queues = argo['queues'] as Array<Record<string, unknown>>;
  const srce = queues.find((q) => q['site'] === 'egee.srce.hr')!;
  t.deepEqual(srce, {
    site: 'egee.srce.hr',
    tenant: 'EGI',
    role: 'site',
    destination: '/queue/Consumer.argo-central.grid.probe.metricOutput.EGI.site.egee_srce_hr',
    hosts: ['*.srce.hr'],
  });
  t.false('hosts' in queues.find((q) => q['site'] === 'NGI_HR')!);
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
  t.regex(south, /stomp\+nio:\/\/0\.0\.0\.0:61613\?maximumConnections=1000&amp;transport\.maxFrameSize=1048576/);
  t.regex(south, /<kahaDB directory="\/srv\/shared\/gridmsg\/eu-south\/kahadb" journalMaxFileLength="32mb" lockKeepAlivePeriod="5000">/);
  t.regex(south, /uri="masterslave:\(tcp:\/\/mq1\.central\.grid-msg\.example\.org:61616,tcp:\/\/mq2\.central\.grid-msg\.example\.org:61616\)/);
  t.regex(south, /duplex="false" staticBridge="true" decreaseNetworkConsumerPriority="true" suppressDuplicateQueueSubscriptions="true"/);
  t.regex(south, /messageTTL="2" consumerTTL="1"/);
  t.regex(south, /<queue physicalName="Consumer\.argo-central\.&gt;"\/>\s*<queue physicalName="Consumer\.ngi-uk\.&gt;"\/>/);
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
