import type { MetricRecord } from './record.js';

/** Body formats: the grid `key: value` + EOT format (default) or JSON lines. */
export type BodyFormat = 'grid' | 'json';
export const BODY_FORMATS: readonly BodyFormat[] = ['grid', 'json'];

/** One record of a body: parsed, or why not (index = position in the body, line = 1-based line). */
export type DecodeResult = { ok: true; record: MetricRecord } | { ok: false; index: number; line?: number; error: string };
