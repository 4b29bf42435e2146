import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { evaluateStatus, parseBridgeConfig, parseDuration, parseSize, type BridgeStatus, type CheckThresholds } from '../../bridges/nagios-to-msg/index.js';
import { tempDir } from '../helpers/tmp.js';
import { writeSiteClientConfig } from './helpers.js';

test('a full bridge config is read with its units; relative paths are resolved against the file', (t) => {
  const tmp = tempDir('gridmsg-bcfg-');
  t.teardown(tmp.cleanup);
  writeSiteClientConfig(tmp.dir, 61613, '/topic/grid.probe.metricOutput.EGI.site.TEST-SITE');
  const text = `client: TEST-SITE.client.yaml
nagiosName: nagios-main
inputs:
  - path: data/service-perfdata
  - name: ocsp
    path: data/ocsp-results
    type: ocsp
spool: { dir: spool, maxBytes: 2GiB, maxAge: 3d, whenFull: drop-oldest }
batch: { maxRecords: 100, maxBytes: 64KiB, linger: 5ms }
format: json
filters:
  skipSoft: false
  include: { hostgroups: [grid-*] }
  exclude: { hosts: [test*] }
defaults: { voName: ops }
publisher: { receiptWindow: 8, receiptTimeout: 1m }
metrics: { port: 9465 }
check:
  oldestUnsent: { warning: 10m, critical: 1h }
  spoolRecords: { warning: 5, critical: 50 }
`;
  const file = path.join(tmp.dir, 'bridge.yaml');
  fs.writeFileSync(file, text);
  const c = parseBridgeConfig(text, file);
  t.is(c.client.site, 'TEST-SITE');
  t.is(c.nagiosName, 'nagios-main');
  t.is(c.gatheredAt, 'nagios.test.example.org');
  t.deepEqual(c.inputs, [
    { name: 'service-perfdata', path: path.join(tmp.dir, 'data/service-perfdata'), type: 'perfdata', rotateAtBytes: undefined },
    { name: 'ocsp', path: path.join(tmp.dir, 'data/ocsp-results'), type: 'ocsp', rotateAtBytes: 64 * 1024 * 1024 },
  ]);
  t.deepEqual(c.spool, { dir: path.join(tmp.dir, 'spool'), maxBytes: 2 * 1024 ** 3, maxAgeSeconds: 3 * 86400, whenFull: 'drop-oldest', segmentBytes: undefined });
  t.deepEqual(c.batch, { maxRecords: 100, maxBytes: 65536, lingerMs: 5 });
  t.is(c.format, 'json');
  t.deepEqual(c.filters.include.hostgroups, ['grid-*']);
  t.deepEqual(c.publisher, { receiptWindow: 8, receiptTimeoutMs: 60_000 });
  t.deepEqual(c.metrics, { host: '127.0.0.1', port: 9465 });
  t.deepEqual(c.check.oldestUnsent, { warning: 600, critical: 3600 });
  t.is(c.statusFile, path.join(tmp.dir, 'spool', 'status.json'));
  t.deepEqual(c.where(['inputs', 1, 'type']), { file, line: 7, column: 11, path: 'inputs[1].type' });
  const dup = text.replace('name: ocsp', 'name: service-perfdata');
  t.throws(() => parseBridgeConfig(dup, file), { message: /two inputs are named "service-perfdata"/ });
  const thr = text.replace('warning: 5, critical: 50', 'warning: 50, critical: 5');
  t.throws(() => parseBridgeConfig(thr, file), { message: /warning \(50\) must not exceed critical \(5\)/ });
});

test('sizes and durations', (t) => {
  t.is(parseSize('1GiB'), 1024 ** 3);
  t.is(parseSize('1.5 MB'), 1.5 * 1024 ** 2);
  t.is(parseSize(4096), 4096);
  t.is(parseSize('lots'), undefined);
  t.is(parseDuration('250ms'), 250);
  t.is(parseDuration(30), 30_000);
  t.is(parseDuration('7d'), 7 * 86_400_000);
  t.is(parseDuration('1 fortnight'), undefined);
});

