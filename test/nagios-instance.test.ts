import test from 'ava';
import fs from 'node:fs';
import { startNagios, writeNagiosInstance } from '../bridges/nagios-instance.js';
import { parseServiceStatus } from '../bridges/nagios-status.js';
import { tempDir } from './helpers/tmp.js';

test('a private Nagios accepts a passive result through its command pipe and shows it in status.dat', async (t) => {
  const tmp = tempDir('gridmsg-nagios-');
  t.teardown(tmp.cleanup);
  const paths = writeNagiosInstance(tmp.dir, { hosts: [{ name: 'ce01.example.org', services: [{ description: 'org.sam.CE-JobSubmit' }] }] });
  const nagios = await startNagios(paths);
  t.teardown(() => nagios.stop());
  const now = Math.floor(Date.now() / 1000);
  fs.writeFileSync(paths.commandFile, `[${now}] PROCESS_SERVICE_CHECK_RESULT;ce01.example.org;org.sam.CE-JobSubmit;1;WARNING: slow queue\n`);
  let status;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 200));
    status = parseServiceStatus(fs.readFileSync(paths.statusFile, 'utf8')).get('ce01.example.org;org.sam.CE-JobSubmit');
    if (status?.currentState === 1) break;
  }
  t.is(status?.currentState, 1);
  t.is(status?.pluginOutput, 'WARNING: slow queue');
  t.is(status?.lastCheck, now);
});
