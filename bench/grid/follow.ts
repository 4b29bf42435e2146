/**
 * Follows a file another process appends to (here: the central Nagios'
 * processed-results file, closed and reopened by Nagios every second), calling
 * back with each complete line and the time it was read.
 */
import fs from 'node:fs';

export class LineFollower {
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly buf = Buffer.alloc(1 << 20);

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string, readAt: number) => void,
    private readonly everyMs = 20,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poll(), this.everyMs);
  }

  /** Reads whatever was appended since the last call. */
  poll(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return; // not written yet
    }
    try {
      for (;;) {
        const n = fs.readSync(fd, this.buf, 0, this.buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        const now = Date.now();
        const text = this.partial + this.buf.toString('utf8', 0, n);
        const lines = text.split('\n');
        this.partial = lines.pop() ?? '';
        for (const l of lines) if (l !== '') this.onLine(l, now);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.poll();
  }
}

/** VmRSS and VmHWM (peak) of a process, in MB; undefined once it is gone. */
export function processMemoryMb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU seconds (user + system) a process used so far; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Parent pid of every live process (from /proc/PID/stat). */
function parentPids(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `pid` and its live descendants (Nagios' worker processes, for example). */
export function processTree(pid: number, parents: Map<number, number> = parentPids()): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

/**
 * CPU seconds of process trees over time: a root process and every
 * descendant seen at any reading; a process that died keeps its last reading
 * (a broker killed -9, a Nagios worker that was replaced).
 */
export class CpuMeter {
  private readonly last = new Map<number, number>();
  private readonly trees = new Map<number, Set<number>>();

  /** Call once per reading, then `seconds` for each root. */
  static parents(): Map<number, number> {
    return parentPids();
  }

  seconds(root: number, parents: Map<number, number>): number {
    const tree = this.trees.get(root) ?? new Set([root]);
    if (parents.has(root)) for (const p of processTree(root, parents)) tree.add(p);
    this.trees.set(root, tree);
    let sum = 0;
    for (const p of tree) {
      const v = processCpuSeconds(p);
      if (v !== undefined) this.last.set(p, v);
      sum += this.last.get(p) ?? 0;
    }
    return sum;
  }
}
