import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

test('gridmsg --help lists the commands and exits 0', async (t) => {
  const r = await runCli(['--help']);
  t.is(r.code, 0);
  t.regex(r.stdout, /gridmsg <command>/);
  t.regex(r.stdout, /nagios-config/);
});

test('an unknown command is a usage error with exit 2 and no stack trace', async (t) => {
  const r = await runCli(['no-such-command']);
  t.is(r.code, 2);
  t.regex(r.stderr, /Unknown argument: no-such-command/);
  t.notRegex(r.stderr, /\n\s+at /);
});

test('a command group without a subcommand says which subcommand is missing', async (t) => {
  const r = await runCli(['nagios-config']);
  t.is(r.code, 2);
  t.regex(r.stderr, /choose a subcommand of "nagios-config"/);
});

test('an invalid option value is a usage error and the command does not run', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.cleanup);
  const dir = path.join(tmp.dir, 'pki');
  const r = await runCli(['pki', 'issue', '--dir', dir, '--kind', 'nope', '--name', 'X']);
  t.is(r.code, 2);
  t.regex(r.stderr, /Invalid values/);
  t.regex(r.stderr, /kind/);
  t.false(fs.existsSync(dir), 'the command must not have run');
});
