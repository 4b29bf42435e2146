/**
 * The ack file: how far the broker has receipted (every record with a
 * sequence number below `ackSeq` is acknowledged) and how many records the
 * drop-oldest policy has thrown away. Two 24-byte slots written alternately,
 * each with a counter and a CRC, so a torn write leaves the other slot intact.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

const SLOT_BYTES = 24;

export interface AckState {
  ackSeq: number;
  dropped: number;
}

function encodeSlot(state: AckState, counter: number): Buffer {
  const b = Buffer.alloc(SLOT_BYTES);
  b.writeUInt32LE(state.ackSeq % 0x1_0000_0000, 0);
  b.writeUInt32LE(Math.floor(state.ackSeq / 0x1_0000_0000), 4);
  b.writeUInt32LE(state.dropped % 0x1_0000_0000, 8);
  b.writeUInt32LE(Math.floor(state.dropped / 0x1_0000_0000), 12);
  b.writeUInt32LE(counter >>> 0, 16);
  b.writeUInt32LE(zlib.crc32(b.subarray(0, 20)), 20);
  return b;
}

function decodeSlot(b: Buffer): { state: AckState; counter: number } | undefined {
  if (b.length < SLOT_BYTES || zlib.crc32(b.subarray(0, 20)) !== b.readUInt32LE(20)) return undefined;
  return {
    state: {
      ackSeq: b.readUInt32LE(0) + b.readUInt32LE(4) * 0x1_0000_0000,
      dropped: b.readUInt32LE(8) + b.readUInt32LE(12) * 0x1_0000_0000,
    },
    counter: b.readUInt32LE(16),
  };
}

/** Reads the newest valid slot; a missing file means nothing acknowledged yet. */
export function readAckFile(file: string): { state: AckState; counter: number } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: { ackSeq: 0, dropped: 0 }, counter: 0 };
    throw err;
  }
  const slots = [decodeSlot(buf.subarray(0, SLOT_BYTES)), decodeSlot(buf.subarray(SLOT_BYTES, 2 * SLOT_BYTES))].filter(
    (s): s is NonNullable<typeof s> => s !== undefined,
  );
  if (slots.length === 0) return { state: { ackSeq: 0, dropped: 0 }, counter: 0 };
  slots.sort((a, b) => b.counter - a.counter);
  return slots[0]!;
}

/** Writes one slot in place; fdatasyncs it when asked (see Spool.persistAck for when). */
export class AckFile {
  private counter: number;
  private fd: number;

  /**
   * Opens the ack file; a new one is written in full (both slots) and synced
   * at once, so that later updates overwrite in place and never need a new
   * block: acknowledging must work on a full disk, it is what frees space.
   */
  constructor(
    readonly file: string,
    initialCounter: number,
    initial: AckState = { ackSeq: 0, dropped: 0 },
  ) {
    this.counter = initialCounter;
    const exists = fs.existsSync(file) && fs.statSync(file).size >= 2 * SLOT_BYTES;
    this.fd = fs.openSync(file, exists ? 'r+' : 'w+', 0o644);
    if (!exists) {
      const both = Buffer.concat([encodeSlot(initial, initialCounter), encodeSlot(initial, initialCounter)]);
      fs.writeSync(this.fd, both, 0, both.length, 0);
      fs.fsyncSync(this.fd);
    }
  }

  write(state: AckState, sync: boolean): Promise<void> {
    this.counter++;
    const slot = encodeSlot(state, this.counter);
    const position = (this.counter % 2) * SLOT_BYTES;
    return new Promise((resolve, reject) => {
      // The 24-byte slot goes to the page cache at once (no thread-pool round trip); only the fdatasync waits.
      try {
        const written = fs.writeSync(this.fd, slot, 0, SLOT_BYTES, position);
        if (written !== SLOT_BYTES) throw Object.assign(new Error(`short write (${written} of ${SLOT_BYTES} bytes)`), { code: 'ENOSPC' });
      } catch (err) {
        reject(err);
        return;
      }
      if (sync) fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve()));
      else resolve();
    });
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
