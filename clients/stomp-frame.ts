/**
 * STOMP 1.2 frames as values, and their serialization (pure functions).
 * https://stomp.github.io/stomp-specification-1.2.html
 */

/** One frame. Headers keep their order; a repeated header's first value wins (spec). */
export interface StompFrame {
  command: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

/** Value of the first header named `name`, as STOMP 1.2 says repeated headers resolve. */
export function header(frame: StompFrame, name: string): string | undefined {
  for (const [k, v] of frame.headers) if (k === name) return v;
  return undefined;
}

/** Headers as a record (first value wins). */
export function headerRecord(frame: StompFrame): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of frame.headers) if (!(k in out)) out[k] = v;
  return out;
}

/** CONNECT and CONNECTED frames do not escape header octets (spec, "Value Encoding"). */
export function escapesHeaders(command: string): boolean {
  return command !== 'CONNECT' && command !== 'CONNECTED';
}

const HEADER_SPECIAL = /[\\\r\n:]/;
const HEADER_SPECIALS = /[\\\r\n:]/g;
const HEADER_ESCAPES: Record<string, string> = { '\\': '\\\\', '\r': '\\r', '\n': '\\n', ':': '\\c' };

/** STOMP 1.2 header escaping: `\` -> `\\`, CR -> `\r`, LF -> `\n`, `:` -> `\c`. */
export function escapeHeader(value: string): string {
  if (!HEADER_SPECIAL.test(value)) return value;
  return value.replace(HEADER_SPECIALS, (c) => HEADER_ESCAPES[c]!);
}

/** Inverse of escapeHeader; returns undefined for an undefined escape sequence (a protocol error). */
export function unescapeHeader(value: string): string | undefined {
  if (!value.includes('\\')) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = value[++i];
    if (next === '\\') out += '\\';
    else if (next === 'r') out += '\r';
    else if (next === 'n') out += '\n';
    else if (next === 'c') out += ':';
    else return undefined;
  }
  return out;
}

export interface SerializeOptions {
  /** Add `content-length` when the frame has none (default true; needed for binary bodies). */
  contentLength?: boolean;
}

/** Serializes one frame to bytes: command, escaped headers, blank line, body, NUL. */
export function serializeFrame(frame: StompFrame, options: SerializeOptions = {}): Buffer {
  const escape = escapesHeaders(frame.command);
  let head = frame.command + '\n';
  let hasLength = false;
  for (const [k, v] of frame.headers) {
    if (k === 'content-length') hasLength = true;
    head += escape ? `${escapeHeader(k)}:${escapeHeader(v)}\n` : `${k}:${v}\n`;
  }
  if (!hasLength && (options.contentLength ?? true) && frame.body.length > 0) {
    head += `content-length:${frame.body.length}\n`;
  }
  head += '\n';
  const headBytes = Buffer.from(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes.length + frame.body.length + 1);
  headBytes.copy(out, 0);
  out.set(frame.body, headBytes.length);
  out[out.length - 1] = 0;
  return out;
}

/** Convenience constructor. */
export function frame(command: string, headers: Record<string, string> = {}, body: Uint8Array | string = new Uint8Array(0)): StompFrame {
  return {
    command,
    headers: Object.entries(headers),
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

/** A heart-beat is a single EOL between frames. */
export const HEARTBEAT = Buffer.from('\n');
