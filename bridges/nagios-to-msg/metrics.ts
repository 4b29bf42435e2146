/**
 * Prometheus metrics of the bridge (prom-client, a registry of its own: no
 * global state), computed from the bridge's status at scrape time, and the
 * optional HTTP endpoint (loopback by default).
 */
import { Registry } from 'prom-client';
import { scrapedCounter, scrapedGauge, serveMetrics } from '../../core/metrics.js';
import type { BridgeStatus } from './status.js';

export { serveMetrics };

export function createBridgeRegistry(snapshot: () => BridgeStatus): Registry {
  const registry = new Registry();
  const counter = (name: string, help: string, value: (s: BridgeStatus) => number): void => scrapedCounter(registry, name, help, () => value(snapshot()));
  const gauge = (name: string, help: string, value: (s: BridgeStatus) => number): void => scrapedGauge(registry, name, help, () => value(snapshot()));
  counter('gridmsg_bridge_lines_read_total', 'Lines read from the Nagios input files', (s) => s.counters.linesRead);
  counter('gridmsg_bridge_results_spooled_total', 'Results written to the spool (fsync-ed)', (s) => s.counters.resultsSpooled);
  counter('gridmsg_bridge_results_receipted_total', 'Results whose message the broker receipted', (s) => s.publisher.receiptedRecords);
  counter('gridmsg_bridge_messages_receipted_total', 'Messages the broker receipted', (s) => s.publisher.receiptedMessages);
  counter('gridmsg_bridge_results_filtered_soft_total', 'Results skipped because their state was SOFT', (s) => s.counters.filteredSoft);
  counter('gridmsg_bridge_results_filtered_total', 'Results skipped by include/exclude filters', (s) => s.counters.filteredOut);
  counter('gridmsg_bridge_parse_errors_total', 'Input lines that could not be parsed', (s) => s.counters.parseErrors);
  counter('gridmsg_bridge_perfdata_malformed_total', 'Results forwarded with malformed performance data', (s) => s.counters.perfdataMalformed);
  counter('gridmsg_bridge_send_failures_total', 'Failed sends (retried)', (s) => s.publisher.failures);
  counter('gridmsg_bridge_results_dropped_total', 'Results thrown away by the drop-oldest policy (ever)', (s) => s.spool.dropped);
  gauge('gridmsg_bridge_spool_records', 'Results spooled and not yet receipted', (s) => s.spool.records);
  gauge('gridmsg_bridge_spool_bytes', 'Bytes of spool segment files', (s) => s.spool.bytes);
  gauge('gridmsg_bridge_spool_full', '1 when the spool is over its limits', (s) => (s.spool.full ? 1 : 0));
  gauge('gridmsg_bridge_spool_quarantined', 'Corrupt spool regions set aside since start', (s) => s.spool.quarantined);
  gauge('gridmsg_bridge_oldest_unsent_age_seconds', 'Age of the oldest result not yet receipted', (s) =>
    s.spool.oldestUnsentAt === null ? 0 : Math.max(0, Date.now() / 1000 - s.spool.oldestUnsentAt),
  );
  gauge('gridmsg_bridge_last_receipt_timestamp_seconds', 'When the last broker receipt arrived', (s) => (s.publisher.lastReceiptAt ?? 0) / 1000);
  gauge('gridmsg_bridge_in_flight_messages', 'Messages sent and awaiting their receipt', (s) => s.publisher.inFlight);
  gauge('gridmsg_bridge_connected', '1 when connected to a broker', (s) => (s.publisher.state === 'connected' ? 1 : 0));
  gauge('gridmsg_bridge_input_lag_bytes', 'Bytes written to the input files and not yet read', (s) => s.inputs.reduce((n, i) => n + i.lagBytes, 0));
  return registry;
}

