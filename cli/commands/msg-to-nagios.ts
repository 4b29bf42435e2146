/**
 * `gridmsg msg-to-nagios --config FILE`: the central bridge. Runs in the
 * foreground (for systemd): consumes the site results of its consumer queues
 * and submits them to Nagios as passive results. SIGTERM/SIGINT drain and
 * exit 0; SIGHUP reloads the configuration. See docs/central-bridge.md.
 */
import type { Argv } from 'yargs';
import { runBridge } from '../../bridges/msg-to-nagios/index.js';
import { defineCommand, type GlobalOptions } from '../command.js';

function builder(y: Argv<GlobalOptions>) {
  return y.option('config', { type: 'string', demandOption: true, describe: 'msg-to-nagios configuration (YAML)' });
}

type Args = ReturnType<typeof builder> extends Argv<infer A> ? A : never;

export const msgToNagiosCommand = defineCommand<Args>({
  command: 'msg-to-nagios',
  describe: 'run the central bridge: consume site results and submit them to Nagios',
  builder,
  run: (args, ctx) => runBridge(args.config, { logger: ctx.logger, signal: ctx.signal, onReload: ctx.onReload }),
});
