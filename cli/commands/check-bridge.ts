import { describeError } from '../../core/errors.js';
import { evaluateStatus, loadBridgeConfig, readStatus } from '../../bridges/nagios-to-msg/index.js';
import { defineCommand } from '../command.js';

/**
 * `gridmsg check-bridge --config FILE`: Nagios plugin for the site bridge
 * (spool depth, oldest unsent result, time since the last receipt). Exit
 * 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; one line with perfdata on stdout.
 */
export const checkBridgeCommand = defineCommand({
  command: 'check-bridge',
  describe: 'Nagios plugin: health of the site bridge (nagios-to-msg)',
  builder: (y) =>
    y.option('config', {
      type: 'string',
      demandOption: true,
      describe: 'the bridge configuration the daemon runs with',
    }),
  async run(args, ctx) {
    let config;
    try {
      config = loadBridgeConfig(args.config);
    } catch (err) {
      ctx.stdout.write(`BRIDGE UNKNOWN - ${describeError(err)}\n`);
      return 3;
    }
    const result = evaluateStatus(readStatus(config.statusFile), config.check, Date.now());
    ctx.stdout.write(result.output + '\n');
    return result.code;
  },
});
