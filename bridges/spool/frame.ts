/**
 * Spool frames: every record and every commit mark is framed with its length
 * and a CRC32, so a torn write or a flipped bit is detected, never read as data.
 *
 *   offset size
 *   0      2    magic 0x4d47 ("GM", little endian)
 *   2      1    type: 1 record, 2 commit
 *   3      1    flags (record: caller's tag, e.g. body format)
 *   4      4    payload length
 *   8      8    seq (record: its sequence number; commit: the next sequence number)
 *   16     4    time (epoch seconds the frame was spooled)
 *   20     4    CRC32 of bytes 0..19 and the payload
 *   24     n    payload
 */
import zlib from 'node:zlib';

export const FRAME_MAGIC = 0x4d47;
export const FRAME_HEADER_BYTES = 24;
/** Anything larger is taken as corruption. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export type FrameType = 'record' | 'commit';
const TYPE_CODE: Record<FrameType, number> = { record: 1, commit: 2 };

export interface Frame {
  type: FrameType;
  flags: number;
  seq: number;
  time: number;
  payload: Buffer;
  /** Byte offset of the frame in the buffer it was read from. */
  offset: number;
  /** Total bytes (header + payload). */
  size: number;
}

/** Writes one frame into `buf` at `at` (payload length `length` already measured); returns the end offset. */
function writeFrame(buf: Buffer, at: number, type: FrameType, flags: number, seq: number, time: number, payload: Buffer | string, length: number): number {
  buf.writeUInt16LE(FRAME_MAGIC, at);
  buf[at + 2] = TYPE_CODE[type];
  buf[at + 3] = flags & 0xff;
  buf.writeUInt32LE(length, at + 4);
  buf.writeUInt32LE(seq % 0x1_0000_0000, at + 8);
  buf.writeUInt32LE(Math.floor(seq / 0x1_0000_0000), at + 12);
  buf.writeUInt32LE(time >>> 0, at + 16);
  const p = at + FRAME_HEADER_BYTES;
  if (typeof payload === 'string') buf.write(payload, p, length, 'utf8');
  else payload.copy(buf, p);
  const end = p + length;
  buf.writeUInt32LE(zlib.crc32(buf.subarray(p, end), zlib.crc32(buf.subarray(at, at + 20))), at + 20);
  return end;
}

export function encodeFrame(type: FrameType, flags: number, seq: number, time: number, payload: Buffer | string): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  writeFrame(buf, 0, type, flags, seq, time, payload, length);
  return buf;
}

/**
 * A group in one buffer: a record frame per entry (sequence numbers from
 * `firstSeq`) and the closing commit frame carrying `checkpoint`.
 */
export function encodeGroup(entries: ReadonlyArray<{ payload: Buffer | string; flags: number }>, firstSeq: number, time: number, checkpoint: Buffer): Buffer {
  const lengths = new Array<number>(entries.length);
  let total = FRAME_HEADER_BYTES + checkpoint.length;
  for (let i = 0; i < entries.length; i++) {
    const p = entries[i]!.payload;
    const n = typeof p === 'string' ? Buffer.byteLength(p) : p.length;
    lengths[i] = n;
    total += FRAME_HEADER_BYTES + n;
  }
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    at = writeFrame(buf, at, 'record', e.flags, firstSeq + i, time, e.payload, lengths[i]!);
  }
  writeFrame(buf, at, 'commit', 0, firstSeq + entries.length, time, checkpoint, checkpoint.length);
  return buf;
}

export type FrameRead =
  | { kind: 'frame'; frame: Frame }
  /** The buffer ends inside a frame that looks valid so far: read more, or it is a torn tail. */
  | { kind: 'incomplete'; needed: number }
  | { kind: 'corrupt'; reason: string };

/** Reads the frame at `offset`. Never throws. */
export function readFrame(buf: Buffer, offset: number): FrameRead {
  const avail = buf.length - offset;
  if (avail < FRAME_HEADER_BYTES) {
    // A prefix of a header: the magic, if present, must match.
    if (avail >= 2 && buf.readUInt16LE(offset) !== FRAME_MAGIC) return { kind: 'corrupt', reason: 'bad magic' };
    return { kind: 'incomplete', needed: FRAME_HEADER_BYTES };
  }
  if (buf.readUInt16LE(offset) !== FRAME_MAGIC) return { kind: 'corrupt', reason: 'bad magic' };
  const typeCode = buf.readUInt8(offset + 2);
  if (typeCode !== 1 && typeCode !== 2) return { kind: 'corrupt', reason: `unknown frame type ${typeCode}` };
  const length = buf.readUInt32LE(offset + 4);
  if (length > MAX_PAYLOAD_BYTES) return { kind: 'corrupt', reason: `implausible length ${length}` };
  const size = FRAME_HEADER_BYTES + length;
  if (avail < size) return { kind: 'incomplete', needed: size };
  const crc = zlib.crc32(buf.subarray(offset + FRAME_HEADER_BYTES, offset + size), zlib.crc32(buf.subarray(offset, offset + 20)));
  if (crc !== buf.readUInt32LE(offset + 20)) return { kind: 'corrupt', reason: 'CRC mismatch' };
  return {
    kind: 'frame',
    frame: {
      type: typeCode === 1 ? 'record' : 'commit',
      flags: buf.readUInt8(offset + 3),
      seq: buf.readUInt32LE(offset + 8) + buf.readUInt32LE(offset + 12) * 0x1_0000_0000,
      time: buf.readUInt32LE(offset + 16),
      payload: buf.subarray(offset + FRAME_HEADER_BYTES, offset + size),
      offset,
      size,
    },
  };
}

/** First offset after `from` where a complete, valid frame starts; -1 if none in the buffer. */
export function findNextFrame(buf: Buffer, from: number): number {
  for (let i = from; i + FRAME_HEADER_BYTES <= buf.length; i++) {
    if (buf[i] !== 0x47 || buf[i + 1] !== 0x4d) continue;
    if (readFrame(buf, i).kind === 'frame') return i;
  }
  return -1;
}
