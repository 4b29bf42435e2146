import type { BodyFormat, DecodeResult } from './codec-types.js';
import { decodeGrid, encodeGrid, encodeGridRecord } from './grid.js';
import { decodeJson, encodeJson, encodeJsonRecord } from './json.js';
import type { MetricRecord } from './record.js';

/** Encodes records into a message body. */
export function encodeRecords(records: readonly MetricRecord[], format: BodyFormat): string {
  return format === 'json' ? encodeJson(records) : encodeGrid(records);
}

/** One record's share of a body: bodies are the concatenation of these. */
export function encodeRecord(record: MetricRecord, format: BodyFormat): string {
  return format === 'json' ? encodeJsonRecord(record) : encodeGridRecord(record);
}

/** Decodes a body; one bad record never spoils the others. */
export function decodeRecords(body: string, format: BodyFormat): DecodeResult[] {
  return format === 'json' ? decodeJson(body) : decodeGrid(body);
}
