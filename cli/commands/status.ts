/**
 * `gridmsg status --registry FILE [--state DIR] [--bridge NAME=URL]...
 * [--bridge-config FILE]...`: each broker up/down and its role in its pair,
 * and each bridge's spool depth and last receipt. Exit 0 when every pair has
 * one active broker and every bridge was read, 1 otherwise. See
 * docs/operations.md.
 */
import type { Argv } from 'yargs';
import { ConfigError } from '../../core/errors.js';
import {
  bridgeFromArg,
  bridgeFromConfig,
  gatherStatus,
  monitoringAccess,
  renderStatusJson,
  renderStatusText,
  resolveTargets,
  type BridgeSource,
} from '../../operations/index.js';
import { defineCommand, type GlobalOptions } from '../command.js';
import { loadRegistryForCommand } from './registry.js';

const FORMATS = ['text', 'json'] as const;

function builder(y: Argv<GlobalOptions>) {
  return y
    .option('registry', { type: 'string', demandOption: true, describe: 'site registry (YAML)' })
    .option('state', { type: 'string', describe: 'state directory of a dev network (gridmsg dev up): local ports, pids, passwords, the monitoring certificate' })
    .option('tls-cert', { type: 'string', describe: 'monitoring certificate (PEM) for stomp+ssl brokers (default: from the registry\'s monitoring.tls, else tls)' })
    .option('tls-key', { type: 'string', describe: 'its private key (PEM)' })
    .option('tls-ca', { type: 'string', describe: 'CA bundle of the brokers\' certificates' })
    .option('bridge', { type: 'string', array: true, default: [] as string[], describe: 'a bridge metrics endpoint: NAME=http://host:port/metrics (repeatable)' })
    .option('bridge-config', { type: 'string', array: true, default: [] as string[], describe: 'a bridge configuration file (nagios-to-msg or msg-to-nagios; repeatable)' })
    .option('timeout', { type: 'number', default: 5, describe: 'seconds each broker or endpoint may take to answer' })
    .option('format', { choices: FORMATS, default: 'text' as (typeof FORMATS)[number], describe: 'text or json' });
}

type Args = ReturnType<typeof builder> extends Argv<infer A> ? A : never;

export const statusCommand = defineCommand<Args>({
  command: 'status',
  describe: 'brokers up/down and active/standby in their pairs; bridges\' spool depth and last receipt',
  builder,
  async run(args, ctx) {
    if (!Number.isFinite(args.timeout) || args.timeout <= 0) throw new ConfigError(`--timeout must be a positive number of seconds, not ${String(args.timeout)}`, { path: '--timeout' });
    if (!(FORMATS as readonly string[]).includes(args.format)) throw new ConfigError(`unknown --format "${String(args.format)}" (choose ${FORMATS.join(', ')})`);
    const registry = loadRegistryForCommand(args.registry, ctx);
    if (!registry) return 1;
    const targets = resolveTargets(registry, args.state);
    // Without a monitoring login the plain brokers are still asked: an ERROR about the login proves a broker is active too.
    const tls = {
      ...(args['tls-cert'] === undefined ? {} : { certFile: args['tls-cert'] }),
      ...(args['tls-key'] === undefined ? {} : { keyFile: args['tls-key'] }),
      ...(args['tls-ca'] === undefined ? {} : { caFile: args['tls-ca'] }),
    };
    const { access, problems } = monitoringAccess(registry, { ...(args.state === undefined ? {} : { stateDir: args.state }), tls });
    for (const p of problems) ctx.logger.warn(`asking the brokers without it: ${p}`, { file: registry.file });
    const bridges: BridgeSource[] = [...args.bridge.map(bridgeFromArg), ...args['bridge-config'].map(bridgeFromConfig)];
    const report = await gatherStatus(targets.brokers, bridges, { access, timeoutMs: args.timeout * 1000, source: targets.source });
    ctx.stdout.write(args.format === 'json' ? renderStatusJson(report) : renderStatusText(report));
    return report.code;
  },
});
