/**
 * One check result as it travels between the site bridge and the central
 * bridge: the grid metric-result fields plus what gridmsg needs to replay it
 * faithfully (check kind, state type, perfdata).
 */

/** A service result or a host result. */
export type CheckKind = 'service' | 'host';
export type ServiceStatusWord = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export type HostStatusWord = 'UP' | 'DOWN' | 'UNREACHABLE';
/** metricStatus is always a word, never a number. */
export type MetricStatus = ServiceStatusWord | HostStatusWord;
export type StateType = 'HARD' | 'SOFT';

export interface MetricRecord {
  kind: CheckKind;
  /** URI of the grid service the check is about (defaults to the host name). */
  serviceURI: string;
  hostName: string;
  serviceFlavour: string;
  siteName: string;
  metricStatus: MetricStatus;
  /** Metric (probe) name; the Nagios service description unless a custom variable overrides it. */
  metricName: string;
  /** First line of the plugin output, without perfdata. */
  summaryData: string;
  /** Long plugin output (lines after the first), multi-line. */
  detailsData: string;
  /** Performance data as the plugin printed it (see parsePerfData). */
  perfData: string;
  /** Host name of the Nagios that ran the check. */
  gatheredAt: string;
  /** When the check ran, ISO-8601 UTC (`2024-05-01T12:00:00Z`). */
  timestamp: string;
  /** Name of the Nagios instance. */
  nagiosName: string;
  role: string;
  voName: string;
  stateType: StateType;
}

