import { encodeRecords, isoTimestamp, type MetricRecord } from '../../bridges/format/index.js';
import type { RejectReason } from '../../bridges/msg-to-nagios/types.js';

/**
 * The injection corpus: records and messages that try to get something into
 * Nagios that must not get there. Each entry names the reason the bridge must
 * give. Shared by the pure plan tests and the real Nagios + ActiveMQ test.
 */
export const SITE = 'CERN-PROD';
export const OTHER_SITE = 'UKI-LT2-QMUL';
export const SITE_HOSTS = ['*.cern.ch'];

export function goodRecord(over: Partial<MetricRecord> = {}): MetricRecord {
  return {
    kind: 'service',
    serviceURI: 'ce01.cern.ch',
    hostName: 'ce01.cern.ch',
    serviceFlavour: 'CREAM-CE',
    siteName: SITE,
    metricStatus: 'OK',
    metricName: 'org.sam.CE-JobSubmit',
    summaryData: 'OK: job submitted',
    detailsData: '',
    perfData: '',
    gatheredAt: 'nagios.cern.ch',
    timestamp: isoTimestamp(Math.floor(Date.now() / 1000) - 60),
    nagiosName: 'nagios.cern.ch',
    role: 'site',
    voName: 'ops',
    stateType: 'HARD',
    ...over,
  };
}

export interface CorpusEntry {
  name: string;
  /** A record-level entry: its grid text (one record, EOT-terminated); or bytes for non-UTF-8. */
  record?: string | Uint8Array;
  /** A message-level entry: body and headers of a whole message. */
  message?: { body: string; headers: Record<string, string> };
  reason: RejectReason;
}

const grid = (r: MetricRecord): string => encodeRecords([r], 'grid');
/** A grid record text with a field replaced verbatim (bypassing the encoder's escaping). */
function rawField(r: MetricRecord, field: string, value: string): string {
  return grid(r).replace(new RegExp(`^${field}:.*$`, 'm'), `${field}: ${value}`);
}

export function injectionCorpus(): CorpusEntry[] {
  const g = goodRecord();
  return [
    { name: 'newline in host name', record: grid(goodRecord({ hostName: 'ce01.cern.ch\n[1] SHUTDOWN_PROGRAM' })), reason: 'invalid-host-name' },
    { name: 'semicolon in host name', record: grid(goodRecord({ hostName: 'ce01.cern.ch;fake-svc;0;pwned' })), reason: 'invalid-host-name' },
    { name: 'semicolon in metric name', record: grid(goodRecord({ metricName: 'svc;0;pwned' })), reason: 'invalid-service-name' },
    { name: 'newline in metric name', record: grid(goodRecord({ metricName: 'svc\n[0] PROCESS_HOST_CHECK_RESULT;ce01.cern.ch;1;down' })), reason: 'invalid-service-name' },
    { name: 'bracket in host name', record: grid(goodRecord({ hostName: '[1714564800] ce01.cern.ch' })), reason: 'invalid-host-name' },
    { name: 'control character in service name', record: grid(goodRecord({ metricName: 'svc\u001b[2J' })), reason: 'invalid-service-name' },
    { name: 'NUL in output', record: grid(goodRecord({ summaryData: 'OK\u0000; rm -rf /' })), reason: 'nul-character' },
    { name: 'NUL in host name', record: grid(goodRecord({ hostName: 'ce01.cern.ch\u0000evil' })), reason: 'nul-character' },
    { name: 'invalid UTF-8', record: invalidUtf8(g), reason: 'invalid-utf8' },
    { name: '1 MB output', record: grid(goodRecord({ detailsData: 'A'.repeat(1 << 20) })), reason: 'record-too-large' },
    { name: 'bogus status word', record: rawField(g, 'metricStatus', 'PWNED'), reason: 'malformed-record' },
    { name: 'numeric status code', record: rawField(g, 'metricStatus', '7'), reason: 'malformed-record' },
    { name: 'host status on a service', record: grid(goodRecord({ metricStatus: 'UP' })), reason: 'invalid-status' },
    { name: 'spoofed site in record', record: grid(goodRecord({ siteName: OTHER_SITE })), reason: 'site-mismatch' },
    { name: 'host of another site', record: grid(goodRecord({ hostName: 'ce01.qmul.ac.uk', serviceURI: 'ce01.qmul.ac.uk' })), reason: 'host-not-allowed' },
    { name: 'timestamp far in the future', record: grid(goodRecord({ timestamp: isoTimestamp(Math.floor(Date.now() / 1000) + 86400 * 365) })), reason: 'future-timestamp' },
    { name: 'host unknown to the central Nagios', record: grid(goodRecord({ hostName: 'ghost.cern.ch', serviceURI: 'ghost.cern.ch' })), reason: 'unknown-host' },
    { name: 'service unknown to the central Nagios', record: grid(goodRecord({ metricName: 'org.sam.Not-Configured' })), reason: 'unknown-service' },
    // Last on purpose: an unterminated record runs to the end of the body.
    { name: 'malformed EOT (never terminated)', record: grid(g).replace(/EOT\n$/, 'EOTX\n'), reason: 'malformed-record' },
    {
      name: 'spoofed site header',
      message: { body: grid(goodRecord()), headers: { siteName: OTHER_SITE, bodyFormat: 'grid' } },
      reason: 'site-mismatch',
    },
    {
      name: 'unknown body format',
      message: { body: grid(goodRecord()), headers: { bodyFormat: 'xml' } },
      reason: 'malformed-message',
    },
  ];
}

function invalidUtf8(r: MetricRecord): Uint8Array {
  const text = grid(r);
  const at = text.indexOf('OK: job submitted');
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0x4f, 0x4b, 0xff, 0xfe, 0xc3, 0x28]), Buffer.from(text.slice(at + 2))]);
}
