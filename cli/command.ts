import type { Argv } from 'yargs';
import type { Logger, LogFormat, LogLevel } from '../core/logger.js';

/** Options every command has. */
export interface GlobalOptions {
  logFormat: LogFormat;
  logLevel: LogLevel;
}

/** What a command gets besides its arguments: I/O lives here, not in globals. */
export interface CommandContext {
  logger: Logger;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM: long-running commands drain and return. */
  signal: AbortSignal;
  /** Fires on SIGHUP: daemons reload their configuration. */
  onReload(listener: () => void): void;
}

/**
 * One CLI command. `builder` declares typed options; `run` returns the exit
 * code (Nagios plugins return 0..3, everything else 0 on success).
 * Nested command groups (e.g. `registry check`) use `subcommands`.
 */
export interface GridmsgCommand<A = unknown> {
  command: string;
  describe: string;
  builder?: (yargs: Argv<GlobalOptions>) => Argv<A & GlobalOptions>;
  run?: (args: A & GlobalOptions, ctx: CommandContext) => Promise<number>;
  subcommands?: GridmsgCommand<any>[];
}

/** Identity helper that keeps the argument type of a command precise. */
export function defineCommand<A>(command: GridmsgCommand<A>): GridmsgCommand<A> {
  return command;
}
