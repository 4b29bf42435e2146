import fs from 'node:fs';
import { GridmsgError } from '../../core/errors.js';
import { pidAlive } from '../../core/process.js';

/**
 * One process per spool: a lock file holding the owner's pid, created with
 * O_EXCL. A lock left by a dead process is taken over.
 */
export function acquireLock(file: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(file, 'utf8').trim());
      } catch {
        /* vanished meanwhile: retry */
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) {
        throw new GridmsgError('SPOOL_LOCKED', `spool is in use by process ${owner} (lock file ${file})`, { file });
      }
      try {
        fs.unlinkSync(file); // stale lock
      } catch {
        /* someone else took it */
      }
    }
  }
  throw new GridmsgError('SPOOL_LOCKED', `could not take the spool lock ${file}`, { file });
}
