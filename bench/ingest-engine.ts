/**
 * CPU cost of the central bridge's own work, without broker and Nagios: the
 * ingest engine (plan, checks, journal with fsync per group) and the real
 * command-pipe writer into a FIFO that `cat > /dev/null` drains, for
 * messages shaped like bench/ingest.ts's (100 results each, grid format).
 * Two timed passes of RESULTS through the same engine and writer: "cold"
 * (a fresh process, JIT warming up) and "warm" (the next RESULTS, different
 * messages with newer timestamps: a running daemon).
 * For profiling between full runs of bench/ingest.ts:
 *
 *   npx tsx bench/ingest-engine.ts [RESULTS=200000] [--mode pipe|spool] [--rate MESSAGES_PER_S]
 *
 * --mode spool: the real spool writer into a directory that a stand-in for
 * Nagios' reaper empties every 100 ms. --rate: messages handed in one by one
 * at that pace (a trickle, as at a central bridge of the grid rehearsal,
 * bench/grid.ts) instead of a full window at once; then the per-message
 * costs (files, fsyncs, journal) show.
 *   node --cpu-prof --import tsx bench/ingest-engine.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import type { ReceivedMessage } from '../clients/api.js';
import type { ConsumerQueue } from '../clients/client-config.js';
import { encodeRecords, messageHeaders, type MetricRecord } from '../bridges/format/index.js';
import { CommandPipeWriter } from '../bridges/msg-to-nagios/command-pipe-writer.js';
import type { NagiosWriter } from '../bridges/msg-to-nagios/nagios-writer.js';
import { SpoolWriter } from '../bridges/msg-to-nagios/spool-writer.js';
import { IngestEngine } from '../bridges/msg-to-nagios/ingest-engine.js';
import { DEFAULT_ILLEGAL_NAME_CHARS } from '../bridges/msg-to-nagios/object-names.js';
import { StateJournal } from '../bridges/msg-to-nagios/state-journal.js';
import { parseObjectCache, type KnownObjects } from '../bridges/msg-to-nagios/known-objects.js';
import { silentLogger } from '../core/logger.js';
import { tempDir } from '../test/helpers/tmp.js';
import { HOSTS, ingestRecord, PER_MESSAGE, SERVICES, SITE } from './peers/index.js';

const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { mode: { type: 'string', default: 'pipe' }, rate: { type: 'string' }, 'gather-ms': { type: 'string' } } });
const RESULTS = Number(positionals[0] ?? 200_000);
const MODE = opts.mode;
if (MODE !== 'pipe' && MODE !== 'spool') throw new Error(`--mode must be pipe or spool, not ${JSON.stringify(MODE)}`);
/** Messages per second handed in one by one; undefined: a full window at once. */
const RATE = opts.rate === undefined ? undefined : Number(opts.rate);
/** Messages handed in at once (the bridge's prefetch in bench/ingest.ts). */
const WINDOW = 500;

