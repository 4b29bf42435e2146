/**
 * Parses one result line (see template.ts). Pure; never throws.
 */
import type { CheckKind } from '../format/index.js';
import { ESCAPED_LINE_MARKER, LABELS, LINE_MARKER, type Label } from './template.js';

export interface ResultLine {
  kind: CheckKind;
  /** Decoded values; a macro Nagios could not expand (undefined custom variable) reads as ''. */
  fields: Partial<Record<Label, string>>;
}

export type LineParse = { ok: true; line: ResultLine } | { ok: false; error: string };

const KNOWN: ReadonlySet<string> = new Set(LABELS);
const LABEL_AT_START = /^([A-Z]+)::/;
/** What Nagios leaves for an undefined custom variable macro. */
const UNEXPANDED_MACRO = /^\$_(SERVICE|HOST)[A-Z0-9_]+\$$/;
const CUSTOM_LABELS: ReadonlySet<Label> = new Set<Label>(['SITE', 'HOSTSITE', 'URI', 'HOSTURI', 'FLAVOUR', 'HOSTFLAVOUR', 'VO', 'HOSTVO', 'METRIC']);

/** Undoes the handler's escaping: `\\` `\t` `\n` `\r`. */
export function unescapeValue(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i === s.length - 1) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    out += n === 't' ? '\t' : n === 'n' ? '\n' : n === 'r' ? '\r' : n === '\\' ? '\\' : '\\' + n;
  }
  return out;
}

/** Escapes a value the way the handler does (used by tests and tools that write lines). */
export function escapeValue(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Undoes Nagios' escaping of long output: `\n` is a newline, `\\` a backslash. */
export function unescapeNagiosLongOutput(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1]!;
      if (n === 'n') {
        out += '\n';
        i++;
        continue;
      }
      if (n === '\\') {
        out += '\\';
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

export function parseResultLine(text: string): LineParse {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  const tokens = line.split('\t');
  const head = tokens[0]!;
  const sep = head.indexOf('::');
  const marker = sep < 0 ? head : head.slice(0, sep);
  const kindText = sep < 0 ? '' : head.slice(sep + 2);
  if (marker !== LINE_MARKER && marker !== ESCAPED_LINE_MARKER) {
    return { ok: false, error: `not a gridmsg result line (starts with "${head.slice(0, 40)}", expected ${LINE_MARKER}::SERVICE or ${LINE_MARKER}::HOST)` };
  }
  if (kindText !== 'SERVICE' && kindText !== 'HOST') return { ok: false, error: `unknown result kind "${kindText}" (expected SERVICE or HOST)` };
  const escaped = marker === ESCAPED_LINE_MARKER;
  const raw: Partial<Record<Label, string>> = {};
  let current: Label | undefined;
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    const m = LABEL_AT_START.exec(token);
    if (m && KNOWN.has(m[1]!) && raw[m[1] as Label] === undefined) {
      current = m[1] as Label;
      raw[current] = token.slice(m[0].length);
    } else if (current !== undefined) {
      raw[current] += '\t' + token;
    } else {
      return { ok: false, error: `field ${i + 1} "${token.slice(0, 40)}" has no LABEL:: prefix` };
    }
  }
  const fields: Partial<Record<Label, string>> = {};
  for (const [label, value] of Object.entries(raw) as Array<[Label, string]>) {
    let v = escaped ? unescapeValue(value) : value;
    if (label === 'LONGOUTPUT') v = unescapeNagiosLongOutput(v);
    if (CUSTOM_LABELS.has(label) && UNEXPANDED_MACRO.test(v)) v = '';
    fields[label] = v;
  }
  const kind: CheckKind = kindText === 'HOST' ? 'host' : 'service';
  if (!fields.HOST) return { ok: false, error: 'no HOST field' };
  if (kind === 'service' && !fields.SERVICE) return { ok: false, error: 'no SERVICE field' };
  if (!fields.STATE) return { ok: false, error: 'no STATE field' };
  return { ok: true, line: { kind, fields } };
}

/** Writes a line (escaped form) from decoded values: the inverse of parseResultLine for handler lines. */
export function formatEscapedLine(kind: CheckKind, fields: Partial<Record<Label, string>>): string {
  const parts = [`${ESCAPED_LINE_MARKER}::${kind === 'service' ? 'SERVICE' : 'HOST'}`];
  for (const label of LABELS) {
    const v = fields[label];
    if (v === undefined) continue;
    // The long output travels Nagios-escaped, then handler-escaped.
    const nagios = label === 'LONGOUTPUT' ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : v;
    parts.push(`${label}::${escapeValue(nagios)}`);
  }
  return parts.join('\t');
}
