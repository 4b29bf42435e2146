import { escapeOutput, fitEscapedOutput, utf8Length } from './output-text.js';
import type { PreparedResult } from './types.js';

/**
 * Nagios external commands for passive results:
 *   [time] PROCESS_SERVICE_CHECK_RESULT;host;service;code;output
 *   [time] PROCESS_HOST_CHECK_RESULT;host;code;output
 * `time` is the original result time, so Nagios records when the check ran.
 */

/** Linux PIPE_BUF: writes of at most this many bytes to a FIFO are atomic, never interleaved. */
export const PIPE_BUF = 4096;

/** Nagios' MAX_EXTERNAL_COMMAND_LENGTH and plugin output limit (8 KiB). */
export const NAGIOS_OUTPUT_LIMIT = 8192;

/** Everything of the command line before the output. */
export function commandPrefix(r: PreparedResult): string {
  const ts = Math.floor(r.timestamp);
  return r.kind === 'service'
    ? `[${ts}] PROCESS_SERVICE_CHECK_RESULT;${r.host};${r.service ?? ''};${r.code};`
    : `[${ts}] PROCESS_HOST_CHECK_RESULT;${r.host};${r.code};`;
}

export interface CommandLine {
  /** The whole line, newline included. */
  line: string;
  bytes: number;
  /** True when the output had to be cut (a marker says so in the output). */
  truncated: boolean;
}

/**
 * The command line of a result, cut so that it is at most `maxLineBytes`
 * (newline included) and its output at most `maxOutputBytes` escaped bytes.
 */
export function commandLine(r: PreparedResult, maxLineBytes: number = PIPE_BUF, maxOutputBytes: number = NAGIOS_OUTPUT_LIMIT): CommandLine {
  const prefix = commandPrefix(r);
  const short = shortLine(prefix, r.output, maxLineBytes, maxOutputBytes);
  if (short !== undefined) return { line: short, bytes: utf8Length(short), truncated: false };
  const prefixBytes = utf8Length(prefix);
  const escaped = escapeOutput(r.output);
  const escapedBytes = utf8Length(escaped);
  const room = Math.min(maxOutputBytes, maxLineBytes - prefixBytes - 1);
  if (escapedBytes <= room) return { line: `${prefix}${escaped}\n`, bytes: prefixBytes + escapedBytes + 1, truncated: false };
  const { text } = fitEscapedOutput(escaped, Math.max(0, room));
  const line = `${prefix}${text}\n`;
  return { line, bytes: utf8Length(line), truncated: true };
}

/**
 * The whole line when it surely needs no cutting (escaping at most doubles
 * the output, a UTF-16 unit is at most 3 UTF-8 bytes), else undefined: the
 * usual short result, without measuring bytes.
 */
function shortLine(prefix: string, output: string, maxLineBytes: number, maxOutputBytes: number): string | undefined {
  if (output.length * 6 > maxOutputBytes || (prefix.length + output.length * 2 + 1) * 3 > maxLineBytes) return undefined;
  return `${prefix}${escapeOutput(output)}\n`;
}

/**
 * The command line of a result when it is short (see shortLine), without its
 * byte count, or undefined: then use commandLine, which measures and cuts.
 */
export function shortCommandLine(r: PreparedResult, maxLineBytes: number = PIPE_BUF, maxOutputBytes: number = NAGIOS_OUTPUT_LIMIT): string | undefined {
  return shortLine(commandPrefix(r), r.output, maxLineBytes, maxOutputBytes);
}

/** True when the full output (up to `maxOutputBytes`) fits one pipe line without further cutting. */
export function fitsOneLine(r: PreparedResult, maxLineBytes: number = PIPE_BUF, maxOutputBytes: number = NAGIOS_OUTPUT_LIMIT): boolean {
  // Escaping at most doubles the length, a UTF-16 unit is at most 3 UTF-8 bytes,
  // and names are at most 255 + 1024 bytes: short outputs fit without counting.
  if (r.output.length * 6 + 1400 <= maxLineBytes) return true;
  const escaped = Math.min(utf8Length(escapeOutput(r.output)), maxOutputBytes);
  return utf8Length(commandPrefix(r)) + escaped + 1 <= maxLineBytes;
}

/** A group of whole lines written with one write(2). */
export interface PipeChunk<T> {
  data: Buffer;
  items: T[];
}

/**
 * Packs whole lines, in order, into chunks of at most `limit` bytes. A line
 * longer than `limit` is a programming error (lines are cut before).
 * `bytes` (the line's UTF-8 length) is computed when not given.
 */
export function packChunks<T>(lines: Array<{ line: string; item: T; bytes?: number }>, limit: number = PIPE_BUF): Array<PipeChunk<T>> {
  const chunks: Array<PipeChunk<T>> = [];
  let text = '';
  let items: T[] = [];
  let size = 0;
  const flush = (): void => {
    if (items.length === 0) return;
    chunks.push({ data: Buffer.from(text, 'utf8'), items });
    text = '';
    items = [];
    size = 0;
  };
  for (const { line, item, bytes } of lines) {
    const n = bytes ?? utf8Length(line);
    if (n > limit) throw new RangeError(`command line of ${n} bytes exceeds the ${limit}-byte write limit`);
    if (size + n > limit) flush();
    text += line;
    items.push(item);
    size += n;
  }
  flush();
  return chunks;
}
