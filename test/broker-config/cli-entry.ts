// Runs the CLI from the TypeScript sources for tests: node --import tsx cli-entry.ts ARGS
import { main } from '../../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
