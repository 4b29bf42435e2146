/**
 * STOMP headers of a metric-result message. Names are camelCase so they stay
 * valid JMS property names (usable in ActiveMQ selectors).
 */
import { IDEMPOTENCY_HEADER } from '../../clients/api.js';
import { BODY_FORMATS, type BodyFormat } from './codec-types.js';

/** Number of records in the body. */
export const RECORD_COUNT_HEADER = 'recordCount';
/** Site (registry name) that produced the results. */
export const SITE_NAME_HEADER = 'siteName';
/** Role of the sender (`site`, ...). */
export const ROLE_HEADER = 'role';
/** Host name of the Nagios that ran the checks. */
export const NAGIOS_HOST_HEADER = 'nagiosHost';
/** `grid` or `json`; absent means `grid`. */
export const BODY_FORMAT_HEADER = 'bodyFormat';
/** Deterministic key: a resend of the same records carries the same key. */
export { IDEMPOTENCY_HEADER };

export const MESSAGE_HEADERS = {
  recordCount: RECORD_COUNT_HEADER,
  siteName: SITE_NAME_HEADER,
  role: ROLE_HEADER,
  nagiosHost: NAGIOS_HOST_HEADER,
  bodyFormat: BODY_FORMAT_HEADER,
  idempotencyKey: IDEMPOTENCY_HEADER,
} as const;

export const CONTENT_TYPES: Record<BodyFormat, string> = {
  grid: 'text/plain; charset=utf-8',
  json: 'application/x-ndjson; charset=utf-8',
};

export interface MessageMeta {
  recordCount: number;
  siteName: string;
  role: string;
  nagiosHost: string;
  bodyFormat: BodyFormat;
}

/** Headers for a message (the idempotency key goes through the publisher). */
export function messageHeaders(meta: MessageMeta): Record<string, string> {
  return {
    [RECORD_COUNT_HEADER]: String(meta.recordCount),
    [SITE_NAME_HEADER]: meta.siteName,
    [ROLE_HEADER]: meta.role,
    [NAGIOS_HOST_HEADER]: meta.nagiosHost,
    [BODY_FORMAT_HEADER]: meta.bodyFormat,
    'content-type': CONTENT_TYPES[meta.bodyFormat],
  };
}

/** The body format a message declares; absent = grid. Unknown values are an error. */
export function bodyFormatOf(headers: Record<string, string | undefined>): { ok: true; format: BodyFormat } | { ok: false; error: string } {
  const value = headers[BODY_FORMAT_HEADER];
  if (value === undefined || value === '') return { ok: true, format: 'grid' };
  if ((BODY_FORMATS as readonly string[]).includes(value)) return { ok: true, format: value as BodyFormat };
  return { ok: false, error: `header ${BODY_FORMAT_HEADER} "${value}" is not one of ${BODY_FORMATS.join(', ')}` };
}

/** The record count a message declares, or undefined when absent or not a count. */
export function recordCountOf(headers: Record<string, string | undefined>): number | undefined {
  const value = headers[RECORD_COUNT_HEADER];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
