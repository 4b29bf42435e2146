/**
 * Interop through a real ActiveMQ, in both directions:
 *   gridmsg send  ->  stomp.py (Debian python3-stomp) and stompit
 *   stomp.py and stompit  ->  gridmsg subscribe
 * with UTF-8 text, headers holding `:`, newlines and backslashes (STOMP 1.2
 * escaping), binary bodies with NULs, and a 1 MiB body. The CLI runs from the
 * build (npx tsc -p . first; scripts/test.sh does it).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
// @ts-expect-error stompit ships no type declarations
import stompit from 'stompit';
import { IDEMPOTENCY_HEADER } from '../../clients/index.js';
import { runCli } from '../helpers/cli.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';

interface Fixture {
  key: string;
  headers: Record<string, string>;
  body: Buffer;
}

function pseudoRandom(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >> 16;
  }
  return b;
}

const FIXTURES: Fixture[] = [
  {
    key: 'utf8-and-escapes',
    headers: {
      'x-colon': 'host:port:path',
      'x-newline': 'first line\nsecond line',
      'x-backslash': 'C:\\grid\\new \\n literal',
      'x-utf8': 'Grüße, 日本語, 🙂',
    },
    body: Buffer.from('CRITICAL - Grüße aus Genève 🙂\nsecond line|perf=1;2;3\n'),
  },
  { key: 'binary', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.concat([Buffer.from([0, 0, 10, 13, 0]), Buffer.from(Array.from({ length: 1024 }, (_, i) => i & 0xff))]) },
  { key: 'one-mebibyte', headers: {}, body: pseudoRandom(1024 * 1024, 42) },
];

interface Received {
  headers: Record<string, string>;
  body: Buffer;
}

function checkReceived(t: import('ava').ExecutionContext, got: Received[], label: string): void {
  t.is(got.length, FIXTURES.length, label);
  for (const f of FIXTURES) {
    const m = got.find((g) => g.headers[IDEMPOTENCY_HEADER] === f.key || g.headers['x-fixture'] === f.key);
    if (!m) {
      t.fail(`${label}: ${f.key} not received`);
      continue;
    }
    for (const [k, v] of Object.entries(f.headers)) t.is(m.headers[k], v, `${label}: ${f.key} header ${k}`);
    t.true(Buffer.compare(m.body, f.body) === 0, `${label}: ${f.key} body (${m.body.length} vs ${f.body.length} bytes)`);
  }
}

/** stomp.py: receive N messages (client-individual acks) and print them as JSON lines, or send fixtures from stdin. */
const PYTHON = String.raw`
import base64, json, sys, threading, stomp
mode, port, dest = sys.argv[1], int(sys.argv[2]), sys.argv[3]
conn = stomp.Connection12([('127.0.0.1', port)], auto_decode=False)
class Listener(stomp.ConnectionListener):
    def __init__(self):
        self.frames, self.receipts, self.cond = [], set(), threading.Condition()
    def on_message(self, frame):
        conn.ack(frame.headers['ack'])
        with self.cond:
            self.frames.append(frame); self.cond.notify_all()
    def on_receipt(self, frame):
        with self.cond:
            self.receipts.add(frame.headers['receipt-id']); self.cond.notify_all()
    def on_error(self, frame):
        sys.stderr.write('ERROR %r\n' % (frame.headers,))
listener = Listener()
conn.set_listener('', listener)
conn.connect(wait=True)
if mode == 'receive':
    n = int(sys.argv[4])
    conn.subscribe(dest, id='py', ack='client-individual')
    with listener.cond:
        listener.cond.wait_for(lambda: len(listener.frames) >= n, timeout=60)
    for f in listener.frames:
        print(json.dumps({'headers': f.headers, 'body': base64.b64encode(f.body).decode()}))
else:
    fixtures = json.load(sys.stdin)
    for i, f in enumerate(fixtures):
        headers = dict(f['headers'], persistent='true', receipt='r%d' % i)
        conn.send(dest, base64.b64decode(f['body']), headers=headers)
    with listener.cond:
        ok = listener.cond.wait_for(lambda: len(listener.receipts) >= len(fixtures), timeout=60)
    if not ok:
        sys.exit('receipts missing')
conn.disconnect()
`;

