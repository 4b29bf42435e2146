/**
 * `gridmsg pki init|issue` through the built CLI (run `npx tsc -p .` first,
 * like test/cli.test.ts): exit codes, output, one-line errors.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

test.before(() => {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'commands', 'pki.js'))) {
    throw new Error('the CLI is not built: run `npx tsc -p .` before these tests');
  }
});

test('pki init then pki issue for each kind: exit 0, the DN and the files printed, a development-only warning on stderr', async (t) => {
  const tmp = tempDir('gridmsg-pki-cli-');
  t.teardown(tmp.cleanup);
  const init = await runCli(['pki', 'init', '--dir', tmp.dir]);
  t.is(init.code, 0, init.stderr);
  t.regex(init.stdout, /created development CA \/DC=org\/DC=gridmsg-dev\/OU=development only\/CN=gridmsg development CA/);
  t.regex(init.stderr, /development CA: for demos and tests only, never for production/);

  const site = await runCli(['pki', 'issue', '--dir', tmp.dir, '--kind', 'site', '--name', 'egee.srce.hr', '--dn', 'CN=nagios.srce.hr,OU=computers,DC=srce,DC=hr']);
  t.is(site.code, 0, site.stderr);
  t.regex(site.stdout, /^issued site egee\.srce\.hr: \/DC=hr\/DC=srce\/OU=computers\/CN=nagios\.srce\.hr$/m);
  t.regex(site.stdout, new RegExp(`key +${tmp.dir}/sites/egee\\.srce\\.hr/key\\.pem +\\(0600\\)`));
  t.notRegex(site.stdout, /keystore/);

  const broker = await runCli(['pki', 'issue', '--dir', tmp.dir, '--kind', 'broker', '--name', 'eu-north-a', '--san', 'DNS:mq.example.org']);
  t.is(broker.code, 0, broker.stderr);
  t.regex(broker.stdout, /keystore +.*brokers\/eu-north-a\/keystore\.p12 +\(PKCS12, 0600; password in .*keystore\.password\)/);

  const expired = await runCli(['pki', 'issue', '--dir', tmp.dir, '--kind', 'consumer', '--name', 'old', '--expired']);
  t.is(expired.code, 0, expired.stderr);
  t.regex(expired.stdout, /\(EXPIRED\)/);
});

test('pki errors are one line naming the option or file, never a stack trace', async (t) => {
  const tmp = tempDir('gridmsg-pki-cli-');
  t.teardown(tmp.cleanup);
  const noCa = await runCli(['pki', 'issue', '--dir', tmp.dir, '--kind', 'site', '--name', 'X']);
  t.is(noCa.code, 1);
  t.regex(noCa.stderr, /^gridmsg: .*ca\.pem: no CA in .*: run "gridmsg pki init --dir .*" first$/m);
  t.notRegex(noCa.stderr, /\n\s+at /);

  t.is((await runCli(['pki', 'init', '--dir', tmp.dir])).code, 0);
  const badDn = await runCli(['pki', 'issue', '--dir', tmp.dir, '--kind', 'site', '--name', 'X', '--dn', '/DC=org/BOGUS=1/CN=x']);
  t.is(badDn.code, 2);
  t.regex(badDn.stderr, /^gridmsg: --dn: invalid DN "\/DC=org\/BOGUS=1\/CN=x": unknown attribute type "BOGUS" \(write \\\/ for a "\/" inside a value\)$/m);
  t.notRegex(badDn.stderr, /\n\s+at /);

  const twice = await runCli(['pki', 'init', '--dir', tmp.dir]);
  t.is(twice.code, 1);
  t.regex(twice.stderr, /a CA already exists in .* \(use --force to replace it/);
});
