import { createConsumer, LeaveUnacked, type Consumer } from '../../clients/index.js';
import type { ConsumerClientConfig } from '../../clients/client-config.js';
import { describeError, GridmsgError } from '../../core/errors.js';
import { createVerifier } from '../../security/signing.js';
import type { Logger } from '../../core/logger.js';
import { CommandPipeWriter } from './command-pipe-writer.js';
import { loadBridgeConfig, type BridgeConfig } from './config.js';
import { IngestEngine, ShutdownError, type EnginePolicy, type EngineStats } from './ingest-engine.js';
import { ObjectCacheWatcher } from './known-objects.js';
import { CentralBridgeMetrics, serveCentralMetrics } from './metrics.js';
import type { NagiosWriter } from './nagios-writer.js';
import { discardSpoolFile, removeOrphanSpoolFiles, resolveSpoolIntent, SpoolWriter } from './spool-writer.js';
import { StateJournal } from './state-journal.js';
import { acquireStateLock, instanceId } from './state-lock.js';

/**
 * The msg-to-nagios daemon: runs in the foreground until `signal` aborts
 * (SIGTERM/SIGINT: drain, then exit), reloads its configuration on SIGHUP.
 */
export interface BridgeRunContext {
  logger: Logger;
  signal: AbortSignal;
  onReload: (listener: () => void) => void;
  /** Called once consuming has started (tests, readiness). */
  onReady?: (bridge: RunningBridge) => void;
}

export interface RunningBridge {
  engine: IngestEngine;
  config: BridgeConfig;
  /** The metrics endpoint, when the configuration asks for one (metrics.ts). */
  metricsUrl?: string;
}

function enginePolicy(cfg: BridgeConfig): EnginePolicy {
  return {
    naming: cfg.naming,
    illegalNameChars: cfg.nagios.illegalObjectNameChars,
    maxFutureSkewSeconds: cfg.limits.maxFutureSkewSeconds,
    maxRecordBytes: cfg.limits.maxRecordBytes,
    unknownAction: cfg.unknownObjects.action,
    maxOutputBytes: cfg.nagios.maxOutputBytes,
    errorDestination: cfg.consumer.errorDestination,
  };
}

/** What in a reloaded configuration needs a restart rather than a reload. */
function restartOnlyChanges(a: BridgeConfig, b: BridgeConfig): string[] {
  const out: string[] = [];
  if (a.stateDir !== b.stateDir) out.push('stateDir');
  for (const k of ['mode', 'commandFile', 'checkResultPath', 'longOutput', 'querySocket', 'lockFile', 'resultsPerFile', 'gatherMs'] as const) {
    if (a.nagios[k] !== b.nagios[k]) out.push(`nagios.${k}`);
  }
  if (JSON.stringify(a.consumer.verification) !== JSON.stringify(b.consumer.verification)) out.push('the consumer config\'s verification (signed mode)');
  if (JSON.stringify(a.metrics?.port) !== JSON.stringify(b.metrics?.port) || a.metrics?.host !== b.metrics?.host) out.push('metrics');
  return out;
}

function consumerChanged(a: ConsumerClientConfig, b: ConsumerClientConfig): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}

