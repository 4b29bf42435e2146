/**
 * `gridmsg nagios-config site` prints snippets a real Nagios accepts
 * (nagios4 -v), a bridge config the bridge accepts, and installs the handler.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { NAGIOS_BINARY, writeNagiosInstance } from '../../bridges/nagios-instance.js';
import { loadBridgeConfig } from '../../bridges/nagios-to-msg/index.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writeSiteClientConfig } from './helpers.js';

const exec = promisify(execFile);

/** Splits the printed snippet into nagios.cfg settings and object definitions. */
function split(text: string): { main: Record<string, string>; objects: string } {
  const main: Record<string, string> = {};
  const objects: string[] = [];
  let inObject = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('define ')) inObject = true;
    if (inObject) objects.push(line);
    else if (/^[a-z_]+=/.test(line)) main[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    if (line === '}') inObject = false;
  }
  return { main, objects: objects.join('\n') + '\n' };
}

for (const variant of ['perfdata', 'ocsp'] as const) {
  test(`nagios-config site (${variant}): the printed snippets pass nagios4 -v; the bridge config loads`, async (t) => {
    const tmp = tempDir('gridmsg-nagcfg-');
    t.teardown(tmp.cleanup);
    const client = writeSiteClientConfig(tmp.dir, 61613, '/topic/grid.probe.metricOutput.EGI.site.TEST-SITE');
    const dataDir = path.join(tmp.dir, 'data');
    fs.mkdirSync(dataDir);
    const args = ['nagios-config', 'site', '--config', client, '--data-dir', dataDir, ...(variant === 'ocsp' ? ['--ocsp', '--handler', path.join(tmp.dir, 'handler')] : [])];
    const r = await runCli(args);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /site TEST-SITE/);
    t.regex(r.stdout, /_service_uri/);
    const { main, objects } = split(r.stdout);
    if (variant === 'perfdata') {
      t.is(main['service_perfdata_file'], path.join(dataDir, 'service-perfdata'));
      t.is(main['service_perfdata_file_mode'], 'a');
      t.regex(main['service_perfdata_file_template'] ?? '', /^GRIDMSG1::SERVICE\\tTIMET::\$TIMET\$/);
    } else {
      t.is(main['enable_environment_macros'], '1');
      t.is(main['ocsp_command'], 'gridmsg-ocsp');
    }
    const paths = writeNagiosInstance(path.join(tmp.dir, 'nagios'), { hosts: [{ name: 'h1', services: [{ description: 's1' }] }], extraObjects: objects, extraMainConfig: main });
    const v = await exec(NAGIOS_BINARY, ['-v', paths.mainConfig]).catch((err: { stdout: string; code: number }) => ({ stdout: err.stdout, code: err.code }));
    t.regex(v.stdout, /Things look okay/, v.stdout.slice(-1500));

    const b = await runCli([...args, '--bridge-config']);
    t.is(b.code, 0);
    const cfg = path.join(tmp.dir, 'bridge.yaml');
    fs.writeFileSync(cfg, b.stdout);
    const config = loadBridgeConfig(cfg);
    t.is(config.client.site, 'TEST-SITE');
    t.deepEqual(
      config.inputs.map((i) => [i.path, i.type]),
      variant === 'perfdata'
        ? [[path.join(dataDir, 'service-perfdata'), 'perfdata'], [path.join(dataDir, 'host-perfdata'), 'perfdata']]
        : [[path.join(dataDir, 'ocsp-results'), 'ocsp']],
    );
  });
}

test('nagios-config site --write-handler installs an executable POSIX handler', async (t) => {
  const tmp = tempDir('gridmsg-nagcfg-');
  t.teardown(tmp.cleanup);
  const handler = path.join(tmp.dir, 'libexec', 'gridmsg-ocsp-handler');
  const r = await runCli(['nagios-config', 'site', '--config', 'unused.yaml', '--write-handler', handler]);
  t.is(r.code, 0, r.stderr);
  t.is(fs.statSync(handler).mode & 0o777, 0o755);
  const out = path.join(tmp.dir, 'results');
  await exec(handler, ['host', out], { env: { NAGIOS_HOSTNAME: 'wn1', NAGIOS_HOSTSTATE: 'DOWN', NAGIOS_HOSTOUTPUT: 'CRITICAL - no "route"', NAGIOS_LONGHOSTOUTPUT: 'a\\nb' } });
  t.regex(fs.readFileSync(out, 'utf8'), /^GRIDMSG1E::HOST\t.*HOST::wn1\tSTATE::DOWN\t.*OUTPUT::CRITICAL - no "route"\t.*LONGOUTPUT::a\\\\nb\n$/);
  const bad = await exec(handler, ['thing', out]).catch((err: { code: number; stderr: string }) => err);
  t.is((bad as { code: number }).code, 3);
});

test('nagios-config site with a missing client config names the file', async (t) => {
  const tmp = tempDir('gridmsg-nagcfg-');
  t.teardown(tmp.cleanup);
  const r = await runCli(['nagios-config', 'site', '--config', path.join(tmp.dir, 'missing.yaml')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /missing\.yaml: cannot read client config: ENOENT/);
});

test('nagios-config site --registry FILE --site NAME: snippets for a registry site, bridge config limited to its hosts', async (t) => {
  const registry = path.join(REPO_ROOT, 'examples', 'registry.yaml');
  const r = await runCli(['nagios-config', 'site', '--registry', registry, '--site', 'RAL-LCG2']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^# gridmsg site bridge: Nagios configuration for site RAL-LCG2/);
  const b = await runCli(['nagios-config', 'site', '--registry', registry, '--site', 'RAL-LCG2', '--bridge-config']);
  t.regex(b.stdout, /client: \/etc\/gridmsg\/sites\/RAL-LCG2\.yaml/);
  t.regex(b.stdout, /hosts: \["\*\.gridpp\.rl\.ac\.uk", "\*\.rl\.ac\.uk"\]/);
  const missing = await runCli(['nagios-config', 'site', '--registry', registry, '--site', 'NO-SUCH-SITE']);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /registry\.yaml: sites: no site "NO-SUCH-SITE" in the registry \(sites: /);
  const neither = await runCli(['nagios-config', 'site']);
  t.is(neither.code, 2);
  t.regex(neither.stderr, /give either --registry FILE --site NAME, or --config SITE\.yaml/);
});
