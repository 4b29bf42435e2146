/**
 * kill -9 of the central bridge, ten times, during a 100,000-result run
 * pre-loaded on a real broker.
 *
 * Spool-directory mode (this test reaps the check-result files the way
 * Nagios does): every result reaches Nagios exactly once.
 *
 * Command-pipe mode (a FIFO read by this test, standing in for Nagios, so
 * every line can be counted): every result arrives; a result is written
 * twice only when the kill falls between the write(2) into the pipe and the
 * write(2) of its journal record, so at most one pipe write (whole lines, at
 * most PIPE_BUF bytes) per kill. A FIFO cannot tell a restarted writer what
 * its reader got; docs/central-bridge.md explains the choice of mode.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isoTimestamp, type MetricRecord } from '../../bridges/format/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';
import { FifoReader, makeFifo } from './helpers/fifo-reader.js';
import { publish, resultMessage, startBridge, writeBridgeConfig, writeConsumerConfig, type BridgeProcess } from './helpers/harness.js';
import { parseCheckResultFile, parseCommandLine } from './helpers/nagios-parse.js';

const SITE = 'CERN-PROD';
const base = Math.floor(Date.now() / 1000) - 3600;

function record(i: number): MetricRecord {
  return {
    kind: 'service',
    serviceURI: '',
    hostName: `wn${i % 50}.cern.ch`,
    serviceFlavour: '',
    siteName: SITE,
    metricStatus: 'OK',
    metricName: `probe-${i}`,
    summaryData: `OK ${i}`,
    detailsData: '',
    perfData: '',
    gatheredAt: '',
    timestamp: isoTimestamp(base + (i % 3000)),
    nagiosName: '',
    role: 'site',
    voName: '',
    stateType: 'HARD',
  };
}

async function preload(stompPort: number, total: number, perMessage: number): Promise<void> {
  const batch = [];
  for (let m = 0; m * perMessage < total; m++) {
    const records = [];
    for (let i = m * perMessage; i < Math.min(total, (m + 1) * perMessage); i++) records.push(record(i));
    batch.push(resultMessage(SITE, records, `run-${m}`));
    if (batch.length === 100) await publish(stompPort, batch.splice(0));
  }
  await publish(stompPort, batch);
}

/** Starts the bridge, kills it -9 each time `progress()` passes the next mark, then lets a last one finish. */
async function killNineTimes(config: string, logDir: string, progress: () => number, marks: number[], total: number): Promise<{ kills: number; last: BridgeProcess }> {
  let kills = 0;
  for (const mark of marks) {
    const bridge = startBridge(config, path.join(logDir, `bridge-${kills}.log`));
    await bridge.waitForLog(/consuming/, 60_000);
    const deadline = Date.now() + 120_000;
    while (progress() < mark && Date.now() < deadline && bridge.process.alive()) await new Promise((r) => setTimeout(r, 5));
    if (!bridge.process.alive()) throw new Error(`bridge died on its own:\n${bridge.log().slice(-2000)}`);
    await bridge.process.kill9();
    kills++;
  }
  const last = startBridge(config, path.join(logDir, 'bridge-last.log'));
  await last.waitForLog(/consuming/, 60_000);
  const deadline = Date.now() + 300_000;
  while (progress() < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // A little longer: anything written twice would show up now.
  await new Promise((r) => setTimeout(r, 1500));
  return { kills, last };
}

function marksFor(total: number, kills: number): number[] {
  return Array.from({ length: kills }, (_, k) => Math.floor(((k + 1) * total) / (kills + 2) + Math.random() * (total / (kills + 2) / 2)));
}

test.serial('pipe mode: ten kill -9 during 100,000 results; each reaches the pipe, duplicates at most one pipe write per kill', async (t) => {
  const TOTAL = 100_000;
  const tmp = tempDir('gridmsg-kill9-');
  t.teardown(tmp.cleanup);
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  await preload(broker.stompPort, TOTAL, 100);
  const fifo = path.join(tmp.dir, 'nagios.cmd');
  makeFifo(fifo);
  const reader = new FifoReader(fifo);
  t.teardown(() => reader.close());
  const config = writeBridgeConfig(tmp.dir, {
    consumerFile: writeConsumerConfig(tmp.dir, broker.stompPort, [{ site: SITE, hosts: ['*.cern.ch'] }]),
    stateDir: path.join(tmp.dir, 'state'),
    nagios: { mode: 'pipe', commandFile: fifo, longOutput: 'truncate' },
  });
  // Count lines cheaply while running (newlines read so far).
  let newlines = 0;
  let scanned = 0;
  const progress = (): number => {
    const text = reader.text();
    for (let i = text.indexOf('\n', scanned); i !== -1; i = text.indexOf('\n', i + 1)) newlines++;
    scanned = text.length;
    return newlines;
  };
  const { kills, last } = await killNineTimes(config, tmp.dir, progress, marksFor(TOTAL, 10), TOTAL);
  t.teardown(() => last.process.stop());
  t.is(kills, 10);
  const seen = new Map<string, number>();
  let malformed = 0;
  for (const line of reader.lines()) {
    const p = parseCommandLine(line);
    if (p === undefined || p.command !== 'PROCESS_SERVICE_CHECK_RESULT') malformed++;
    else seen.set(p.service!, (seen.get(p.service!) ?? 0) + 1);
  }
  const twice = [...seen].filter(([, n]) => n > 1);
  const missing = Array.from({ length: TOTAL }, (_, i) => `probe-${i}`).filter((s) => !seen.has(s));
  t.is(malformed, 0, 'every line whole and well formed (no torn or interleaved writes)');
  t.deepEqual(missing.slice(0, 10), [], `${missing.length} results missing`);
  t.is(seen.size, TOTAL);
  // Lines written twice: only whole pipe writes caught by a kill, at most one per kill.
  const lines = reader.lines();
  const shortest = Math.min(...lines.map((l) => Buffer.byteLength(l) + 1));
  const perWrite = Math.floor(4096 / shortest);
  t.true(twice.every(([, n]) => n === 2), 'never more than twice');
  t.true(twice.length <= kills * perWrite, `${twice.length} duplicates > ${kills} kills x ${perWrite} lines per write`);
  t.log(`results written twice after ${kills} kill -9: ${twice.length} (bound ${kills * perWrite})`);
});

test.serial('spool mode: ten kill -9 during 100,000 results; every result reaches Nagios exactly once', async (t) => {
  const TOTAL = 100_000;
  const tmp = tempDir('gridmsg-kill9-spool-');
  t.teardown(tmp.cleanup);
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  await preload(broker.stompPort, TOTAL, 100);
  const spool = path.join(tmp.dir, 'checkresults');
  fs.mkdirSync(spool);
  const config = writeBridgeConfig(tmp.dir, {
    consumerFile: writeConsumerConfig(tmp.dir, broker.stompPort, [{ site: SITE, hosts: ['*.cern.ch'] }]),
    stateDir: path.join(tmp.dir, 'state'),
    nagios: { mode: 'spool', checkResultPath: spool, resultsPerFile: 100 },
  });
  // The reaper: what Nagios does with check_result_path (read files that have .ok, delete both).
  const seen = new Map<string, number>();
  let reaped = 0;
  const reap = (): void => {
    for (const name of fs.readdirSync(spool)) {
      if (!name.endsWith('.ok')) continue;
      const file = path.join(spool, name.slice(0, -3));
      for (const r of parseCheckResultFile(fs.readFileSync(file, 'utf8'))) seen.set(r.service!, (seen.get(r.service!) ?? 0) + 1);
      fs.rmSync(file);
      fs.rmSync(path.join(spool, name));
      reaped++;
    }
  };
  const reaper = setInterval(reap, 20);
  t.teardown(() => clearInterval(reaper));
  const { kills, last } = await killNineTimes(config, tmp.dir, () => seen.size, marksFor(TOTAL, 10), TOTAL);
  t.teardown(() => last.process.stop());
  reap();
  t.is(kills, 10);
  t.true(reaped >= TOTAL / 100);
  const twice = [...seen].filter(([, n]) => n > 1);
  const missing = Array.from({ length: TOTAL }, (_, i) => `probe-${i}`).filter((s) => !seen.has(s));
  t.deepEqual(missing.slice(0, 10), [], `${missing.length} results missing`);
  t.deepEqual(twice.slice(0, 10), [], `${twice.length} results released twice`);
  // What killed bridges left half-done, the next one removed: nothing is left but what Nagios has not reaped yet.
  t.deepEqual(fs.readdirSync(spool).filter((n) => !n.endsWith('.ok') && !fs.existsSync(path.join(spool, `${n}.ok`))), [], 'no orphan left behind');
});
