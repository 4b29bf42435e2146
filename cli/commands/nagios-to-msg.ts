import { describeError } from '../../core/errors.js';
import { Bridge, loadBridgeConfig } from '../../bridges/nagios-to-msg/index.js';
import { defineCommand } from '../command.js';

/**
 * `gridmsg nagios-to-msg --config FILE`: the site bridge, in the foreground
 * (for systemd). SIGHUP reloads the configuration, SIGTERM drains and exits.
 */
export const nagiosToMsgCommand = defineCommand({
  command: 'nagios-to-msg',
  describe: 'site bridge: forward every Nagios check result to the broker (foreground daemon)',
  builder: (y) =>
    y.option('config', {
      type: 'string',
      demandOption: true,
      describe: 'bridge configuration (YAML, see docs/site-bridge.md)',
    }),
  async run(args, ctx) {
    const config = loadBridgeConfig(args.config);
    const bridge = await Bridge.start({ config, logger: ctx.logger });
    let reloading = Promise.resolve();
    ctx.onReload(() => {
      reloading = reloading.then(async () => {
        try {
          await bridge.reload(loadBridgeConfig(args.config));
        } catch (err) {
          ctx.logger.error('reload failed: keeping the running configuration', { error: describeError(err) });
        }
      });
    });
    if (!ctx.signal.aborted) await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    await reloading;
    await bridge.stop();
    return 0;
  },
});
