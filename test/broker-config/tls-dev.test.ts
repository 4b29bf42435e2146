/**
 * `gridmsg dev up` on a TLS registry, through the CLI: a development PKI
 * under the state directory, brokers started with the JAAS login
 * configuration, localized client configs pointing at the dev PEM files.
 * The registry (test/fixtures/registries/valid-tls-mixed.yaml) mixes a
 * certificate-only failover pair bridging over `static:(ssl://...)` to a
 * single-broker hub that uses the dual plugin because the registry opened a
 * plain STOMP port on it for a legacy password site. Then every generated
 * file (except those meant to hold secrets), every broker log and every CLI
 * output is searched for every secret: none is there.
 */
import test from 'ava';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { ConsumerClientConfig, SiteClientConfig } from '../../clients/client-config.js';
import { pidAlive } from '../../core/process.js';
import { DEV_STATE_FILE, type DevState } from '../../broker-config/index.js';
import { tempDir } from '../helpers/tmp.js';
import { FIXTURES, modeOf, runCli, type CliResult } from './helpers.js';

const MIXED = path.join(FIXTURES, 'valid-tls-mixed.yaml');

function walk(dir: string, skip: (rel: string) => boolean, root = dir): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    const rel = path.relative(root, p);
    if (skip(rel)) continue;
    if (e.isDirectory()) out.push(...walk(p, skip, root));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/**
 * What would show that a private key leaked: its secret value (JWK `d`) in
 * base64url, base64 and hex, and its whole PEM body. (Single PEM lines are
 * not used: one of them may hold the public key, which certificates carry.)
 */
function keyMaterial(pem: string): string[] {
  const d = createPrivateKey(pem).export({ format: 'jwk' }).d!;
  const bytes = Buffer.from(d, 'base64url');
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return [d, bytes.toString('base64').replace(/=+$/, ''), bytes.toString('hex'), body];
}

