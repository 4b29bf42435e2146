import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a file atomically (temp file + fsync + rename + fsync of the directory),
 * creating parent directories. `mode` 0o600 for anything holding a secret.
 * `durable: false` skips both fsyncs: still atomic for readers (old or new
 * file, never half of one), but a crash may leave the old file or none; for
 * files rewritten all the time whose loss does not matter (a status heartbeat).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644, durable = true): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
  if (durable) fsyncDir(dir);
}

/** fsync a directory so a rename or create in it survives power loss. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