/** Runs the bridge from a config file until the signal aborts. Returns the exit code. */
export async function runBridge(configFile: string, ctx: BridgeRunContext): Promise<number> {
  let cfg = loadBridgeConfig(configFile);
  const log = ctx.logger.child({ component: 'msg-to-nagios', consumer: cfg.consumer.consumer });
  const releaseLock = acquireStateLock(cfg.stateDir);
  const cleanups: Array<() => void> = [releaseLock];
  try {
    const id = instanceId(cfg.stateDir);
    const spoolDir = cfg.nagios.checkResultPath;
    const journal = StateJournal.open({
      dir: cfg.stateDir,
      limits: { maxMessages: cfg.limits.dedupWindowMessages, maxObjects: cfg.limits.maxObjects },
      ...(spoolDir === undefined ? {} : { resolveIntent: (f: string) => resolveSpoolIntent(spoolDir, f), discardIntent: (f: string) => discardSpoolFile(spoolDir, f) }),
      onCorruptLine: (line, detail) => log.warn('skipped an unreadable delivery journal line (torn write after a crash?)', { line, detail }),
    });
    cleanups.unshift(() => journal.close());
    if (spoolDir !== undefined) {
      const orphans = removeOrphanSpoolFiles(spoolDir, id);
      if (orphans.length > 0) log.info('removed check-result files a crash left unreleased', { count: orphans.length, dir: spoolDir });
    }
    const spoolWriter = (): SpoolWriter =>
      new SpoolWriter({
        dir: spoolDir!,
        journal,
        logger: log,
        instanceId: id,
        resultsPerFile: cfg.nagios.resultsPerFile,
        gatherMs: cfg.nagios.gatherMs,
        maxOutputBytes: cfg.nagios.maxOutputBytes,
        liveness: {
          ...(cfg.nagios.querySocket === undefined ? {} : { querySocket: cfg.nagios.querySocket }),
          ...(cfg.nagios.lockFile === undefined ? {} : { lockFile: cfg.nagios.lockFile }),
        },
      });
    let writer: NagiosWriter;
    let longOutputWriter: NagiosWriter | undefined;
    if (cfg.nagios.mode === 'pipe') {
      writer = new CommandPipeWriter({ path: cfg.nagios.commandFile!, journal, logger: log, maxOutputBytes: cfg.nagios.maxOutputBytes });
      if (cfg.nagios.longOutput === 'spool') longOutputWriter = spoolWriter();
    } else writer = spoolWriter();
    cleanups.unshift(() => writer.close());

    let cache = cfg.nagios.objectCache === undefined ? undefined : newCacheWatcher(cfg.nagios.objectCache, log);
    cache?.current(); // read it now, not while the first messages wait
    // Signed mode: the consumer config names the CAs; each queue its site's signer DN.
    const verifier = cfg.consumer.verification === undefined ? undefined : createVerifier({ caFile: cfg.consumer.verification.caFile });
    if (verifier !== undefined) log.info('signed mode: messages without a valid signature of their site are refused', { caFile: cfg.consumer.verification!.caFile });
    let consumer: Consumer | undefined;
    // Prometheus endpoint (metrics.ts): the engine's counters, results written, Nagios' state, spool depth, connection, last receipt.
    const metrics: CentralBridgeMetrics = new CentralBridgeMetrics({ stats: (): EngineStats => engine.stats(), writerStatus: () => writer.status, ...(spoolDir === undefined ? {} : { spoolDir }) });
    const engine = new IngestEngine({
      journal,
      writer: metrics.counting(writer),
      ...(longOutputWriter === undefined ? {} : { longOutputWriter: metrics.counting(longOutputWriter) }),
      sendError: (m) => {
        if (consumer === undefined) return Promise.reject(new Error('not connected'));
        return consumer.send(m);
      },
      knownObjects: () => cache?.current(),
      ...(verifier === undefined ? {} : { verifier }),
      logger: log,
      policy: enginePolicy(cfg),
    });

    const served = cfg.metrics === undefined ? undefined : await serveCentralMetrics(metrics, cfg.metrics);
    if (served !== undefined) {
      cleanups.unshift(served.close);
      log.info('metrics served', { url: served.url });
    }

    const startConsumer = async (c: ConsumerClientConfig): Promise<Consumer> => {
      const next = createConsumer({ brokers: c.brokers, credentials: c.credentials, logger: log });
      // A state without a broker (closed, reconnecting) concerns the last broker connected to.
      let lastBroker: string | undefined;
      next.on('state', (state, broker) => {
        metrics.noteConnection(state);
        lastBroker = broker ?? lastBroker;
        log.info(`broker connection ${state}`, lastBroker === undefined ? {} : { broker: lastBroker });
      });
      consumer = next;
      await Promise.all(
        c.queues.map((queue) =>
          next.subscribe(
            {
              destination: queue.destination,
              prefetch: cfg.limits.prefetch,
              concurrency: cfg.limits.prefetch,
              deadLetterDestination: c.errorDestination,
              maxAttempts: 5,
            },
            (message) => {
              metrics.noteMessage();
              return engine.handle(message, queue).catch((err: unknown) => {
                if (err instanceof ShutdownError) throw new LeaveUnacked();
                throw err;
              });
            },
          ),
        ),
      );
      log.info('consuming', { queues: c.queues.length, brokers: c.brokers.map((b) => `${b.host}:${b.port}`).join(','), mode: cfg.nagios.mode });
      return next;
    };

    try {
      await startConsumer(cfg.consumer);
    } catch (err) {
      await consumer?.close().catch(() => {});
      throw new GridmsgError('SUBSCRIBE_FAILED', `cannot start consuming: ${describeError(err)}`, { file: cfg.consumerFile, cause: err });
    }

    // Periodic report: refused records, unknown objects, held results.
    const report = (): void => {
      engine.newInterval();
      const summary = engine.rejects.takeSummary();
      if (summary.count > 0) log.warn(`refused ${summary.count} record(s) in the last ${cfg.summaryIntervalSeconds} s (sent to ${cfg.consumer.errorDestination}): ${summary.text}`);
      try {
        if (engine.unknownObjects.flush(cfg.unknownObjects.suggestionsFile, cache?.current()?.hosts)) {
          log.info('updated the suggestions file for unknown objects', { file: cfg.unknownObjects.suggestionsFile ?? '' });
        }
      } catch (err) {
        log.warn('cannot write the suggestions file', { error: describeError(err) });
      }
      const s = engine.stats();
      const status = writer.status;
      if (status.state !== 'ready') {
        log.warn(`Nagios is not taking results for ${Math.round((Date.now() - status.since) / 1000)} s: ${status.reason ?? status.state}; holding ${s.inFlight} message(s) unacked`);
      }
      const w = writer instanceof CommandPipeWriter ? { pipeWrites: writer.writes, pipeFull: writer.pipeFull, truncated: writer.truncated } : writer instanceof SpoolWriter ? { spoolFiles: writer.filesWritten } : {};
      log.info('stats', { messages: s.messages, records: s.records, submitted: s.submitted, rejected: s.rejected, duplicates: s.duplicates, stale: s.stale, unknown: s.unknown, inFlight: s.inFlight, fsyncs: journal.fsyncs, ...w });
    };
    const timer = setInterval(report, cfg.summaryIntervalSeconds * 1000);
    cleanups.unshift(() => clearInterval(timer));

    let reloading = Promise.resolve();
    ctx.onReload(() => {
      reloading = reloading.then(async () => {
        let next: BridgeConfig;
        try {
          next = loadBridgeConfig(configFile);
        } catch (err) {
          log.error(`reload refused, keeping the running configuration: ${describeError(err)}`);
          return;
        }
        const restartOnly = restartOnlyChanges(cfg, next);
        if (restartOnly.length > 0) log.warn(`reload: these settings take effect only after a restart: ${restartOnly.join(', ')}`);
        engine.setPolicy(enginePolicy(next));
        if (next.nagios.objectCache !== cfg.nagios.objectCache) cache = next.nagios.objectCache === undefined ? undefined : newCacheWatcher(next.nagios.objectCache, log);
        else cache?.invalidate();
        const old = cfg;
        cfg = { ...next, stateDir: old.stateDir, nagios: { ...next.nagios, mode: old.nagios.mode } };
        if (consumerChanged(old.consumer, next.consumer)) {
          log.info('reload: consumer configuration changed; reconnecting');
          const previous = consumer;
          await previous?.close();
          try {
            await startConsumer(next.consumer);
          } catch (err) {
            log.error(`reload: cannot consume with the new consumer configuration (${describeError(err)}); back to the previous one`);
            await consumer?.close().catch(() => {});
            cfg = old;
            await startConsumer(old.consumer);
          }
        }
        log.info('configuration reloaded', { file: configFile });
      });
    });

    ctx.onReady?.({ engine, config: cfg, ...(served === undefined ? {} : { metricsUrl: served.url }) });
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });

    // Drain: no new messages; running ones finish if Nagios takes them in time, else stay unacked.
    log.info('stopping: draining messages in progress', { inFlight: engine.inFlight, timeout_s: cfg.limits.drainTimeoutSeconds });
    engine.beginShutdown();
    await reloading;
    const closing = consumer?.close() ?? Promise.resolve();
    const timeout = setTimeout(() => {
      if (engine.inFlight > 0) log.warn('drain timeout: leaving messages unacked for redelivery', { inFlight: engine.inFlight });
      engine.abortWaiting();
    }, cfg.limits.drainTimeoutSeconds * 1000);
    await closing;
    clearTimeout(timeout);
    report();
    log.info('stopped');
    return 0;
  } finally {
    for (const c of cleanups) {
      try {
        c();
      } catch (err) {
        ctx.logger.warn(`cleanup failed: ${describeError(err)}`);
      }
    }
  }
}

function newCacheWatcher(file: string, log: Logger): ObjectCacheWatcher {
  let warned = false;
  return new ObjectCacheWatcher(
    file,
    5000,
    (known) => {
      warned = false;
      log.info('read the Nagios object cache', { file, hosts: known.hosts.size });
    },
    (err) => {
      if (!warned) log.warn(`cannot read the Nagios object cache; unknown hosts and services cannot be detected until it is readable: ${describeError(err)}`, { file });
      warned = true;
    },
  );
}
