import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../core/logger.js';
import { Bridge, loadBridgeConfig } from '../../bridges/nagios-to-msg/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';
import { collect, perfdataLine, writeBridgeConfig, writeSiteClientConfig } from './helpers.js';

test('perfdata lines are forwarded in batches with headers, deterministic keys, filters applied; restart resumes without repeats', async (t) => {
  const tmp = tempDir('gridmsg-fwd-');
  t.teardown(tmp.cleanup);
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  const dest = '/queue/test.forward';
  const client = writeSiteClientConfig(tmp.dir, broker.stompPort, dest);
  const perf = path.join(tmp.dir, 'service-perfdata');
  const cfgFile = writeBridgeConfig(tmp.dir, {
    client,
    inputs: [{ path: perf }],
    spoolDir: path.join(tmp.dir, 'spool'),
    extra: 'batch:\n  maxRecords: 7\nfilters:\n  exclude:\n    hosts: ["skip*.example.org"]\n    hostgroups: [test-only]\ndefaults:\n  voName: ops\n',
  });
  const lines: string[] = [];
  for (let i = 0; i < 50; i++) lines.push(perfdataLine({ host: `ce${i % 5}.example.org`, service: `svc-${i}`, state: ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][i % 4]!, output: `result ${i}`, perfdata: `t=${i}s;1;2`, long: `line a ${i}\nline b`, site: i % 2 ? 'OTHER-SITE' : '$_SERVICESITE_NAME$' }));
  lines.push(perfdataLine({ host: 'ce0.example.org', service: 'soft', stateType: 'SOFT' }));
  lines.push(perfdataLine({ host: 'skip1.example.org', service: 'x' }));
  lines.push(perfdataLine({ host: 'ce1.example.org', service: 'grouped', groups: 'a,test-only' }));
  lines.push('garbage line');
  lines.push(perfdataLine({ host: 'ce3.example.org', service: 'bad-perfdata', perfdata: "time=abc;; 'unclosed=1 ok=2" }));
  fs.writeFileSync(perf, lines.join('\n') + '\n');

  const received = await collect(broker.stompPort, dest);
  t.teardown(() => received.close());
  let bridge = await Bridge.start({ config: loadBridgeConfig(cfgFile), logger: silentLogger() });
  t.teardown(() => bridge.stop());
  await received.waitFor(51, 60_000);
  t.deepEqual(received.errors, []);
  t.is(received.records.length, 51);
  // Malformed perfdata never drops the result: it travels as written, and is counted.
  t.is(received.records.find((r) => r.metricName === 'bad-perfdata')?.perfData, "time=abc;; 'unclosed=1 ok=2");
  const r7 = received.records.find((r) => r.metricName === 'svc-7')!;
  t.like(r7, { hostName: 'ce2.example.org', metricStatus: 'UNKNOWN', summaryData: 'result 7', detailsData: 'line a 7\nline b', perfData: 't=7s;1;2', siteName: 'OTHER-SITE', voName: 'ops', serviceURI: 'ce2.example.org', role: 'site', gatheredAt: 'nagios.test.example.org', timestamp: '2023-11-14T22:13:20Z', stateType: 'HARD', kind: 'service' });
  t.is(received.records.find((r) => r.metricName === 'svc-8')!.siteName, 'TEST-SITE');
  t.true(received.headers.every((h) => h['siteName'] === 'TEST-SITE' && h['role'] === 'site' && h['nagiosHost'] === 'nagios.test.example.org' && h['bodyFormat'] === 'grid'));
  t.true(received.headers.every((h) => Number(h['recordCount']) <= 7));
  const status = bridge.status();
  t.is(status.counters.filteredSoft, 1);
  t.is(status.counters.filteredOut, 2);
  t.is(status.counters.parseErrors, 1);
  t.is(status.counters.perfdataMalformed, 1);

  // Restart: nothing is sent again; new lines go out.
  await bridge.stop();
  const before = received.keys.length;
  fs.appendFileSync(perf, perfdataLine({ host: 'ce9.example.org', service: 'after-restart' }) + '\n');
  bridge = await Bridge.start({ config: loadBridgeConfig(cfgFile), logger: silentLogger() });
  await received.waitFor(52, 60_000);
  await new Promise((r) => setTimeout(r, 500));
  t.is(received.keys.length, before + 1);
  t.is(received.records.at(-1)!.metricName, 'after-restart');
  t.is(new Set(received.keys).size, received.keys.length);
});
