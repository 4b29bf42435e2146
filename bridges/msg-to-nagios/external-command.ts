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
  const room = Math.min(maxOutputBytes, maxLineBytes - utf8Length(prefix) - 1);
  const { text, truncated } = fitEscapedOutput(escapeOutput(r.output), Math.max(0, room));
  const line = `${prefix}${text}\n`;
  return { line, bytes: utf8Length(line), truncated };
}

/** True when the full output (up to `maxOutputBytes`) fits one pipe line without further cutting. */
export function fitsOneLine(r: PreparedResult, maxLineBytes: number = PIPE_BUF, maxOutputBytes: number = NAGIOS_OUTPUT_LIMIT): boolean {
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
 */
export function packChunks<T>(lines: Array<{ line: string; item: T }>, limit: number = PIPE_BUF): Array<PipeChunk<T>> {
  const chunks: Array<PipeChunk<T>> = [];
  let parts: Buffer[] = [];
  let items: T[] = [];
  let size = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    chunks.push({ data: Buffer.concat(parts, size), items });
    parts = [];
    items = [];
    size = 0;
  };
  for (const { line, item } of lines) {
    const buf = Buffer.from(line, 'utf8');
    if (buf.length > limit) throw new RangeError(`command line of ${buf.length} bytes exceeds the ${limit}-byte write limit`);
    if (size + buf.length > limit) flush();
    parts.push(buf);
    items.push(item);
    size += buf.length;
  }
  flush();
  return chunks;
}
