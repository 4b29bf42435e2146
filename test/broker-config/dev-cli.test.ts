import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { ConsumerClientConfig, SiteClientConfig } from '../../clients/client-config.js';
import { portOpen } from '../../core/ports.js';
import { pidAlive } from '../../core/process.js';
import { DEV_STATE_FILE, type DevState } from '../../broker-config/index.js';
import { RawStompClient, receiveN } from '../helpers/raw-stomp.js';
import { tempDir } from '../helpers/tmp.js';
import { FIXTURES, runCli } from './helpers.js';

/** `gridmsg dev up/down` and `gridmsg broker run` against real ActiveMQ. */

const DEV = path.join(FIXTURES, 'valid-dev.yaml');
const DEV_ENV = { DEV_NETWORK_PW: 'net-pw', DEV_SRCE_PW: 'srce-pw', DEV_CERN_PW: 'cern-pw', DEV_CONSUMER_PW: 'consumer-pw' };

test.serial('dev up starts every broker and prints where each listens; its client configs work; dev down leaves nothing running', async (t) => {
  const state = tempDir('gridmsg-dev-');
  let pids: number[] = [];
  t.teardown(async () => {
    if (pids.some(pidAlive)) await runCli(['dev', 'down', '--state', state.dir]);
    state.cleanup();
  });

  const up = await runCli(['dev', 'up', DEV, '--state', state.dir]);
  t.is(up.code, 0, up.stderr);
  const dev = JSON.parse(fs.readFileSync(path.join(state.dir, DEV_STATE_FILE), 'utf8')) as DevState;
  pids = dev.brokers.map((b) => b.pid);
  t.deepEqual(dev.brokers.map((b) => `${b.name}:${b.role}`).sort(), ['central-a:active', 'central-b:standby', 'region-a:active']);
  for (const b of dev.brokers) {
    t.true(pidAlive(b.pid));
    if (b.role === 'active') t.true(up.stdout.includes(`stomp 127.0.0.1:${b.stompPort}`), `${b.name} not printed`);
  }
  t.regex(up.stdout, /central-b .* standby .* waits for the store lock/);
  t.false(await portOpen('127.0.0.1', dev.brokers.find((b) => b.name === 'central-b')!.stompPort));

  // The localized client configurations in the state dir are what a bridge would use.
  const site = parse(fs.readFileSync(path.join(state.dir, 'sites', 'egee.srce.hr.yaml'), 'utf8')) as SiteClientConfig;
  const consumer = parse(fs.readFileSync(path.join(state.dir, 'consumers', 'central-nagios.yaml'), 'utf8')) as ConsumerClientConfig;
  const pw = (file: string | undefined): string => fs.readFileSync(file!, 'utf8').trim();
  t.is(fs.statSync(site.credentials.passwordFile!).mode & 0o777, 0o600);
  const pub = await RawStompClient.connect({ port: site.brokers[0]!.port, login: site.credentials.username!, passcode: pw(site.credentials.passwordFile) });
  await pub.send(site.destination, 'through the dev network');
  await pub.close();
  const q = consumer.queues.find((x) => x.site === 'egee.srce.hr')!;
  const sub = await RawStompClient.connect({ port: consumer.brokers[0]!.port, login: consumer.credentials.username!, passcode: pw(consumer.credentials.passwordFile) });
  t.deepEqual((await receiveN(sub, q.destination, 1, 120_000)).map((f) => f.body), ['through the dev network']);
  await sub.close();

  // A second `dev up` on the same state refuses instead of starting twice.
  const again = await runCli(['dev', 'up', DEV, '--state', state.dir]);
  t.is(again.code, 1);
  t.regex(again.stderr, /already runs .* run: gridmsg dev down/);

  const down = await runCli(['dev', 'down', '--state', state.dir]);
  t.is(down.code, 0, down.stderr);
  t.regex(down.stdout, /stopped 3 brokers/);
  t.true(pids.every((p) => !pidAlive(p)), 'a broker survived dev down');
  t.false(fs.existsSync(path.join(state.dir, DEV_STATE_FILE)));
  const nothing = await runCli(['dev', 'down', '--state', state.dir]);
  t.is(nothing.code, 0);
  t.regex(nothing.stdout, /nothing runs/);
});

test.serial('dev up with an invalid registry prints every problem and starts nothing', async (t) => {
  const state = tempDir('gridmsg-dev-');
  t.teardown(state.cleanup);
  const r = await runCli(['dev', 'up', path.join(FIXTURES, 'ports-and-stores.yaml'), '--state', state.dir]);
  t.is(r.code, 1);
  t.regex(r.stderr, /ports-and-stores\.yaml:16:21: brokers\[1\]\.ports\.stomp: port 61613/);
  t.regex(r.stderr, /3 errors/);
  t.false(fs.existsSync(path.join(state.dir, DEV_STATE_FILE)));
});

test.serial('broker run: one generated broker in the foreground, stopped by SIGTERM', async (t) => {
  const out = tempDir('gridmsg-run-');
  t.teardown(out.cleanup);
  // Generate for this machine: the dev registry, its region broker bound to loopback on free ports.
  const gen = await runCli(['broker-config', 'generate', DEV, '--out', out.dir], { env: DEV_ENV });
  t.is(gen.code, 0, gen.stderr);
  const dir = path.join(out.dir, 'brokers', 'region-a');
  const { freePorts } = await import('../../core/ports.js');
  const [stomp, openwire] = await freePorts(2);
  const xmlFile = path.join(dir, 'conf', 'activemq.xml');
  const xml = fs
    .readFileSync(xmlFile, 'utf8')
    .replace(/0\.0\.0\.0:61613/, `127.0.0.1:${stomp}`)
    .replace(/0\.0\.0\.0:61616/, `127.0.0.1:${openwire}`)
    .replaceAll('/var/lib/gridmsg', out.dir);
  fs.writeFileSync(xmlFile, xml);
  const descriptor = JSON.parse(fs.readFileSync(path.join(dir, 'broker.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'broker.json'), JSON.stringify({ ...descriptor, listen: '127.0.0.1', ports: { stomp, openwire } }));

  let pid = 0;
  const r = await runCli(['broker', 'run', dir], {
    onStdout: (text, child) => {
      const m = /broker region-a active: .* \(pid (\d+)\)/.exec(text);
      if (m && pid === 0) {
        pid = Number(m[1]);
        child.kill('SIGTERM');
      }
    },
  });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /broker region-a active: stomp mq\.region\.example\.org:\d+/);
  t.regex(r.stdout, /broker region-a stopped/);
  t.true(pid > 0);
  t.false(pidAlive(pid), 'the broker outlived broker run');
  t.false(await portOpen('127.0.0.1', stomp!));
});
