/**
 * Runs `gridmsg msg-to-nagios --config FILE` from source (tests spawn this so
 * they can kill -9 a real bridge process without a build step).
 */
import { main } from '../../../cli/main.js';

process.exitCode = await main(['msg-to-nagios', '--config', process.argv[2] ?? '', ...process.argv.slice(3)]);
