import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import type { ConsumerClientConfig } from '../../clients/client-config.js';
import { ConfigError } from '../../core/errors.js';
import { loadBridgeConfig, parseBridgeConfig } from '../../bridges/msg-to-nagios/config.js';
import { tempDir } from '../helpers/tmp.js';

const consumer: ConsumerClientConfig = {
  kind: 'consumer',
  consumer: 'central',
  brokers: [{ name: 'a', host: '127.0.0.1', port: 61613 }],
  queues: [{ site: 'CERN-PROD', tenant: 'EGI', role: 'site', destination: '/queue/Consumer.central.x.CERN-PROD' }],
  errorDestination: '/queue/errors',
  credentials: {},
};
const load = () => consumer;
const FILE = '/etc/gridmsg/msg-to-nagios.yaml';

const good = `consumer: consumers/central.yaml
stateDir: /var/lib/gridmsg/m2n
nagios:
  mode: pipe
  commandFile: /var/lib/nagios4/rw/nagios.cmd
  checkResultPath: /var/lib/nagios4/spool/checkresults
naming:
  roles:
    ngi: { suffix: -ngi, mapping: { org.sam.CE: CE } }
  allowedRoles: [site, ngi]
limits:
  prefetch: 50
`;

function error(text: string): ConfigError {
  try {
    parseBridgeConfig(text, FILE, load);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no error');
}

test('a good config: defaults filled in, relative paths resolved against the file', (t) => {
  const cfg = parseBridgeConfig(good, FILE, load);
  t.is(cfg.consumerFile, '/etc/gridmsg/consumers/central.yaml');
  t.is(cfg.nagios.mode, 'pipe');
  t.is(cfg.nagios.longOutput, 'spool', 'long output goes to the spool directory when there is one');
  t.is(cfg.nagios.maxOutputBytes, 8192);
  t.is(cfg.nagios.gatherMs, 20, 'spool files gather for 20 ms by default');
  t.is(parseBridgeConfig(good.replace('  mode: pipe\n', '  mode: pipe\n  gatherMs: 0\n'), FILE, load).nagios.gatherMs, 0);
  t.deepEqual(cfg.naming, { roles: { ngi: { suffix: '-ngi', mapping: { 'org.sam.CE': 'CE' } } }, allowedRoles: ['site', 'ngi'] });
  t.is(cfg.limits.prefetch, 50);
  t.is(cfg.limits.dedupWindowMessages, 200_000);
  t.is(cfg.unknownObjects.action, 'reject');
  t.is(cfg.consumer, consumer);
});

test('bad configs name file, line, column and field', (t) => {
  const cases: Array<[string, RegExp, number, string | undefined]> = [
    [good.replace('mode: pipe', 'mode: fifo'), /must be one of pipe, spool, not "fifo"/, 4, 'nagios.mode'],
    [good.replace('  mode: pipe\n', ''), /missing required field "mode"/, 3, 'nagios.mode'],
    [good.replace('  commandFile: /var/lib/nagios4/rw/nagios.cmd\n', ''), /pipe mode needs commandFile/, 3, 'nagios.commandFile'],
    [good.replace('prefetch: 50', 'prefetch: -1'), /whole number from 1 to 10000, not -1/, 12, 'limits.prefetch'],
    [good.replace('prefetch: 50', 'prefetchh: 50'), /unknown field "prefetchh"/, 12, 'limits.prefetchh'],
    [good.replace('suffix: -ngi', 'suffix: "a;b"'), /must not contain ;/, 9, 'naming.roles.ngi.suffix'],
    [good + 'unknownObjects:\n  action: ignore\n', /must be one of reject, drop, submit/, 14, 'unknownObjects.action'],
    [good.replace('stateDir: /var/lib/gridmsg/m2n\n', ''), /missing required field "stateDir"/, 1, 'stateDir'],
    [good.replace('  mode: pipe\n', '  mode: pipe\n  gatherMs: 5000\n'), /whole number from 0 to 1000, not 5000/, 5, 'nagios.gatherMs'],
    ['nagios: [1, 2\n', /YAML syntax error/, 2, undefined],
  ];
  for (const [text, message, line, field] of cases) {
    const err = error(text);
    t.regex(err.message, message);
    t.is(err.context.file, FILE);
    t.is(err.context.line, line, `${message} line`);
    t.is(err.context.path, field);
    t.true(typeof err.context.column === 'number' || field === undefined);
  }
});

test('a broken consumer client config is reported at its own file and line', (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  fs.writeFileSync(path.join(tmp.dir, 'consumer.yaml'), 'kind: consumer\nconsumer: central\nbrokers: []\n');
  fs.writeFileSync(path.join(tmp.dir, 'bridge.yaml'), 'consumer: consumer.yaml\nstateDir: state\nnagios:\n  mode: spool\n  checkResultPath: spool\n');
  const err = t.throws(() => loadBridgeConfig(path.join(tmp.dir, 'bridge.yaml')), { instanceOf: ConfigError });
  t.is(err?.context.file, path.join(tmp.dir, 'consumer.yaml'));
  t.is(typeof err?.context.line, 'number');
  fs.writeFileSync(path.join(tmp.dir, 'site.yaml'), 'kind: site\nsite: X\ntenant: EGI\nrole: site\nbrokers: [{name: a, host: h, port: 1}]\ndestination: /topic/a.b\ncredentials: {}\n');
  fs.writeFileSync(path.join(tmp.dir, 'bridge.yaml'), 'consumer: site.yaml\nstateDir: state\nnagios:\n  mode: spool\n  checkResultPath: spool\n');
  t.throws(() => loadBridgeConfig(path.join(tmp.dir, 'bridge.yaml')), { message: /needs a consumer client config/ });
  t.throws(() => loadBridgeConfig(path.join(tmp.dir, 'missing.yaml')), { message: /cannot read the msg-to-nagios configuration: ENOENT/ });
});
