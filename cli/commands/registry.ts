/**
 * `gridmsg registry check FILE` and `gridmsg registry show FILE`: validate a
 * site registry (every problem at once, located) and draw its network.
 */
import type { Argv } from 'yargs';
import { defineCommand, type CommandContext, type GlobalOptions } from '../command.js';
import { ConfigError } from '../../core/errors.js';
import {
  buildNetwork,
  checkRegistryFile,
  formatProblemReport,
  RegistryError,
  renderNetwork,
  type Registry,
} from '../../topology/index.js';

type Built<B extends (y: Argv<GlobalOptions>) => Argv<unknown>> = ReturnType<B> extends Argv<infer A> ? A : never;

/**
 * Loads a registry for a command; on problems prints every one of them to
 * stderr and returns undefined (the caller exits 1).
 */
export function loadRegistryForCommand(file: string, ctx: CommandContext): Registry | undefined {
  const result = checkRegistryFile(file);
  if (!result.registry) {
    ctx.stderr.write(formatProblemReport(file, result.problems));
    return undefined;
  }
  for (const p of result.problems) ctx.logger.warn(p.message, { file: p.file, line: p.line, path: p.path });
  return result.registry;
}

/** Prints a RegistryError's problems; true when it was one. */
export function reportRegistryError(err: unknown, ctx: CommandContext): boolean {
  if (!(err instanceof RegistryError)) return false;
  ctx.stderr.write(formatProblemReport(err.context.file ?? 'registry', err.problems));
  return true;
}

function checkBuilder(y: Argv<GlobalOptions>) {
  return y.positional('file', { type: 'string', demandOption: true, describe: 'site registry (YAML)' });
}

const checkCommand = defineCommand<Built<typeof checkBuilder>>({
  command: 'check <file>',
  describe: 'validate a site registry: schema, names, references, ports, stores, destinations, reachability',
  builder: checkBuilder,
  async run(args, ctx) {
    const result = checkRegistryFile(args.file);
    ctx.stdout.write(formatProblemReport(args.file, result.problems));
    return result.ok ? 0 : 1;
  },
});

const FORMATS = ['text', 'dot', 'mermaid'] as const;

function showBuilder(y: Argv<GlobalOptions>) {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'site registry (YAML)' })
    .option('format', { choices: FORMATS, default: 'text' as const, describe: 'text summary, Graphviz DOT or Mermaid flowchart' });
}

const showCommand = defineCommand<Built<typeof showBuilder>>({
  command: 'show <file>',
  describe: 'print the network: pairs, brokers, links, which sites attach where',
  builder: showBuilder,
  async run(args, ctx) {
    // yargs reports a bad --format but still calls the handler: refuse it here too.
    if (!(FORMATS as readonly string[]).includes(args.format)) {
      throw new ConfigError(`unknown --format "${String(args.format)}" (choose ${FORMATS.join(', ')})`);
    }
    const registry = loadRegistryForCommand(args.file, ctx);
    if (!registry) return 1;
    ctx.stdout.write(renderNetwork(registry, buildNetwork(registry), args.format));
    return 0;
  },
});

export const registryCommand = defineCommand({
  command: 'registry',
  describe: 'check and show a site registry',
  subcommands: [checkCommand, showCommand],
});
