/**
 * Shared types of the central bridge. A result travels:
 * message record -> checked (CheckedResult or Rejection) -> prepared for a
 * Nagios writer (PreparedResult, output escaped and sized) -> written.
 */

/** Identifies one record of one message, the unit of exactly-once. */
export interface RecordRef {
  /** Idempotency key of the message (or a digest of it when the message had none). */
  messageKey: string;
  /** 0-based index of the record in the message. */
  index: number;
  /** Number of records in the message. */
  total: number;
}

/** A result that passed every check, ready to be written into Nagios. */
export interface PreparedResult {
  ref: RecordRef;
  kind: 'service' | 'host';
  host: string;
  /** Service description in Nagios (after role naming); absent for host results. */
  service?: string;
  /** Nagios return code: 0..3 for services, 0..2 for hosts. */
  code: number;
  /** Result time, seconds since the epoch (the original check time, kept). */
  timestamp: number;
  /** Plugin output, neutralized but not yet escaped (may contain real newlines). */
  output: string;
  /** objectKey(host, service), computed once when planned. */
  objectKey?: string;
}

/** Why a record (or a whole message) was refused. Sent to the error destination. */
export type RejectReason =
  | 'site-mismatch'
  | 'host-not-allowed'
  | 'unknown-host'
  | 'unknown-service'
  | 'invalid-host-name'
  | 'invalid-service-name'
  | 'invalid-status'
  | 'invalid-timestamp'
  | 'future-timestamp'
  | 'nul-character'
  | 'invalid-utf8'
  | 'record-too-large'
  | 'malformed-record'
  | 'malformed-message'
  | 'role-not-allowed'
  | 'signature-invalid';

export interface Rejection {
  /** Record index, or undefined when the whole message is refused. */
  index?: number;
  reason: RejectReason;
  /** Human-readable detail (never contains the raw offending bytes). */
  detail: string;
  /** The record (or message) exactly as received, forwarded as the error message body. */
  raw?: Uint8Array;
}

/** Key of a Nagios object for freshness tracking: `host;service` or `host;` for a host result. */
export function objectKey(host: string, service: string | undefined): string {
  return `${host};${service ?? ''}`;
}
