/**
 * The central bridge against a real ActiveMQ and a real Nagios 4: what
 * status.dat shows, the injection corpus, duplicates and stale results.
 * Tests share one broker, one Nagios and one bridge process, so they run serially.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isoTimestamp } from '../../bridges/format/index.js';
import { startNagios, type NagiosPaths, type RunningNagios } from '../../bridges/nagios-instance.js';
import { parseServiceStatus, parseStatusBlocks } from '../../bridges/nagios-status.js';
import { centralObjects, DEBIAN_DEFAULTS } from '../../bridges/msg-to-nagios/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';
import { createTestPki, type TestPki } from '../helpers/pki.js';
import { createSigner } from '../../security/signing.js';
import { goodRecord, injectionCorpus, SITE, SITE_HOSTS } from './corpus.js';
import { ERROR_DESTINATION, eventually, publish, receive, resultMessage, startBridge, writeBridgeConfig, writeConsumerConfig, type BridgeProcess, type OutMessage, writePrivateNagios } from './helpers/harness.js';

let broker: TestBroker;
let nagios: RunningNagios;
let paths: NagiosPaths;
let bridge: BridgeProcess;
let signedBridge: BridgeProcess | undefined;
let pki: TestPki | undefined;
let cleanup: () => void;
let tmpDir: string;

const now = Math.floor(Date.now() / 1000);
const passive = { use: 'gridmsg-passive-service' };

test.before(async () => {
  const tmp = tempDir('gridmsg-central-');
  cleanup = tmp.cleanup;
  tmpDir = tmp.dir;
  const services = ['org.sam.CE-JobSubmit', 'org.sam.CE-JobSubmit-ngi', 'org.sam.LongOutput', 'org.sam.Corpus-Good', 'org.sam.Signed'].map((description) => ({ description, directives: passive }));
  paths = writePrivateNagios(path.join(tmp.dir, 'nagios'), {
    hosts: [
      { name: 'ce01.cern.ch', services, directives: { use: 'gridmsg-passive-host' } },
      { name: 'ce02.cern.ch', services, directives: { use: 'gridmsg-passive-host' } },
    ],
    extraObjects: centralObjects({ freshnessSeconds: 0, pluginDir: DEBIAN_DEFAULTS.pluginDir } as Parameters<typeof centralObjects>[0]),
  });
  [broker, nagios] = await Promise.all([startTestBroker(), startNagios(paths)]);
  const consumerFile = writeConsumerConfig(tmp.dir, broker.stompPort, [{ site: SITE, hosts: SITE_HOSTS }]);
  const config = writeBridgeConfig(tmp.dir, {
    consumerFile,
    stateDir: path.join(tmp.dir, 'state'),
    nagios: { mode: 'pipe', commandFile: paths.commandFile, checkResultPath: paths.checkResultPath, longOutput: 'spool', objectCache: path.join(paths.dir, 'objects.cache') },
    unknownObjects: { action: 'reject', suggestionsFile: path.join(tmp.dir, 'state', 'unknown.cfg') },
    naming: { roles: { ngi: { suffix: '-ngi' } } },
  });
  bridge = startBridge(config, path.join(tmp.dir, 'bridge.log'));
  await bridge.waitForLog(/consuming/);
});

test.after.always(async () => {
  await signedBridge?.process.stop();
  pki?.cleanup();
  await bridge?.process.stop();
  await Promise.all([nagios?.stop(), broker?.stop()]);
  cleanup?.();
});

const status = () => parseServiceStatus(fs.existsSync(paths.statusFile) ? fs.readFileSync(paths.statusFile, 'utf8') : '');
const nagiosLog = () => fs.readFileSync(paths.logFile, 'utf8');
const passiveLines = (host: string, service: string) => nagiosLog().split('\n').filter((l) => l.includes(`PASSIVE SERVICE CHECK: ${host};${service};`)).length;

test.serial('results reach Nagios: status.dat shows each service\'s state, output and check time; host results and long output too', async (t) => {
  const messages: OutMessage[] = [
    resultMessage(
      SITE,
      [
        goodRecord({ hostName: 'ce01.cern.ch', metricStatus: 'WARNING', summaryData: 'WARNING: 3 jobs waiting', perfData: 'jobs=3;2;5', detailsData: 'queue long\nsecond line; with [brackets] and $dollar', timestamp: isoTimestamp(now - 120) }),
        goodRecord({ hostName: 'ce02.cern.ch', metricStatus: 'CRITICAL', summaryData: 'CRITICAL: submission failed', timestamp: isoTimestamp(now - 110) }),
        goodRecord({ kind: 'host', hostName: 'ce02.cern.ch', metricStatus: 'DOWN', metricName: 'hr.srce.Ping', summaryData: 'PING CRITICAL - 100% loss', timestamp: isoTimestamp(now - 100) }),
      ],
      'status-1',
    ),
    resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', role: 'ngi', metricStatus: 'OK', summaryData: 'OK from the NGI', timestamp: isoTimestamp(now - 90) })], 'status-2'),
    resultMessage(SITE, [goodRecord({ hostName: 'ce02.cern.ch', metricName: 'org.sam.LongOutput', summaryData: 'OK: long', detailsData: Array.from({ length: 150 }, (_, i) => `detail line ${i} ${'x'.repeat(20)}`).join('\n'), timestamp: isoTimestamp(now - 80) })], 'status-3'),
  ];
  await publish(broker.stompPort, messages);
  const ok = await eventually(() => {
    const s = status();
    return s.get('ce01.cern.ch;org.sam.CE-JobSubmit')?.lastCheck === now - 120 && s.get('ce02.cern.ch;org.sam.LongOutput')?.lastCheck === now - 80 && s.get('ce01.cern.ch;org.sam.CE-JobSubmit-ngi')?.lastCheck === now - 90;
  });
  t.true(ok, bridge.log().slice(-2000));
  const s = status();
  const a = s.get('ce01.cern.ch;org.sam.CE-JobSubmit')!;
  t.is(a.currentState, 1);
  t.is(a.pluginOutput, 'WARNING: 3 jobs waiting');
  t.is(a.longPluginOutput, 'queue long\\nsecond line; with [brackets] and $dollar');
  t.is(a.checkType, 1, 'passive');
  const b = s.get('ce02.cern.ch;org.sam.CE-JobSubmit')!;
  t.is(b.currentState, 2);
  t.is(b.pluginOutput, 'CRITICAL: submission failed');
  t.is(b.lastCheck, now - 110);
  const ngi = s.get('ce01.cern.ch;org.sam.CE-JobSubmit-ngi')!;
  t.is(ngi.currentState, 0);
  t.is(ngi.pluginOutput, 'OK from the NGI', 'role suffix kept the NGI result apart');
  const long = s.get('ce02.cern.ch;org.sam.LongOutput')!;
  t.true(long.longPluginOutput.includes('detail line 149'), 'output longer than a pipe line (here ~5 KB) went through the spool directory, whole');
  t.false(long.longPluginOutput.includes('truncated'));
  t.true(await eventually(() => parseStatusBlocks(fs.readFileSync(paths.statusFile, 'utf8')).some((blk) => blk.type === 'hoststatus' && blk.fields['host_name'] === 'ce02.cern.ch' && blk.fields['current_state'] === '1' && blk.fields['last_check'] === String(now - 100))));
});

test.serial('a resent message is not submitted twice, and an older result does not roll a state back', async (t) => {
  const key = 'dup-1';
  const first = resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', metricName: 'org.sam.Corpus-Good', summaryData: 'first', timestamp: isoTimestamp(now - 60) })], key);
  await publish(broker.stompPort, [first]);
  t.true(await eventually(() => status().get('ce01.cern.ch;org.sam.Corpus-Good')?.pluginOutput === 'first'));
  // The same message again (a failover resend), then an older result, then a newer one.
  await publish(broker.stompPort, [
    first,
    resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', metricName: 'org.sam.Corpus-Good', metricStatus: 'CRITICAL', summaryData: 'stale', timestamp: isoTimestamp(now - 3600) })], 'dup-2'),
    resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', metricName: 'org.sam.Corpus-Good', summaryData: 'newest', timestamp: isoTimestamp(now - 30) })], 'dup-3'),
  ]);
  t.true(await eventually(() => status().get('ce01.cern.ch;org.sam.Corpus-Good')?.pluginOutput === 'newest'));
  await bridge.waitForLog(/older than the one Nagios has/);
  t.is(status().get('ce01.cern.ch;org.sam.Corpus-Good')?.lastCheck, now - 30);
  t.true(await eventually(() => passiveLines('ce01.cern.ch', 'org.sam.Corpus-Good') === 2, 10_000));
  t.is(passiveLines('ce01.cern.ch', 'org.sam.Corpus-Good'), 2, 'first and newest only: no duplicate, no stale');
  t.false(nagiosLog().includes('stale'));
});

test.serial('the injection corpus ends in the error destination with reasons, and Nagios sees none of it', async (t) => {
  const corpus = injectionCorpus();
  const recordEntries = corpus.filter((e) => e.record !== undefined);
  const messageEntries = corpus.filter((e) => e.message !== undefined);
  const before = nagiosLog();
  // One message mixing good records and every bad record (each bad one preceded by a good one).
  const parts: Uint8Array[] = [];
  const expected = new Map<number, string>();
  const sentBytes = new Map<number, Buffer>();
  let i = 0;
  for (const e of recordEntries) {
    parts.push(Buffer.from(resultMessage(SITE, [goodRecord({ hostName: 'ce02.cern.ch', metricName: 'org.sam.Corpus-Good', summaryData: `good ${i}`, timestamp: isoTimestamp(now - 20) })], 'x').body as string));
    i++;
    const bytes = typeof e.record === 'string' ? Buffer.from(e.record) : Buffer.from(e.record!);
    parts.push(bytes);
    sentBytes.set(i, bytes);
    expected.set(i, e.reason);
    i++;
  }
  const mixed = resultMessage(SITE, [], 'corpus-mixed');
  mixed.body = Buffer.concat(parts);
  delete mixed.headers!['recordCount'];
  const wholes = messageEntries.map((e, k): OutMessage => ({ ...resultMessage(SITE, [], `corpus-message-${k}`), body: e.message!.body, headers: e.message!.headers }));
  await publish(broker.stompPort, [mixed, ...wholes]);
  const errors = await receive(broker.stompPort, ERROR_DESTINATION, recordEntries.length + messageEntries.length);
  t.is(errors.length, recordEntries.length + messageEntries.length, bridge.log().slice(-3000));
  for (const [index, reason] of expected) {
    const m = errors.find((e) => e.headers['gridmsg-original-key'] === `${SITE}/corpus-mixed` && e.headers['gridmsg-record-index'] === String(index));
    t.is(m?.headers['gridmsg-error-reason'], reason, `record ${index}`);
    t.true((m?.headers['gridmsg-error'] ?? '').startsWith(`${reason}: `));
    t.true(Buffer.from(m?.body ?? []).equals(sentBytes.get(index)!), `record ${index}: the refused record travels byte for byte with its reason`);
  }
  for (let k = 0; k < messageEntries.length; k++) {
    const m = errors.find((e) => e.headers['gridmsg-original-key'] === `${SITE}/corpus-message-${k}`);
    t.is(m?.headers['gridmsg-error-reason'], messageEntries[k]!.reason, messageEntries[k]!.name);
    t.is(m?.headers['gridmsg-record-index'], undefined);
  }
  // Nagios got exactly the good records of the mixed message and nothing else.
  t.true(await eventually(() => passiveLines('ce02.cern.ch', 'org.sam.Corpus-Good') === recordEntries.length, 30_000));
  await bridge.waitForLog(/refused \d+ record\(s\) in the last/);
  const added = nagiosLog().slice(before.length).split('\n');
  t.is(passiveLines('ce02.cern.ch', 'org.sam.Corpus-Good'), recordEntries.length);
  // (Nagios logs a passive result with the service's previous output: the first one shows "(null)".)
  const allowed = [/PASSIVE SERVICE CHECK: ce02\.cern\.ch;org\.sam\.Corpus-Good;/, /EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;ce02\.cern\.ch;org\.sam\.Corpus-Good;0;good \d+$/];
  const foreign = added.filter((l) => /PASSIVE|EXTERNAL COMMAND|Warning|Error/.test(l) && !allowed.some((re) => re.test(l)));
  t.is(added.filter((l) => allowed[1]!.test(l)).length, recordEntries.length, 'each good record once');
  t.deepEqual(foreign, [], 'no other command, result or warning reached Nagios');
  // status.dat is rewritten every status_update_interval: wait for it to show the last good result.
  t.true(await eventually(() => /^good \d+$/.test(status().get('ce02.cern.ch;org.sam.Corpus-Good')?.pluginOutput ?? '')), 'status.dat shows a good result');
  t.regex(fs.readFileSync(path.join(path.dirname(bridge.logFile), 'state', 'unknown.cfg'), 'utf8'), /host_name\s+ghost\.cern\.ch/);
});

test.serial('signed mode: a tampered body, another site\'s signature and an unsigned message are refused with the reason; Nagios sees only the good one', async (t) => {
  pki = await createTestPki();
  const cern = await pki.issue('site', SITE);
  const qmul = await pki.issue('site', 'UKI-LT2-QMUL');
  const signCern = createSigner({ certFile: cern.paths.cert, keyFile: cern.paths.key });
  const signQmul = createSigner({ certFile: qmul.paths.cert, keyFile: qmul.paths.key });
  // A second central bridge, consumer "signed", in signed mode, writing into the same Nagios.
  const consumerFile = writeConsumerConfig(tmpDir, broker.stompPort, [{ site: SITE, hosts: SITE_HOSTS, signerDn: cern.dn }], { consumer: 'signed', verificationCaFile: pki.caFile, errorDestination: '/queue/gridmsg.errors.signed', file: 'signed-consumer.yaml' });
  const config = writeBridgeConfig(tmpDir, { consumerFile, stateDir: path.join(tmpDir, 'signed-state'), nagios: { mode: 'pipe', commandFile: paths.commandFile, longOutput: 'truncate', objectCache: path.join(paths.dir, 'objects.cache') } }, 'signed.yaml');
  signedBridge = startBridge(config, path.join(tmpDir, 'signed-bridge.log'));
  await signedBridge.waitForLog(/consuming/);
  const before = nagiosLog().length;
  const signedMessage = (summary: string, key: string, sign: (body: Uint8Array) => Record<string, string>, tamper = false): OutMessage => {
    const m = resultMessage(SITE, [goodRecord({ hostName: 'ce01.cern.ch', metricName: 'org.sam.Signed', summaryData: summary, timestamp: isoTimestamp(now - 10) })], key);
    const body = Buffer.from(m.body as string);
    m.headers = { ...m.headers, ...sign(body) };
    m.body = tamper ? Buffer.from(body.toString().replace(summary, 'forged')) : body;
    m.destination = m.destination.replace('Consumer.central.', 'Consumer.signed.');
    return m;
  };
  await publish(broker.stompPort, [
    signedMessage('tampered', 'sig-1', (b) => signCern.sign(b), true),
    signedMessage('claims CERN-PROD, signed by QMUL', 'sig-2', (b) => signQmul.sign(b)),
    signedMessage('unsigned', 'sig-3', () => ({})),
    signedMessage('properly signed', 'sig-4', (b) => signCern.sign(b)),
  ]);
  const errors = await receive(broker.stompPort, '/queue/gridmsg.errors.signed', 3);
  const byKey = new Map(errors.map((e) => [e.headers['gridmsg-original-key'], e.headers['gridmsg-error'] ?? '']));
  t.regex(byKey.get(`${SITE}/sig-1`) ?? '', /^signature-invalid: .*does not match the message body/);
  t.regex(byKey.get(`${SITE}/sig-2`) ?? '', /^signature-invalid: signed by ".*UKI-LT2-QMUL.*", but messages of this site must be signed by/);
  t.regex(byKey.get(`${SITE}/sig-3`) ?? '', /^signature-invalid: unsigned message/);
  t.true(await eventually(() => status().get('ce01.cern.ch;org.sam.Signed')?.pluginOutput === 'properly signed'));
  await new Promise((r) => setTimeout(r, 1500));
  const added = nagiosLog().slice(before).split('\n').filter((l) => l.includes('org.sam.Signed'));
  t.deepEqual(added.filter((l) => l.includes('EXTERNAL COMMAND')).map((l) => l.replace(/^\[\d+\] /, '')), ['EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;ce01.cern.ch;org.sam.Signed;0;properly signed']);
});
