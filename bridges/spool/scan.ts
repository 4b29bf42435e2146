import { findNextFrame, readFrame, type Frame } from './frame.js';

/** A byte range of a segment that holds no valid frame. */
export interface BadRegion {
  start: number;
  end: number;
  reason: string;
}

export interface ScanResult {
  /** Corrupt ranges followed by valid frames (set aside, the rest goes on). */
  corrupt: BadRegion[];
  /** Bytes after the last valid frame that do not form one (a torn tail), if any. */
  tail: BadRegion | undefined;
  /** End offset of the last valid frame. */
  validEnd: number;
  /** End offset of the last valid commit frame (0 if none). */
  lastCommitEnd: number;
}

/**
 * Walks every frame of a complete segment image, calling `onFrame` for each
 * valid one in order, and reports what it had to skip. Pure: no I/O.
 */
export function scanSegment(buf: Buffer, onFrame: (frame: Frame) => void): ScanResult {
  const corrupt: BadRegion[] = [];
  let offset = 0;
  let validEnd = 0;
  let lastCommitEnd = 0;
  let tail: BadRegion | undefined;
  while (offset < buf.length) {
    const r = readFrame(buf, offset);
    if (r.kind === 'frame') {
      onFrame(r.frame);
      offset += r.frame.size;
      validEnd = offset;
      if (r.frame.type === 'commit') lastCommitEnd = offset;
      continue;
    }
    const next = findNextFrame(buf, offset + 1);
    if (next < 0) {
      tail = { start: offset, end: buf.length, reason: r.kind === 'incomplete' ? 'truncated frame' : r.reason };
      break;
    }
    corrupt.push({ start: offset, end: next, reason: r.kind === 'incomplete' ? 'truncated frame' : r.reason });
    offset = next;
  }
  return { corrupt, tail, validEnd, lastCommitEnd };
}
