import type { ConsumerQueue } from '../../clients/client-config.js';
import { recordTimeMs, type MetricRecord } from '../format/index.js';
import { checkObjectName } from './object-names.js';
import { composeNeutralOutput, hasNul } from './output-text.js';
import { roleAllowed, serviceName, type NamingRules } from './service-naming.js';
import { statusCode, statusWords } from './status-codes.js';
import type { PreparedResult, RecordRef, RejectReason } from './types.js';

/** What a record is checked against. */
export interface RecordPolicy {
  queue: ConsumerQueue;
  /** The queue's `hosts` patterns, compiled. */
  hostAllowed: (host: string) => boolean;
  naming: NamingRules;
  illegalNameChars: string;
  /** Results more than this far in the future are refused (they would block newer ones). */
  maxFutureSkewSeconds: number;
  /** Role from the message header, used when the record has none. */
  headerRole?: string;
}

const STRING_FIELDS = ['serviceURI', 'hostName', 'serviceFlavour', 'siteName', 'metricName', 'summaryData', 'detailsData', 'perfData', 'gatheredAt', 'timestamp', 'nagiosName', 'role', 'voName'] as const satisfies ReadonlyArray<keyof MetricRecord>;

/**
 * The same text in a string of its own. Decoded values are slices of the
 * whole message text: a result waiting to be written would otherwise keep
 * that text (tens of KiB) alive, and the garbage collector would copy it
 * from one generation to the next. (Short strings are copies already.)
 */
function detached(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

export type RecordCheck = { ok: true; result: PreparedResult } | { ok: false; reason: RejectReason; detail: string };

function reject(reason: RejectReason, detail: string): RecordCheck {
  return { ok: false, reason, detail };
}

/**
 * Checks one decoded record against the site's rights and Nagios' rules and
 * turns it into a PreparedResult. Pure: `now` is epoch seconds.
 */
export function checkRecord(record: MetricRecord, ref: RecordRef, policy: RecordPolicy, now: number): RecordCheck {
  const { queue } = policy;
  // Site first: a spoofed record is refused as such, whatever else is wrong with it.
  if (record.siteName !== '' && record.siteName !== queue.site) {
    return reject('site-mismatch', `record claims site "${record.siteName}" but came from the queue of site "${queue.site}"`);
  }
  // (Escapes such as JSON's \u0000 or grid base64 values can carry a NUL the raw body check cannot see.)
  for (const field of STRING_FIELDS) {
    if (hasNul(record[field])) return reject('nul-character', `field ${field} contains a NUL character`);
  }
  const hostCheck = checkObjectName('host', record.hostName, policy.illegalNameChars);
  if (!hostCheck.ok) return reject('invalid-host-name', hostCheck.detail);
  if (!policy.hostAllowed(record.hostName)) {
    return reject('host-not-allowed', `host "${record.hostName}" is not among the hosts of site "${queue.site}" (${(queue.hosts ?? []).join(', ')})`);
  }
  const role = record.role !== '' ? record.role : policy.headerRole;
  if (!roleAllowed(policy.naming, role)) return reject('role-not-allowed', `role "${role ?? ''}" is not accepted (allowed: ${(policy.naming.allowedRoles ?? []).join(', ')})`);
  let service: string | undefined;
  if (record.kind === 'service') {
    service = serviceName(policy.naming, record.metricName, role);
    const svcCheck = checkObjectName('service', service, policy.illegalNameChars);
    if (!svcCheck.ok) return reject('invalid-service-name', svcCheck.detail);
  }
  const code = statusCode(record.kind, record.metricStatus);
  if (code === undefined) {
    return reject('invalid-status', `metricStatus "${record.metricStatus}" is not a ${record.kind} status (${statusWords(record.kind).join(', ')})`);
  }
  let ms = recordTimeMs(record.timestamp);
  if (Number.isNaN(ms)) ms = Date.parse(record.timestamp);
  if (Number.isNaN(ms)) return reject('invalid-timestamp', `timestamp "${record.timestamp}" is not a date`);
  const timestamp = Math.floor(ms / 1000);
  if (timestamp <= 0) return reject('invalid-timestamp', `timestamp "${record.timestamp}" is before 1970`);
  if (timestamp > now + policy.maxFutureSkewSeconds) {
    return reject('future-timestamp', `timestamp "${record.timestamp}" is more than ${policy.maxFutureSkewSeconds} s in the future`);
  }
  const output = composeNeutralOutput(record.summaryData, record.detailsData, record.perfData);
  const result: PreparedResult = { ref, kind: record.kind, host: detached(record.hostName), code, timestamp, output: detached(output) };
  if (service !== undefined) result.service = detached(service);
  return { ok: true, result };
}
