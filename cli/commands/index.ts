import type { GridmsgCommand } from '../command.js';
import { nagiosConfigCommand } from './nagios-config.js';
import { pkiCommand } from './pki.js';

/**
 * Every top-level command of the `gridmsg` CLI, one module each.
 * Add a command by importing its module here.
 */
export const commands: GridmsgCommand<any>[] = [
  nagiosConfigCommand,
  pkiCommand,
];
