import type { GridmsgCommand } from '../command.js';
import { brokerCommand } from './broker.js';
import { brokerConfigCommand } from './broker-config.js';
import { devCommand } from './dev.js';
import { msgToNagiosCommand } from './msg-to-nagios.js';
import { nagiosConfigCommand } from './nagios-config.js';
import { nagiosToMsgCommand } from './nagios-to-msg.js';
import { checkBridgeCommand } from './check-bridge.js';
import { checkNetworkCommand } from './check-network.js';
import { statusCommand } from './status.js';
import { deployFilesCommand } from './deploy-files.js';
import { demoCommand } from './demo.js';
import { pkiCommand } from './pki.js';
import { registryCommand } from './registry.js';
import { sendCommand } from './send.js';
import { subscribeCommand } from './subscribe.js';

/**
 * Every top-level command of the `gridmsg` CLI, one module each.
 * Add a command by importing its module here.
 */
export const commands: GridmsgCommand<any>[] = [
  registryCommand,
  brokerConfigCommand,
  brokerCommand,
  devCommand,
  nagiosConfigCommand,
  pkiCommand,
  sendCommand,
  subscribeCommand,
  msgToNagiosCommand,
  nagiosToMsgCommand,
  checkBridgeCommand,
  checkNetworkCommand,
  statusCommand,
  deployFilesCommand,
  demoCommand,
];