async function main(): Promise<void> {
  const tmp = tempDir('gridmsg-bench-engine-');
  const fifo = path.join(tmp.dir, 'nagios.cmd');
  execFileSync('mkfifo', [fifo]);
  const drain = spawn('sh', ['-c', `exec cat "${fifo}" > /dev/null`], { stdio: 'ignore' });
  const stops: Array<() => void> = [];
  try {
    const queue: ConsumerQueue = { site: SITE, tenant: 'EGI', role: 'site', destination: `/queue/Consumer.central.${SITE}`, hosts: ['*.cern.ch'] };
    const cache: string[] = [];
    for (let h = 0; h < HOSTS; h++) {
      cache.push(`define host {\n\thost_name\twn${h}.cern.ch\n\t}\n`);
      for (let s = 0; s < SERVICES; s++) cache.push(`define service {\n\thost_name\twn${h}.cern.ch\n\tservice_description\torg.sam.Probe-${s}\n\t}\n`);
    }
    const known: KnownObjects = parseObjectCache(cache.join(''));
    const base = Math.floor(Date.now() / 1000) - 86_400;
    const messages: ReceivedMessage[] = [];
    for (let m = 0; m * PER_MESSAGE < 2 * RESULTS; m++) {
      const records: MetricRecord[] = [];
      for (let i = m * PER_MESSAGE; i < Math.min(2 * RESULTS, (m + 1) * PER_MESSAGE); i++) records.push(ingestRecord(i, base));
      const body = Buffer.from(encodeRecords(records, 'grid'));
      const headers = messageHeaders({ recordCount: records.length, siteName: SITE, role: 'site', nagiosHost: 'nagios.cern.ch', bodyFormat: 'grid' });
      messages.push({ destination: queue.destination, headers, body, text: () => body.toString(), idempotencyKey: `bench-${m}`, broker: 'bench' });
    }
    const logger = silentLogger();
    const journal = StateJournal.open({ dir: path.join(tmp.dir, 'state') });
    const spoolDir = path.join(tmp.dir, 'checkresults');
    fs.mkdirSync(spoolDir);
    // Stand-in for Nagios' reaper (another process, so its work is not counted): every 100 ms, removes released files and their .ok.
    const reaper = spawn('sh', ['-c', 'cd "$1" && while :; do for f in c*.ok; do [ -e "$f" ] && rm -f "${f%.ok}" "$f"; done; sleep 0.1; done', 'reaper', spoolDir], { stdio: 'ignore' });
    stops.push(() => reaper.kill());
    const pipeWriter = MODE === 'pipe' ? new CommandPipeWriter({ path: fifo, journal, logger }) : undefined;
    const writer: NagiosWriter = pipeWriter ?? new SpoolWriter({ dir: spoolDir, journal, logger, instanceId: 'bench', resultsPerFile: 1000, ...(opts['gather-ms'] === undefined ? {} : { gatherMs: Number(opts['gather-ms']) }) });
    const writes = (): string => (pipeWriter !== undefined ? `pipe writes ${pipeWriter.writes}` : `spool files ${(writer as SpoolWriter).filesWritten}`);
    const engine = new IngestEngine({
      journal,
      writer,
      sendError: () => Promise.resolve(),
      knownObjects: () => known,
      logger,
      policy: { naming: {}, illegalNameChars: DEFAULT_ILLEGAL_NAME_CHARS, maxFutureSkewSeconds: 300, maxRecordBytes: 65536, unknownAction: 'reject', maxOutputBytes: 8192, errorDestination: '/queue/errors' },
    });
    console.log(`bench/ingest-engine: ${RESULTS} results per pass, cold (fresh process) then warm (the next ${RESULTS}); ${MODE} mode${MODE === 'spool' ? ` (gather ${(writer as SpoolWriter).gatherMs} ms)` : ''}, ${RATE === undefined ? `${WINDOW} messages at once` : `a trickle of ${RATE} messages/s`}`);
    let submitted = 0;
    for (const [pass, label] of ['cold', 'warm'].entries()) {
      const batch = messages.slice((pass * messages.length) / 2, ((pass + 1) * messages.length) / 2);
      const writes0 = writes();
      const fsyncs0 = journal.fsyncs;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      if (RATE === undefined) {
        // Like the consumer: up to WINDOW messages in progress, the next handed in as one is acked.
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < batch.length) await engine.handle(batch[next++]!, queue);
        };
        await Promise.all(Array.from({ length: Math.min(WINDOW, batch.length) }, worker));
      } else {
        // One message every 1/RATE s, whether the earlier ones are done or not.
        const handled: Array<Promise<void>> = [];
        const start = performance.now();
        for (const [m, message] of batch.entries()) {
          const due = start + (m * 1000) / RATE;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          handled.push(engine.handle(message, queue));
        }
        await Promise.all(handled);
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      submitted += RESULTS;
      const s = engine.stats();
      if (s.submitted !== submitted) throw new Error(`submitted ${s.submitted} of ${submitted}: ${JSON.stringify(s)}`);
      console.log(`  ${label}: ${RESULTS} results in ${seconds.toFixed(2)} s = ${Math.round(RESULTS / seconds)} results/s; CPU per result: ${(cpu.user / RESULTS).toFixed(1)} us user + ${(cpu.system / RESULTS).toFixed(1)} us system; ${writes0} -> ${writes()}, fsyncs ${journal.fsyncs - fsyncs0}`);
    }
    console.log(`  (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    writer.close();
    journal.close();
  } finally {
    for (const stop of stops) stop();
    drain.kill();
    tmp.cleanup();
  }
}

await main();
