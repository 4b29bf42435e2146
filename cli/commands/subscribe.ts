/**
 * `gridmsg subscribe`: receives messages (client-individual acks) and prints
 * them or writes them to a file. A message is acked only after it was
 * written. `--count N` exits after N messages; the rest stay on the broker.
 *
 * Output formats: `body` (each body followed by a newline) or `json` (one
 * JSON object per line: destination, headers, body as UTF-8 text when it is
 * valid UTF-8, and always bodyBase64).
 *
 * Exit codes: 0 done (count reached, or interrupted without --count);
 * 1 count not reached (timeout, interrupted, broker refused the subscription);
 * 2 usage or configuration error; 3 the broker refused the credentials.
 */
import fs from 'node:fs';
import type { Argv } from 'yargs';
import { ConfigError, describeError } from '../../core/errors.js';
import { AuthenticationError, LeaveUnacked, Progress, connectionFromCli, createConsumer, type ReceivedMessage } from '../../clients/index.js';
import { defineCommand, type CommandContext, type GlobalOptions } from '../command.js';
import { EXIT_AUTH, connectionInput, connectionOptionsBuilder, type BuiltArgs } from './send.js';

function subscribeBuilder(y: Argv<GlobalOptions>) {
  return connectionOptionsBuilder(y)
    .option('destination', { type: 'string', array: true, describe: "destination(s) to read (default: every queue of the consumer config)" })
    .option('count', { type: 'number', describe: 'exit after N messages' })
    .option('out', { type: 'string', describe: 'append messages to this file (default: stdout)' })
    .option('format', { choices: ['body', 'json'] as const, default: 'body' as const, describe: 'output format' })
    .option('ack', { choices: ['client-individual'] as const, default: 'client-individual' as const, describe: 'ack mode (a message is acked once written)' })
    .option('prefetch', { type: 'number', describe: "activemq.prefetchSize (default: the consumer config's prefetch, else 100)" })
    .option('timeout', { type: 'number', describe: 'give up (exit 1) after this many seconds without reaching --count' })
    .check((a) => {
      if (a.count !== undefined && (!Number.isInteger(a.count) || a.count < 1)) throw new Error('--count must be a positive integer');
      if (a.prefetch !== undefined && (!Number.isInteger(a.prefetch) || a.prefetch < 1)) throw new Error('--prefetch must be a positive integer');
      return true;
    });
}

type SubscribeArgs = BuiltArgs<typeof subscribeBuilder>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One output record for a message (pure). */
export function formatMessage(m: ReceivedMessage, format: 'body' | 'json'): Buffer {
  if (format === 'body') return Buffer.concat([Buffer.from(m.body), Buffer.from('\n')]);
  let text: string | undefined;
  try {
    text = utf8.decode(m.body);
  } catch {
    text = undefined;
  }
  const record = {
    destination: m.destination,
    broker: m.broker,
    headers: m.headers,
    ...(text === undefined ? {} : { body: text }),
    bodyBase64: Buffer.from(m.body).toString('base64'),
  };
  return Buffer.from(JSON.stringify(record) + '\n');
}

function writeAll(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

async function subscribe(args: SubscribeArgs, ctx: CommandContext): Promise<number> {
  const { options, config } = connectionFromCli(connectionInput(args));
  const destinations = args.destination ?? (config?.kind === 'consumer' ? config.queues.map((q) => q.destination) : undefined);
  if (destinations === undefined || destinations.length === 0) {
    throw new ConfigError('no destination: give --destination (or a consumer --config)', { path: '--destination' });
  }
  let out: NodeJS.WritableStream = ctx.stdout;
  let file: fs.WriteStream | undefined;
  if (args.out !== undefined) {
    try {
      fs.closeSync(fs.openSync(args.out, 'a'));
    } catch (err) {
      throw new ConfigError(`cannot write output: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: args.out });
    }
    file = fs.createWriteStream(args.out, { flags: 'a' });
    out = file;
  }

  const consumer = createConsumer({ ...options, logger: ctx.logger });
  // No bar when the messages themselves are printed on the terminal.
  const progress = new Progress(ctx.stderr, args.count, 'received', file !== undefined || (ctx.stdout as NodeJS.WriteStream).isTTY !== true);
  let received = 0;
  let finish!: (why: 'count' | 'stopped' | Error) => void;
  const finished = new Promise<'count' | 'stopped' | Error>((resolve) => (finish = resolve));
  const onAbort = (): void => finish('stopped');
  ctx.signal.addEventListener('abort', onAbort);
  const timer = args.timeout === undefined ? undefined : setTimeout(onAbort, args.timeout * 1000);

  // `reserved` counts messages being written, so several subscriptions never write more than --count.
  let reserved = 0;
  let closing: Promise<void> | undefined;
  const handler = async (m: ReceivedMessage): Promise<void> => {
    if (args.count !== undefined && reserved >= args.count) throw new LeaveUnacked();
    reserved++;
    try {
      await writeAll(out, formatMessage(m, args.format));
    } catch (err) {
      reserved--;
      throw err;
    }
    received++;
    progress.tick();
    if (args.count !== undefined && received >= args.count) {
      closing ??= consumer.close(); // stops dispatching before the next message; this one is still acked
      finish('count');
    }
  };
  // The generator sizes a consumer config's prefetch to the broker's memory (docs/broker-network.md).
  const prefetch = args.prefetch ?? (config?.kind === 'consumer' ? config.prefetch : undefined) ?? 100;
  for (const destination of destinations) {
    consumer.subscribe({ destination, prefetch }, handler).then(
      () => ctx.logger.debug('subscribed', { destination, prefetch }),
      (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
    );
  }
  const why = await finished;
  if (timer) clearTimeout(timer);
  ctx.signal.removeEventListener('abort', onAbort);
  await (closing ?? consumer.close());
  progress.finish();
  if (file) await new Promise<void>((resolve) => file.end(() => resolve()));

  if (why === 'count') return 0;
  if (why === 'stopped') {
    if (args.count === undefined && ctx.signal.aborted) return 0;
    ctx.stderr.write(`gridmsg: received ${received} of ${args.count ?? '?'} messages: ${ctx.signal.aborted ? 'interrupted' : `timed out after ${args.timeout} s`}\n`);
    return 1;
  }
  ctx.stderr.write(`gridmsg: ${describeError(why)}\n`);
  return why instanceof AuthenticationError ? EXIT_AUTH : 1;
}

export const subscribeCommand = defineCommand<SubscribeArgs>({
  command: 'subscribe',
  describe: 'receive messages (client-individual acks), print them or write them to a file',
  builder: subscribeBuilder,
  run: subscribe,
});
