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
  const max = kind === 'host' ? MAX_HOST_NAME_BYTES : MAX_SERVICE_NAME_BYTES;
  // Fast path (every good name): one regex test, lengths in UTF-16 units bound the bytes.
  if (name.length > 0 && name.length * 3 <= max && badCharPattern(illegalChars).test(name) === false && name.trim() === name) return OK;
  if (name.length === 0) return { ok: false, detail: `${kind} name is empty` };
  if (name.trim() !== name) return { ok: false, detail: `${kind} name has leading or trailing white space` };
  if (Buffer.byteLength(name, 'utf8') > max) return { ok: false, detail: `${kind} name is longer than ${max} bytes` };
  const bad = badCharPattern(illegalChars).exec(name);
  if (bad !== null) return { ok: false, detail: `${kind} name contains ${describeChar(String.fromCodePoint(bad[0].codePointAt(0)!))}` };
  return OK;
}

const OK: NameCheck = { ok: true };
const patterns = new Map<string, RegExp>();

/** One character class of everything refused in a name, compiled once per illegal-chars setting. */
function badCharPattern(illegalChars: string): RegExp {
  let re = patterns.get(illegalChars);
  if (re === undefined) {
    const escaped = [...new Set([...ALWAYS_ILLEGAL, ...illegalChars])].map((c) => c.replace(/[\\\]\[^-]/g, '\\$&')).join('');
    re = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\ufffd${escaped}]`, 'u');
    patterns.set(illegalChars, re);
  }
  return re;
}
