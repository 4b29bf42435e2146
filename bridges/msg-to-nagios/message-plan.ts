import { bodyFormatOf, decodeRecords, recordCountOf, ROLE_HEADER, SITE_NAME_HEADER, type BodyFormat, type DecodeResult } from '../format/index.js';
import { recordText, splitRecords, type RawRecord } from './body-records.js';
import { lookup, type KnownObjects } from './known-objects.js';
import { checkRecord, type RecordPolicy } from './record-check.js';
import { roleAllowed } from './service-naming.js';
import { destinationMatchesSite } from './site-policy.js';
import { objectKey, type PreparedResult, type RecordRef, type Rejection } from './types.js';

/** What to do with a result for a host or service the central Nagios does not define. */
export type UnknownAction = 'reject' | 'drop' | 'submit';

/** A message as the plan sees it (transport details stripped). */
export interface IncomingMessage {
  /** Namespaced idempotency key (site + key). */
  key: string;
  destination: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface PlanContext {
  policy: Omit<RecordPolicy, 'headerRole'>;
  maxRecordBytes: number;
  isDone: (ref: RecordRef) => boolean;
  /** Newest time already submitted or planned for an object. */
  newestFor: (objectKey: string) => number | undefined;
  /** Called for each result planned for submission. */
  noteNewest: (objectKey: string, timestamp: number) => void;
  known: KnownObjects | undefined;
  unknownAction: UnknownAction;
  /**
   * Signed mode: why the message's signature is not acceptable for the
   * queue's site, or undefined when it is. Absent: messages need no signature.
   */
  verify?: (body: Uint8Array, headers: Record<string, string>) => string | undefined;
  /** Epoch seconds. */
  now: number;
}

export interface UnknownObject {
  host: string;
  service?: string;
  what: 'unknown-host' | 'unknown-service';
}

export interface MessagePlan {
  key: string;
  /** Records in the message (1 for a message refused as a whole). */
  total: number;
  /** Results to write into Nagios, in message order. */
  submit: PreparedResult[];
  /** Records (or the whole message, index undefined) refused, for the error destination. */
  rejections: Rejection[];
  /** Refs of the refused records (done once reported). */
  rejectedRefs: RecordRef[];
  /** Records done without writing: older than what Nagios has, or for unknown objects (drop). */
  dropped: Array<{ ref: RecordRef; why: 'stale' | 'unknown'; objectKey: string; timestamp: number }>;
  /** Records already done before (redelivery, resend). */
  duplicates: number;
  unknown: UnknownObject[];
  /** Oddities worth a log line that refuse nothing (e.g. recordCount header mismatch). */
  warnings: string[];
}

function emptyPlan(key: string, total: number): MessagePlan {
  return { key, total, submit: [], rejections: [], rejectedRefs: [], dropped: [], duplicates: 0, unknown: [], warnings: [] };
}

function refuseMessage(key: string, body: Uint8Array, rejection: Omit<Rejection, 'raw'>, isDone: (ref: RecordRef) => boolean): MessagePlan {
  const plan = emptyPlan(key, 1);
  const ref: RecordRef = { messageKey: key, index: 0, total: 1 };
  if (isDone(ref)) {
    plan.duplicates = 1;
    return plan;
  }
  plan.rejections.push({ ...rejection, raw: body });
  plan.rejectedRefs.push(ref);
  return plan;
}

function refuse(plan: MessagePlan, raw: RawRecord, ref: RecordRef, reason: Rejection['reason'], detail: string): void {
  plan.rejections.push({ index: raw.index, reason, detail, raw: raw.bytes });
  plan.rejectedRefs.push(ref);
}

/**
 * The whole body decoded at once, when every record is within size, the body
 * is valid UTF-8 without NUL, and the decoder frames records as splitRecords
 * does; otherwise undefined (records are then checked and decoded one by one).
 */
export function decodeWhole(body: Uint8Array, raws: readonly RawRecord[], format: BodyFormat, maxRecordBytes: number): DecodeResult[] | undefined {
  for (const r of raws) if (r.size > maxRecordBytes) return undefined;
  const text = recordText(body);
  if (text === undefined || text.includes('\u0000')) return undefined;
  const decoded = decodeRecords(text, format);
  return decoded.length === raws.length ? decoded : undefined;
}

/**
 * Decides, for every record of a message, whether it goes to Nagios, to the
 * error destination (with the reason), or nowhere (duplicate, stale, unknown
 * and dropped). Pure apart from the context's callbacks.
 */
export function planMessage(msg: IncomingMessage, ctx: PlanContext): MessagePlan {
  const { queue } = ctx.policy;
  const format = bodyFormatOf(msg.headers);
  if (!format.ok) return refuseMessage(msg.key, msg.body, { reason: 'malformed-message', detail: format.error }, ctx.isDone);
  const headerSite = msg.headers[SITE_NAME_HEADER];
  if (headerSite !== undefined && headerSite !== queue.site) {
    return refuseMessage(msg.key, msg.body, { reason: 'site-mismatch', detail: `header ${SITE_NAME_HEADER} "${headerSite}" but the message came from the queue of site "${queue.site}"` }, ctx.isDone);
  }
  if (!destinationMatchesSite(msg.destination, queue)) {
    return refuseMessage(msg.key, msg.body, { reason: 'site-mismatch', detail: `destination ${msg.destination} is not a destination of site "${queue.site}"` }, ctx.isDone);
  }
  if (ctx.verify !== undefined) {
    const why = ctx.verify(msg.body, msg.headers);
    if (why !== undefined) return refuseMessage(msg.key, msg.body, { reason: 'signature-invalid', detail: why }, ctx.isDone);
  }
  const headerRole = msg.headers[ROLE_HEADER];
  if (headerRole !== undefined && !roleAllowed(ctx.policy.naming, headerRole)) {
    return refuseMessage(msg.key, msg.body, { reason: 'role-not-allowed', detail: `header ${ROLE_HEADER} "${headerRole}" is not an accepted role` }, ctx.isDone);
  }
  const raws = splitRecords(msg.body, format.format);
  if (raws.length === 0) return refuseMessage(msg.key, msg.body, { reason: 'malformed-message', detail: 'the message holds no record' }, ctx.isDone);

  const plan = emptyPlan(msg.key, raws.length);
  // Fast path (a clean body, the usual case): check and decode the whole body once.
  const whole = decodeWhole(msg.body, raws, format.format, ctx.maxRecordBytes);
  const declared = recordCountOf(msg.headers);
  if (declared !== undefined && declared !== raws.length) plan.warnings.push(`header recordCount says ${declared} but the body holds ${raws.length} records`);
  const policy: RecordPolicy = headerRole === undefined ? ctx.policy : { ...ctx.policy, headerRole };

  for (const raw of raws) {
    const ref: RecordRef = { messageKey: msg.key, index: raw.index, total: raws.length };
    if (ctx.isDone(ref)) {
      plan.duplicates++;
      continue;
    }
    let decoded: DecodeResult | undefined;
    if (whole !== undefined) decoded = whole[raw.index];
    else {
      if (raw.size > ctx.maxRecordBytes) {
        refuse(plan, raw, ref, 'record-too-large', `record ${raw.index} (body line ${raw.line}) is ${raw.size} bytes, more than the ${ctx.maxRecordBytes} allowed`);
        continue;
      }
      const text = recordText(raw.bytes);
      if (text === undefined) {
        refuse(plan, raw, ref, 'invalid-utf8', `record ${raw.index} (body line ${raw.line}) is not valid UTF-8`);
        continue;
      }
      if (text.includes('\u0000')) {
        refuse(plan, raw, ref, 'nul-character', `record ${raw.index} (body line ${raw.line}) contains a NUL character`);
        continue;
      }
      decoded = decodeRecords(text, format.format)[0];
    }
    if (decoded === undefined || !decoded.ok) {
      refuse(plan, raw, ref, 'malformed-record', `record ${raw.index} (body line ${raw.line}): ${decoded === undefined ? 'empty record' : decoded.error}`);
      continue;
    }
    const checked = checkRecord(decoded.record, ref, policy, ctx.now);
    if (!checked.ok) {
      refuse(plan, raw, ref, checked.reason, `record ${raw.index} (body line ${raw.line}): ${checked.detail}`);
      continue;
    }
    const r = checked.result;
    const key = objectKey(r.host, r.service);
    if (ctx.known !== undefined) {
      const found = lookup(ctx.known, r.host, r.service, key);
      if (found !== 'known') {
        const unknown: UnknownObject = { host: r.host, what: found };
        if (r.service !== undefined) unknown.service = r.service;
        plan.unknown.push(unknown);
        if (ctx.unknownAction === 'reject') {
          const what = found === 'unknown-host' ? `host "${r.host}"` : `service "${r.service ?? ''}" on host "${r.host}"`;
          refuse(plan, raw, ref, found, `record ${raw.index} (body line ${raw.line}): the central Nagios defines no ${what}`);
          continue;
        }
        if (ctx.unknownAction === 'drop') {
          plan.dropped.push({ ref, why: 'unknown', objectKey: key, timestamp: r.timestamp });
          continue;
        }
      }
    }
    const newest = ctx.newestFor(key);
    if (newest !== undefined && r.timestamp < newest) {
      plan.dropped.push({ ref, why: 'stale', objectKey: key, timestamp: r.timestamp });
      continue;
    }
    ctx.noteNewest(key, r.timestamp);
    r.objectKey = key;
    plan.submit.push(r);
  }
  return plan;
}
