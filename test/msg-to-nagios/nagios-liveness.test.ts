import test from 'ava';
import fs from 'node:fs';
import { startNagios, writeNagiosInstance } from '../../bridges/nagios-instance.js';
import { nagiosLiveness } from '../../bridges/msg-to-nagios/nagios-liveness.js';
import { tempDir } from '../helpers/tmp.js';

test('liveness: a foreground Nagios (no lock file, as Debian runs it) counts as running by its query socket, and as stopped once it ends', async (t) => {
  const tmp = tempDir('gridmsg-liveness-');
  t.teardown(tmp.cleanup);
  const paths = writeNagiosInstance(tmp.dir, { hosts: [{ name: 'ce01.example.org', services: [{ description: 'org.sam.CE-JobSubmit' }] }] });
  const probe = { querySocket: paths.querySocket, lockFile: paths.lockFile };

  const before = await nagiosLiveness(probe);
  t.false(before.running);
  if (!before.running) {
    t.regex(before.reason, /query socket .*nagios\.qh: (ENOENT|ECONNREFUSED)/);
    t.regex(before.reason, /no pid in lock file/);
  }

  const nagios = await startNagios(paths);
  t.teardown(() => nagios.stop());
  t.false(fs.existsSync(paths.lockFile), 'a foreground Nagios writes no lock file');
  t.deepEqual(await nagiosLiveness(probe), { running: true });
  // The lock file alone cannot tell: that is why the socket is asked.
  t.false((await nagiosLiveness({ lockFile: paths.lockFile })).running);

  await nagios.stop();
  const after = await nagiosLiveness(probe);
  t.false(after.running);
});

test('liveness: the lock file of a live pid counts as running; a dead pid does not; nothing configured counts as running', async (t) => {
  const tmp = tempDir('gridmsg-liveness-');
  t.teardown(tmp.cleanup);
  const lockFile = `${tmp.dir}/nagios.lock`;
  fs.writeFileSync(lockFile, `${process.pid}\n`);
  t.deepEqual(await nagiosLiveness({ lockFile }), { running: true });
  fs.writeFileSync(lockFile, '999999999\n');
  const dead = await nagiosLiveness({ lockFile });
  t.false(dead.running);
  if (!dead.running) t.regex(dead.reason, /pid 999999999 of lock file .* is not running/);
  t.deepEqual(await nagiosLiveness({}), { running: true });
});
