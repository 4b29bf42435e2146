import { defineCommand, type GridmsgCommand } from '../command.js';
import { nagiosConfigCentralCommand } from './nagios-config-central.js';
import { nagiosConfigSiteCommand } from './nagios-config-site.js';

/**
 * `gridmsg nagios-config <site|central>`: prints the Nagios configuration
 * snippets for a site bridge or a central bridge. One subcommand module each.
 */
const subcommands: GridmsgCommand<any>[] = [nagiosConfigSiteCommand, nagiosConfigCentralCommand];

export const nagiosConfigCommand = defineCommand({
  command: 'nagios-config',
  describe: 'print the Nagios configuration snippets for a site or central bridge',
  subcommands,
});
