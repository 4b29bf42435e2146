/**
 * The load of the central bridge benches (bench/ingest.ts,
 * bench/ingest-engine.ts): HOSTS x SERVICES services of one site, results
 * in messages of PER_MESSAGE.
 */
import { isoTimestamp, type MetricRecord } from '../../bridges/format/index.js';

export const HOSTS = 200;
export const SERVICES = 50;
export const PER_MESSAGE = 100;
export const SITE = 'CERN-PROD';

/** Result i; `shift` rotates the status so each run changes every service's state once. */
export function ingestRecord(i: number, base: number, shift = 0): MetricRecord {
  const host = `wn${i % HOSTS}.cern.ch`;
  return {
    kind: 'service',
    serviceURI: host,
    hostName: host,
    serviceFlavour: 'CREAM-CE',
    siteName: SITE,
    metricStatus: (['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const)[(i + shift) % 4]!,
    metricName: `org.sam.Probe-${Math.floor(i / HOSTS) % SERVICES}`,
    summaryData: `OK - job ${i} submitted and finished in 42 s`,
    detailsData: 'queue long, exit 0',
    perfData: 'time=42s;60;120',
    gatheredAt: 'nagios.cern.ch',
    // Increasing per service, so the stale-result guard drops nothing.
    timestamp: isoTimestamp(base + Math.floor(i / (HOSTS * SERVICES))),
    nagiosName: 'nagios.cern.ch',
    role: 'site',
    voName: 'ops',
    stateType: 'HARD',
  };
}
