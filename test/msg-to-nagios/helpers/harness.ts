import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createConsumer, createPublisher, type ReceivedMessage } from '../../../clients/index.js';
import type { BrokerEndpoint, ConsumerClientConfig, TlsSettings } from '../../../clients/client-config.js';
import { encodeRecords, messageHeaders, type MetricRecord } from '../../../bridges/format/index.js';
import { startProcess, type ManagedProcess } from '../../../core/process.js';
import { writeNagiosInstance, type NagiosInstanceSpec, type NagiosPaths } from '../../../bridges/nagios-instance.js';

/** Test scaffolding for the central bridge: configs, publishing results, a bridge process. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const CONSUMER = 'central';
export const ERROR_DESTINATION = '/queue/gridmsg.errors.central';

export function queueOf(site: string, consumer = CONSUMER): string {
  return `/queue/Consumer.${consumer}.grid.probe.metricOutput.EGI.site.${site.replaceAll('.', '_')}`;
}

export interface ConsumerConfigOptions {
  consumer?: string;
  /** Signed mode: the CA bundle; queues then carry their site's signerDn. */
  verificationCaFile?: string;
  errorDestination?: string;
  file?: string;
  /** stomp+ssl: the broker endpoint gets these PEM files (the consumer's certificate). */
  tls?: TlsSettings;
}

export function writeConsumerConfig(dir: string, stompPort: number, sites: Array<{ site: string; hosts?: string[]; signerDn?: string }>, options: ConsumerConfigOptions = {}): string {
  const consumer = options.consumer ?? CONSUMER;
  const cfg: ConsumerClientConfig = {
    kind: 'consumer',
    consumer,
    brokers: [{ name: 'central-a', host: '127.0.0.1', port: stompPort, ...(options.tls ? { tls: options.tls } : {}) }],
    queues: sites.map((s) => ({ site: s.site, tenant: 'EGI', role: 'site', destination: queueOf(s.site, consumer), ...(s.hosts ? { hosts: s.hosts } : {}), ...(s.signerDn ? { signerDn: s.signerDn } : {}) })),
    errorDestination: options.errorDestination ?? ERROR_DESTINATION,
    credentials: {},
    ...(options.verificationCaFile ? { verification: { caFile: options.verificationCaFile } } : {}),
  };
  const file = path.join(dir, options.file ?? 'consumer.yaml');
  fs.writeFileSync(file, stringify(cfg));
  return file;
}

export interface BridgeConfigInput {
  consumerFile: string;
  stateDir: string;
  nagios: Record<string, unknown>;
  unknownObjects?: Record<string, unknown>;
  naming?: Record<string, unknown>;
  limits?: Record<string, unknown>;
  summaryIntervalSeconds?: number;
}

export function writeBridgeConfig(dir: string, input: BridgeConfigInput, name = 'msg-to-nagios.yaml'): string {
  const file = path.join(dir, name);
  const doc: Record<string, unknown> = { consumer: input.consumerFile, stateDir: input.stateDir, nagios: input.nagios };
  if (input.unknownObjects) doc['unknownObjects'] = input.unknownObjects;
  if (input.naming) doc['naming'] = input.naming;
  if (input.limits) doc['limits'] = input.limits;
  doc['reporting'] = { summaryIntervalSeconds: input.summaryIntervalSeconds ?? 2 };
  fs.writeFileSync(file, stringify(doc));
  return file;
}

export interface OutMessage {
  body: string | Uint8Array;
  headers?: Record<string, string>;
  key: string;
  destination: string;
}

/** A message of records as a site bridge sends it. */
export function resultMessage(site: string, records: MetricRecord[], key: string): OutMessage {
  return {
    destination: queueOf(site),
    body: encodeRecords(records, 'grid'),
    headers: messageHeaders({ recordCount: records.length, siteName: site, role: 'site', nagiosHost: `nagios.${site}`, bodyFormat: 'grid' }),
    key,
  };
}

/**
 * Publishes persistent messages with receipts; resolves when the broker holds
 * them all. `broker`: a plain local STOMP port, or an endpoint (e.g. stomp+ssl).
 */
export async function publish(broker: number | BrokerEndpoint, messages: OutMessage[]): Promise<void> {
  const endpoint: BrokerEndpoint = typeof broker === 'number' ? { name: 'test', host: '127.0.0.1', port: broker } : broker;
  const publisher = createPublisher({ brokers: [endpoint], receiptWindow: 128 });
  try {
    const sends: Array<Promise<void>> = [];
    for (const m of messages) {
      await publisher.ready();
      sends.push(publisher.send({ destination: m.destination, body: m.body, idempotencyKey: m.key, ...(m.headers ? { headers: m.headers } : {}) }));
    }
    await Promise.all(sends);
  } finally {
    await publisher.close();
  }
}

/** Reads `count` messages from a destination (acking them), or what arrived by the timeout. */
export async function receive(stompPort: number, destination: string, count: number, timeoutMs = 60_000): Promise<ReceivedMessage[]> {
  const consumer = createConsumer({ brokers: [{ name: 'test', host: '127.0.0.1', port: stompPort }] });
  const got: ReceivedMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      consumer
        .subscribe({ destination, prefetch: 100 }, async (m) => {
          got.push(m);
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        })
        .catch(reject);
    });
  } finally {
    await consumer.close();
  }
  return got;
}

export interface BridgeProcess {
  process: ManagedProcess;
  logFile: string;
  log(): string;
  /** Waits for a log line matching `re` (after `from` characters of the log). */
  waitForLog(re: RegExp, timeoutMs?: number, from?: number): Promise<void>;
}

/**
 * Starts a real bridge process through the CLI: from source (tsx) by default,
 * or from the build (`built`: bin/gridmsg.js, what production runs).
 */
export function startBridge(configFile: string, logFile: string, extraArgs: string[] = [], nodeArgs: string[] = [], built = false): BridgeProcess {
  const entry = built ? [path.join(REPO, 'bin', 'gridmsg.js'), 'msg-to-nagios', '--config'] : ['--import=tsx', path.join(REPO, 'test/msg-to-nagios/helpers/run-bridge.ts')];
  const proc = startProcess(process.execPath, [...nodeArgs, ...entry, configFile, ...extraArgs], { cwd: REPO, logFile });
  const log = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  return {
    process: proc,
    logFile,
    log,
    async waitForLog(re, timeoutMs = 120_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (re.test(log().slice(from))) return;
        if (!proc.alive()) throw new Error(`bridge exited before logging ${re}:\n${log().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`bridge did not log ${re} within ${timeoutMs} ms:\n${log().slice(-3000)}`);
    },
  };
}

/** Polls until `check` returns true or the time is up; returns the last result. */
export async function eventually(check: () => boolean, timeoutMs = 60_000, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}

/** A private Nagios instance (writeNagiosInstance gives every instance its own query socket, paths.querySocket). */
export function writePrivateNagios(dir: string, spec: NagiosInstanceSpec): NagiosPaths {
  return writeNagiosInstance(dir, spec);
}
