/**
 * `gridmsg deploy-files --registry FILE --out DIR`: per broker, site and
 * consumer a bundle laid out as the target host's file system: broker or
 * client configuration, bridge configuration, Nagios snippets, a hardened
 * systemd unit and the secrets (mode 0600). See docs/deploy.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { ConfigError } from '../../core/errors.js';
import { requireSecrets, writeGeneratedFiles } from '../../broker-config/index.js';
import { DEPLOY_DEFAULTS, deployFiles } from '../../operations/index.js';
import { defineCommand, type GlobalOptions } from '../command.js';
import { loadRegistryForCommand } from './registry.js';

function builder(y: Argv<GlobalOptions>) {
  return y
    .option('registry', { type: 'string', demandOption: true, describe: 'site registry (YAML)' })
    .option('out', { type: 'string', demandOption: true, describe: 'output directory (one sub-directory per host bundle)' })
    .option('skip-credentials', { type: 'boolean', default: false, describe: 'write no secret (no credentials.properties, no password files)' })
    .option('root', { type: 'string', default: DEPLOY_DEFAULTS.root, describe: 'prefix of every path the files refer to (staged installs, tests)' })
    .option('gridmsg', { type: 'string', default: DEPLOY_DEFAULTS.gridmsgBin, describe: 'the gridmsg command on the target hosts' })
    .option('java', { type: 'string', default: DEPLOY_DEFAULTS.javaBin, describe: 'java on the broker hosts' })
    .option('activemq-home', { type: 'string', default: DEPLOY_DEFAULTS.activemqHome, describe: 'ActiveMQ installation on the broker hosts' })
    .option('metrics-port', { type: 'number', default: DEPLOY_DEFAULTS.metricsPort, describe: 'port of the site bridge metrics endpoint (127.0.0.1)' })
    .option('central-metrics-port', { type: 'number', default: DEPLOY_DEFAULTS.centralMetricsPort, describe: 'port of the first central bridge metrics endpoint (127.0.0.1); further consumers get the next ports' });
}

type Args = ReturnType<typeof builder> extends Argv<infer A> ? A : never;

export const deployFilesCommand = defineCommand<Args>({
  command: 'deploy-files',
  describe: 'write systemd units, broker/bridge/client configurations, Nagios snippets and secrets for every host',
  builder,
  async run(args, ctx) {
    for (const [flag, value] of [['root', args.root], ['gridmsg', args.gridmsg], ['java', args.java], ['activemq-home', args['activemq-home']]] as const) {
      if (!path.isAbsolute(value)) throw new ConfigError(`--${flag} must be an absolute path, not ${JSON.stringify(value)}`, { path: `--${flag}` });
    }
    if (!Number.isInteger(args['metrics-port']) || args['metrics-port'] < 1 || args['metrics-port'] > 65535) {
      throw new ConfigError(`--metrics-port must be a port number, not ${String(args['metrics-port'])}`, { path: '--metrics-port' });
    }
    if (!Number.isInteger(args['central-metrics-port']) || args['central-metrics-port'] < 1 || args['central-metrics-port'] > 65535) {
      throw new ConfigError(`--central-metrics-port must be a port number, not ${String(args['central-metrics-port'])}`, { path: '--central-metrics-port' });
    }
    const registry = loadRegistryForCommand(args.registry, ctx);
    if (!registry) return 1;
    const secrets = args['skip-credentials'] ? undefined : requireSecrets(registry);
    const result = deployFiles(registry, {
      root: args.root,
      gridmsgBin: args.gridmsg,
      javaBin: args.java,
      activemqHome: args['activemq-home'],
      metricsPort: args['metrics-port'],
      centralMetricsPort: args['central-metrics-port'],
      registryText: fs.readFileSync(args.registry, 'utf8'),
      ...(secrets ? { secrets } : {}),
    });
    const written = writeGeneratedFiles(args.out, result.files);
    for (const w of result.warnings) ctx.logger.warn(w, { file: registry.file });
    const out = path.resolve(args.out);
    const lines = [`wrote ${written.length} files to ${out} (${result.files.filter((f) => f.mode === 0o600).length} secrets, mode 0600):`];
    for (const b of result.bundles) lines.push(`  ${b.dir.padEnd(32)} ${b.kind}${b.host ? ` on ${b.host}` : ''}${b.units.length ? `  (${b.units.join(', ')})` : ''}`);
    lines.push(`install a bundle on its host with: sudo cp -r --preserve=mode ${out}/<bundle>/. ${args.root}  (see docs/deploy.md and ${out}/README.txt)`);
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
});
