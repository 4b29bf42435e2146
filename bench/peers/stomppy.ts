/**
 * The stomp.py peer of the benchmarks (Debian python3-stomp, run with
 * /usr/bin/python3): one persistent message per body with a receipt,
 * receipts pipelined in a window, the way a careful Python client would
 * publish. The same runner serves bench/publish.ts and bench/forward.ts.
 */
import { spawn } from 'node:child_process';

export interface StompPyOptions {
  port: number;
  destination: string;
  /** Timed messages. */
  count: number;
  /** Receipts outstanding at most. */
  window: number;
  /** Untimed messages sent first on the same connection (default 0). */
  warmup?: number;
  /**
   * Message body; `{h}` is replaced by i % 500 (a host number), `{i}` by the
   * message number, so bodies vary like real results.
   */
  bodyTemplate: string;
}

export interface StompPyResult {
  /** Wall time of the timed messages, first send to last receipt. */
  seconds: number;
  /** Peak RSS of the Python process. */
  peakRssMb: number;
  /** CPU (user + system) of the Python process during the timed messages. */
  cpuSeconds: number;
}

const SCRIPT = String.raw`
import json, resource, sys, threading, time, stomp
port, dest, count, window, warm = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
template = json.loads(sys.argv[6])
def body(i):
    return template.replace('{h}', str(i % 500)).replace('{i}', str(i))
class Listener(stomp.ConnectionListener):
    def __init__(self):
        self.receipts = 0
        self.target = 0
        self.slots = threading.Semaphore(window)
        self.done = threading.Event()
    def on_receipt(self, frame):
        self.receipts += 1
        self.slots.release()
        if self.receipts == self.target:
            self.done.set()
def run(listener, prefix, n):
    listener.receipts = 0
    listener.target = n
    listener.done.clear()
    for i in range(n):
        listener.slots.acquire()
        conn.send(dest, body(i), headers={'persistent': 'true', 'receipt': '%s%d' % (prefix, i), 'gridmsg-idempotency-key': 'py-%s%d' % (prefix, i)})
    listener.done.wait()
conn = stomp.Connection12([('127.0.0.1', port)], heartbeats=(0, 0))
listener = Listener()
conn.set_listener('', listener)
conn.connect(wait=True)
if warm > 0:
    run(listener, 'w', warm)
start = time.monotonic()
cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
if count > 0:
    run(listener, 'r', count)
elapsed = time.monotonic() - start
cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu0
conn.disconnect()
print('%f %f %f' % (elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, cpu))
`;

/** Runs the stomp.py publisher against a plain STOMP port; rejects with its stderr when it fails. */
export function runStompPy(o: StompPyOptions): Promise<StompPyResult> {
  const args = ['-c', SCRIPT, String(o.port), o.destination, String(o.count), String(o.window), String(o.warmup ?? 0), JSON.stringify(o.bodyTemplate)];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`stomp.py exited ${code}: ${err.slice(-500)}`));
      const [seconds, rss, cpu] = out.trim().split(' ').map(Number);
      if (seconds === undefined || rss === undefined || cpu === undefined || Number.isNaN(seconds)) return reject(new Error(`stomp.py printed ${JSON.stringify(out)}`));
      resolve({ seconds, peakRssMb: rss, cpuSeconds: cpu });
    });
  });
}
