/**
 * The JSON body: one JSON object per line (JSON lines), so that one bad
 * record never spoils the others. Property names are the grid field names
 * (`checkKind` carries the record kind).
 */
import { recordFieldValues, recordFromFields, type MetricRecord } from './record.js';
import type { DecodeResult } from './codec-types.js';

export function encodeJsonRecord(record: MetricRecord): string {
  return JSON.stringify(recordFieldValues(record)) + '\n';
}

export function encodeJson(records: readonly MetricRecord[]): string {
  let out = '';
  for (const r of records) out += encodeJsonRecord(r);
  return out;
}

export function decodeJson(body: string): DecodeResult[] {
  const results: DecodeResult[] = [];
  const lines = body.split('\n');
  let index = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === '') continue;
    const line = i + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      results.push({ ok: false, index: index++, line, error: `line ${line}: not JSON (${(err as Error).message})` });
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      results.push({ ok: false, index: index++, line, error: `line ${line}: expected a JSON object` });
      continue;
    }
    const built = recordFromFields(parsed as Record<string, unknown>);
    results.push(built.ok ? { ok: true, record: built.record } : { ok: false, index, line, error: `line ${line}: ${built.error}` });
    index++;
  }
  return results;
}
