import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { loadClientConfig, parseClientConfig, resolvePassword } from '../../clients/index.js';
import { tempDir } from '../helpers/tmp.js';

const SITE = `kind: site
site: CERN-PROD
tenant: EGI
role: site
nagiosHost: nagios.cern.ch
brokers:
  - name: eu-a
    host: 127.0.0.1
    port: 61613
  - name: eu-b
    host: broker-b.example.org
    port: 61614
    tls:
      caFile: ca.pem
      certFile: /etc/grid/cert.pem
      keyFile: /etc/grid/key.pem
destination: /topic/grid.probe.metricOutput.EGI.site.CERN-PROD
credentials:
  username: cern
  passwordFile: secret/password
`;

const CONSUMER = `kind: consumer
consumer: central
brokers:
  - { name: c-a, host: 127.0.0.1, port: 61613 }
queues:
  - site: CERN-PROD
    tenant: EGI
    role: site
    destination: /queue/Consumer.central.grid.probe.metricOutput.EGI.site.CERN-PROD
    hosts: ["*.cern.ch"]
errorDestination: /queue/grid.errors.central
credentials:
  username: central
  passwordEnv: GRIDMSG_CENTRAL_PASSWORD
verification:
  caFile: /etc/grid/ca.pem
`;

test('a site config loads, relative file paths resolve against its directory', (t) => {
  const cfg = parseClientConfig(SITE, '/etc/gridmsg/sites/CERN-PROD.yaml');
  t.is(cfg.kind, 'site');
  if (cfg.kind !== 'site') return;
  t.is(cfg.brokers.length, 2);
  t.deepEqual(cfg.brokers[1]!.tls, { caFile: '/etc/gridmsg/sites/ca.pem', certFile: '/etc/grid/cert.pem', keyFile: '/etc/grid/key.pem' });
  t.is(cfg.credentials.passwordFile, '/etc/gridmsg/sites/secret/password');
  t.is(cfg.nagiosHost, 'nagios.cern.ch');
});

test('a consumer config loads', (t) => {
  const cfg = parseClientConfig(CONSUMER, '/c.yaml');
  t.is(cfg.kind, 'consumer');
  if (cfg.kind !== 'consumer') return;
  t.deepEqual(cfg.queues[0]!.hosts, ['*.cern.ch']);
  t.is(cfg.credentials.passwordEnv, 'GRIDMSG_CENTRAL_PASSWORD');
  t.is(cfg.verification?.caFile, '/etc/grid/ca.pem');
});

test('a consumer config may carry the generator-sized prefetch', (t) => {
  const cfg = parseClientConfig(`${CONSUMER}prefetch: 13\n`, '/c.yaml');
  t.is(cfg.kind === 'consumer' ? cfg.prefetch : undefined, 13);
  const none = parseClientConfig(CONSUMER, '/c.yaml');
  t.is(none.kind === 'consumer' ? none.prefetch : 'site', undefined);
});

const cases: Array<[string, string, RegExp, number, string | undefined]> = [
  ['port out of range', SITE.replace('port: 61614', 'port: 70000'), /port number/, 12, 'brokers[1].port'],
  ['unknown field', SITE.replace('role: site', 'role: site\nrloe: x'), /unknown field "rloe"/, 5, 'rloe'],
  ['inline password', SITE.replace('  username: cern', '  username: cern\n  password: hunter2'), /inline passwords/, 20, 'credentials.password'],
  ['missing destination', SITE.replace(/^destination:.*\n/m, ''), /missing required field "destination"/, 1, 'destination'],
  ['bad destination', SITE.replace('/topic/grid', 'grid'), /STOMP destination/, 17, 'destination'],
  ['wrong kind', SITE.replace('kind: site', 'kind: sight'), /kind must be/, 1, 'kind'],
  ['empty broker list', CONSUMER.replace('  - { name: c-a, host: 127.0.0.1, port: 61613 }\n', '').replace('brokers:', 'brokers: []'), /at least 1/, 3, 'brokers'],
  ['missing host', CONSUMER.replace('host: 127.0.0.1, ', ''), /missing required field "host"/, 4, 'brokers[0].host'],
  ['both password sources', CONSUMER.replace('  passwordEnv:', '  passwordFile: x\n  passwordEnv:'), /not both/, 13, 'credentials'],
  ['YAML syntax', 'kind: site\nbrokers: [\n', /YAML syntax error/, 3, undefined],
  ['prefetch not a positive whole number', `${CONSUMER}prefetch: 0\n`, /must be a whole number 1-10000, not 0/, 17, 'prefetch'],
];

for (const [name, text, message, line, field] of cases) {
  test(`bad config: ${name} names file, line and field`, (t) => {
    const err = t.throws(() => parseClientConfig(text, '/etc/gridmsg/x.yaml'), { instanceOf: ConfigError });
    t.regex(err!.message, message);
    t.is(err!.context.file, '/etc/gridmsg/x.yaml');
    t.is(err!.context.line, line, err!.describe());
    t.is(err!.context.path, field);
    t.true(err!.describe().startsWith(`/etc/gridmsg/x.yaml:${line}:`));
  });
}

test('loadClientConfig reads files and reports a missing one clearly', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const file = path.join(tmp.dir, 'site.yaml');
  fs.writeFileSync(file, SITE);
  t.is(loadClientConfig(file).kind, 'site');
  const err = t.throws(() => loadClientConfig(path.join(tmp.dir, 'nope.yaml')), { instanceOf: ConfigError });
  t.regex(err!.describe(), /nope\.yaml: cannot read client config: ENOENT/);
});

test('resolvePassword reads a file (newline stripped) or an env var, with clear errors', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const file = path.join(tmp.dir, 'pw');
  fs.writeFileSync(file, 's3cret:with:colons\n');
  t.is(resolvePassword({ username: 'u', passwordFile: file }), 's3cret:with:colons');
  t.is(resolvePassword({ username: 'u', passwordEnv: 'GRIDMSG_PW' }, { GRIDMSG_PW: 'env-pw' }), 'env-pw');
  t.is(resolvePassword({ username: 'u' }), undefined);
  const e1 = t.throws(() => resolvePassword({ passwordEnv: 'GRIDMSG_NOPE' }, {}), { instanceOf: ConfigError });
  t.regex(e1!.message, /GRIDMSG_NOPE/);
  t.false(e1!.message.includes('s3cret'));
  const e2 = t.throws(() => resolvePassword({ passwordFile: path.join(tmp.dir, 'missing') }), { instanceOf: ConfigError });
  t.is(e2!.context.file, path.join(tmp.dir, 'missing'));
});
