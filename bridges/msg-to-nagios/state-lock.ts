import fs from 'node:fs';
import crypto from 'node:crypto';
import path from 'node:path';
import { GridmsgError } from '../../core/errors.js';
import { pidAlive } from '../../core/process.js';

/**
 * One bridge per state directory: two would each believe their journal. The
 * lock file holds the owner's pid; a lock left by a dead process (kill -9) is
 * taken over.
 */
const heldHere = new Set<string>();

export function acquireStateLock(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.resolve(dir, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      heldHere.add(file);
      return () => {
        heldHere.delete(file);
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new GridmsgError('STATE_DIR', `cannot lock the state directory: ${(err as Error).message}`, { file, cause: err });
      }
      const owner = Number(fs.readFileSync(file, 'utf8').trim());
      // Our own pid counts only if this process really holds it (else: a dead predecessor's pid, reused).
      const busy = owner === process.pid ? heldHere.has(file) : Number.isInteger(owner) && owner > 0 && pidAlive(owner);
      if (busy) {
        throw new GridmsgError('STATE_DIR_BUSY', `another msg-to-nagios (pid ${owner}) uses this state directory`, { file });
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new GridmsgError('STATE_DIR', 'cannot lock the state directory', { file });
}

/** A stable id for this bridge instance (names its spool files), created once per state directory. */
export function instanceId(dir: string): string {
  const file = path.join(dir, 'instance-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9-]{8,64}$/.test(id)) return id;
  } catch {
    /* first start */
  }
  const id = crypto.randomUUID();
  fs.writeFileSync(file, `${id}\n`);
  return id;
}
