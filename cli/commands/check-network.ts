/**
 * `gridmsg check-network --registry FILE [--state DIR]`: Nagios plugin (and
 * human-readable report) of the broker network: a probe from every pair
 * towards every consumer pair along the routes of the network model, with
 * reachability, loss and round-trip time per pair, link and path.
 * Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (in every format).
 * See docs/operations.md.
 */
import type { Argv } from 'yargs';
import { describeError } from '../../core/errors.js';
import { checkRegistryFile, formatProblemReport } from '../../topology/index.js';
import {
  evaluateNetwork,
  monitoringAccess,
  NETWORK_FORMATS,
  planProbes,
  renderNetwork,
  resolveTargets,
  runProbes,
  sessionEndpoint,
  type NetworkFormat,
} from '../../operations/index.js';
import { defineCommand, type GlobalOptions } from '../command.js';

function builder(y: Argv<GlobalOptions>) {
  return y
    .option('registry', { type: 'string', demandOption: true, describe: 'site registry (YAML)' })
    .option('state', { type: 'string', describe: 'state directory of a dev network (gridmsg dev up): local ports, passwords and the monitoring certificate' })
    .option('tls-cert', { type: 'string', describe: 'monitoring certificate (PEM) for stomp+ssl brokers (default: monitoring.tls.certFile of the registry, else its tls.certFile)' })
    .option('tls-key', { type: 'string', describe: 'its private key (PEM; default: monitoring.tls.keyFile, else tls.keyFile)' })
    .option('tls-ca', { type: 'string', describe: 'CA bundle of the brokers\' certificates (default: monitoring.tls.caFile, else tls.caFile)' })
    .option('timeout', { type: 'number', default: 10, describe: 'seconds for the whole check (connect, probe, wait)' })
    .option('count', { type: 'number', default: 3, describe: 'probes per path' })
    .option('format', { choices: NETWORK_FORMATS, default: 'text' as NetworkFormat, describe: 'text for people, nagios for a plugin line with perfdata, json' })
    .option('warning-rtt', { type: 'number', default: 1000, describe: 'WARNING when a link\'s round trip reaches this many ms' })
    .option('critical-rtt', { type: 'number', default: 5000, describe: 'CRITICAL when a link\'s round trip reaches this many ms' });
}

type Args = ReturnType<typeof builder> extends Argv<infer A> ? A : never;

export const checkNetworkCommand = defineCommand<Args>({
  command: 'check-network',
  describe: 'Nagios plugin: probe every path of the broker network (reachability, loss, round trip per link)',
  builder,
  async run(args, ctx) {
    const unknown = (message: string): number => {
      if (args.format === 'nagios') ctx.stdout.write(`NETWORK UNKNOWN - ${message.split('\n')[0]}\n${message.split('\n').slice(1).join('\n')}`);
      else ctx.stderr.write(`gridmsg check-network: ${message}\n`);
      return 3;
    };
    const bad = [
      ['timeout', args.timeout, 1, 3600],
      ['count', args.count, 1, 1000],
      ['warning-rtt', args['warning-rtt'], 1, 3_600_000],
      ['critical-rtt', args['critical-rtt'], 1, 3_600_000],
    ].find(([, v, min, max]) => !Number.isInteger(v) || (v as number) < (min as number) || (v as number) > (max as number));
    if (bad) return unknown(`--${bad[0]} must be a whole number from ${bad[2]} to ${bad[3]}, not ${String(bad[1])}`);
    if (!(NETWORK_FORMATS as readonly string[]).includes(args.format)) return unknown(`unknown --format "${String(args.format)}"`);

    const checked = checkRegistryFile(args.registry);
    if (!checked.registry) return unknown(`invalid registry\n${formatProblemReport(args.registry, checked.problems)}`);
    const registry = checked.registry;
    try {
      const targets = resolveTargets(registry, args.state);
      const tlsFiles = {
        ...(args['tls-cert'] === undefined ? {} : { certFile: args['tls-cert'] }),
        ...(args['tls-key'] === undefined ? {} : { keyFile: args['tls-key'] }),
        ...(args['tls-ca'] === undefined ? {} : { caFile: args['tls-ca'] }),
      };
      const { access, problems } = monitoringAccess(registry, { ...(args.state === undefined ? {} : { stateDir: args.state }), tls: tlsFiles });
      // A pair none of whose brokers the monitoring user can log in to cannot be probed: say why (password, certificate).
      const unreachable = [...new Set(targets.brokers.map((b) => b.pair))].flatMap((p) => {
        const members = targets.brokers.filter((b) => b.pair === p);
        const whys = members.map((b) => sessionEndpoint(b, access)).flatMap((e) => ('why' in e ? [e.why] : []));
        return whys.length === members.length ? [`pair ${p}: ${whys[0] ?? 'no broker'}`] : [];
      });
      if (unreachable.length > 0 || (access.login === undefined && access.tls === undefined)) {
        return unknown(`the monitoring user cannot log in: ${[...problems, ...unreachable].join('; ') || 'no password and no certificate'}`);
      }
      const plan = planProbes(registry);
      const rtt = { warningMs: args['warning-rtt'], criticalMs: args['critical-rtt'] };
      const obs = await runProbes(plan, { brokers: targets.brokers, access, timeoutMs: args.timeout * 1000, count: args.count, logger: ctx.logger });
      const verdict = evaluateNetwork(plan, obs, rtt);
      ctx.stdout.write(renderNetwork(verdict, args.format, rtt));
      return verdict.code;
    } catch (err) {
      return unknown(describeError(err));
    }
  },
});
