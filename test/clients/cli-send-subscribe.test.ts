/**
 * `gridmsg send` and `gridmsg subscribe` as an operator runs them (the built
 * CLI), against one real ActiveMQ that requires a password.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../core/ports.js';
import { plannedMessages } from '../../cli/commands/send.js';
import { Progress } from '../../clients/index.js';
import { CLI, runCli } from '../helpers/cli.js';
import { plainBrokerXml, startTestBroker, type TestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';

let broker: TestBroker;
let work: { dir: string; cleanup: () => void };
let siteConfig: string;
let consumerConfig: string;
let passwordFile: string;

function authXml(): string {
  return plainBrokerXml('cli').replace(
    '<destinationPolicy>',
    `<plugins><simpleAuthenticationPlugin anonymousAccessAllowed="false"><users>
      <authenticationUser username="site" password="s3cret:pw" groups="users"/>
    </users></simpleAuthenticationPlugin></plugins>
    <destinationPolicy>`,
  );
}

test.before(async () => {
  broker = await startTestBroker({ xml: authXml() });
  work = tempDir('gridmsg-cli-');
  passwordFile = path.join(work.dir, 'password');
  fs.writeFileSync(passwordFile, 's3cret:pw\n', { mode: 0o600 });
  siteConfig = path.join(work.dir, 'site.yaml');
  fs.writeFileSync(
    siteConfig,
    `kind: site
site: TEST-SITE
tenant: EGI
role: site
brokers:
  - { name: down, host: 127.0.0.1, port: ${await freePort()} }
  - { name: cli, host: 127.0.0.1, port: ${broker.stompPort} }
destination: /queue/cli.site
credentials:
  username: site
  passwordFile: password
`,
  );
  consumerConfig = path.join(work.dir, 'consumer.yaml');
  fs.writeFileSync(
    consumerConfig,
    `kind: consumer
consumer: central
brokers:
  - { name: cli, host: 127.0.0.1, port: ${broker.stompPort} }
queues:
  - { site: TEST-SITE, tenant: EGI, role: site, destination: /queue/cli.site }
errorDestination: /queue/cli.errors
credentials: { username: site, passwordFile: password }
prefetch: 7
`,
  );
});
test.after.always(async () => {
  await broker?.stop();
  work?.cleanup();
});

const auth = () => ['--brokers', `tcp://127.0.0.1:${broker.stompPort}`, '--user', 'site', '--password-file', passwordFile];

test.serial('send --config (first broker down) then subscribe --config --count reads exactly N and leaves the rest', async (t) => {
  const sent = await runCli(['send', '--config', siteConfig, '--count', '25', '--idempotency-key', 'batch', '--header', 'x-test=1'], { input: 'hello from the site' });
  t.is(sent.code, 0, sent.stderr);
  t.regex(sent.stderr, /all messages receipted .*messages=25/);
  t.notRegex(sent.stderr, /s3cret/);
  t.notRegex(sent.stderr, /\r/, 'no progress bar when stderr is not a terminal');

  const out = path.join(work.dir, 'first.jsonl');
  const first = await runCli(['--log-level', 'debug', 'subscribe', '--config', consumerConfig, '--count', '10', '--format', 'json', '--out', out, '--timeout', '60']);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stderr, /subscribed .*destination=\/queue\/cli\.site.*prefetch=7/, "the consumer config's (sized) prefetch");
  const records = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { body: string; headers: Record<string, string> });
  t.deepEqual(records.map((r) => r.headers['gridmsg-idempotency-key']), Array.from({ length: 10 }, (_, i) => `batch-${i}`));
  t.is(records[0]!.body, 'hello from the site');
  t.is(records[0]!.headers['x-test'], '1');

  const rest = await runCli(['--log-level', 'debug', 'subscribe', ...auth(), '--destination', '/queue/cli.site', '--count', '15', '--timeout', '60']);
  t.is(rest.code, 0, rest.stderr);
  t.regex(rest.stderr, /subscribed .*prefetch=100/, 'without a consumer config: 100');
  t.is(rest.stdout, 'hello from the site\n'.repeat(15), 'the other 15, none lost, none acked by the first run');
});

test.serial('send --lines sends one message per line; subscribe prints bodies', async (t) => {
  const sent = await runCli(['send', ...auth(), '--destination', '/queue/cli.lines', '--lines'], { input: 'one\ntwo\n\nthree\n' });
  t.is(sent.code, 0, sent.stderr);
  const got = await runCli(['subscribe', ...auth(), '--destination', '/queue/cli.lines', '--count', '3', '--timeout', '60']);
  t.is(got.code, 0, got.stderr);
  t.is(got.stdout, 'one\ntwo\nthree\n');
});

test.serial('wrong password: clear error naming the broker, exit 3, no reconnect loop, no stack trace', async (t) => {
  const bad = path.join(work.dir, 'bad-password');
  fs.writeFileSync(bad, 'not-it\n');
  const r = await runCli(['send', '--brokers', `tcp://127.0.0.1:${broker.stompPort}`, '--user', 'site', '--password-file', bad, '--destination', '/queue/x'], { input: 'x' });
  t.is(r.code, 3);
  t.regex(r.stderr, /the broker refused our credentials \(broker 127\.0\.0\.1:\d+, broker said: User name \[site\] or password is invalid\.\)/);
  t.notRegex(r.stderr, /not-it/);
  t.notRegex(r.stderr, /\n\s+at /);
  const s = await runCli(['subscribe', '--brokers', `tcp://127.0.0.1:${broker.stompPort}`, '--user', 'site', '--password-file', bad, '--destination', '/queue/x']);
  t.is(s.code, 3);
  t.regex(s.stderr, /refused our credentials/);
});

test.serial('no broker reachable and --timeout: exit 1 saying why', async (t) => {
  const port = await freePort();
  const r = await runCli(['send', '--brokers', `tcp://127.0.0.1:${port}`, '--destination', '/queue/x', '--timeout', '1'], { input: 'x' });
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`0 of 1 messages receipted: timed out after 1 s \\(no broker reachable: 127\\.0\\.0\\.1:${port}: connection refused\\)`));
});

test('bad input: config errors name file and line (exit 2); usage errors exit 2', async (t) => {
  const broken = path.join(work.dir, 'broken.yaml');
  fs.writeFileSync(broken, 'kind: site\nsite: X\ntenant: EGI\nrole: site\nbrokers:\n  - { name: a, host: h, port: 0 }\ndestination: /queue/x\ncredentials: {}\n');
  const r = await runCli(['send', '--config', broken, '--destination', '/queue/x'], { input: 'x' });
  t.is(r.code, 2);
  t.true(r.stderr.includes(`${broken}:6:`), r.stderr);
  t.regex(r.stderr, /brokers\[0\]\.port: must be a port number/);
  t.notRegex(r.stderr, /\n\s+at /);
  const both = await runCli(['send', '--config', broken, '--brokers', 'tcp://a:1', '--destination', '/queue/x'], { input: 'x' });
  t.is(both.code, 2);
  const header = await runCli(['send', '--brokers', 'tcp://127.0.0.1:1', '--destination', '/queue/x', '--header', 'novalue'], { input: 'x' });
  t.is(header.code, 2);
  t.regex(header.stderr, /--header: header "novalue" is not k=v/);
  const uri = await runCli(['subscribe', '--brokers', 'failover:(tcp://a:1', '--destination', '/queue/x']);
  t.is(uri.code, 2);
  t.regex(uri.stderr, /missing "\)"/);
});

test('plannedMessages: copies with distinct keys, or one per line', (t) => {
  const body = Buffer.from('a\n\nb\r\nc');
  const list = (...a: Parameters<typeof plannedMessages>) => [...plannedMessages(...a).messages];
  t.is(plannedMessages(body, { lines: true, count: 1, key: 'k' }, {}, '/queue/q').total, 3);
  t.is(plannedMessages(body, { lines: false, count: 1_000_000, key: 'k' }, {}, '/queue/q').total, 1_000_000);
  t.deepEqual(list(body, { lines: true, count: 1, key: 'k' }, {}, '/queue/q').map((m) => [m.body, m.idempotencyKey]), [
    ['a', 'k-0'],
    ['b', 'k-1'],
    ['c', 'k-2'],
  ]);
  t.deepEqual(list(body, { lines: false, count: 3, key: 'k' }, {}, '/queue/q').map((m) => m.idempotencyKey), ['k-0', 'k-1', 'k-2']);
  t.deepEqual(list(body, { lines: false, count: 1, key: 'only' }, {}, '/queue/q').map((m) => m.idempotencyKey), ['only']);
  const random = list(body, { lines: false, count: 2, key: undefined }, {}, '/queue/q').map((m) => m.idempotencyKey);
  t.not(random[0], random[1]);
});

test.serial('on a terminal (script(1) gives the CLI a pty), send draws a progress bar on stderr', async (t) => {
  const body = path.join(work.dir, 'tty-body');
  fs.writeFileSync(body, 'x');
  const cmd = [process.execPath, CLI, 'send', ...auth(), '--destination', '/queue/cli.tty', '--count', '300', '--file', body].map((a) => `'${a}'`).join(' ');
  const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
  t.is(r.code, 0, r.out);
  t.regex(r.out, /\rsent \[#{30}\] 300\/300 100% \(\d+ msg\/s\)/);
});

test('progress bar text', (t) => {
  t.is(Progress.render(50, 200, 'sent', 1000, 10), 'sent [###.......] 50/200 25% (50 msg/s)');
  t.is(Progress.render(7, undefined, 'received', 0), 'received 7 (0 msg/s)');
});
