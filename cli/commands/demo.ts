/**
 * `gridmsg demo --registry FILE [--state DIR] [--duration S] [--keep-running]`:
 * the registry's network on this machine with real brokers, a site Nagios and
 * site bridge per demo site, a central Nagios and the central bridge; shows
 * results flowing hop by hop, then stops everything it started. Ctrl-C ends it
 * cleanly at any moment. See docs/demo.md.
 */
import type { Argv } from 'yargs';
import { ConfigError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { runDemo } from '../../demo/run.js';
import { defineCommand, type GlobalOptions } from '../command.js';
import { reportRegistryError } from './registry.js';

function builder(y: Argv<GlobalOptions>) {
  return y
    .option('registry', { type: 'string', demandOption: true, describe: 'site registry (YAML), e.g. examples/registry.yaml' })
    .option('state', { type: 'string', default: '.state/demo', describe: 'state directory (wiped at start if it holds an earlier demo; kept afterwards)' })
    .option('duration', { type: 'number', default: 30, describe: 'seconds results flow before the demo reports and stops' })
    .option('keep-running', { type: 'boolean', default: false, describe: 'after the report, keep everything running until Ctrl-C' })
    .option('site', { type: 'string', array: true, describe: 'site to run a site Nagios for (repeatable; default: one per pair, two at most)' })
    .option('consumer', { type: 'string', describe: 'consumer the central Nagios stands for (default: the one reading the most sites)' })
    .option('check-interval', { type: 'number', default: 5, describe: 'seconds between two runs of each site check' })
    .option('max-heap-mb', { type: 'number', default: 256, describe: 'heap cap of each broker' });
}

type Args = ReturnType<typeof builder> extends Argv<infer A> ? A : never;

export const demoCommand = defineCommand<Args>({
  command: 'demo',
  describe: 'run the network of a registry on this machine with real brokers, Nagios and bridges, and show results flowing',
  builder,
  async run(args, ctx) {
    for (const [name, v, min] of [['--duration', args.duration, 1], ['--check-interval', args['check-interval'], 1], ['--max-heap-mb', args['max-heap-mb'], 64]] as const) {
      if (!Number.isInteger(v) || v < min) throw new ConfigError(`${name} must be a whole number >= ${min}, not ${String(v)}`, { path: name });
    }
    // The libraries' info lines (broker started, ...) would repeat the demo's own story: warnings only, unless debugging.
    const logger = createLogger({ format: args.logFormat, level: args.logLevel === 'debug' ? 'debug' : 'warn' });
    try {
      return await runDemo({
        registryFile: args.registry,
        stateDir: args.state,
        durationSeconds: args.duration,
        keepRunning: args['keep-running'],
        ...(args.site === undefined ? {} : { sites: args.site }),
        ...(args.consumer === undefined ? {} : { consumer: args.consumer }),
        checkIntervalSeconds: args['check-interval'],
        progressSeconds: 5,
        maxHeapMb: args['max-heap-mb'],
        out: ctx.stdout,
        logger,
        signal: ctx.signal,
      });
    } catch (err) {
      if (reportRegistryError(err, ctx)) return 1;
      throw err;
    }
  },
});