export const SERVICE_STATUS_WORDS: readonly ServiceStatusWord[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
export const HOST_STATUS_WORDS: readonly HostStatusWord[] = ['UP', 'DOWN', 'UNREACHABLE'];
export const METRIC_STATUS_WORDS: readonly MetricStatus[] = [...SERVICE_STATUS_WORDS, ...HOST_STATUS_WORDS];

/** Nagios return code for a status word (OK/UP 0, WARNING/DOWN 1, CRITICAL/UNREACHABLE 2, UNKNOWN 3). */
export function statusCode(status: MetricStatus): 0 | 1 | 2 | 3 {
  switch (status) {
    case 'OK':
    case 'UP':
      return 0;
    case 'WARNING':
    case 'DOWN':
      return 1;
    case 'CRITICAL':
    case 'UNREACHABLE':
      return 2;
    case 'UNKNOWN':
      return 3;
  }
}

/** Status word for a Nagios state (a word such as `WARNING`, or a code `0`..`3`). */
export function statusWord(kind: CheckKind, state: string): MetricStatus | undefined {
  const upper = state.trim().toUpperCase();
  const words: readonly string[] = kind === 'host' ? HOST_STATUS_WORDS : SERVICE_STATUS_WORDS;
  if (words.includes(upper)) return upper as MetricStatus;
  if (/^[0-3]$/.test(upper)) {
    const code = Number(upper);
    return kind === 'host' ? HOST_STATUS_WORDS[Math.min(code, 2)] : SERVICE_STATUS_WORDS[code];
  }
  return undefined;
}

/** Epoch seconds to the record timestamp form, second precision, UTC (the last value is cached: results come in time order). */
let lastEpoch = NaN;
let lastIso = '';
export function isoTimestamp(epochSeconds: number): string {
  const s = Math.floor(epochSeconds);
  if (s !== lastEpoch) {
    lastIso = new Date(s * 1000).toISOString().replace('.000Z', 'Z');
    lastEpoch = s;
  }
  return lastIso;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Recently parsed timestamps (a few: a message's records share few times; a few entries pin few message bodies). */
const recentTimes: string[] = [];
const recentMs: number[] = [];
let recentNext = 0;
/** Slot of the last hit: consecutive records mostly share their time, so one comparison usually answers. */
let recentHit = 0;
const RECENT = 8;

/**
 * Epoch milliseconds of a record timestamp, NaN when it is not ISO-8601 UTC
 * (`2024-05-01T12:00:00Z`) or not a date. Remembers the last few.
 */
export function recordTimeMs(timestamp: string): number {
  if (recentTimes[recentHit] === timestamp) return recentMs[recentHit]!;
  for (let i = 0; i < recentTimes.length; i++) {
    if (recentTimes[i] === timestamp) {
      recentHit = i;
      return recentMs[i]!;
    }
  }
  const ms = ISO_UTC.test(timestamp) ? Date.parse(timestamp) : NaN;
  recentTimes[recentNext] = timestamp;
  recentMs[recentNext] = ms;
  recentHit = recentNext;
  recentNext = (recentNext + 1) % RECENT;
  return ms;
}

/** The string fields of a record, in the order the grid format writes them (detailsData last). */
export const RECORD_FIELDS = [
  'serviceURI',
  'hostName',
  'serviceFlavour',
  'siteName',
  'metricStatus',
  'metricName',
  'summaryData',
  'gatheredAt',
  'timestamp',
  'nagiosName',
  'role',
  'voName',
  'perfData',
  'checkKind',
  'stateType',
  'detailsData',
] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];
const KNOWN_FIELDS: ReadonlySet<string> = new Set(RECORD_FIELDS);

export function isRecordField(name: string): name is RecordField {
  return KNOWN_FIELDS.has(name);
}

/** Field values of a record keyed by wire name (`checkKind` carries `kind`). */
export function recordFieldValues(record: MetricRecord): Record<RecordField, string> {
  return {
    serviceURI: record.serviceURI,
    hostName: record.hostName,
    serviceFlavour: record.serviceFlavour,
    siteName: record.siteName,
    metricStatus: record.metricStatus,
    metricName: record.metricName,
    summaryData: record.summaryData,
    gatheredAt: record.gatheredAt,
    timestamp: record.timestamp,
    nagiosName: record.nagiosName,
    role: record.role,
    voName: record.voName,
    perfData: record.perfData,
    checkKind: record.kind,
    stateType: record.stateType,
    detailsData: record.detailsData,
  };
}

/**
 * Builds a record from wire fields, or says what is wrong. Required:
 * hostName, metricName, metricStatus (a word), timestamp (ISO-8601 UTC).
 * Missing optional fields become ''; unknown fields are ignored.
 */
export function recordFromFields(fields: Partial<Record<string, unknown>>): { ok: true; record: MetricRecord } | { ok: false; error: string } {
  const str = (name: string): string | { error: string } => {
    const v = fields[name];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') return { error: `field ${name} must be a string` };
    return v;
  };
  const values: Record<string, string> = {};
  for (const name of RECORD_FIELDS) {
    const v = str(name);
    if (typeof v !== 'string') return { ok: false, error: v.error };
    values[name] = v;
  }
  for (const name of ['hostName', 'metricName', 'metricStatus', 'timestamp'] as const) {
    if (values[name] === '') return { ok: false, error: `missing field ${name}` };
  }
  const status = values['metricStatus']!;
  if (!(METRIC_STATUS_WORDS as readonly string[]).includes(status)) {
    return { ok: false, error: `metricStatus "${status}" is not one of ${METRIC_STATUS_WORDS.join(', ')}` };
  }
  const timestamp = values['timestamp']!;
  if (Number.isNaN(recordTimeMs(timestamp))) {
    return { ok: false, error: `timestamp "${timestamp}" is not ISO-8601 UTC (e.g. 2024-05-01T12:00:00Z)` };
  }
  const kindText = values['checkKind']!;
  let kind: CheckKind;
  if (kindText === '') kind = (HOST_STATUS_WORDS as readonly string[]).includes(status) ? 'host' : 'service';
  else if (kindText === 'service' || kindText === 'host') kind = kindText;
  else return { ok: false, error: `checkKind "${kindText}" is not service or host` };
  const stateText = values['stateType']!;
  if (stateText !== '' && stateText !== 'HARD' && stateText !== 'SOFT') {
    return { ok: false, error: `stateType "${stateText}" is not HARD or SOFT` };
  }
  return {
    ok: true,
    record: {
      kind,
      serviceURI: values['serviceURI']!,
      hostName: values['hostName']!,
      serviceFlavour: values['serviceFlavour']!,
      siteName: values['siteName']!,
      metricStatus: status as MetricStatus,
      metricName: values['metricName']!,
      summaryData: values['summaryData']!,
      detailsData: values['detailsData']!,
      perfData: values['perfData']!,
      gatheredAt: values['gatheredAt']!,
      timestamp,
      nagiosName: values['nagiosName']!,
      role: values['role']!,
      voName: values['voName']!,
      stateType: stateText === 'SOFT' ? 'SOFT' : 'HARD',
    },
  };
}
