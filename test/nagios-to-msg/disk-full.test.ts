/**
 * The spool's disk fills up (a real ENOSPC on a 1 MiB tmpfs) while the broker
 * is away: the bridge pauses reading, says so (log, status, check-bridge),
 * and once receipts free space it resumes from the last durable position:
 * every result arrives, none twice under different keys.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePorts } from '../../core/ports.js';
import { Bridge, evaluateStatus, loadBridgeConfig, readStatus } from '../../bridges/nagios-to-msg/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, collect, perfdataLine, writeSiteClientConfig } from './helpers.js';

/** A real small file system needs mount(2): root with CAP_SYS_ADMIN. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const probe = tempDir('gridmsg-mount-probe-');
const canMount = mountTmpfs(probe.dir, '64k');
if (canMount) execFileSync('umount', [probe.dir]);
probe.cleanup();

// Skipped where tmpfs cannot be mounted (not root / no CAP_SYS_ADMIN): ENOSPC cannot be produced for real there.
(canMount ? test : test.skip)('spool disk full (ENOSPC): reading pauses loudly, resumes from the last durable position when space returns', async (t) => {
  const tmp = tempDir('gridmsg-enospc-');
  t.teardown(tmp.cleanup);
  const spoolDir = path.join(tmp.dir, 'spool');
  fs.mkdirSync(spoolDir);
  t.true(mountTmpfs(spoolDir, '1m'));
  t.teardown(() => execFileSync('umount', ['-l', spoolDir]));
  const [stompPort, openwirePort] = await freePorts(2);
  const dest = '/queue/test.enospc';
  const client = writeSiteClientConfig(tmp.dir, stompPort!, dest);
  const perf = path.join(tmp.dir, 'service-perfdata');
  const cfgFile = path.join(tmp.dir, 'bridge.yaml');
  fs.writeFileSync(
    cfgFile,
    `client: ${client}\ninputs:\n  - path: ${perf}\nspool:\n  dir: ${spoolDir}\n  segmentBytes: 64KiB\nstatusFile: ${path.join(tmp.dir, 'status.json')}\npoll: 50ms\nbatch:\n  maxRecords: 50\n`,
  );
  const config = loadBridgeConfig(cfgFile);
  const { logger, lines } = captureLogger();
  const bridge = await Bridge.start({ config, logger });
  t.teardown(() => bridge.stop());
  const TOTAL = 4000;
  let text = '';
  for (let i = 0; i < TOTAL; i++) text += perfdataLine({ host: 'ce.example.org', service: `r${i}`, output: 'o'.repeat(300) }) + '\n';
  fs.writeFileSync(perf, text);

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !lines.some((l) => l.includes('spool write failed'))) await new Promise((r) => setTimeout(r, 100));
  t.true(lines.some((l) => l.includes('spool write failed') && l.includes('ENOSPC')), lines.slice(-5).join('\n'));
  await new Promise((r) => setTimeout(r, 1200));
  const verdict = evaluateStatus(readStatus(config.statusFile), config.check, Date.now());
  t.is(verdict.code, 2, verdict.output);
  t.regex(verdict.output, /spool write failed: .*ENOSPC/);

  const broker = await startTestBroker({ stompPort: stompPort!, openwirePort: openwirePort! });
  t.teardown(() => broker.stop());
  const received = await collect(broker.stompPort, dest);
  t.teardown(() => received.close());
  try {
    await received.waitFor(TOTAL, 180_000);
  } catch (err) {
    t.log(lines.slice(-30).join(''));
    t.log(JSON.stringify(bridge.status(), null, 1));
    throw err;
  }
  t.deepEqual(received.errors, []);
  const names = new Map<string, number>();
  for (const r of received.records) names.set(r.metricName, (names.get(r.metricName) ?? 0) + 1);
  t.is(names.size, TOTAL);
  t.true([...names.values()].every((n) => n === 1));
});