test.serial('dev up on a TLS registry: dev PKI, TLS brokers, working client configs, and no secret outside its files and logs', async (t) => {
  const state = tempDir('gridmsg-tls-dev-');
  let pids: number[] = [];
  t.teardown(async () => {
    if (pids.some(pidAlive)) await runCli(['dev', 'down', '--state', state.dir]);
    state.cleanup();
  });
  const cli: Array<[string, CliResult]> = [];
  const run = async (args: string[]): Promise<CliResult> => {
    const r = await runCli(['--log-level', 'debug', ...args]);
    cli.push([args.join(' '), r]);
    return r;
  };

  const up = await run(['dev', 'up', MIXED, '--state', state.dir]);
  t.is(up.code, 0, up.stderr);
  const dev = JSON.parse(fs.readFileSync(path.join(state.dir, DEV_STATE_FILE), 'utf8')) as DevState;
  pids = dev.brokers.map((b) => b.pid);
  t.deepEqual(dev.brokers.map((b) => `${b.name}:${b.role}:${b.tls}`).sort(), ['h1:active:true', 'r1:active:true', 'r2:standby:true']);
  for (const b of dev.brokers.filter((x) => x.role === 'active')) t.true(up.stdout.includes(`stomp+ssl 127.0.0.1:${b.stompPort}`), `${b.name} not printed`);
  t.regex(up.stdout, /development PKI \(NOT for production\): .*\/pki/);

  // The development PKI: the registry's DNs, private keys 0600.
  const pki = path.join(state.dir, 'pki');
  t.is(fs.readFileSync(path.join(pki, 'sites', 'CERN-PROD', 'subject.txt'), 'utf8').trim(), '/DC=ch/DC=cern/OU=computers/CN=nagios.cern.ch');
  t.is(fs.readFileSync(path.join(pki, 'brokers', 'h1', 'subject.txt'), 'utf8').trim(), '/DC=org/DC=example/OU=brokers/CN=mq.hub.example.org');
  t.false(fs.existsSync(path.join(pki, 'sites', 'LEGACY-SITE')), 'a password-only site gets no certificate');

  // What the generator decided: certificate logins on the region (its bridge is static:(ssl://h1)),
  // dual on the hub (plain port, bridge towards the failover pair).
  const xml = (b: string): string => fs.readFileSync(path.join(state.dir, 'brokers', b, 'conf', 'activemq.xml'), 'utf8');
  t.regex(xml('r1'), /<jaasCertificateAuthenticationPlugin configuration="gridmsg-certificate"\/>/);
  t.regex(xml('r1'), /<networkConnector name="bridge\.region\.hub" uri="static:\(ssl:\/\/127\.0\.0\.1:\d+\)\?[^"]*" duplex="false"/);
  t.regex(xml('h1'), /<jaasDualAuthenticationPlugin configuration="gridmsg-password" sslConfiguration="gridmsg-certificate"\/>/);
  t.regex(xml('h1'), /uri="masterslave:\(ssl:\/\/127\.0\.0\.1:\d+,ssl:\/\/127\.0\.0\.1:\d+\)\?[^"]*" userName="gridmsg-network" password="\$\{gridmsg\.password\.gridmsg-network\}"/);

  // A site with a certificate publishes at the region; the hub consumer reads it after the certificate-only bridge.
  const body = path.join(state.dir, 'body.txt');
  fs.writeFileSync(body, 'over TLS from CERN-PROD');
  const send = await run(['send', '--config', path.join(state.dir, 'sites', 'CERN-PROD.yaml'), '--file', body, '--timeout', '60']);
  t.is(send.code, 0, send.stderr);
  const consumer = parse(fs.readFileSync(path.join(state.dir, 'consumers', 'central.yaml'), 'utf8')) as ConsumerClientConfig;
  const cernQueue = consumer.queues.find((q) => q.site === 'CERN-PROD')!.destination;
  const got = await run(['subscribe', '--config', path.join(state.dir, 'consumers', 'central.yaml'), '--destination', cernQueue, '--count', '1', '--timeout', '120']);
  t.is(got.code, 0, got.stderr);
  t.is(got.stdout, 'over TLS from CERN-PROD\n');

  // The legacy site logs in with its password on the plain port the registry asked for.
  const legacy = parse(fs.readFileSync(path.join(state.dir, 'sites', 'LEGACY-SITE.yaml'), 'utf8')) as SiteClientConfig;
  t.is(legacy.brokers[0]!.tls, undefined);
  t.is(legacy.credentials.username, 'LEGACY-SITE');
  fs.writeFileSync(body, 'over the plain port from LEGACY-SITE');
  t.is((await run(['send', '--config', path.join(state.dir, 'sites', 'LEGACY-SITE.yaml'), '--file', body, '--timeout', '60'])).code, 0);
  const legacyQueue = consumer.queues.find((q) => q.site === 'LEGACY-SITE')!.destination;
  const got2 = await run(['subscribe', '--config', path.join(state.dir, 'consumers', 'central.yaml'), '--destination', legacyQueue, '--count', '1', '--timeout', '120']);
  t.is(got2.stdout, 'over the plain port from LEGACY-SITE\n');

  const down = await run(['dev', 'down', '--state', state.dir]);
  t.is(down.code, 0, down.stderr);
  t.true(pids.every((p) => !pidAlive(p)));

  // --- the secrets ------------------------------------------------------------
  const secretFiles = walk(state.dir, (rel) => /^(stores|brokers\/[^/]+\/(data|tmp))$/.test(rel));
  const passwords = secretFiles.filter((f) => f.endsWith('.password')).map((f) => fs.readFileSync(path.join(state.dir, f), 'utf8').trim());
  const keys = secretFiles.filter((f) => f.endsWith('key.pem') || f.endsWith('ca.key')).flatMap((f) => keyMaterial(fs.readFileSync(path.join(state.dir, f), 'utf8')));
  // Users' passwords (network, password sites, dual-mode users) and keystore/truststore passwords of every broker.
  t.true(passwords.length >= 3 + 2 * 3, `only ${passwords.length} passwords found`);
  t.true(keys.length >= 4 * 8, 'private keys of the CA, 3 brokers, 2 sites and 2 consumers');
  t.true(passwords.every((p) => p.length >= 20));

  // Files meant to hold secrets, and only those, are 0600.
  const holders = (f: string): boolean =>
    /^secrets\//.test(f) || /(^|\/)(key\.pem|ca\.key|[^/]+\.password|[^/]+\.p12)$/.test(f) || /\/conf\/(credentials|users)\.properties$/.test(f);
  for (const f of secretFiles.filter(holders)) t.is(modeOf(path.join(state.dir, f)), 0o600, `${f} must be 0600`);
  // Positive control: the grep finds them where they belong.
  const credentials = fs.readFileSync(path.join(state.dir, 'brokers', 'h1', 'conf', 'credentials.properties'), 'utf8');
  t.true(passwords.filter((p) => credentials.includes(p)).length >= 3, 'the hub credentials hold its passwords');
  t.true(fs.readFileSync(path.join(state.dir, 'brokers', 'h1', 'conf', 'users.properties'), 'utf8').includes(fs.readFileSync(path.join(state.dir, 'secrets', 'LEGACY-SITE.password'), 'utf8').trim()));

  // Everything else: generated files, dev.json, broker logs, client configs, and every CLI output.
  const searched: Array<[string, string]> = secretFiles.filter((f) => !holders(f)).map((f) => [f, fs.readFileSync(path.join(state.dir, f), 'latin1')]);
  for (const [args, r] of cli) searched.push([`gridmsg ${args} (stdout)`, r.stdout], [`gridmsg ${args} (stderr)`, r.stderr]);
  t.true(searched.some(([f]) => f.endsWith('broker.log')), 'broker logs are searched');
  t.true(searched.some(([f]) => f.endsWith('activemq.xml')) && searched.some(([f]) => f.endsWith('cert-users.properties')));
  t.true(cli.some(([, r]) => /"level":"debug"|debug/i.test(r.stderr)), 'CLI debug logs are searched');
  const leaks: string[] = [];
  for (const [where, text] of searched) {
    for (const p of passwords) if (text.includes(p)) leaks.push(`${where}: a password`);
    for (const k of keys) if (text.includes(k)) leaks.push(`${where}: private key material`);
  }
  t.deepEqual(leaks, []);
  t.log(`searched ${searched.length} files and outputs for ${passwords.length} passwords and ${keys.length} key lines`);
});
