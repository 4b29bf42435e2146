/**
 * `gridmsg send`: publishes a body (from --file or stdin) N times, or each
 * input line as one message, persistent and receipted. Exit 0 only when every
 * receipt arrived.
 *
 * Exit codes: 0 all receipted; 1 not all receipted (broker error, timeout,
 * interrupted); 2 usage or configuration error; 3 the broker refused the credentials.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Argv } from 'yargs';
import { ConfigError, describeError } from '../../core/errors.js';
import {
  AuthenticationError,
  Progress,
  connectionFromCli,
  createPublisher,
  parseHeaderArgs,
  type CliConnectionInput,
  type OutgoingMessage,
} from '../../clients/index.js';
import { defineCommand, type CommandContext, type GlobalOptions } from '../command.js';

/** Exit code when the broker refused the credentials. */
export const EXIT_AUTH = 3;

/** Connection options shared by `send` and `subscribe`. */
export function connectionOptionsBuilder<T extends GlobalOptions>(y: Argv<T>) {
  return y
    .option('config', { type: 'string', describe: 'site or consumer client config (YAML written by broker-config)' })
    .option('brokers', { type: 'string', describe: 'broker URI, e.g. failover:(tcp://a:61613,tcp://b:61613)?randomize=false' })
    .option('user', { type: 'string', describe: 'login (with --brokers)' })
    .option('password-file', { type: 'string', describe: 'file holding the password (with --brokers)' })
    .option('password-env', { type: 'string', describe: 'environment variable holding the password (with --brokers)' })
    .option('ca', { type: 'string', describe: 'CA bundle (PEM) for ssl:// brokers' })
    .option('cert', { type: 'string', describe: 'client certificate (PEM) for ssl:// brokers' })
    .option('key', { type: 'string', describe: 'client private key (PEM) for ssl:// brokers' })
    .option('server-name', { type: 'string', describe: 'name checked against the broker certificate' })
    .conflicts('config', 'brokers');
}

/** The option types a builder declares (without yargs' `_`, `$0` and index signature). */
export type BuiltArgs<B extends (y: Argv<GlobalOptions>) => Argv<unknown>> = ReturnType<B> extends Argv<infer A> ? A : never;

type ConnectionArgs = BuiltArgs<typeof connectionOptionsBuilder<GlobalOptions>>;

/** The connection part of parsed arguments. */
export function connectionInput(a: ConnectionArgs): CliConnectionInput {
  return {
    config: a.config,
    brokers: a.brokers,
    user: a.user,
    passwordFile: a['password-file'],
    passwordEnv: a['password-env'],
    ca: a.ca,
    cert: a.cert,
    key: a.key,
    serverName: a['server-name'],
  };
}

function sendBuilder(y: Argv<GlobalOptions>) {
  return connectionOptionsBuilder(y)
    .option('destination', { type: 'string', describe: "STOMP destination (default: the site config's)" })
    .option('header', { type: 'string', array: true, describe: 'extra header k=v (repeatable)' })
    .option('count', { type: 'number', default: 1, describe: 'send the body N times (keys PREFIX-0..N-1)' })
    .option('file', { type: 'string', describe: 'message body file (default: stdin)' })
    .option('lines', { type: 'boolean', default: false, describe: 'each non-empty input line is one message' })
    .option('idempotency-key', { type: 'string', describe: 'idempotency key (key prefix with --count/--lines; default: random)' })
    .option('window', { type: 'number', default: 256, describe: 'max unreceipted messages in flight' })
    .option('receipt-timeout', { type: 'number', default: 30_000, describe: 'ms without a receipt before the connection counts as dead' })
    .option('timeout', { type: 'number', describe: 'give up (exit 1) after this many seconds' })
    .check((a) => {
      if (!Number.isInteger(a.count) || a.count < 1) throw new Error('--count must be a positive integer');
      if (!Number.isInteger(a.window) || a.window < 1) throw new Error('--window must be a positive integer');
      if (a.lines && a.count !== 1) throw new Error('--lines and --count do not go together');
      return true;
    });
}

type SendArgs = BuiltArgs<typeof sendBuilder>;

