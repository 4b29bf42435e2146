/**
 * `gridmsg broker run DIR/brokers/<broker>`: one generated broker in the
 * foreground; SIGTERM/SIGINT stop it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { defineCommand, type GlobalOptions } from '../command.js';
import { ConfigError, GridmsgError } from '../../core/errors.js';
import { portOpen } from '../../core/ports.js';
import { CREDENTIALS_FILE, instanceRuntime, logSaysStandby, readDescriptor, spawnBroker } from '../../broker-config/index.js';

type Built<B extends (y: Argv<GlobalOptions>) => Argv<unknown>> = ReturnType<B> extends Argv<infer A> ? A : never;

function runBuilder(y: Argv<GlobalOptions>) {
  return y
    .positional('dir', { type: 'string', demandOption: true, describe: 'broker directory, e.g. OUT/brokers/central-a' })
    .option('log', { type: 'string', describe: 'broker output file (default DIR/broker.log)' });
}

const runCommand = defineCommand<Built<typeof runBuilder>>({
  command: 'run <dir>',
  describe: 'run one generated ActiveMQ broker in the foreground until SIGTERM/SIGINT',
  builder: runBuilder,
  async run(args, ctx) {
    const dir = path.resolve(args.dir);
    const d = readDescriptor(dir);
    const credentials = path.join(dir, 'conf', CREDENTIALS_FILE);
    if (!fs.existsSync(credentials)) {
      throw new ConfigError(`no ${CREDENTIALS_FILE}: generate with the secrets available, or write it (one gridmsg.password.<user>=... line per user)`, {
        file: credentials,
      });
    }
    const log = path.resolve(args.log ?? path.join(dir, 'broker.log'));
    const runtime = instanceRuntime(dir, d);
    const proc = spawnBroker({ dir, heapMb: d.heapMb, logFile: log, systemProperties: runtime.systemProperties });
    // Probe where it listens; print where clients reach it.
    const probe = d.listen === '0.0.0.0' ? '127.0.0.1' : d.listen;
    ctx.logger.info('broker starting', { broker: d.name, pair: d.pair, pid: proc.pid, log });
    let state: 'starting' | 'standby' | 'active' = 'starting';
    const abort = new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    while (proc.alive() && !ctx.signal.aborted) {
      if (state !== 'active' && (await portOpen(probe, runtime.stompPort))) {
        const [stomp, openwire] = d.tls ? ['stomp+ssl', 'ssl'] : ['stomp', 'openwire'];
        ctx.stdout.write(`broker ${d.name} active: ${stomp} ${d.host}:${runtime.stompPort}, ${openwire} ${d.host}:${runtime.openwirePort} (pid ${proc.pid})\n`);
        state = 'active';
      } else if (state === 'starting' && logSaysStandby(log)) {
        ctx.stdout.write(`broker ${d.name} standby: waiting for the store lock held by ${d.partner ?? 'another broker'} (pid ${proc.pid})\n`);
        state = 'standby';
      }
      await Promise.race([proc.exited, abort, new Promise((r) => setTimeout(r, state === 'active' ? 1000 : 250))]);
    }
    if (ctx.signal.aborted) {
      ctx.logger.info('stopping broker', { broker: d.name, pid: proc.pid });
      await proc.stop(30_000);
      ctx.stdout.write(`broker ${d.name} stopped\n`);
      return 0;
    }
    const code = await proc.exited;
    const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
    throw new GridmsgError('BROKER_EXITED', `broker ${d.name} exited (${String(code)}); last output:\n${tail}`, { broker: d.name });
  },
});

export const brokerCommand = defineCommand({
  command: 'broker',
  describe: 'run a generated broker',
  subcommands: [runCommand],
});
