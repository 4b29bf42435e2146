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
  bytes: Uint8Array;
  /** 1-based line of the body where the record starts. */
  line: number;
}

const LF = 0x0a;

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
      if (!isBlank(body, pos, end)) records.push({ index: records.length, bytes: body.subarray(pos, next), line: lineNo });
    } else if (recordStart === -1) {
      if (!isBlank(body, pos, end)) {
        recordStart = pos;
        recordLine = lineNo;
        if (isEotLine(body, pos, end)) {
          records.push({ index: records.length, bytes: body.subarray(recordStart, next), line: recordLine });
          recordStart = -1;
        }
      }
    } else if (isEotLine(body, pos, end)) {
      records.push({ index: records.length, bytes: body.subarray(recordStart, next), line: recordLine });
      recordStart = -1;
    }
    pos = next;
  }
  if (recordStart !== -1) records.push({ index: records.length, bytes: body.subarray(recordStart), line: recordLine });
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