async function readInput(file: string | undefined): Promise<Buffer> {
  if (file !== undefined) {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new ConfigError(`cannot read message body: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
    }
  }
  if (process.stdin.isTTY) throw new ConfigError('no message body: give --file FILE or pipe it on stdin', { path: '--file' });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The messages to send, lazily (flat memory for a large --count): N copies of the body, or one per non-empty line. */
export function plannedMessages(
  body: Buffer,
  plan: { lines: boolean; count: number; key: string | undefined },
  headers: Record<string, string>,
  destination: string,
): { total: number; messages: Iterable<OutgoingMessage> } {
  const prefix = plan.key ?? randomUUID();
  if (plan.lines) {
    const lines = body
      .toString('utf8')
      .split(/\r?\n/)
      .filter((line) => line !== '');
    return { total: lines.length, messages: lines.map((line, n) => ({ destination, body: line, headers, idempotencyKey: `${prefix}-${n}` })) };
  }
  if (plan.count === 1 && plan.key !== undefined) return { total: 1, messages: [{ destination, body, headers, idempotencyKey: plan.key }] };
  return {
    total: plan.count,
    messages: (function* () {
      for (let i = 0; i < plan.count; i++) yield { destination, body, headers, idempotencyKey: `${prefix}-${i}` };
    })(),
  };
}

async function send(args: SendArgs, ctx: CommandContext): Promise<number> {
  const { options, config } = connectionFromCli(connectionInput(args));
  const destination = args.destination ?? (config?.kind === 'site' ? config.destination : undefined);
  if (destination === undefined) throw new ConfigError('no destination: give --destination (or a site --config)', { path: '--destination' });
  const headers = parseHeaderArgs(args.header ?? []);
  const plan = plannedMessages(await readInput(args.file), { lines: args.lines, count: args.count, key: args['idempotency-key'] }, headers, destination);
  const total = plan.total;
  if (total === 0) throw new ConfigError('nothing to send (no non-empty input line)', { path: '--lines' });

  const publisher = createPublisher({
    ...options,
    destination,
    logger: ctx.logger,
    receiptWindow: args.window,
    receiptTimeoutMs: args['receipt-timeout'],
  });
  const progress = new Progress(ctx.stderr, total, 'sent');
  let receipted = 0;
  let firstError: unknown;
  let stopResolve!: () => void;
  const stopped = new Promise<'stopped'>((resolve) => (stopResolve = () => resolve('stopped')));
  let stop = false;
  const abort = (): void => {
    stop = true;
    stopResolve();
  };
  ctx.signal.addEventListener('abort', abort);
  const timer = args.timeout === undefined ? undefined : setTimeout(abort, args.timeout * 1000);

  const pending: Promise<void>[] = [];
  for (const m of plan.messages) {
    if (stop || firstError instanceof AuthenticationError) break;
    if ((await Promise.race([publisher.ready().catch(() => undefined), stopped])) === 'stopped') break;
    pending.push(
      publisher.send(m).then(
        () => {
          receipted++;
          progress.tick();
        },
        (err: unknown) => {
          firstError ??= err;
        },
      ),
    );
  }
  await Promise.race([Promise.all(pending), stopped]);
  if (timer) clearTimeout(timer);
  ctx.signal.removeEventListener('abort', abort);
  progress.finish();

  const ok = receipted === total;
  const error = firstError;
  const connected = publisher.state === 'connected';
  await publisher.close({ abandon: !ok });
  const stats = publisher.stats();
  if (ok) {
    const used = stats.brokers.filter((b) => b.messages > 0).map((b) => `${b.broker}: ${b.messages}`);
    ctx.logger.info('all messages receipted', { destination, messages: String(receipted), resent: String(stats.resent), brokers: used.join(', ') });
    return 0;
  }
  let why = error !== undefined ? describeError(error) : ctx.signal.aborted ? 'interrupted' : `timed out after ${args.timeout} s`;
  if (error === undefined && !connected) {
    why += ` (no broker reachable: ${stats.brokers.map((b) => `${b.broker}: ${b.lastError ?? 'not tried'}`).join('; ')})`;
  }
  ctx.stderr.write(`gridmsg: ${receipted} of ${total} messages receipted: ${why}\n`);
  return error instanceof AuthenticationError ? EXIT_AUTH : 1;
}

export const sendCommand = defineCommand<SendArgs>({
  command: 'send',
  describe: 'publish messages (persistent, receipted); exit 0 only when every receipt arrived',
  builder: sendBuilder,
  run: send,
});
