/**
 * `gridmsg nagios-config central --registry FILE --consumer NAME`: prints what
 * a central Nagios needs for the msg-to-nagios bridge: nagios.cfg settings,
 * passive host and service templates, the sites it will hear from, and a
 * bridge configuration to start from. `--config CONSUMER.yaml` takes a
 * generated consumer client config instead of the registry.
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { loadClientConfig } from '../../clients/config-loader.js';
import type { ConsumerClientConfig } from '../../clients/client-config.js';
import { consumerClientConfigs } from '../../broker-config/client-configs.js';
import { centralSnippets, CENTRAL_METRICS_PORT, DEBIAN_DEFAULTS, SNIPPET_PARTS, type SnippetPart } from '../../bridges/msg-to-nagios/index.js';
import { ConfigError } from '../../core/errors.js';
import { loadRegistry } from '../../topology/index.js';
import { defineCommand, type GlobalOptions } from '../command.js';

function builder(y: Argv<GlobalOptions>) {
  return y
    .option('registry', { type: 'string', describe: 'site registry (YAML)' })
    .option('consumer', { type: 'string', describe: 'consumer name in the registry' })
    .option('config', { type: 'string', describe: 'consumer client config (consumers/NAME.yaml from broker-config generate) instead of --registry' })
    .option('consumer-file', { type: 'string', describe: 'path of the consumer client config, as the printed bridge config names it (default consumers/NAME.yaml)' })
    .option('part', { choices: SNIPPET_PARTS, array: true, describe: 'print only these parts (default all)' })
    .option('mode', { choices: ['pipe', 'spool'] as const, default: 'spool' as const, describe: 'how the bridge hands results to Nagios: spool (check-result files, exactly once across crashes) or pipe (command file)' })
    .option('command-file', { type: 'string', default: DEBIAN_DEFAULTS.commandFile, describe: 'Nagios command_file' })
    .option('check-result-path', { type: 'string', default: DEBIAN_DEFAULTS.checkResultPath, describe: 'Nagios check_result_path' })
    .option('object-cache', { type: 'string', default: DEBIAN_DEFAULTS.objectCache, describe: 'Nagios object_cache_file' })
    .option('query-socket', { type: 'string', default: DEBIAN_DEFAULTS.querySocket, describe: 'Nagios query_socket (the bridge asks it whether Nagios runs)' })
    .option('state-dir', { type: 'string', default: DEBIAN_DEFAULTS.stateDir, describe: 'bridge state directory' })
    .option('freshness', { type: 'number', default: 0, describe: 'seconds without a result before a service goes UNKNOWN (0: off)' })
    .option('metrics-port', { type: 'number', describe: `port of the bridge's Prometheus endpoint on 127.0.0.1, read by gridmsg status (default: printed commented out, port ${CENTRAL_METRICS_PORT})` });
}

type Args = ReturnType<typeof builder> extends Argv<infer A> ? A : never;

function consumerFromRegistry(file: string, name: string): ConsumerClientConfig {
  const registry = loadRegistry(file);
  const found = consumerClientConfigs(registry).find((c) => c.consumer === name);
  if (found === undefined) {
    const names = registry.consumers.map((c) => c.name);
    throw new ConfigError(`no consumer "${name}" in the registry (consumers: ${names.join(', ') || 'none'})`, { file, path: 'consumers' });
  }
  return found;
}

function consumerFromFile(file: string): ConsumerClientConfig {
  const cfg = loadClientConfig(file);
  if (cfg.kind !== 'consumer') throw new ConfigError('expected a consumer client config (kind: consumer)', { file, path: 'kind' });
  return cfg;
}

export const nagiosConfigCentralCommand = defineCommand<Args>({
  command: 'central',
  describe: 'print the Nagios snippets and bridge config for a central msg-to-nagios bridge',
  builder,
  async run(args, ctx) {
    if (args.config === undefined && (args.registry === undefined || args.consumer === undefined)) {
      throw new ConfigError('give --registry FILE --consumer NAME, or --config CONSUMER.yaml', { path: '--registry' });
    }
    if (args.config !== undefined && args.registry !== undefined) throw new ConfigError('give --registry or --config, not both', { path: '--config' });
    if (!Number.isInteger(args.freshness) || args.freshness < 0) throw new ConfigError('must be a whole number of seconds >= 0', { path: '--freshness' });
    const metricsPort = args['metrics-port'];
    if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 1 || metricsPort > 65535)) throw new ConfigError('must be a port from 1 to 65535', { path: '--metrics-port' });
    const consumer = args.config !== undefined ? consumerFromFile(args.config) : consumerFromRegistry(args.registry!, args.consumer!);
    const consumerFile = args['consumer-file'] ?? (args.config !== undefined ? path.resolve(args.config) : path.join('consumers', `${consumer.consumer}.yaml`));
    const parts: readonly SnippetPart[] = args.part ?? SNIPPET_PARTS;
    ctx.stdout.write(
      centralSnippets(
        {
          consumer,
          consumerFile,
          mode: args.mode,
          commandFile: args['command-file'],
          checkResultPath: args['check-result-path'],
          objectCache: args['object-cache'],
          querySocket: args['query-socket'],
          stateDir: args['state-dir'],
          freshnessSeconds: args.freshness,
          pluginDir: DEBIAN_DEFAULTS.pluginDir,
          ...(metricsPort === undefined ? {} : { metricsPort }),
        },
        parts,
      ),
    );
    return 0;
  },
});
