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
