/**
 * The central Nagios stopped for a while (real Nagios, real ActiveMQ, a real
 * bridge process): results sent meanwhile are held unacked (the bridge is even
 * killed -9 and restarted during the outage), nothing is lost, and everything
 * arrives once Nagios is back, each result once.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isoTimestamp } from '../../bridges/format/index.js';
import { startNagios } from '../../bridges/nagios-instance.js';
import { parseServiceStatus } from '../../bridges/nagios-status.js';
import { startTestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';
import { goodRecord, SITE, SITE_HOSTS } from './corpus.js';
import { eventually, publish, resultMessage, startBridge, writeBridgeConfig, writeConsumerConfig, writePrivateNagios } from './helpers/harness.js';

test('Nagios down: nothing acked, nothing lost; all arrives once after it restarts', async (t) => {
  const tmp = tempDir('gridmsg-outage-');
  t.teardown(tmp.cleanup);
  const HOSTS = ['ce01.cern.ch', 'ce02.cern.ch'];
  const SERVICES = Array.from({ length: 10 }, (_, i) => `org.sam.Probe-${i}`);
  const paths = writePrivateNagios(path.join(tmp.dir, 'nagios'), { hosts: HOSTS.map((name) => ({ name, services: SERVICES.map((description) => ({ description })) })) });
  const [broker, first] = await Promise.all([startTestBroker(), startNagios(paths)]);
  t.teardown(() => broker.stop());
  let nagios = first;
  t.teardown(() => nagios.stop());
  const config = writeBridgeConfig(tmp.dir, {
    consumerFile: writeConsumerConfig(tmp.dir, broker.stompPort, [{ site: SITE, hosts: SITE_HOSTS }]),
    stateDir: path.join(tmp.dir, 'state'),
    nagios: { mode: 'pipe', commandFile: paths.commandFile, longOutput: 'truncate', objectCache: path.join(paths.dir, 'objects.cache') },
    summaryIntervalSeconds: 1,
  });
  let bridge = startBridge(config, path.join(tmp.dir, 'bridge-1.log'));
  t.teardown(() => bridge.process.stop());
  await bridge.waitForLog(/consuming/);

  const now = Math.floor(Date.now() / 1000);
  const phase = (name: string, ts: number) =>
    HOSTS.flatMap((host) => SERVICES.map((svc, i) => resultMessage(SITE, [goodRecord({ hostName: host, metricName: svc, metricStatus: i % 2 === 0 ? 'OK' : 'CRITICAL', summaryData: `${name} ${host} ${svc}`, timestamp: isoTimestamp(ts) })], `${name}-${host}-${svc}`)));
  const status = () => parseServiceStatus(fs.readFileSync(paths.statusFile, 'utf8'));
  const allShow = (name: string) => () => {
    const s = status();
    return HOSTS.every((h) => SERVICES.every((svc) => s.get(`${h};${svc}`)?.pluginOutput === `${name} ${h} ${svc}`));
  };

  // Phase 1, Nagios up.
  await publish(broker.stompPort, phase('before', now - 300));
  t.true(await eventually(allShow('before')), bridge.log().slice(-2000));

  // Nagios stops; phase 2 is sent while it is down.
  await nagios.stop();
  const logBefore = fs.readFileSync(paths.logFile, 'utf8').length;
  await publish(broker.stompPort, phase('during', now - 200));
  await bridge.waitForLog(/holding results: command pipe .* (has no reader|does not exist)/);
  await bridge.waitForLog(/Nagios is not taking results for \d+ s: .*holding \d+ message\(s\) unacked/);

  // The bridge dies while holding them (kill -9) and comes back: the broker still has them all.
  await bridge.process.kill9();
  bridge = startBridge(config, path.join(tmp.dir, 'bridge-2.log'));
  await bridge.waitForLog(/consuming/);
  await bridge.waitForLog(/holding \d+ message\(s\) unacked/);

  // Nagios returns: everything held arrives, once.
  nagios = await startNagios(paths);
  t.true(await eventually(allShow('during'), 90_000), bridge.log().slice(-2000));
  await bridge.waitForLog(/accepts results again/);
  const s = status();
  for (const h of HOSTS) {
    for (const [i, svc] of SERVICES.entries()) {
      t.is(s.get(`${h};${svc}`)?.lastCheck, now - 200);
      t.is(s.get(`${h};${svc}`)?.currentState, i % 2 === 0 ? 0 : 2);
    }
  }
  await new Promise((r) => setTimeout(r, 1500));
  const commands = fs
    .readFileSync(paths.logFile, 'utf8')
    .slice(logBefore)
    .split('\n')
    .filter((l) => l.includes('EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT'));
  t.is(commands.length, HOSTS.length * SERVICES.length, 'each held result submitted exactly once');
  t.true(commands.every((l) => l.includes(';during ')));
});
