import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/logger.js';
import type { BadRegion } from './scan.js';

/**
 * Sets a corrupt byte range aside in DIR/quarantine/<segment>@<offset>.bad
 * (for a post-mortem) and says so in the log. Never throws: when the copy
 * cannot be written (a full disk), the log line says so and reading goes on.
 * Returns the quarantine file, if written.
 */
export function quarantine(dir: string, segmentFile: string, bytes: Buffer, region: BadRegion, logger: Logger): string | undefined {
  const file = path.join(dir, `${path.basename(segmentFile)}@${region.start}.bad`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, bytes);
  } catch (err) {
    logger.error('spool: corrupt record skipped; it could not be set aside', {
      segment: segmentFile,
      offset: region.start,
      bytes: region.end - region.start,
      reason: region.reason,
      error: (err as Error).message,
    });
    return undefined;
  }
  logger.error('spool: corrupt record set aside', {
    segment: segmentFile,
    offset: region.start,
    bytes: region.end - region.start,
    reason: region.reason,
    quarantine: file,
  });
  return file;
}
