/**
 * Plugin output as Nagios must receive it. Nagios 4 reads a passive result's
 * output (command pipe and check-result files alike) as one line in which `\n`
 * means a newline and `\\` a backslash (unescape_check_result_output). So the
 * output is first neutralized (control characters made harmless), then escaped
 * onto one line, then cut to the room the writer has, with a visible marker.
 */
import { formatPluginOutput } from '../format/index.js';

/** Replacement for control characters that have no business in plugin output. */
export const CONTROL_REPLACEMENT = '?';

/** True when the text holds a NUL character (always refused: C strings end there). */
export function hasNul(text: string): boolean {
  return text.includes('\u0000');
}

/**
 * Makes output text harmless: CR LF and lone CR become LF, tab stays, every
 * other C0/C1 control character and DEL becomes `?`. Does not escape.
 * Callers refuse NUL before (it is replaced here too, as a last line of defence).
 */
export function neutralizeOutput(text: string): string {
  if (!NEEDS_NEUTRALIZING.test(text)) return text;
  return text.replace(/\r\n?/g, '\n').replace(CONTROLS, CONTROL_REPLACEMENT);
}

const NEEDS_NEUTRALIZING = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Escapes output onto one line the way Nagios unescapes it: `\` -> `\\`,
 * newline -> `\n`. Jumps from one character to escape to the next with
 * indexOf (usual output: one newline, before the long output), rather than a
 * regex replace calling back per match; escapeOutputGeneral is the reference.
 */
export function escapeOutput(text: string): string {
  let nl = text.indexOf('\n');
  let bs = text.indexOf('\\');
  if (nl < 0 && bs < 0) return text;
  let out = '';
  let from = 0;
  for (;;) {
    const at = nl < 0 ? bs : bs < 0 ? nl : Math.min(nl, bs);
    if (at < 0) return out + text.slice(from);
    if (at === nl) {
      out += text.slice(from, at) + '\\n';
      nl = text.indexOf('\n', at + 1);
    } else {
      out += text.slice(from, at) + '\\\\';
      bs = text.indexOf('\\', at + 1);
    }
    from = at + 1;
  }
}

/** escapeOutput in one regex replace: the reference of the fast version. */
export function escapeOutputGeneral(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** Inverse of escapeOutput, exactly as Nagios' unescape_check_result_output does it. */
export function unescapeOutput(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '\\' && next === '\\') {
      out += '\\';
      i++;
    } else if (c === '\\' && next === 'n') {
      out += '\n';
      i++;
    } else out += c;
  }
  return out;
}

/** Bytes of a string in UTF-8. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes, never splitting a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to a character start.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/** The marker appended to cut output, so nobody mistakes it for the whole story. */
export function truncationMarker(originalBytes: number): string {
  return ` [gridmsg: output truncated, ${originalBytes} bytes]`;
}

/**
 * Cuts already-escaped output to at most `maxBytes` bytes including the
 * marker. Never leaves half an escape sequence (`\` at the end) and never
 * splits a UTF-8 character. Returns the text unchanged when it fits.
 */
export function fitEscapedOutput(escaped: string, maxBytes: number): { text: string; truncated: boolean } {
  // At most 3 UTF-8 bytes per UTF-16 unit: short text fits without counting.
  if (escaped.length * 3 <= maxBytes) return { text: escaped, truncated: false };
  const size = utf8Length(escaped);
  if (size <= maxBytes) return { text: escaped, truncated: false };
  const marker = truncationMarker(size);
  // With room for the marker, keep it; in a room too small for it (never in practice), keep text only.
  const withMarker = utf8Length(marker) <= maxBytes;
  let head = utf8Prefix(escaped, withMarker ? maxBytes - utf8Length(marker) : maxBytes);
  // An odd run of trailing backslashes means we cut an escape pair in half.
  const trailing = /\\+$/.exec(head)?.[0].length ?? 0;
  if (trailing % 2 === 1) head = head.slice(0, -1);
  return { text: withMarker ? head + marker : head, truncated: true };
}

/**
 * The Nagios output of a result: the plugin output the site's Nagios saw,
 * rebuilt from the record's parts (summary, then ` | perfdata`, then the long
 * output on the following lines), as the message format defines it.
 */
export function composeOutput(summary: string, details: string, perfData: string): string {
  return formatPluginOutput({ summary, longOutput: details, perfData: perfData.trim() });
}

/**
 * neutralizeOutput(composeOutput(...)), checking the parts rather than the
 * joined text (the parts are slices of the message; the joined text would
 * have to be flattened first). The joints add no control character.
 */
export function composeNeutralOutput(summary: string, details: string, perfData: string): string {
  const composed = composeOutput(summary, details, perfData);
  return NEEDS_NEUTRALIZING.test(summary) || NEEDS_NEUTRALIZING.test(details) || NEEDS_NEUTRALIZING.test(perfData) ? neutralizeOutput(composed) : composed;
}
