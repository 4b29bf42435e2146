/**
 * The fast path of the grid decoder, for the bodies the site bridge writes
 * (and most others): every line `key: value`, no CR, no base64 value, no
 * stuffed `EOT` line in detailsData, every record valid. It walks the body
 * once with indexOf, without splitting it into lines and without a field
 * dictionary per record, and builds each MetricRecord directly.
 *
 * It returns undefined as soon as anything is out of the ordinary (an error,
 * a CR, a `key::` value, a duplicate field, an `EOT` inside detailsData, a
 * missing field, an unknown status...): the caller then decodes the body
 * with the general decoder (decodeGridGeneral), which reports errors with
 * their lines. So on every body it accepts it returns exactly what the
 * general decoder returns (property-tested: test/format/grid-fast.test.ts).
 */
import { HOST_STATUS_WORDS, METRIC_STATUS_WORDS, RECORD_FIELDS, recordTimeMs, type CheckKind, type MetricRecord, type MetricStatus } from './record.js';
import type { DecodeResult } from './codec-types.js';

const LF = 10;
const COLON = 58;
const SPACE = 32;
const E = 69;
const DETAILS = RECORD_FIELDS.indexOf('detailsData');
const FIELD_COUNT = RECORD_FIELDS.length;

/** Field indices by name length (a key is compared only with names of its length). */
const BY_LENGTH: number[][] = [];
RECORD_FIELDS.forEach((name, i) => (BY_LENGTH[name.length] ??= []).push(i));

/** Index of the record field named by text[start, end), -1 when none. */
function fieldAt(text: string, start: number, end: number): number {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return -1;
  for (const i of candidates) if (text.startsWith(RECORD_FIELDS[i]!, start)) return i;
  return -1;
}

function isStatus(s: string): s is MetricStatus {
  return (METRIC_STATUS_WORDS as readonly string[]).includes(s);
}

/** The record from its field values, when the general decoder would accept it unchanged; else undefined. */
function buildRecord(v: string[]): MetricRecord | undefined {
  const hostName = v[1]!;
  const status = v[4]!;
  const metricName = v[5]!;
  const timestamp = v[8]!;
  if (hostName === '' || metricName === '' || !isStatus(status) || Number.isNaN(recordTimeMs(timestamp))) return undefined;
  const kindText = v[13]!;
  let kind: CheckKind;
  if (kindText === 'service' || kindText === 'host') kind = kindText;
  else if (kindText === '') kind = (HOST_STATUS_WORDS as readonly string[]).includes(status) ? 'host' : 'service';
  else return undefined;
  const stateText = v[14]!;
  if (stateText !== '' && stateText !== 'HARD' && stateText !== 'SOFT') return undefined;
  return {
    kind,
    serviceURI: v[0]!,
    hostName,
    serviceFlavour: v[2]!,
    siteName: v[3]!,
    metricStatus: status,
    metricName,
    summaryData: v[6]!,
    detailsData: v[15]!,
    perfData: v[12]!,
    gatheredAt: v[7]!,
    timestamp,
    nagiosName: v[9]!,
    role: v[10]!,
    voName: v[11]!,
    stateType: stateText === 'SOFT' ? 'SOFT' : 'HARD',
  };
}

/**
 * Decodes a grid body on the fast path, or returns undefined when the body
 * needs the general decoder (see the file comment).
 */
export function decodeGridFast(text: string): DecodeResult[] | undefined {
  if (text.indexOf('\r') !== -1) return undefined;
  const len = text.length;
  const results: DecodeResult[] = [];
  // Field values of the record being read (reused: buildRecord copies them out).
  const values: string[] = RECORD_FIELDS.map(() => '');
  let pos = 0;
  while (pos < len) {
    // Empty lines between records are tolerated (other blank lines: general decoder).
    if (text.charCodeAt(pos) === LF) {
      pos++;
      continue;
    }
    for (let f = 0; f < FIELD_COUNT; f++) values[f] = '';
    /** Bit i: field i seen. */
    let seen = 0;
    /** The field the encoder writes next: tried first. */
    let expected = 0;
    let terminated = false;
    while (pos < len) {
      let eol = text.indexOf('\n', pos);
      if (eol === -1) eol = len;
      if (eol - pos === 3 && text.charCodeAt(pos) === E && text.startsWith('EOT', pos)) {
        pos = eol + 1;
        terminated = true;
        break;
      }
      let field: number;
      let colon: number;
      const guess = RECORD_FIELDS[expected];
      if (guess !== undefined && text.charCodeAt(pos + guess.length) === COLON && text.startsWith(guess, pos) && pos + guess.length < eol) {
        field = expected;
        colon = pos + guess.length;
      } else {
        colon = text.indexOf(':', pos);
        if (colon <= pos || colon >= eol) return undefined;
        field = fieldAt(text, pos, colon);
      }
      const next = text.charCodeAt(colon + 1);
      if (field === -1) {
        // Unknown keys are skipped (forward compatible), unless base64 (general decoder checks it).
        if (next === COLON) return undefined;
        pos = eol + 1;
        continue;
      }
      if (next !== SPACE || (seen & (1 << field)) !== 0) return undefined;
      seen |= 1 << field;
      expected = field + 1;
      if (field === DETAILS) {
        // The value runs to the terminator: the first `EOT` after it must be that line.
        const start = colon + 2;
        const eot = text.indexOf('EOT', start);
        if (eot === -1 || eot === start || text.charCodeAt(eot - 1) !== LF) return undefined;
        if (eot + 3 < len && text.charCodeAt(eot + 3) !== LF) return undefined;
        values[field] = text.slice(start, eot - 1);
        pos = eot + 4;
        terminated = true;
        break;
      }
      values[field] = text.slice(colon + 2, eol);
      pos = eol + 1;
    }
    if (!terminated) return undefined;
    const record = buildRecord(values);
    if (record === undefined) return undefined;
    results.push({ ok: true, record });
  }
  return results;
}