const thresholds: CheckThresholds = { spoolRecords: { warning: 100, critical: 1000 }, oldestUnsent: { warning: 300, critical: 1800 }, lastReceipt: { warning: 300, critical: 1800 }, staleAfter: 60 };
const now = 1_800_000_000_000;
const healthy: BridgeStatus = {
  version: 1,
  pid: 42,
  config: '/etc/gridmsg/bridge.yaml',
  state: 'running',
  startedAt: now - 3_600_000,
  updatedAt: now - 1000,
  spool: { dir: '/s', records: 3, bytes: 4096, segments: 1, dropped: 0, quarantined: 0, policy: 'block', full: false, fullReason: null, oldestUnsentAt: now / 1000 - 2, lastDropAt: null, writeError: null },
  publisher: { state: 'connected', broker: 'b1', inFlight: 1, receiptedMessages: 10, receiptedRecords: 500, lastReceiptAt: now - 1000, failures: 0, lastError: null },
  inputs: [{ name: 'services', path: '/p', state: 'live', file: '/p', offset: 10, lagBytes: 0, missingSince: null }],
  counters: { linesRead: 1, resultsSpooled: 1, filteredSoft: 0, filteredOut: 0, parseErrors: 0, perfdataMalformed: 0 },
};

test('check-bridge verdicts: OK with perfdata; WARNING/CRITICAL on depth, age, receipt silence, stale status, full spool', (t) => {
  const ok = evaluateStatus({ ok: true, status: healthy }, thresholds, now);
  t.is(ok.code, 0);
  t.is(ok.output, 'BRIDGE OK - 3 results spooled, oldest unsent 2 s, connected to b1 | spool_records=3;100;1000;0 spool_bytes=4096B;;;0 oldest_unsent=2s;300;1800;0 last_receipt=1s;300;1800;0 dropped=0c receipted=500c');
  const deep = evaluateStatus({ ok: true, status: { ...healthy, spool: { ...healthy.spool, records: 150 } } }, thresholds, now);
  t.is(deep.code, 1);
  t.regex(deep.output, /^BRIDGE WARNING - 150 results waiting in the spool/);
  const silent = evaluateStatus({ ok: true, status: { ...healthy, publisher: { ...healthy.publisher, lastReceiptAt: now - 2_000_000, lastError: 'connection refused' } } }, thresholds, now);
  t.is(silent.code, 2);
  t.regex(silent.output, /no broker receipt for 2000 s \(connection refused\)/);
  const idle = evaluateStatus({ ok: true, status: { ...healthy, spool: { ...healthy.spool, records: 0, oldestUnsentAt: null }, publisher: { ...healthy.publisher, lastReceiptAt: now - 2_000_000 } } }, thresholds, now);
  t.is(idle.code, 0, 'no receipt needed when nothing waits');
  t.is(evaluateStatus({ ok: true, status: { ...healthy, updatedAt: now - 120_000 } }, thresholds, now).code, 2);
  t.regex(evaluateStatus({ ok: true, status: { ...healthy, state: 'stopped' } }, thresholds, now).output, /bridge is stopped/);
  const full = evaluateStatus({ ok: true, status: { ...healthy, spool: { ...healthy.spool, full: true, fullReason: 'spool holds 2 bytes, limit 1' } } }, thresholds, now);
  t.regex(full.output, /^BRIDGE CRITICAL - spool full: spool holds 2 bytes, limit 1 \(policy block\)/);
  const missing = evaluateStatus({ ok: false, error: 'no status file /s/status.json: is gridmsg nagios-to-msg running?' }, thresholds, now);
  t.deepEqual(missing, { code: 2, output: 'BRIDGE CRITICAL - no status file /s/status.json: is gridmsg nagios-to-msg running?' });
});
