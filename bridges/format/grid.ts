/**
 * The grid metric-result body: `key: value` lines, detailsData multi-line and
 * last, each record closed by a line `EOT`.
 *
 * Escaping, chosen so that ordinary values read exactly as written:
 *  - A one-line value containing CR or LF is written `key:: BASE64` (UTF-8).
 *  - A detailsData line that reads `EOT` (optionally with CR) after any number
 *    of backslashes gets one more leading backslash; the parser removes one.
 */
import { isRecordField, recordFromFields, type MetricRecord } from './record.js';
import type { DecodeResult } from './codec-types.js';
import { decodeGridFast } from './grid-fast.js';

const EOT = 'EOT';
const STUFFED_EOT = /^\\*EOT\r?$/;

function needsBase64(value: string): boolean {
  return value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1;
}

function field(name: string, value: string): string {
  return needsBase64(value) ? `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}\n` : `${name}: ${value}\n`;
}

/** One record in the grid format, ending with `EOT\n` (field order: RECORD_FIELDS). */
export function encodeGridRecord(r: MetricRecord): string {
  const d = r.detailsData;
  const details = d.includes('EOT')
    ? d
        .split('\n')
        .map((line) => (STUFFED_EOT.test(line) ? '\\' + line : line))
        .join('\n')
    : d;
  return (
    field('serviceURI', r.serviceURI) +
    field('hostName', r.hostName) +
    field('serviceFlavour', r.serviceFlavour) +
    field('siteName', r.siteName) +
    field('metricStatus', r.metricStatus) +
    field('metricName', r.metricName) +
    field('summaryData', r.summaryData) +
    field('gatheredAt', r.gatheredAt) +
    field('timestamp', r.timestamp) +
    field('nagiosName', r.nagiosName) +
    field('role', r.role) +
    field('voName', r.voName) +
    field('perfData', r.perfData) +
    field('checkKind', r.kind) +
    field('stateType', r.stateType) +
    `detailsData: ${details}\n${EOT}\n`
  );
}

export function encodeGrid(records: readonly MetricRecord[]): string {
  let out = '';
  for (const r of records) out += encodeGridRecord(r);
  return out;
}

function isTerminator(line: string): boolean {
  return line === EOT || line === 'EOT\r';
}

/**
 * Parses a grid body. Each record is parsed on its own: an error in one
 * (unknown status, missing field, line without a colon, missing EOT) is
 * reported with its record index and line and the others are returned.
 * Ordinary bodies take the fast path (grid-fast.ts), which gives the same
 * result; anything else the general decoder.
 */
export function decodeGrid(body: string): DecodeResult[] {
  return decodeGridFast(body) ?? decodeGridGeneral(body);
}

/** The general grid decoder: any body, errors with their lines (the reference the fast path is tested against). */
export function decodeGridGeneral(body: string): DecodeResult[] {
  const lines = body.split('\n');
  // A body ends with "EOT\n": the split leaves one empty string after it.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const results: DecodeResult[] = [];
  let i = 0;
  let index = 0;
  while (i < lines.length) {
    // Blank lines between records are tolerated.
    if (lines[i]!.trim() === '') {
      i++;
      continue;
    }
    const startLine = i + 1;
    const fields: Record<string, string> = {};
    let error: { line: number; message: string } | undefined;
    let terminated = false;
    while (i < lines.length) {
      const raw = lines[i]!;
      const lineNo = i + 1;
      i++;
      if (isTerminator(raw)) {
        terminated = true;
        break;
      }
      if (error) continue; // skip to this record's EOT
      const colon = raw.indexOf(':');
      if (colon <= 0) {
        error = { line: lineNo, message: `line ${lineNo}: expected "key: value", got "${raw.slice(0, 60)}"` };
        continue;
      }
      const key = raw.slice(0, colon);
      if (key === 'detailsData') {
        let first = raw.slice(colon + 1);
        if (first.startsWith(' ')) first = first.slice(1);
        const detail: string[] = [first];
        while (i < lines.length && !isTerminator(lines[i]!)) {
          const l = lines[i]!;
          detail.push(STUFFED_EOT.test(l) ? l.slice(1) : l);
          i++;
        }
        // The first line is unstuffed too.
        if (STUFFED_EOT.test(first)) detail[0] = first.slice(1);
        fields['detailsData'] = detail.join('\n');
        continue;
      }
      let value: string;
      if (raw[colon + 1] === ':') {
        const b64 = raw.slice(colon + 2).trim();
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
          error = { line: lineNo, message: `line ${lineNo}: ${key}:: is not base64` };
          continue;
        }
        value = Buffer.from(b64, 'base64').toString('utf8');
      } else {
        value = raw.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (value.endsWith('\r')) value = value.slice(0, -1);
      }
      if (!isRecordField(key)) continue; // unknown keys: forward compatible
      if (key in fields) {
        error = { line: lineNo, message: `line ${lineNo}: field ${key} appears twice` };
        continue;
      }
      fields[key] = value;
    }
    if (!terminated) {
      results.push({ ok: false, index, line: startLine, error: `record starting at line ${startLine} is not terminated by EOT (truncated body?)` });
    } else if (error) {
      results.push({ ok: false, index, line: error.line, error: error.message });
    } else {
      const built = recordFromFields(fields);
      results.push(built.ok ? { ok: true, record: built.record } : { ok: false, index, line: startLine, error: `record starting at line ${startLine}: ${built.error}` });
    }
    index++;
  }
  return results;
}
