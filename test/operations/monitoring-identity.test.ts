import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { generateBrokerNetwork } from '../../broker-config/index.js';
import { monitoringTlsFiles, sessionEndpoint, type BrokerTarget } from '../../operations/index.js';
import { loadClientTls } from '../../security/index.js';
import { checkRegistryText, localize, parseRegistry } from '../../topology/index.js';

/** The monitoring user's certificate identity: registry checks, generated JAAS files, where check-network finds its PEM files. */

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'network-tls.yaml');
const text = fs.readFileSync(FIXTURE, 'utf8');

const problemsOf = (yaml: string): Array<[string, string, string]> =>
  checkRegistryText(yaml, 'r.yaml').problems.map((p) => [p.severity, `${p.line}:${p.column} ${p.path}`, p.message]);

test('registry check: a password-only monitoring user on TLS-only pairs is a warning per pair; no identity at all is an error; DNs are checked', (t) => {
  const passwordOnly = text.replace(
    /monitoring:\n  credentials: \{ username: ops-monitor \}\n  certificateDn: .*\n/,
    'monitoring:\n  credentials: { username: ops-monitor, passwordEnv: OPS_MON_PW }\n',
  );
  t.not(passwordOnly, text);
  const warnings = problemsOf(passwordOnly).filter(([, , m]) => m.includes('monitoring user'));
  t.deepEqual(
    warnings.map(([s, at, m]) => [s, at, m.replace(/, whose.*/, '')]),
    ['central', 'north', 'south'].map((p) => ['warning', '15:3 monitoring', `the monitoring user cannot log in at pair "${p}"`]),
  );
  t.regex(warnings[0]![2], /accept only TLS clients: give monitoring a certificateDn \(gridmsg check-network would answer UNKNOWN\)$/);

  const none = text.replace(/  certificateDn: \/DC=org\/DC=example\/OU=robots\/CN=ops-monitor\n/, '');
  t.deepEqual(
    problemsOf(none).filter(([s]) => s === 'error'),
    [['error', '15:3 monitoring', 'the monitoring user has neither a certificateDn (TLS login) nor a password (credentials.passwordFile or passwordEnv): gridmsg check-network and status could not log in']],
  );

  const bad = text.replace('CN=ops-monitor', 'BOGUS=1');
  t.true(problemsOf(bad).some(([s, at, m]) => s === 'error' && at.endsWith('monitoring.certificateDn') && m.startsWith('invalid DN')));
  const shared = text.replace('/DC=org/DC=example/OU=robots/CN=ops-monitor', '/DC=org/DC=example/OU=robots/CN=central-nagios');
  t.true(problemsOf(shared).some(([s, at, m]) => s === 'error' && at.endsWith('monitoring.certificateDn') && m.includes('is also the certificate of')), 'a DN shared with a consumer');

  const unknownField = text.replace('  certificateDn: /DC', '  certDn: x\n  certificateDn: /DC');
  t.true(problemsOf(unknownField).some(([s, , m]) => s === 'error' && /certDn/.test(m)));
  t.deepEqual(problemsOf(text).filter(([s]) => s === 'error'), []);
});

test('generated brokers: the monitoring DN maps to the monitoring user (groups clients, monitoring) on every TLS broker, with the probe permissions only', (t) => {
  const registry = parseRegistry(text, FIXTURE, path.dirname(FIXTURE));
  const { files } = generateBrokerNetwork(registry);
  const content = (p: string): string => files.find((f) => f.path === p)!.content;
  for (const b of ['central-a', 'central-b', 'north-a', 'south-a']) {
    t.regex(content(`brokers/${b}/conf/cert-users.properties`), /^ops-monitor=CN=ops-monitor, OU=robots, DC=example, DC=org$/m, b);
    const groups = content(`brokers/${b}/conf/groups.properties`);
    t.regex(groups, /^monitoring=ops-monitor$/m);
    t.regex(groups, /^clients=.*\bops-monitor\b/m);
    const xml = content(`brokers/${b}/conf/activemq.xml`);
    // The monitoring group appears on the probe queues only (and advisories, through clients).
    const entries = [...xml.matchAll(/<authorizationEntry [^>]*>/g)].map((m) => m[0]).filter((e) => /"[^"]*\bmonitoring\b/.test(e));
    t.deepEqual(entries, ['<authorizationEntry queue="grid.probe.probe.&gt;" read="monitoring,network" write="monitoring,network" admin="monitoring,network"/>']);
  }
  t.false(files.some((f) => f.path.includes('ops-monitor.password')));
});

