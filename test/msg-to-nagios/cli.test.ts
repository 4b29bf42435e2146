/**
 * The CLI of the central bridge (built CLI: `npx tsc -p .` first):
 * `nagios-config central` output checked by a real `nagios4 -v`, and clear
 * one-line errors for bad input.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NAGIOS_BINARY, writeNagiosInstance } from '../../bridges/nagios-instance.js';
import { loadBridgeConfig } from '../../bridges/msg-to-nagios/index.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const REGISTRY = path.join(REPO_ROOT, 'examples', 'registry.yaml');

test('nagios-config central: the printed settings and templates pass nagios4 -v with passive hosts and services using them', async (t) => {
  const tmp = tempDir('gridmsg-central-cfg-');
  t.teardown(tmp.cleanup);
  const dir = path.join(tmp.dir, 'nagios');
  const base = writeNagiosInstance(dir, { hosts: [] });
  const args = ['nagios-config', 'central', '--registry', REGISTRY, '--consumer', 'ngi-uk', '--freshness', '3600', '--command-file', base.commandFile, '--check-result-path', base.checkResultPath, '--object-cache', path.join(dir, 'objects.cache'), '--query-socket', base.querySocket];
  const mainCfg = await runCli([...args, '--part', 'nagios-cfg']);
  const objects = await runCli([...args, '--part', 'objects', '--part', 'sites']);
  t.is(mainCfg.code, 0, mainCfg.stderr);
  t.is(objects.code, 0, objects.stderr);
  t.regex(mainCfg.stdout, /^check_external_commands=1$/m);
  t.regex(mainCfg.stdout, /^check_result_reaper_frequency=1$/m, 'spool mode results reaped every second (bench/latency.ts)');
  t.true(mainCfg.stdout.includes(`\nquery_socket=${base.querySocket}\n`), 'the socket the bridge asks whether Nagios runs');
  t.regex(mainCfg.stdout, /^illegal_object_name_chars=[^=\n]*$/m, 'no = in illegal_object_name_chars');
  t.regex(objects.stdout, /name\s+gridmsg-passive-service/);
  t.regex(objects.stdout, /UKI-LT2-QMUL\s+role site\s+hosts \*\.ph\.qmul\.ac\.uk/);
  const extra: Record<string, string> = {};
  for (const line of mainCfg.stdout.split('\n')) {
    const m = /^([a-z_]+)=(.*)$/.exec(line);
    if (m) extra[m[1]!] = m[2]!;
  }
  writeNagiosInstance(dir, {
    hosts: [{ name: 'ce01.ph.qmul.ac.uk', directives: { use: 'gridmsg-passive-host', hostgroups: 'site-UKI-LT2-QMUL' }, services: [{ description: 'org.sam.CE-JobSubmit-/ops/Role=lcgadmin', directives: { use: 'gridmsg-passive-service' } }] }],
    extraObjects: objects.stdout,
    extraMainConfig: extra,
  });
  let out: string;
  try {
    out = execFileSync(NAGIOS_BINARY, ['-v', path.join(dir, 'nagios.cfg')], { encoding: 'utf8' });
  } catch (err) {
    t.fail(`nagios4 -v failed: ${String((err as { stdout?: string }).stdout ?? err)}`);
    return;
  }
  t.regex(out, /Total Errors:\s+0/);
});

test('nagios-config central: the printed bridge config loads, pointing at the consumer config', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const consumerFile = path.join(tmp.dir, 'consumers', 'argo-central.yaml');
  const r = await runCli(['nagios-config', 'central', '--registry', REGISTRY, '--consumer', 'argo-central', '--part', 'bridge', '--consumer-file', consumerFile, '--state-dir', path.join(tmp.dir, 'state')]);
  t.is(r.code, 0, r.stderr);
  // The consumer config as broker-config generate writes it.
  const gen = await runCli(['broker-config', 'generate', REGISTRY, '--out', tmp.dir, '--skip-credentials']);
  t.is(gen.code, 0, gen.stderr);
  fs.writeFileSync(path.join(tmp.dir, 'msg-to-nagios.yaml'), r.stdout);
  const cfg = loadBridgeConfig(path.join(tmp.dir, 'msg-to-nagios.yaml'));
  t.is(cfg.consumer.consumer, 'argo-central');
  t.true(cfg.consumer.queues.length >= 12);
  t.is(cfg.nagios.mode, 'spool');
  t.is(cfg.nagios.querySocket, '/var/lib/nagios4/rw/nagios.qh', "Debian's default query_socket");
});

test('nagios-config central: an unknown consumer or a missing registry is one clear line, exit 2', async (t) => {
  const r = await runCli(['nagios-config', 'central', '--registry', REGISTRY, '--consumer', 'nosuch']);
  t.is(r.code, 2);
  t.regex(r.stderr, /registry\.yaml: consumers: no consumer "nosuch" in the registry \(consumers: argo-central, ngi-uk\)/);
  t.notRegex(r.stderr, /\n\s+at /);
  const r2 = await runCli(['nagios-config', 'central', '--consumer', 'x']);
  t.is(r2.code, 2);
  t.regex(r2.stderr, /--registry: give --registry FILE --consumer NAME, or --config CONSUMER\.yaml/);
});

test('msg-to-nagios: a missing or broken configuration is one line naming file, line and field; exit 2', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const missing = await runCli(['msg-to-nagios', '--config', path.join(tmp.dir, 'nope.yaml')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /nope\.yaml: cannot read the msg-to-nagios configuration: ENOENT/);
  fs.writeFileSync(path.join(tmp.dir, 'consumer.yaml'), 'kind: consumer\nconsumer: c\nbrokers: [{name: a, host: 127.0.0.1, port: 1}]\nqueues: [{site: S, tenant: T, role: site, destination: /queue/q}]\nerrorDestination: /queue/e\ncredentials: {}\n');
  fs.writeFileSync(path.join(tmp.dir, 'bridge.yaml'), 'consumer: consumer.yaml\nstateDir: state\nnagios:\n  mode: pipe\n  commandFile: cmd\n  maxOutputBytes: 100000\n  longOutput: truncate\n');
  const bad = await runCli(['msg-to-nagios', '--config', path.join(tmp.dir, 'bridge.yaml')]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /bridge\.yaml:6:19: nagios\.maxOutputBytes: above 8192 bytes only spool mode or longOutput: spool/);
  t.is(bad.stderr.trim().split('\n').length, 1);
});
