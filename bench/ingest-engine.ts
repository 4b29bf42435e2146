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
 *   npx tsx bench/ingest-engine.ts [RESULTS=200000]
 *   node --cpu-prof --import tsx bench/ingest-engine.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { ReceivedMessage } from '../clients/api.js';
import type { ConsumerQueue } from '../clients/client-config.js';
import { encodeRecords, messageHeaders, type MetricRecord } from '../bridges/format/index.js';
import { CommandPipeWriter } from '../bridges/msg-to-nagios/command-pipe-writer.js';
import { IngestEngine } from '../bridges/msg-to-nagios/ingest-engine.js';
import { DEFAULT_ILLEGAL_NAME_CHARS } from '../bridges/msg-to-nagios/object-names.js';
import { StateJournal } from '../bridges/msg-to-nagios/state-journal.js';
import { parseObjectCache, type KnownObjects } from '../bridges/msg-to-nagios/known-objects.js';
import { silentLogger } from '../core/logger.js';
import { tempDir } from '../test/helpers/tmp.js';
import { HOSTS, ingestRecord, PER_MESSAGE, SERVICES, SITE } from './peers/index.js';

const RESULTS = Number(process.argv[2] ?? 200_000);
/** Messages handed in at once (the bridge's prefetch in bench/ingest.ts). */
const WINDOW = 500;

async function main(): Promise<void> {
  const tmp = tempDir('gridmsg-bench-engine-');
  const fifo = path.join(tmp.dir, 'nagios.cmd');
  execFileSync('mkfifo', [fifo]);
  const drain = spawn('sh', ['-c', `exec cat "${fifo}" > /dev/null`], { stdio: 'ignore' });
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
    const writer = new CommandPipeWriter({ path: fifo, journal, logger });
    const engine = new IngestEngine({
      journal,
      writer,
      sendError: () => Promise.resolve(),
      knownObjects: () => known,
      logger,
      policy: { naming: {}, illegalNameChars: DEFAULT_ILLEGAL_NAME_CHARS, maxFutureSkewSeconds: 300, maxRecordBytes: 65536, unknownAction: 'reject', maxOutputBytes: 8192, errorDestination: '/queue/errors' },
    });
    console.log(`bench/ingest-engine: ${RESULTS} results per pass, cold (fresh process) then warm (the next ${RESULTS})`);
    let submitted = 0;
    for (const [pass, label] of ['cold', 'warm'].entries()) {
      const batch = messages.slice((pass * messages.length) / 2, ((pass + 1) * messages.length) / 2);
      const writes0 = writer.writes;
      const fsyncs0 = journal.fsyncs;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      // Like the consumer: up to WINDOW messages in progress, the next handed in as one is acked.
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < batch.length) await engine.handle(batch[next++]!, queue);
      };
      await Promise.all(Array.from({ length: Math.min(WINDOW, batch.length) }, worker));
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      submitted += RESULTS;
      const s = engine.stats();
      if (s.submitted !== submitted) throw new Error(`submitted ${s.submitted} of ${submitted}: ${JSON.stringify(s)}`);
      console.log(`  ${label}: ${RESULTS} results in ${seconds.toFixed(2)} s = ${Math.round(RESULTS / seconds)} results/s; CPU per result: ${(cpu.user / RESULTS).toFixed(1)} us user + ${(cpu.system / RESULTS).toFixed(1)} us system; pipe writes ${writer.writes - writes0}, fsyncs ${journal.fsyncs - fsyncs0}`);
    }
    console.log(`  (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    writer.close();
    journal.close();
  } finally {
    drain.kill();
    tmp.cleanup();
  }
}

await main();