test('monitoring PEM files: monitoring.tls over the top-level tls (relative to the registry), the dev PKI with --state, --tls-* options over both', (t) => {
  const yaml = text.replace('version: 1\n', 'version: 1\ntls: { caFile: ca/brokers.pem, certFile: /etc/grid-security/hostcert.pem, keyFile: /etc/grid-security/hostkey.pem }\n');
  const registry = parseRegistry(yaml, '/etc/gridmsg/registry.yaml', '/etc/gridmsg');
  t.deepEqual(monitoringTlsFiles(registry), { caFile: '/etc/gridmsg/ca/brokers.pem', certFile: '/etc/grid-security/hostcert.pem', keyFile: '/etc/grid-security/hostkey.pem' });
  const own = parseRegistry(yaml.replace('  certificateDn:', '  tls: { certFile: monitor.pem, keyFile: /etc/gridmsg/monitor.key }\n  certificateDn:'), '/etc/gridmsg/registry.yaml', '/etc/gridmsg');
  t.deepEqual(monitoringTlsFiles(own), { caFile: '/etc/gridmsg/ca/brokers.pem', certFile: '/etc/gridmsg/monitor.pem', keyFile: '/etc/gridmsg/monitor.key' });
  t.deepEqual(monitoringTlsFiles(own, '/srv/dev'), { caFile: '/srv/dev/pki/ca/ca.pem', certFile: '/srv/dev/pki/monitors/monitoring/cert.pem', keyFile: '/srv/dev/pki/monitors/monitoring/key.pem' });
  t.deepEqual(monitoringTlsFiles(own, '/srv/dev', { certFile: '/tmp/c.pem', caFile: '/tmp/ca.pem' }), { caFile: '/tmp/ca.pem', certFile: '/tmp/c.pem', keyFile: '/srv/dev/pki/monitors/monitoring/key.pem' });
  // Without a certificateDn there is no certificate, unless an option names one.
  const plain = parseRegistry(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'network.yaml'), 'utf8'), 'n.yaml');
  t.is(monitoringTlsFiles(plain), undefined);
  t.is(monitoringTlsFiles(plain, undefined, { certFile: '/c', keyFile: '/k' })?.certFile, '/c');
  // The localized registry points the monitoring user at the dev PKI, like sites and consumers.
  const local = localize(registry, { stateDir: '/srv/dev', ports: Array.from({ length: 8 }, (_, i) => 20000 + i) });
  t.deepEqual(local.monitoring?.tls, { caFile: '/srv/dev/pki/ca/ca.pem', certFile: '/srv/dev/pki/monitors/monitoring/cert.pem', keyFile: '/srv/dev/pki/monitors/monitoring/key.pem' });
});

test('which port a broker is asked on: stomp+ssl with the certificate first, plain STOMP with the password, else why not', (t) => {
  const b: BrokerTarget = { name: 'a', pair: 'p', pairIndex: 0, host: 'mq', stompPort: 61613, stompSslPort: 61614 };
  const tlsOnly: BrokerTarget = { name: 'a', pair: 'p', pairIndex: 0, host: 'mq', stompSslPort: 61614 };
  const login = { login: 'm', passcode: 'x' };
  const fakeTls = { options: { ca: Buffer.from('') }, context: { clientCertificate: null } } as ReturnType<typeof loadClientTls>;
  const both = sessionEndpoint(b, { login, tls: fakeTls });
  t.true('endpoint' in both && both.endpoint.port === 61614 && both.endpoint.tls === fakeTls && both.login === undefined);
  const pw = sessionEndpoint(b, { login });
  t.true('endpoint' in pw && pw.endpoint.port === 61613 && pw.endpoint.tls === undefined && pw.login === login);
  const none = sessionEndpoint(tlsOnly, { login });
  t.true('why' in none && /stomp\+ssl only, and no monitoring certificate/.test(none.why));
});
