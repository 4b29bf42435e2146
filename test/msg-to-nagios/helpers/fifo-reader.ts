import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/**
 * Reads a FIFO the way Nagios does (opened read-write and non-blocking, so it
 * never sees end-of-file), collecting every byte. Stands in for Nagios where
 * a test must count exactly what was written into the command pipe.
 */
export class FifoReader {
  private readonly chunks: Buffer[] = [];
  private readonly socket: net.Socket;
  bytes = 0;

  constructor(readonly path: string) {
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    this.socket = new net.Socket({ fd, readable: true, writable: false });
    this.socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.bytes += d.length;
    });
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  lines(): string[] {
    const lines = this.text().split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  /** Waits until `predicate` holds on what was read (polls; gives up after timeoutMs). */
  async waitFor(predicate: (r: FifoReader) => boolean, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (predicate(this)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return predicate(this);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Creates a FIFO (mkfifo). */
export function makeFifo(path: string): void {
  execFileSync('mkfifo', ['-m', '0600', path]);
}
