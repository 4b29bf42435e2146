import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { EXAMPLE, FIXTURES, modeOf, runCli } from './helpers.js';

/** The registry and broker-config commands as an operator runs them: exit codes, output, files. Never a stack trace. */

const DEV = path.join(FIXTURES, 'valid-dev.yaml');
const DEV_ENV = { DEV_NETWORK_PW: 'net-pw', DEV_SRCE_PW: 'srce-pw', DEV_CERN_PW: 'cern-pw', DEV_CONSUMER_PW: 'consumer-pw' };
const noStack = (s: string): boolean => !/\n\s+at .+:\d+:\d+/.test(s);

function tree(dir: string): Map<string, { content: string; mode: number }> {
  const out = new Map<string, { content: string; mode: number }>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), { content: fs.readFileSync(p, 'utf8'), mode: modeOf(p) });
    }
  };
  walk(dir);
  return out;
}

test('registry check: the example is valid (exit 0)', async (t) => {
  const r = await runCli(['registry', 'check', EXAMPLE]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /registry\.yaml: valid\n$/);
});

test('registry check: a bad registry lists every problem with file:line:column and path (exit 1), no stack trace', async (t) => {
  const file = path.join(FIXTURES, 'schema-errors.yaml');
  const r = await runCli(['registry', 'check', file]);
  t.is(r.code, 1);
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 8);
  t.is(lines[0], `${file}:12:13: network.topology: must be one of: "full-mesh", "hub-and-spoke", "explicit"`);
  t.regex(lines[7]!, /schema-errors\.yaml: 7 errors$/);
  t.true(noStack(r.stdout + r.stderr));
});

test('registry check: the issue\'s example message, and a missing file', async (t) => {
  const file = path.join(FIXTURES, 'unknown-pair.yaml');
  const r = await runCli(['registry', 'check', file]);
  t.is(r.code, 1);
  t.true(r.stdout.includes(`${file}:21:11: sites[3].pair: unknown pair "eu-west"`));
  t.regex(r.stdout, /warning: pairs\[0\]\.brokers: pair "pa" has one broker/);
  const missing = await runCli(['registry', 'check', '/nonexistent/registry.yaml']);
  t.is(missing.code, 1);
  t.regex(missing.stdout, /\/nonexistent\/registry\.yaml: cannot read registry: no such file/);
  t.true(noStack(missing.stdout + missing.stderr));
});

test('registry show: text, dot and mermaid; an invalid registry prints its problems and exits 1', async (t) => {
  const text = await runCli(['registry', 'show', EXAMPLE]);
  t.is(text.code, 0);
  t.regex(text.stdout, /^Registry .*: 6 brokers in 3 pairs, 15 sites, 2 consumers\./);
  const dot = await runCli(['registry', 'show', EXAMPLE, '--format', 'dot']);
  t.regex(dot.stdout, /^digraph gridmsg \{/);
  const mermaid = await runCli(['registry', 'show', EXAMPLE, '--format', 'mermaid']);
  t.regex(mermaid.stdout, /^flowchart LR/);
  const bad = await runCli(['registry', 'show', path.join(FIXTURES, 'references.yaml')]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /references\.yaml:11:42: network\.hub: unknown pair "central"/);
  t.is(bad.stdout, '');
  const usage = await runCli(['registry', 'show', EXAMPLE, '--format', 'png']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /Invalid values|Choices|unknown --format/);
});

test('broker-config generate: deterministic files, modes; secrets required unless skipped', async (t) => {
  const a = tempDir();
  const b = tempDir();
  t.teardown(() => {
    a.cleanup();
    b.cleanup();
  });
  const missing = await runCli(['broker-config', 'generate', EXAMPLE, '--out', a.dir]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /secrets missing/);
  t.regex(missing.stderr, /registry\.yaml:\d+:\d+: network\.credentials: password file of user "gridmsg-network" cannot be read: \/etc\/gridmsg\/secrets\/network\.password \(ENOENT\)/);
  t.regex(missing.stderr, /registry\.yaml:\d+:\d+: brokers\[0\]\.tls: keystore password file of broker "central-a" cannot be read: \/etc\/gridmsg\/secrets\/keystore\.password \(ENOENT\)/);
  t.regex(missing.stderr, /truststore password file of broker "south-b" cannot be read/);
  t.true(noStack(missing.stderr));
  t.deepEqual(fs.readdirSync(a.dir), [], 'nothing written when secrets are missing');

  for (const out of [a.dir, b.dir]) {
    const r = await runCli(['broker-config', 'generate', EXAMPLE, '--out', out, '--skip-credentials']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /6 brokers/);
  }
  const ta = tree(a.dir);
  t.deepEqual(ta, tree(b.dir));
  t.is(ta.get('brokers/central-a/run.sh')!.mode, 0o755);
  t.is(ta.get('brokers/central-a/conf/activemq.xml')!.mode, 0o644);
  t.true(ta.has('sites/egee.srce.hr.yaml'));
  t.true(ta.has('consumers/ngi-uk.yaml'));
  t.false([...ta.keys()].some((k) => k.endsWith('credentials.properties') || k.endsWith('/users.properties')));
  t.true(ta.has('brokers/central-a/conf/login.config') && ta.has('brokers/central-a/conf/cert-users.properties'));
});

test('broker-config generate: credentials.properties (0600) from environment variables', async (t) => {
  const out = tempDir();
  t.teardown(out.cleanup);
  const r = await runCli(['broker-config', 'generate', DEV, '--out', out.dir], { env: DEV_ENV });
  t.is(r.code, 0, r.stderr);
  const cred = path.join(out.dir, 'brokers', 'region-a', 'conf', 'credentials.properties');
  t.is(modeOf(cred), 0o600);
  t.regex(fs.readFileSync(cred, 'utf8'), /^gridmsg\.password\.CERN-PROD=cern-pw$/m);
  t.regex(fs.readFileSync(cred, 'utf8'), /^gridmsg\.password\.gridmsg-network=net-pw$/m);
});

test('usage errors exit 2 with a one-line message', async (t) => {
  const r = await runCli(['broker-config', 'generate', EXAMPLE]);
  t.is(r.code, 2);
  t.regex(r.stderr, /Missing required argument: out/);
  const run = await runCli(['broker', 'run', '/nonexistent/brokers/x']);
  t.is(run.code, 2);
  t.regex(run.stderr, /^gridmsg: .*\/nonexistent\/brokers\/x is not a generated broker directory: no broker\.json/);
  t.true(noStack(r.stderr + run.stderr));
});
