/**
 * The site bridge: Nagios result files → filters → spool (fsync'd, with the
 * input cursors) → broker (receipts) → spool acknowledged.
 *
 * Lifecycle: start() opens the spool and resumes every input from the
 * spool's last checkpoint; reload() applies a new configuration; stop()
 * stops reading, spools what was read, sends what it can within
 * drainTimeout and exits. A failed spool write pauses the inputs, which
 * resume from the last durable checkpoint a few seconds later.
 */
import type http from 'node:http';
import { ConfigError, describeError, GridmsgError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { clientConfigLocation, createPublisher as defaultCreatePublisher, type Publisher, type PublisherOptions } from '../../clients/index.js';
import { encodeRecord, perfDataWellFormed } from '../format/index.js';
import { createSigner, type Signer } from '../../security/index.js';
import { Spool, type SpoolBatch } from '../spool/index.js';
import { Batcher } from './batcher.js';
import { checkBridgePaths, withConfigLocation, type BridgeConfig, type InputConfig } from './config.js';
import { decodeCheckpoint } from './cursor.js';
import { compileFilter, type FilterInput, type FilterVerdict } from './filter.js';
import { FileFollower } from './follower.js';
import { parseResultLine } from './line.js';
import { toRecord, type MappingContext } from './mapping.js';
import { createBridgeRegistry, serveMetrics } from './metrics.js';
import { FORMAT_FLAGS, Sender } from './sender.js';
import { writeStatus, type BridgeState, type BridgeStatus } from './status.js';

export interface BridgeOptions {
  config: BridgeConfig;
  logger: Logger;
  /** Publisher factory (default: the client layer's). */
  createPublisher?: (options: PublisherOptions) => Publisher;
  /** Called with every group the broker receipted (instrumentation: benches, tests). */
  onReceipt?: (batch: SpoolBatch) => void;
  now?: () => number;
}

interface Counters {
  linesRead: number;
  resultsSpooled: number;
  filteredSoft: number;
  filteredOut: number;
  parseErrors: number;
  perfdataMalformed: number;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class Bridge {
  private config: BridgeConfig;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly spool: Spool;
  private readonly sender: Sender;
  private readonly createPublisher: (options: PublisherOptions) => Publisher;
  private state: BridgeState = 'starting';
  private readonly startedAt: number;
  private counters: Counters = { linesRead: 0, resultsSpooled: 0, filteredSoft: 0, filteredOut: 0, parseErrors: 0, perfdataMalformed: 0 };
  private filter: (input: FilterInput) => FilterVerdict;
  private ctx: MappingContext;
  private batcher: Batcher | undefined;
  private followers: FileFollower[] = [];
  private inputAbort = new AbortController();
  private supervisor: Promise<void> | undefined;
  private stopping = false;
  private restartInputs = false;
  private fullReason: string | undefined;
  private lastFullLog = 0;
  private lastDropAt: number | undefined;
  private lastParseLog = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  private metricsServer: http.Server | undefined;
  private inputsIdle: Promise<void> = Promise.resolve();
  /** Present in signed mode (the site client config has `signing`). */
  private signer: Signer | undefined;

  private constructor(options: BridgeOptions, spool: Spool) {
    this.config = options.config;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.spool = spool;
    this.createPublisher = options.createPublisher ?? defaultCreatePublisher;
    this.filter = compileFilter(this.config.filters);
    this.ctx = this.mappingContext(this.config);
    this.signer = signerFor(this.config);
    this.sender = new Sender({
      spool,
      createPublisher: () => this.createPublisher(this.publisherOptions(this.config)),
      window: this.config.publisher.receiptWindow,
      meta: () => ({
        format: this.config.format,
        siteName: this.config.client.site,
        role: this.config.client.role,
        nagiosHost: this.config.gatheredAt,
        ...(this.signer ? { sign: (body: Uint8Array) => this.signer!.sign(body) } : {}),
      }),
      logger: this.logger,
      now: this.now,
      ...(options.onReceipt ? { onReceipt: options.onReceipt } : {}),
    });
  }

  /** Opens the spool, checks the inputs, starts reading and sending. Errors name the config field at fault. */
  static async start(started: BridgeOptions): Promise<Bridge> {
    // Every line of a site bridge concerns its site: a child logger puts `site` on each.
    const options: BridgeOptions = { ...started, logger: started.logger.child({ site: started.config.client.site }) };
    const config = options.config;
    checkBridgePaths(config);
    let spool: Spool;
    try {
      spool = Spool.open({
        dir: config.spool.dir,
        maxBytes: config.spool.maxBytes,
        maxAgeSeconds: config.spool.maxAgeSeconds,
        whenFull: config.spool.whenFull,
        ...(config.spool.segmentBytes === undefined ? {} : { segmentBytes: config.spool.segmentBytes }),
        logger: options.logger,
        ...(options.now ? { now: options.now } : {}),
      });
    } catch (err) {
      throw withConfigLocation(err, config, ['spool', 'dir']);
    }
    let bridge: Bridge;
    try {
      bridge = new Bridge(options, spool);
    } catch (err) {
      await spool.close();
      throw withConfigLocation(err, config, ['client']);
    }
    try {
      await bridge.startMetrics();
    } catch (err) {
      await bridge.sender.stop(true);
      await spool.close();
      throw err;
    }
    bridge.sender.start();
    bridge.supervisor = bridge.superviseInputs();
    bridge.state = 'running';
    bridge.writeStatusNow();
    bridge.statusTimer = setInterval(() => bridge.tickStatus(), 1000);
    const s = spool.stats();
    options.logger.info('nagios-to-msg started', {
      destination: config.client.destination,
      inputs: config.inputs.map((i) => i.path).join(','),
      spool: config.spool.dir,
      spooled: s.unacked,
    });
    return bridge;
  }

  private publisherOptions(config: BridgeConfig): PublisherOptions {
    return {
      brokers: config.client.brokers,
      credentials: config.client.credentials,
      destination: config.client.destination,
      receiptWindow: config.publisher.receiptWindow,
      receiptTimeoutMs: config.publisher.receiptTimeoutMs,
      maxReconnectDelayMs: 5000,
      logger: this.logger,
    };
  }

  private mappingContext(config: BridgeConfig): MappingContext {
    return {
      siteName: config.client.site,
      role: config.client.role,
      nagiosName: config.nagiosName,
      gatheredAt: config.gatheredAt,
      voName: config.defaults.voName,
      serviceFlavour: config.defaults.serviceFlavour,
      hostMetricName: config.defaults.hostMetricName,
      now: () => Math.floor(this.now() / 1000),
    };
  }

  private async startMetrics(): Promise<void> {
    const m = this.config.metrics;
    if (!m) return;
    try {
      this.metricsServer = await serveMetrics(createBridgeRegistry(() => this.status()), m.host, m.port);
      this.logger.info('metrics served', { url: `http://${m.host}:${this.metricsPort() ?? m.port}/metrics` });
    } catch (err) {
      const where = this.config.where(['metrics', 'port']);
      throw new GridmsgError('METRICS_LISTEN_FAILED', `cannot serve metrics on ${m.host}:${m.port}: ${describeError(err)}`, where);
    }
  }

  /** The port the metrics endpoint listens on (useful with port 0). */
  metricsPort(): number | undefined {
    const a = this.metricsServer?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Runs the input pipeline; restarts it from the last durable checkpoint after a spool write error or an input change. */
  private async superviseInputs(): Promise<void> {
    while (!this.stopping) {
      const cp = decodeCheckpoint(this.spool.checkpoint);
      const abort = new AbortController();
      this.inputAbort = abort;
      let failure: unknown;
      // A failed append stops this generation at once (an input may be idle, waiting for lines, when it happens).
      const batcher = new Batcher(
        this.spool,
        this.config.batch,
        cp.inputs,
        (n) => (this.counters.resultsSpooled += n),
        (err) => {
          failure ??= err;
          abort.abort();
        },
      );
      this.batcher = batcher;
      this.followers = this.config.inputs.map(
        (input) =>
          new FileFollower({
            id: input.name,
            path: input.path,
            ...(input.rotateAtBytes === undefined ? {} : { rotateAtBytes: input.rotateAtBytes }),
            pollMs: this.config.pollMs,
            rotationGraceMs: this.config.rotationGraceMs,
            logger: this.logger,
            ...(cp.inputs[input.name] ? { start: cp.inputs[input.name] } : {}),
            now: this.now,
          }),
      );
      const runs = this.followers.map((f, i) => this.runInput(f, this.config.inputs[i]!, batcher, abort.signal));
      const settled = Promise.allSettled(
        runs.map((r) =>
          r.catch((err: unknown) => {
            failure ??= err;
            abort.abort();
          }),
        ),
      );
      this.inputsIdle = settled.then(() => {});
      await settled;
      for (const f of this.followers) f.stop();
      if (failure === undefined) {
        try {
          await batcher.flush();
        } catch (err) {
          failure = err;
        }
      }
      batcher.dispose();
      if (failure !== undefined) {
        this.state = 'spool-error';
        this.logger.error('spool write failed: reading paused; it resumes from the last durable position in 5 s', { error: describeError(failure) });
        await this.sleep(5000);
        this.spool.resume();
        if (!this.stopping) this.state = 'running';
        continue;
      }
      if (this.restartInputs && !this.stopping) {
        this.restartInputs = false;
        continue;
      }
      break;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      const stop = setInterval(() => {
        if (this.stopping) {
          clearTimeout(t);
          clearInterval(stop);
          resolve();
        }
      }, 100);
      setTimeout(() => clearInterval(stop), ms + 10);
    });
  }

  /** Spool limits: block (wait, loudly) or drop oldest (count, loudly). */
  private async waitForRoom(signal: AbortSignal): Promise<void> {
    for (;;) {
      const room = this.spool.makeRoom(this.sender.stats().oldestUnsent);
      if (room.state === 'dropped') {
        this.lastDropAt = this.now();
        this.sender.dropped();
        this.logger.error(`spool full (${room.reason}): dropped the ${room.count} oldest results (policy drop-oldest)`, { dropped: room.count, droppedTotal: this.spool.stats().dropped });
        continue;
      }
      if (room.state === 'ok') {
        if (this.fullReason !== undefined) {
          this.logger.warn('spool has room again: reading resumes');
          this.fullReason = undefined;
          if (this.state === 'blocked') this.state = 'running';
        }
        return;
      }
      if (this.fullReason === undefined || this.now() - this.lastFullLog > 60_000) {
        this.logger.error(`spool full (${room.reason}): reading from Nagios stopped until results are receipted (policy block)`, { spool: this.config.spool.dir });
        this.lastFullLog = this.now();
      }
      this.fullReason = room.reason;
      this.state = 'blocked';
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, 200));
      if (signal.aborted) return;
    }
  }

  private async runInput(follower: FileFollower, input: InputConfig, batcher: Batcher, signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.waitForRoom(signal);
      if (signal.aborted) return;
      const ev = await follower.next(signal);
      if (!ev) return;
      if (ev.kind === 'finished') {
        await batcher.finishFile(input.name, ev.cursor);
        ev.release();
        continue;
      }
      batcher.setFile(input.name, ev.cursor);
      for (let i = 0; i < ev.lines.length; i++) this.handleLine(input, ev.lines[i]!, ev.ends[i]!, ev.cursor.name, batcher);
      await batcher.backpressure();
    }
  }

  private handleLine(input: InputConfig, text: string, end: number, file: string, batcher: Batcher): void {
    this.counters.linesRead++;
    if (text.length === 0 || (text.length < 8 && text.trim() === '')) {
      batcher.advance(input.name, end);
      return;
    }
    const parsed = parseResultLine(text);
    const mapped = parsed.ok ? toRecord(parsed.line, this.ctx) : parsed;
    if (!mapped.ok) {
      this.counters.parseErrors++;
      if (this.now() - this.lastParseLog > 10_000) {
        this.lastParseLog = this.now();
        this.logger.warn('input line skipped: not a gridmsg result line (is the perfdata template the one from gridmsg nagios-config site?)', {
          input: input.name,
          file,
          offset: end,
          error: mapped.error,
          skippedSoFar: this.counters.parseErrors,
        });
      }
      batcher.advance(input.name, end);
      return;
    }
    const r = mapped.record;
    const verdict = this.filter({ kind: r.kind, host: r.hostName, service: mapped.service, metricName: r.metricName, hostGroups: mapped.hostGroups, stateType: r.stateType });
    if (!verdict.pass) {
      if (verdict.reason === 'soft') this.counters.filteredSoft++;
      else this.counters.filteredOut++;
      batcher.advance(input.name, end);
      return;
    }
    if (r.perfData !== '' && !perfDataWellFormed(r.perfData)) this.counters.perfdataMalformed++;
    batcher.add(input.name, end, encodeRecord(r, this.config.format), FORMAT_FLAGS[this.config.format]);
  }

  /** Applies a new configuration (SIGHUP). The spool directory cannot change without a restart. */
  async reload(next: BridgeConfig): Promise<void> {
    const old = this.config;
    if (next.spool.dir !== old.spool.dir) {
      this.logger.warn('spool.dir changed: this needs a restart; keeping the old spool', { old: old.spool.dir, new: next.spool.dir });
      next = { ...next, spool: { ...next.spool, dir: old.spool.dir } };
    }
    checkBridgePaths(next);
    const signer = signerFor(next);
    this.config = next;
    this.signer = signer;
    this.filter = compileFilter(next.filters);
    this.ctx = this.mappingContext(next);
    this.batcher?.setOptions(next.batch);
    this.spool.setLimits({ maxBytes: next.spool.maxBytes, maxAgeSeconds: next.spool.maxAgeSeconds, whenFull: next.spool.whenFull });
    if (!sameJson(old.publisher, next.publisher) || !sameJson(old.client, next.client)) {
      this.logger.info('client configuration changed: reconnecting');
      this.sender.replacePublisher();
    }
    if (!sameJson(old.inputs, next.inputs) || old.pollMs !== next.pollMs || old.rotationGraceMs !== next.rotationGraceMs) {
      this.logger.info('inputs changed: restarting them from the last durable position');
      this.restartInputs = true;
      this.inputAbort.abort();
    }
    if (!sameJson(old.metrics, next.metrics)) {
      await new Promise<void>((r) => (this.metricsServer ? this.metricsServer.close(() => r()) : r()));
      this.metricsServer = undefined;
      await this.startMetrics().catch((err: unknown) => this.logger.error('metrics endpoint not restarted', { error: describeError(err) }));
    }
    this.logger.info('configuration reloaded', { config: next.file });
  }

  /** Stops reading, spools what was read, sends what it can within drainTimeout, closes. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.state = 'draining';
    this.logger.info('draining: reading stopped, sending what is spooled', { timeoutMs: this.config.drainTimeoutMs });
    this.inputAbort.abort();
    await this.supervisor;
    const drained = await this.sender.drain(this.config.drainTimeoutMs);
    await this.sender.stop(!drained);
    if (this.statusTimer) clearInterval(this.statusTimer);
    const left = this.spool.stats().unacked;
    await this.spool.close();
    await new Promise<void>((r) => (this.metricsServer ? this.metricsServer.close(() => r()) : r()));
    this.state = 'stopped';
    this.writeStatusNow();
    this.logger.info(drained ? 'stopped: everything was receipted' : 'stopped: results left in the spool are sent at the next start', { unsent: left });
  }

  status(): BridgeStatus {
    const s = this.spool.stats();
    const p = this.sender.stats();
    return {
      version: 1,
      pid: process.pid,
      config: this.config.file,
      state: this.state,
      startedAt: this.startedAt,
      updatedAt: this.now(),
      spool: {
        dir: this.config.spool.dir,
        records: s.unacked,
        bytes: s.bytes,
        segments: s.segments,
        dropped: s.dropped,
        quarantined: s.quarantined,
        policy: this.config.spool.whenFull,
        full: this.fullReason !== undefined,
        fullReason: this.fullReason ?? null,
        oldestUnsentAt: p.oldestUnsent ?? null,
        lastDropAt: this.lastDropAt ?? null,
        writeError: this.spool.writeFailure ? describeError(this.spool.writeFailure) : null,
      },
      publisher: {
        state: p.connection,
        broker: p.broker ?? null,
        inFlight: p.inFlight,
        receiptedMessages: p.receiptedMessages,
        receiptedRecords: p.receiptedRecords,
        lastReceiptAt: p.lastReceiptAt ?? null,
        failures: p.failures,
        lastError: p.lastError ?? null,
      },
      inputs: this.followers.map((f, i) => {
        const st = f.status();
        return {
          name: this.config.inputs[i]?.name ?? f.id,
          path: st.path,
          state: st.state,
          file: st.file ?? null,
          offset: st.offset,
          lagBytes: st.lagBytes,
          missingSince: st.missingSince ?? null,
        };
      }),
      counters: { ...this.counters },
    };
  }

  private lastStatusError = 0;
  private lastStatusWrite = 0;
  private lastStatusKey = '';

  /**
   * Every second: the status file is rewritten at once when something
   * check-bridge judges changed (statusKey), else every statusIntervalMs
   * (5 s, a quarter of check.staleAfter when that is shorter), so that it
   * never looks stale while the bridge runs. Counters and timestamps in it
   * are up to that old; check-bridge computes ages from the timestamps at
   * the time it runs.
   */
  private tickStatus(): void {
    const every = Math.min(5000, Math.max(1000, (this.config.check.staleAfter * 1000) / 4));
    if (this.now() - this.lastStatusWrite >= every || this.statusKey() !== this.lastStatusKey) this.writeStatusNow();
  }

  /** What check-bridge's verdict depends on besides ages: a change is written at the next tick. */
  private statusKey(): string {
    const s = this.spool.stats();
    const t = this.config.check.spoolRecords;
    const recordsLevel = s.unacked >= t.critical ? 2 : s.unacked >= t.warning ? 1 : 0;
    const inputs = this.followers.map((f) => f.condition());
    const writeError = this.spool.writeFailure ? describeError(this.spool.writeFailure) : '';
    return [this.state, this.fullReason ?? '', writeError, this.sender.stats().connection, s.dropped, s.quarantined, recordsLevel, ...inputs].join('|');
  }

  private writeStatusNow(): void {
    this.lastStatusWrite = this.now();
    this.lastStatusKey = this.statusKey();
    try {
      writeStatus(this.config.statusFile, this.status());
    } catch (err) {
      if (this.now() - this.lastStatusError > 60_000) {
        this.lastStatusError = this.now();
        this.logger.warn('cannot write the status file (check-bridge will report it stale)', { file: this.config.statusFile, error: describeError(err) });
      }
    }
  }

  /** Resolves when the input loops are idle (tests). */
  idle(): Promise<void> {
    return this.inputsIdle;
  }
}

/**
 * The signer of a signed-mode site (its client config has `signing`); loads
 * certificate and key once. A file that cannot be read or used is a
 * ConfigError at the `signing.certFile`/`signing.keyFile` line of the site
 * client config, naming the file.
 */
function signerFor(config: BridgeConfig): Signer | undefined {
  const signing = config.client.signing;
  if (!signing) return undefined;
  try {
    return createSigner(signing);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const field = err.context.file === signing.keyFile ? 'keyFile' : 'certFile';
    const file = signing[field];
    const message = err.message.includes(file) ? err.message : `${err.message} (${file})`;
    throw new ConfigError(message, { ...clientConfigLocation(config.clientFile, ['signing', field]), cause: err });
  }
}
