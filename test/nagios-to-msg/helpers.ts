/** Shared set-up for the site bridge tests: configs, perfdata lines, a collecting consumer. */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { Logger } from '../../core/logger.js';
import { createConsumer, type Consumer } from '../../clients/index.js';
import { bodyFormatOf, decodeRecords, recordCountOf, type MetricRecord } from '../../bridges/format/index.js';
import { LINE_MARKER } from '../../bridges/nagios-to-msg/index.js';

/** Optional sections of a site client config: stomp+ssl with a client certificate, message signing. */
export interface SiteClientExtras {
  /** Every broker endpoint is stomp+ssl with these PEM files. */
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  /** The `signing` section (signed results). */
  signing?: { certFile: string; keyFile: string };
}

/** A site client config pointing at local brokers (one port, or the ports of a pair, active first). */
export function writeSiteClientConfig(dir: string, stompPort: number | number[], destination: string, site = 'TEST-SITE', extras: SiteClientExtras = {}): string {
  const file = path.join(dir, `${site}.client.yaml`);
  const ports = Array.isArray(stompPort) ? stompPort : [stompPort];
  const tls = extras.tls
    ? `    tls:\n${Object.entries(extras.tls).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`).join('')}`
    : '';
  const signing = extras.signing ? `signing:\n  certFile: ${JSON.stringify(extras.signing.certFile)}\n  keyFile: ${JSON.stringify(extras.signing.keyFile)}\n` : '';
  const brokers = ports.map((p, i) => `  - name: test-broker-${i}\n    host: 127.0.0.1\n    port: ${p}\n${tls}`).join('');
  fs.writeFileSync(
    file,
    `kind: site
site: ${site}
tenant: EGI
role: site
nagiosHost: nagios.test.example.org
brokers:
${brokers}destination: ${destination}
credentials: {}
${signing}`,
  );
  return file;
}

export interface BridgeYamlOptions {
  client: string;
  inputs: Array<{ path: string; type?: 'perfdata' | 'ocsp'; name?: string; rotateAtBytes?: number }>;
  spoolDir: string;
  extra?: string;
}

export function writeBridgeConfig(dir: string, o: BridgeYamlOptions, name = 'bridge.yaml'): string {
  const file = path.join(dir, name);
  const inputs = o.inputs
    .map((i) => `  - path: ${i.path}\n${i.type ? `    type: ${i.type}\n` : ''}${i.name ? `    name: ${i.name}\n` : ''}${i.rotateAtBytes ? `    rotateAtBytes: ${i.rotateAtBytes}\n` : ''}`)
    .join('');
  fs.writeFileSync(file, `client: ${o.client}\ninputs:\n${inputs}spool:\n  dir: ${o.spoolDir}\npoll: 50ms\nrotationGrace: 200ms\n${o.extra ?? ''}`);
  return file;
}

export interface LineFields {
  host: string;
  service: string;
  state?: string;
  stateType?: string;
  output?: string;
  perfdata?: string;
  long?: string;
  time?: number;
  site?: string;
  groups?: string;
}

/** A perfdata-file line as Nagios writes it with gridmsg's template (long output Nagios-escaped). */
export function perfdataLine(f: LineFields): string {
  const long = (f.long ?? '').replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  const t = f.time ?? 1_700_000_000;
  return [
    `${LINE_MARKER}::SERVICE`,
    `TIMET::${t}`,
    `CHECKTIME::${t}`,
    `HOST::${f.host}`,
    `SERVICE::${f.service}`,
    `STATE::${f.state ?? 'OK'}`,
    `STATETYPE::${f.stateType ?? 'HARD'}`,
    'ATTEMPT::1',
    `HOSTGROUPS::${f.groups ?? ''}`,
    `SITE::${f.site ?? '$_SERVICESITE_NAME$'}`,
    'HOSTSITE::$_HOSTSITE_NAME$',
    'URI::$_SERVICESERVICE_URI$',
    `OUTPUT::${f.output ?? 'OK'}`,
    `PERFDATA::${f.perfdata ?? ''}`,
    `LONGOUTPUT::${long}`,
  ].join('\t');
}

export interface Received {
  records: MetricRecord[];
  keys: string[];
  /** Records per idempotency key (a key seen twice is a resend). */
  byKey: Map<string, MetricRecord[]>;
  headers: Array<Record<string, string>>;
  errors: string[];
  consumer: Consumer;
  /** Resolves once `n` distinct-key records arrived (or rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Subscribes to `destination` (on one broker, or a pair, active first) and decodes every message. */
export async function collect(stompPort: number | number[], destination: string): Promise<Received> {
  const ports = Array.isArray(stompPort) ? stompPort : [stompPort];
  const consumer = createConsumer({ brokers: ports.map((port, i) => ({ name: `test-${i}`, host: '127.0.0.1', port })), heartbeatMs: ports.length > 1 ? 2000 : 0 });
  const r: Received = {
    records: [],
    keys: [],
    byKey: new Map(),
    headers: [],
    errors: [],
    consumer,
    async waitFor(n, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (uniqueCount(r) < n) {
        if (Date.now() > deadline) throw new Error(`only ${uniqueCount(r)} of ${n} results arrived within ${timeoutMs} ms${r.errors.length > 0 ? `; decode errors: ${r.errors.slice(0, 3).join(' | ')}` : ''}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    },
    close: () => consumer.close(),
  };
  await consumer.subscribe({ destination, prefetch: 200 }, async (m) => {
    const fmt = bodyFormatOf(m.headers);
    if (!fmt.ok) {
      r.errors.push(fmt.error);
      return;
    }
    const decoded = decodeRecords(m.text(), fmt.format);
    const recs: MetricRecord[] = [];
    for (const d of decoded) {
      if (d.ok) recs.push(d.record);
      else r.errors.push(d.error);
    }
    if (recordCountOf(m.headers) !== decoded.length) r.errors.push(`recordCount ${m.headers['recordCount']} but ${decoded.length} records`);
    const key = m.idempotencyKey ?? '';
    r.headers.push(m.headers);
    r.keys.push(key);
    if (r.byKey.has(key)) {
      const before = JSON.stringify(r.byKey.get(key));
      if (before !== JSON.stringify(recs)) r.errors.push(`key ${key} resent with different records`);
      return;
    }
    r.byKey.set(key, recs);
    r.records.push(...recs);
  });
  return r;
}

/** Records that arrived, counting each idempotency key once. */
export function uniqueCount(r: Received): number {
  return r.records.length;
}

/** A logger that keeps every line (message and fields) for assertions. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
}
