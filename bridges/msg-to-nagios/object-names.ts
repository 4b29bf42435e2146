/**
 * Host and service names that may go into a Nagios external command. A name
 * is refused (never repaired: a repaired name would address another object)
 * when it could break the command syntax or names no object Nagios allows.
 */

/** Nagios' usual illegal_object_name_chars, without `=` (grid metric names such as `...-/ops/Role=lcgadmin` use it). */
export const DEFAULT_ILLEGAL_NAME_CHARS = "`~!$%^&*|'\"<>?,()";

/** Characters refused whatever the configuration: command separators and brackets, backslash. */
const ALWAYS_ILLEGAL = ';[]\\';

export const MAX_HOST_NAME_BYTES = 255;
export const MAX_SERVICE_NAME_BYTES = 1024;

export type NameCheck = { ok: true } | { ok: false; detail: string };

/** Describes a character for an error message without echoing control bytes. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return `control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return `character ${JSON.stringify(ch)}`;
}

/**
 * Checks a host name or service description. `illegalChars` is the central
 * Nagios' illegal_object_name_chars (default DEFAULT_ILLEGAL_NAME_CHARS).
 */
export function checkObjectName(
  kind: 'host' | 'service',
  name: string,
  illegalChars: string = DEFAULT_ILLEGAL_NAME_CHARS,
): NameCheck {
  if (name.length === 0) return { ok: false, detail: `${kind} name is empty` };
  if (name.trim() !== name) return { ok: false, detail: `${kind} name has leading or trailing white space` };
  const max = kind === 'host' ? MAX_HOST_NAME_BYTES : MAX_SERVICE_NAME_BYTES;
  if (Buffer.byteLength(name, 'utf8') > max) return { ok: false, detail: `${kind} name is longer than ${max} bytes` };
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029 || cp === 0xfffd) {
      return { ok: false, detail: `${kind} name contains ${describeChar(ch)}` };
    }
    if (ALWAYS_ILLEGAL.includes(ch) || illegalChars.includes(ch)) {
      return { ok: false, detail: `${kind} name contains ${describeChar(ch)}` };
    }
  }
  return { ok: true };
}
