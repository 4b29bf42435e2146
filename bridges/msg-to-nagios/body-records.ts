import type { BodyFormat } from '../format/index.js';

/**
 * Splits a message body into its records' raw bytes before decoding, so that
 * each record is checked on its own: invalid UTF-8, a NUL or an oversized
 * record spoils only that record. Splitting follows the format's framing:
 * grid records end with a line `EOT`, JSON records are one per line.
 */
export interface RawRecord {
  /** 0-based position in the body (the unit of exactly-once). */
  index: number;
  readonly bytes: Uint8Array;
  /** 1-based line of the body where the record starts. */
  readonly line: number;
  /** bytes.length */
  readonly size: number;
}

const LF = 0x0a;

function rawRecord(index: number, bytes: Uint8Array, line: number): RawRecord {
  return { index, bytes, line, size: bytes.length };
}

function isEotLine(body: Uint8Array, start: number, end: number): boolean {
  // "EOT" or "EOT\r"
  const len = end - start;
  if (len !== 3 && len !== 4) return false;
  if (body[start] !== 0x45 || body[start + 1] !== 0x4f || body[start + 2] !== 0x54) return false;
  return len === 3 || body[start + 3] === 0x0d;
}

function isBlank(body: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = body[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

/** Raw records of a body. A trailing grid record without `EOT` is returned too (its decoding reports it). */
export function splitRecords(body: Uint8Array, format: BodyFormat): RawRecord[] {
  return format === 'grid' ? splitGrid(body) : splitRecordsGeneral(body, format);
}

const CR = 0x0d;
const EOT_BYTES = Buffer.from('EOT');

/** 1-based line numbers of byte offsets, counted on demand (only refused records need them), forwards from the last asked. */
class LineIndex {
  private offset = 0;
  private line = 1;
  constructor(private readonly body: Buffer) {}
  lineAt(offset: number): number {
    if (offset < this.offset) {
      this.offset = 0;
      this.line = 1;
    }
    for (let i = this.body.indexOf(LF, this.offset); i !== -1 && i < offset; i = this.body.indexOf(LF, i + 1)) this.line++;
    this.offset = offset;
    return this.line;
  }
}

/** A grid record found by splitGrid: its bytes and line are made only when asked for. */
class GridRawRecord implements RawRecord {
  private slice: Uint8Array | undefined;
  constructor(
    readonly index: number,
    private readonly body: Buffer,
    private readonly start: number,
    private readonly end: number,
    private readonly lines: LineIndex,
  ) {}
  get bytes(): Uint8Array {
    return (this.slice ??= this.body.subarray(this.start, this.end));
  }
  get line(): number {
    return this.lines.lineAt(this.start);
  }
  get size(): number {
    return this.end - this.start;
  }
}

/**
 * The grid framing of splitRecordsGeneral, jumping from one `EOT` to the
 * next instead of visiting every line (property-tested against it).
 */
function splitGrid(bytes: Uint8Array): RawRecord[] {
  const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = body.length;
  const lines = new LineIndex(body);
  const records: RawRecord[] = [];
  let pos = 0;
  while (pos < len) {
    // Blank lines (spaces, tabs, CRs only) before a record are skipped.
    let end = body.indexOf(LF, pos);
    if (end === -1) end = len;
    if (isBlank(body, pos, end)) {
      pos = end + 1;
      continue;
    }
    // The record runs to the first line reading EOT (or EOT CR), that line included.
    let from = pos;
    let stop = -1;
    for (;;) {
      const i = body.indexOf(EOT_BYTES, from);
      if (i === -1) break;
      from = i + 1;
      if (i !== pos && body[i - 1] !== LF) continue;
      const j = i + 3;
      if (j === len) stop = len;
      else if (body[j] === LF) stop = j + 1;
      else if (body[j] === CR && (j + 1 === len || body[j + 1] === LF)) stop = Math.min(j + 2, len);
      if (stop !== -1) break;
    }
    if (stop === -1) stop = len;
    records.push(new GridRawRecord(records.length, body, pos, stop, lines));
    pos = stop;
  }
  return records;
}

/** splitRecords visiting every line (the reference of the grid path; the JSON path). */
export function splitRecordsGeneral(body: Uint8Array, format: BodyFormat): RawRecord[] {
  const records: RawRecord[] = [];
  let lineNo = 0;
  let recordStart = -1;
  let recordLine = 0;
  let pos = 0;
  while (pos < body.length) {
    let end = body.indexOf(LF, pos);
    const next = end === -1 ? body.length : end + 1;
    if (end === -1) end = body.length;
    lineNo++;
    if (format === 'json') {
      if (!isBlank(body, pos, end)) records.push(rawRecord(records.length, body.subarray(pos, next), lineNo));
    } else if (recordStart === -1) {
      if (!isBlank(body, pos, end)) {
        recordStart = pos;
        recordLine = lineNo;
        if (isEotLine(body, pos, end)) {
          records.push(rawRecord(records.length, body.subarray(recordStart, next), recordLine));
          recordStart = -1;
        }
      }
    } else if (isEotLine(body, pos, end)) {
      records.push(rawRecord(records.length, body.subarray(recordStart, next), recordLine));
      recordStart = -1;
    }
    pos = next;
  }
  if (recordStart !== -1) records.push(rawRecord(records.length, body.subarray(recordStart), recordLine));
  return records;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The record's text, or undefined when its bytes are not valid UTF-8. */
export function recordText(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
