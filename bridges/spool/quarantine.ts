import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/logger.js';
import type { BadRegion } from './scan.js';

/**
 * Sets a corrupt byte range aside in DIR/quarantine/<segment>@<offset>.bad
 * (for a post-mortem) and says so in the log. Returns the quarantine file.
 */
export function quarantine(dir: string, segmentFile: string, bytes: Buffer, region: BadRegion, logger: Logger): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(segmentFile)}@${region.start}.bad`);
  fs.writeFileSync(file, bytes);
  logger.error('spool: corrupt record set aside', {
    segment: segmentFile,
    offset: region.start,
    bytes: region.end - region.start,
    reason: region.reason,
    quarantine: file,
  });
  return file;
}
