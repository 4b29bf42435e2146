import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { loadClientConfig } from '../../clients/index.js';
import { loadRegistry } from '../../topology/index.js';
import {
  bridgeConfigYaml,
  DEFAULT_DATA_DIR,
  DEFAULT_ROTATE_INTERVAL,
  DEFAULT_HANDLER,
  ocspHandlerScript,
  siteSnippets,
  type SnippetOptions,
} from '../../bridges/nagios-to-msg/index.js';
import { defineCommand } from '../command.js';

/** Site name, host patterns and client config path, from the registry or from the site client config. */
function siteFrom(args: { config?: string | undefined; registry?: string | undefined; site?: string | undefined; 'client-config'?: string | undefined }): {
  site: string;
  hosts: string[];
  clientConfig: string;
} {
  if ((args.config === undefined) === (args.registry === undefined)) {
    throw new ConfigError('give either --registry FILE --site NAME, or --config SITE.yaml (the site client config)', { path: 'registry' });
  }
  if (args.registry !== undefined) {
    if (args.site === undefined) throw new ConfigError('--registry needs --site NAME', { path: 'site' });
    const registry = loadRegistry(path.resolve(args.registry));
    const site = registry.sites.find((s) => s.name === args.site);
    if (!site) {
      const names = registry.sites.map((s) => s.name);
      throw new ConfigError(`no site "${args.site}" in the registry (sites: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''})`, {
        file: registry.file,
        path: 'sites',
      });
    }
    return { site: site.name, hosts: site.hosts ?? [], clientConfig: args['client-config'] ?? `/etc/gridmsg/sites/${site.name}.yaml` };
  }
  const file = path.resolve(args.config!);
  const client = loadClientConfig(file);
  if (client.kind !== 'site') throw new ConfigError(`${args.config} is a ${client.kind} client config; a site one is needed (kind: site)`, { file, path: 'kind' });
  return { site: client.site, hosts: [], clientConfig: args['client-config'] ?? file };
}

/**
 * `gridmsg nagios-config site --registry FILE --site NAME` (or
 * `--config SITE.yaml`, the site client config): prints the nagios.cfg
 * lines, command definitions and custom variable documentation a site
 * pastes in for the site bridge (or, with --bridge-config, the matching
 * bridge configuration; with --write-handler, installs the OCSP handler).
 */
export const nagiosConfigSiteCommand = defineCommand({
  command: 'site',
  describe: 'print the Nagios configuration snippets for a site bridge (nagios-to-msg)',
  builder: (y) =>
    y
      .option('registry', { type: 'string', describe: 'the site registry (with --site)' })
      .option('site', { type: 'string', describe: 'site name in the registry' })
      .option('config', { type: 'string', describe: 'instead of --registry: the site client config (broker-config generate: DIR/sites/SITE.yaml)' })
      .option('client-config', { type: 'string', describe: 'path of the site client config on the Nagios host, for --bridge-config (default /etc/gridmsg/sites/SITE.yaml)' })
      .option('data-dir', { type: 'string', default: DEFAULT_DATA_DIR, describe: 'directory of the perfdata / OCSP result files' })
      .option('rotate-interval', { type: 'number', default: DEFAULT_ROTATE_INTERVAL, describe: 'seconds between rotations of the perfdata files by Nagios' })
      .option('ocsp', { type: 'boolean', default: false, describe: 'print the OCSP/OCHP compatibility variant instead of perfdata files' })
      .option('handler', { type: 'string', default: DEFAULT_HANDLER, describe: 'where the OCSP handler script is installed' })
      .option('write-handler', { type: 'string', describe: 'write the OCSP handler script to this file (mode 0755) and exit' })
      .option('bridge-config', { type: 'boolean', default: false, describe: 'print a matching nagios-to-msg configuration instead' }),
  async run(args, ctx) {
    if (args['write-handler'] !== undefined) {
      const file = path.resolve(args['write-handler']);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, ocspHandlerScript(), { mode: 0o755 });
      fs.chmodSync(file, 0o755);
      ctx.stderr.write(`wrote ${file}\n`);
      return 0;
    }
    const site = siteFrom(args);
    if (!Number.isInteger(args['rotate-interval']) || args['rotate-interval'] < 1) throw new ConfigError('--rotate-interval must be a whole number of seconds >= 1', { path: 'rotate-interval' });
    const options: SnippetOptions = {
      site: site.site,
      hosts: site.hosts,
      dataDir: path.posix.resolve(args['data-dir']),
      handlerPath: args.handler,
      rotateInterval: args['rotate-interval'],
      ocsp: args.ocsp,
      clientConfig: site.clientConfig,
    };
    ctx.stdout.write(args['bridge-config'] ? bridgeConfigYaml(options) : siteSnippets(options));
    return 0;
  },
});
