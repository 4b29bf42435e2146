/**
 * Operator mistakes and bad situations give one clear line naming what and
 * where (file:line, field, path), never a stack trace: broken configs, a
 * read-only spool directory, missing Nagios files, a full spool.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../core/ports.js';
import { Bridge, evaluateStatus, loadBridgeConfig, readStatus } from '../../bridges/nagios-to-msg/index.js';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, perfdataLine, writeBridgeConfig, writeSiteClientConfig } from './helpers.js';

function setup(t: { teardown: (f: () => void) => void }): { dir: string; client: string } {
  const tmp = tempDir('gridmsg-bridge-err-');
  t.teardown(tmp.cleanup);
  fs.chmodSync(tmp.dir, 0o755);
  // Nothing listens on this port: the broker is unreachable in these tests.
  return { dir: tmp.dir, client: writeSiteClientConfig(tmp.dir, 1, '/queue/test.errors') };
}

const noStack = (r: CliResult): boolean => !/\n\s+at /.test(r.stderr);

test('broken configs: YAML syntax, unknown field, bad value, missing client config: file:line and field named, exit 2', async (t) => {
  const { dir, client } = setup(t);
  const cases: Array<{ text: string; expect: RegExp }> = [
    { text: `client: ${client}\ninputs:\n  - path: /tmp/x\n   bad indent: 1\n`, expect: /bridge\.yaml:\d+:\d+: YAML syntax error/ },
    { text: `client: ${client}\ninputs:\n  - path: /tmp/x\nspool:\n  dir: /tmp/s\n  maxbytes: 1GiB\n`, expect: /bridge\.yaml:6:3: spool\.maxbytes: unknown field "maxbytes"/ },
    { text: `client: ${client}\ninputs:\n  - path: /tmp/x\nspool:\n  dir: /tmp/s\n  maxBytes: lots\n`, expect: /bridge\.yaml:6:13: spool\.maxBytes: "lots" is not a size/ },
    { text: `client: ${client}\ninputs:\n  - path: /tmp/x\nspool:\n  dir: /tmp/s\n  whenFull: panic\n`, expect: /spool\.whenFull: must be one of block, drop-oldest/ },
    { text: `client: ${client}\ninputs: []\nspool:\n  dir: /tmp/s\n`, expect: /bridge\.yaml:2:9: inputs: needs at least one input file/ },
    { text: `client: ${client}\ninputs:\n  - path: /tmp/x\n`, expect: /bridge\.yaml:1:1: spool: missing required field "spool"/ },
    { text: `client: no-such-client.yaml\ninputs:\n  - path: /tmp/x\nspool:\n  dir: /tmp/s\n`, expect: /bridge\.yaml:1:9: client: cannot read client config: ENOENT: .*no-such-client\.yaml/ },
  ];
  for (const c of cases) {
    fs.writeFileSync(path.join(dir, 'bridge.yaml'), c.text);
    const r = await runCli(['nagios-to-msg', '--config', path.join(dir, 'bridge.yaml')]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, c.expect);
    t.true(noStack(r));
    // The plugin says UNKNOWN (3) for the same config, on stdout.
    const p = await runCli(['check-bridge', '--config', path.join(dir, 'bridge.yaml')]);
    t.is(p.code, 3);
    t.regex(p.stdout, /^BRIDGE UNKNOWN - /);
  }
  // A broken site client config is reported in its own file.
  fs.writeFileSync(client, 'kind: site\nsite: X\n');
  fs.writeFileSync(path.join(dir, 'bridge.yaml'), `client: ${client}\ninputs:\n  - path: /tmp/x\nspool:\n  dir: /tmp/s\n`);
  const r = await runCli(['nagios-to-msg', '--config', path.join(dir, 'bridge.yaml')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /TEST-SITE\.client\.yaml:\d+:\d+: .*missing required field/);
});

test('a read-only spool directory is an error naming the directory and the config line', async (t) => {
  const { dir, client } = setup(t);
  const spoolDir = path.join(dir, 'spool');
  fs.mkdirSync(spoolDir, { mode: 0o755 });
  const root = process.getuid?.() === 0;
  if (!root) fs.chmodSync(spoolDir, 0o555);
  const cfg = writeBridgeConfig(dir, { client, inputs: [{ path: path.join(dir, 'perf') }], spoolDir });
  // As root, permissions do not stop writes: run the bridge as nobody, for whom the root-owned directory is read-only.
  const r = await new Promise<CliResult>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'nagios-to-msg', '--config', cfg], { ...(root ? { uid: 65534, gid: 65534 } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, new RegExp(`spool directory ${spoolDir} is not writable \\(EACCES`));
  t.regex(r.stderr, /bridge\.yaml:\d+: spool\.dir/);
  t.true(noStack(r));
});

test('missing Nagios files: a missing directory is an error naming the input; a missing file is waited for, logged and reported', async (t) => {
  const { dir, client } = setup(t);
  const cfg = writeBridgeConfig(dir, { client, inputs: [{ path: path.join(dir, 'no-such-dir', 'service-perfdata') }], spoolDir: path.join(dir, 'spool') });
  const r = await runCli(['nagios-to-msg', '--config', cfg]);
  t.is(r.code, 2);
  t.regex(r.stderr, /bridge\.yaml:3:\d+: inputs\[0\]\.path: directory .*no-such-dir of input file .*service-perfdata does not exist/);
  t.true(noStack(r));

  const perf = path.join(dir, 'service-perfdata');
  const cfg2 = writeBridgeConfig(dir, { client, inputs: [{ path: perf }], spoolDir: path.join(dir, 'spool') }, 'bridge2.yaml');
  const { logger, lines } = captureLogger();
  const config = loadBridgeConfig(cfg2);
  const bridge = await Bridge.start({ config, logger });
  t.teardown(() => bridge.stop());
  await new Promise((r) => setTimeout(r, 1500)); // the follower looked, and the status file was rewritten since
  t.true(lines.some((l) => l.includes('input file does not exist (yet)') && l.includes(perf)), lines.join('\n'));
  const status = readStatus(config.statusFile);
  t.true(status.ok && status.status.inputs[0]!.missingSince !== null);
  // A minute later the self-check warns about it.
  const later = evaluateStatus(status, config.check, Date.now() + 90_000);
  t.regex(later.output, new RegExp(`input service-perfdata: ${perf} missing for \\d+ s`));
});

test('a full spool says so loudly: log line, status, check-bridge CRITICAL; drop-oldest drops with a count and a WARNING', async (t) => {
  const { dir } = setup(t);
  const client = writeSiteClientConfig(dir, await freePort(), '/queue/test.full');
  const perf = path.join(dir, 'service-perfdata');
  let text = '';
  for (let i = 0; i < 3000; i++) text += perfdataLine({ host: 'h.example.org', service: `s${i}`, output: 'x'.repeat(100) }) + '\n';
  fs.writeFileSync(perf, text);
  for (const policy of ['block', 'drop-oldest'] as const) {
    const cfg = path.join(dir, `${policy}.yaml`);
    fs.writeFileSync(cfg, `client: ${client}\ninputs:\n  - path: ${perf}\nspool:\n  dir: ${path.join(dir, `spool-${policy}`)}\n  maxBytes: 64KiB\n  whenFull: ${policy}\nbatch:\n  maxRecords: 20\npoll: 50ms\ndrainTimeout: 1s\n`);
    const child = spawn(process.execPath, [CLI, 'nagios-to-msg', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise((r) => child.on('close', r));
    const want = policy === 'block' ? /spool full \(spool holds \d+ bytes, limit 65536\): reading from Nagios stopped/ : /spool full \(.*\): dropped the \d+ oldest results \(policy drop-oldest\)/;
    const deadline = Date.now() + 30_000;
    while (!want.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    t.regex(stderr, want);
    await new Promise((r) => setTimeout(r, 1200)); // one status write later
    const check = await runCli(['check-bridge', '--config', cfg]);
    if (policy === 'block') {
      t.is(check.code, 2, check.stdout);
      t.regex(check.stdout, /^BRIDGE CRITICAL - spool full: spool holds \d+ bytes, limit 65536 \(policy block\)/);
    } else {
      t.regex(check.stdout, /results dropped by the drop-oldest policy/);
      t.true((check.code ?? 0) >= 1);
    }
    t.regex(check.stdout, /\| spool_records=\d+;10000;100000;0 spool_bytes=\d+B;;;0 oldest_unsent=\d+s;300;1800;0 last_receipt=\d+s;300;1800;0/);
    child.kill('SIGTERM');
    await exited;
    t.true(noStack({ code: 0, signal: null, stdout: '', stderr }));
  }
});
