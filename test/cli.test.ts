import test from 'ava';
import { runCli } from './helpers/cli.js';

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
