/**
 * Prometheus metrics of the central bridge (prom-client, a registry of its
 * own: no global state), read at scrape time from the ingest engine's
 * counters, the Nagios writer's status, the check-result spool directory
 * and what the daemon notes (connection state, last message received), and
 * the optional HTTP endpoint (`metrics: {host, port}` in its configuration;
 * loopback by default). Like the site bridge's (bridges/nagios-to-msg/metrics.ts),
 * whose endpoint server it reuses; `gridmsg status` reads both.
 */
import fs from 'node:fs';
import type http from 'node:http';
import { Counter, Registry } from 'prom-client';
import type { ConnectionState } from '../../clients/api.js';
import { ConfigError, describeError } from '../../core/errors.js';
import { scrapedCounter, scrapedGauge, serveMetrics } from '../../core/metrics.js';
import { isSpoolName } from './check-result-file.js';
import type { MetricsSettings } from './config.js';
import type { EngineStats } from './ingest-engine.js';
import type { NagiosWriter, WriterStatus } from './nagios-writer.js';

export { serveMetrics };

/** What the metrics are read from; every function is called at scrape time. */
export interface CentralMetricsSource {
  stats: () => EngineStats;
  writerStatus: () => WriterStatus;
  /** Nagios' check_result_path, where the bridge writes check-result files (spool mode, or long output in pipe mode). */
  spoolDir?: string;
}

/** Check-result files released to Nagios (a `cXXXXXX` file with its `.ok` marker) and not yet reaped. I/O: one readdir. */
export function spoolDepth(dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  const all = new Set(names);
  let n = 0;
  for (const name of names) if (isSpoolName(name) && all.has(`${name}.ok`)) n++;
  return n;
}

/** The daemon's side of the metrics: the broker connection and when the last message arrived. */
export class CentralBridgeMetrics {
  /** Epoch ms of the last message received from a broker; null before the first. */
  lastReceiptAt: number | null = null;
  /** Results Nagios accepted (whole lines in the command pipe, released check-result files). */
  written = 0;
  connection: ConnectionState = 'connecting';
  readonly registry: Registry;

  constructor(source: CentralMetricsSource) {
    this.registry = centralRegistry(source, this);
  }

  /** Called for every message a broker delivers. */
  noteMessage(now: number = Date.now()): void {
    this.lastReceiptAt = now;
  }

  noteConnection(state: ConnectionState): void {
    this.connection = state;
  }

  /** The same writer, counting the results of every write that resolved (Nagios accepted them). */
  counting(writer: NagiosWriter): NagiosWriter {
    return {
      get mode() {
        return writer.mode;
      },
      get status() {
        return writer.status;
      },
      gatherMs: writer.gatherMs ?? 0,
      write: async (results, signal) => {
        await writer.write(results, signal);
        this.written += results.length;
      },
      close: () => writer.close(),
    };
  }
}

const REJECT_HELP = 'Records refused (sent to the error destination), by reason';

function centralRegistry(source: CentralMetricsSource, daemon: CentralBridgeMetrics): Registry {
  const registry = new Registry();
  const counter = (name: string, help: string, value: (s: EngineStats) => number): void => scrapedCounter(registry, name, help, () => value(source.stats()));
  const gauge = (name: string, help: string, value: () => number): void => scrapedGauge(registry, name, help, value);
  counter('gridmsg_central_messages_received_total', 'Messages received from the brokers (handled, including duplicates)', (s) => s.messages);
  counter('gridmsg_central_records_received_total', 'Result records in the messages received', (s) => s.records);
  counter('gridmsg_central_results_submitted_total', 'Results that passed every check and went to the Nagios writer (written once pending_results is 0)', (s) => s.submitted);
  scrapedCounter(registry, 'gridmsg_central_results_written_total', 'Results Nagios accepted (whole lines in the command pipe, released check-result files)', () => daemon.written);
  counter('gridmsg_central_duplicates_dropped_total', 'Records dropped because they were handled before (redelivery, resend)', (s) => s.duplicates);
  counter('gridmsg_central_results_stale_total', 'Results older than the one Nagios already has, not submitted', (s) => s.stale);
  counter('gridmsg_central_unknown_objects_total', 'Records naming a host or service the central Nagios does not define', (s) => s.unknown);
  counter('gridmsg_central_unknown_dropped_total', 'Records about unknown objects dropped (unknownObjects.action: drop)', (s) => s.unknownDropped);
  new Counter({
    name: 'gridmsg_central_records_rejected_total',
    help: REJECT_HELP,
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(source.stats().rejectedByReason)) this.inc({ reason }, n);
    },
  });
  gauge('gridmsg_central_inflight_messages', 'Messages being handled (received, not yet acknowledged)', () => source.stats().inFlight);
  gauge('gridmsg_central_pending_results', 'Results queued for Nagios and not yet written', () => source.stats().queuedResults);
  const spoolDir = source.spoolDir;
  if (spoolDir !== undefined) {
    gauge('gridmsg_central_spool_files', 'Check-result files released in check_result_path and not yet reaped by Nagios', () => spoolDepth(spoolDir));
  }
  gauge('gridmsg_central_last_receipt_timestamp_seconds', 'When the last message arrived from a broker (0: none yet)', () => (daemon.lastReceiptAt ?? 0) / 1000);
  gauge('gridmsg_central_nagios_accepting', '1 when Nagios takes results (command pipe read, spool released), 0 while the bridge waits for it', () =>
    source.writerStatus().state === 'waiting' ? 0 : 1,
  );
  gauge('gridmsg_central_nagios_backlogged', '1 when Nagios is alive but not keeping up (pipe full, spool backlog)', () => (source.writerStatus().state === 'backlogged' ? 1 : 0));
  gauge('gridmsg_central_connected', '1 when connected to a broker', () => (daemon.connection === 'connected' ? 1 : 0));
  return registry;
}

/**
 * Serves the metrics on `settings` (host, port); resolves once listening,
 * with the URL (the real port when port 0 was asked) and a close function.
 * A port in use is a ConfigError naming the configuration file, line and field.
 */
export async function serveCentralMetrics(metrics: CentralBridgeMetrics, settings: MetricsSettings): Promise<{ url: string; close: () => void }> {
  let server: http.Server;
  try {
    server = await serveMetrics(metrics.registry, settings.host, settings.port);
  } catch (err) {
    throw new ConfigError(`cannot serve metrics on ${settings.host}:${settings.port}: ${describeError(err)}`, settings.where);
  }
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
