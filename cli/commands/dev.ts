/**
 * `gridmsg dev up FILE --state DIR` / `gridmsg dev down --state DIR`: a
 * registry's whole broker network on this machine (loopback, free ports,
 * generated passwords), for development, demos and tests.
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { defineCommand, type GlobalOptions } from '../command.js';
import { devDown, devUp, DEV_MAX_HEAP_MB, type DevState } from '../../broker-config/index.js';
import { reportRegistryError } from './registry.js';

type Built<B extends (y: Argv<GlobalOptions>) => Argv<unknown>> = ReturnType<B> extends Argv<infer A> ? A : never;

export function describeDevState(state: DevState): string {
  const lines = [`dev network from ${state.registry} runs in ${state.stateDir}:`];
  const width = Math.max(...state.brokers.map((b) => b.name.length), 6);
  for (const b of [...state.brokers].sort((x, y) => x.pair.localeCompare(y.pair) || x.pairIndex - y.pairIndex)) {
    const [stomp, openwire] = b.tls ? ['stomp+ssl', 'ssl'] : ['stomp', 'openwire'];
    const where = b.role === 'active' ? `${stomp} ${b.host}:${b.stompPort}  ${openwire} ${b.host}:${b.openwirePort}` : `waits for the store lock (${stomp} ${b.host}:${b.stompPort} once active)`;
    lines.push(`  ${b.name.padEnd(width)}  pair ${b.pair.padEnd(10)} ${b.role.padEnd(8)} pid ${String(b.pid).padEnd(7)} ${where}`);
  }
  lines.push(`client configurations: ${path.join(state.stateDir, 'sites')}/<site>.yaml, ${path.join(state.stateDir, 'consumers')}/<consumer>.yaml`);
  lines.push(`passwords: ${path.join(state.stateDir, 'secrets')}/<user>.password; broker logs: <broker dir>/broker.log`);
  if (state.brokers.some((b) => b.tls)) {
    lines.push(`development PKI (NOT for production): ${path.join(state.stateDir, 'pki')} (CA ca/ca.pem; sites/<site>/, consumers/<consumer>/, monitors/monitoring/ (check-network, status) cert.pem and key.pem)`);
  }
  lines.push(`stop with: gridmsg dev down --state ${state.stateDir}`);
  return `${lines.join('\n')}\n`;
}

function upBuilder(y: Argv<GlobalOptions>) {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'site registry (YAML)' })
    .option('state', { type: 'string', demandOption: true, describe: 'state directory (configs, stores, secrets, pids)' })
    .option('max-heap-mb', { type: 'number', default: DEV_MAX_HEAP_MB, describe: 'heap cap of each broker' })
    .option('timeout', { type: 'number', default: 120, describe: 'seconds each broker may take to start' });
}

const upCommand = defineCommand<Built<typeof upBuilder>>({
  command: 'up <file>',
  describe: 'start every broker of a registry on this machine and wait until each accepts STOMP',
  builder: upBuilder,
  async run(args, ctx) {
    let state: DevState;
    try {
      state = await devUp(args.file, args.state, {
        logger: ctx.logger,
        signal: ctx.signal,
        maxHeapMb: args['max-heap-mb'],
        timeoutMs: args.timeout * 1000,
      });
    } catch (err) {
      if (reportRegistryError(err, ctx)) return 1;
      throw err;
    }
    ctx.stdout.write(describeDevState(state));
    return 0;
  },
});

function downBuilder(y: Argv<GlobalOptions>) {
  return y.option('state', { type: 'string', demandOption: true, describe: 'state directory given to dev up' });
}

const downCommand = defineCommand<Built<typeof downBuilder>>({
  command: 'down',
  describe: 'stop every broker started by dev up',
  builder: downBuilder,
  async run(args, ctx) {
    const stopped = await devDown(args.state, ctx.logger);
    ctx.stdout.write(
      stopped.length === 0
        ? `nothing runs from ${path.resolve(args.state)}\n`
        : `stopped ${stopped.length} broker${stopped.length === 1 ? '' : 's'}: ${stopped.map((b) => `${b.name} (pid ${b.pid})`).join(', ')}\n`,
    );
    return 0;
  },
});

export const devCommand = defineCommand({
  command: 'dev',
  describe: 'run a registry\'s broker network on this machine',
  subcommands: [upCommand, downCommand],
});
