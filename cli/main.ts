import yargs, { type Argv } from 'yargs';
import { describeError, GridmsgError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { CommandContext, GlobalOptions, GridmsgCommand } from './command.js';
import { commands } from './commands/index.js';

/** Exit codes shared by all non-plugin commands. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad command-line usage, reported by yargs' validation. */
class UsageError extends Error {}

interface RunState {
  exitCode: number;
}

function register(parser: Argv<GlobalOptions>, cmd: GridmsgCommand<any>, state: RunState, ctxOf: (a: GlobalOptions) => CommandContext): Argv<GlobalOptions> {
  return parser.command(
    cmd.command,
    cmd.describe,
    (y: Argv<GlobalOptions>) => {
      let built: Argv<any> = y;
      if (cmd.subcommands) {
        for (const sub of cmd.subcommands) built = register(built, sub, state, ctxOf);
        built = built.demandCommand(1, `choose a subcommand of "${cmd.command}"`);
      }
      if (cmd.builder) built = cmd.builder(built);
      return built;
    },
    cmd.run
      ? async (args: any) => {
          state.exitCode = await cmd.run!(args, ctxOf(args as GlobalOptions));
        }
      : undefined,
  );
}

/**
 * Runs the CLI with the given arguments and returns the exit code. Never
 * throws and never prints a stack trace: every error becomes one line.
 */
export async function main(argv: string[]): Promise<number> {
  const state: RunState = { exitCode: EXIT_OK };
  const abort = new AbortController();
  const reloaders: Array<() => void> = [];
  const onSignal = (): void => abort.abort();
  const onHup = (): void => reloaders.forEach((r) => r());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHup);

  const ctxOf = (args: GlobalOptions): CommandContext => ({
    logger: createLogger({ format: args.logFormat, level: args.logLevel }),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: abort.signal,
    onReload: (listener) => reloaders.push(listener),
  });

  let parser = yargs(argv)
    .scriptName('gridmsg')
    .usage('$0 <command> [options]\n\nMoves Nagios check results over an ActiveMQ/STOMP network of brokers.')
    .option('log-format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'log line format (logs go to stderr)',
      global: true,
    })
    .option('log-level', {
      choices: ['error', 'warn', 'info', 'debug'] as const,
      default: 'info' as const,
      describe: 'least severe level logged',
      global: true,
    })
    .strict()
    .demandCommand(1, 'choose a command')
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((msg, err) => {
      // Throwing stops yargs: a command whose arguments failed validation never runs.
      throw err ?? new UsageError(msg);
    }) as unknown as Argv<GlobalOptions>;
  for (const cmd of commands) parser = register(parser, cmd, state, ctxOf);

  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`gridmsg: ${err.message}\nRun with --help for usage.\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`gridmsg: ${describeError(err)}\n`);
    state.exitCode = err instanceof GridmsgError && err.code === 'CONFIG_INVALID' ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHup);
  }
  return state.exitCode;
}