function python(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', PYTHON, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`stomp.py exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

interface StompitClient {
  subscribe(headers: Record<string, string>, cb: (err: Error | null, message: NodeJS.ReadableStream & { headers: Record<string, string> }) => void): void;
  send(headers: Record<string, string>): NodeJS.WritableStream;
  ack(message: unknown): void;
  disconnect(cb?: (err?: Error) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
}

function stompitConnect(port: number): Promise<StompitClient> {
  return new Promise((resolve, reject) => {
    (stompit as { connect: (o: unknown, cb: (err: Error | null, c: StompitClient) => void) => void }).connect(
      { host: '127.0.0.1', port, connectHeaders: { host: '/', 'heart-beat': '0,0' } },
      (err, client) => (err ? reject(err) : resolve(client)),
    );
  });
}

async function stompitReceive(port: number, destination: string, n: number): Promise<Received[]> {
  const client = await stompitConnect(port);
  const got: Received[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('error', reject);
    client.subscribe({ destination, ack: 'client-individual' }, (err, message) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      message.on('data', (c: Buffer) => chunks.push(c));
      message.on('end', () => {
        client.ack(message);
        got.push({ headers: message.headers, body: Buffer.concat(chunks) });
        if (got.length === n) resolve();
      });
    });
  });
  await new Promise<void>((resolve) => client.disconnect(() => resolve()));
  return got;
}

async function stompitSend(port: number, destination: string, fixtures: Fixture[]): Promise<void> {
  const client = await stompitConnect(port);
  for (const f of fixtures) {
    const frame = client.send({ ...f.headers, destination, persistent: 'true', 'content-length': String(f.body.length), 'x-fixture': f.key });
    frame.write(f.body);
    frame.end();
  }
  // stompit's disconnect waits for the DISCONNECT receipt, so every SEND before it was processed.
  await new Promise<void>((resolve, reject) => client.disconnect((err) => (err ? reject(err) : resolve())));
}

let broker: TestBroker;
let work: { dir: string; cleanup: () => void };

test.before(async () => {
  broker = await startTestBroker();
  work = tempDir('gridmsg-interop-');
});
test.after.always(async () => {
  await broker?.stop();
  work?.cleanup();
});

async function gridmsgSend(destination: string): Promise<void> {
  for (const f of FIXTURES) {
    const file = path.join(work.dir, `${f.key}.bin`);
    fs.writeFileSync(file, f.body);
    const headerArgs = Object.entries(f.headers).flatMap(([k, v]) => ['--header', `${k}=${v}`]);
    const r = await runCli(['send', '--brokers', `tcp://127.0.0.1:${broker.stompPort}`, '--destination', destination, '--file', file, '--idempotency-key', f.key, ...headerArgs]);
    if (r.code !== 0) throw new Error(`gridmsg send exited ${r.code}: ${r.stderr}`);
  }
}

async function gridmsgSubscribe(destination: string, n: number): Promise<Received[]> {
  const out = path.join(work.dir, `${destination.replace(/\W/g, '_')}.jsonl`);
  const r = await runCli(['subscribe', '--brokers', `tcp://127.0.0.1:${broker.stompPort}`, '--destination', destination, '--count', String(n), '--format', 'json', '--out', out, '--timeout', '60']);
  if (r.code !== 0) throw new Error(`gridmsg subscribe exited ${r.code}: ${r.stderr}`);
  return fs
    .readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const rec = JSON.parse(line) as { headers: Record<string, string>; bodyBase64: string };
      return { headers: rec.headers, body: Buffer.from(rec.bodyBase64, 'base64') };
    });
}

test.serial('gridmsg send -> stomp.py', async (t) => {
  await gridmsgSend('/queue/interop.to-python');
  const lines = (await python(['receive', String(broker.stompPort), '/queue/interop.to-python', String(FIXTURES.length)])).trim().split('\n');
  const got = lines.map((l) => JSON.parse(l) as { headers: Record<string, string>; body: string }).map((m) => ({ headers: m.headers, body: Buffer.from(m.body, 'base64') }));
  checkReceived(t, got, 'stomp.py');
  t.true(got.every((m) => m.headers['persistent'] === 'true'));
});

test.serial('gridmsg send -> stompit', async (t) => {
  await gridmsgSend('/queue/interop.to-stompit');
  checkReceived(t, await stompitReceive(broker.stompPort, '/queue/interop.to-stompit', FIXTURES.length), 'stompit');
});

test.serial('stomp.py -> gridmsg subscribe', async (t) => {
  const input = JSON.stringify(FIXTURES.map((f) => ({ headers: { ...f.headers, 'x-fixture': f.key }, body: f.body.toString('base64') })));
  await python(['send', String(broker.stompPort), '/queue/interop.from-python'], input);
  checkReceived(t, await gridmsgSubscribe('/queue/interop.from-python', FIXTURES.length), 'gridmsg from stomp.py');
});

test.serial('stompit -> gridmsg subscribe', async (t) => {
  await stompitSend(broker.stompPort, '/queue/interop.from-stompit', FIXTURES);
  checkReceived(t, await gridmsgSubscribe('/queue/interop.from-stompit', FIXTURES.length), 'gridmsg from stompit');
});
