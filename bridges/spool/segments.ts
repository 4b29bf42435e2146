import fs from 'node:fs';
import path from 'node:path';

/** Segment files are named by the sequence number of their first frame, zero-padded so names sort. */
const NAME = /^(\d{20})\.seg$/;

export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.seg`;
}

export interface SegmentFile {
  firstSeq: number;
  file: string;
}

/** Segments of a spool directory in sequence order. */
export function listSegments(dir: string): SegmentFile[] {
  return fs
    .readdirSync(dir)
    .map((name) => NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ firstSeq: Number(m[1]), file: path.join(dir, m[0]) }))
    .sort((a, b) => a.firstSeq - b.firstSeq);
}
