/**
 * The metric-result message format shared by the site bridge (nagios-to-msg)
 * and the central bridge (msg-to-nagios). See docs/message-format.md.
 */
export {
  type MetricRecord,
  type CheckKind,
  type MetricStatus,
  type ServiceStatusWord,
  type HostStatusWord,
  type StateType,
  type RecordField,
  SERVICE_STATUS_WORDS,
  HOST_STATUS_WORDS,
  METRIC_STATUS_WORDS,
  RECORD_FIELDS,
  statusCode,
  statusWord,
  isoTimestamp,
  recordTimeMs,
  recordFromFields,
  recordFieldValues,
} from './record.js';
export { type BodyFormat, type DecodeResult, BODY_FORMATS } from './codec-types.js';
export { encodeRecords, encodeRecord, decodeRecords } from './codec.js';
export { encodeGrid, decodeGrid, decodeGridGeneral } from './grid.js';
export { decodeGridFast } from './grid-fast.js';
export { encodeJson, decodeJson } from './json.js';
export {
  RECORD_COUNT_HEADER,
  SITE_NAME_HEADER,
  ROLE_HEADER,
  NAGIOS_HOST_HEADER,
  BODY_FORMAT_HEADER,
  IDEMPOTENCY_HEADER,
  MESSAGE_HEADERS,
  CONTENT_TYPES,
  type MessageMeta,
  messageHeaders,
  bodyFormatOf,
  recordCountOf,
} from './headers.js';
export { type PluginOutput, parsePluginOutput, formatPluginOutput } from './plugin-output.js';
export {
  type PerfDatum,
  type PerfRange,
  type PerfDataParse,
  parsePerfData,
  perfDataWellFormed,
  parseRange,
  formatRange,
  formatPerfData,
  formatPerfDatum,
} from './perfdata.js';
