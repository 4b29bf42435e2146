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

const LABEL_PREFIXES = LABELS.map((l) => `${l}::`);

/** Decodes a raw field value. */
function decodeValue(label: Label, raw: string, escaped: boolean): string {
  let v = escaped && raw.includes('\\') ? unescapeValue(raw) : raw;
  if (label === 'LONGOUTPUT') v = unescapeNagiosLongOutput(v);
  else if (v.charCodeAt(0) === 36 /* $ */ && CUSTOM_LABELS.has(label) && UNEXPANDED_MACRO.test(v)) v = '';
  return v;
}

/**
 * The label starting at `start`, if it is a known one not seen yet. Labels
 * are tried in template order from `hint` first (no allocation), then any
 * known label (a site may have reordered its template).
 */
function labelAt(line: string, start: number, end: number, hint: number, seen: Partial<Record<Label, string>>): number {
  for (let k = hint; k < LABELS.length; k++) {
    if (line.startsWith(LABEL_PREFIXES[k]!, start) && seen[LABELS[k]!] === undefined && start + LABEL_PREFIXES[k]!.length <= end) return k;
  }
  const colons = line.indexOf('::', start);
  if (colons <= start || colons >= end || colons - start > 12) return -1;
  const k = LABELS.indexOf(line.slice(start, colons) as Label);
  return k >= 0 && seen[LABELS[k]!] === undefined ? k : -1;
}

export function parseResultLine(text: string): LineParse {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  const firstTab = line.indexOf('\t');
  const head = firstTab < 0 ? line : line.slice(0, firstTab);
  const sep = head.indexOf('::');
  const marker = sep < 0 ? head : head.slice(0, sep);
  const kindText = sep < 0 ? '' : head.slice(sep + 2);
  if (marker !== LINE_MARKER && marker !== ESCAPED_LINE_MARKER) {
    return { ok: false, error: `not a gridmsg result line (starts with "${head.slice(0, 40)}", expected ${LINE_MARKER}::SERVICE or ${LINE_MARKER}::HOST)` };
  }
  if (kindText !== 'SERVICE' && kindText !== 'HOST') return { ok: false, error: `unknown result kind "${kindText}" (expected SERVICE or HOST)` };
  const escaped = marker === ESCAPED_LINE_MARKER;
  const fields: Partial<Record<Label, string>> = {};
  // The current field: label index and value range; a token without a known, unseen label extends it (a tab inside the value).
  let current = -1;
  let vStart = 0;
  let vEnd = 0;
  let pos = firstTab;
  let index = 1;
  while (pos >= 0) {
    const start = pos + 1;
    const next = line.indexOf('\t', start);
    const end = next < 0 ? line.length : next;
    const k = labelAt(line, start, end, current + 1, fields);
    if (k >= 0 && k !== current) {
      if (current >= 0) fields[LABELS[current]!] = decodeValue(LABELS[current]!, line.slice(vStart, vEnd), escaped);
      current = k;
      vStart = start + LABEL_PREFIXES[k]!.length;
      vEnd = end;
    } else if (current >= 0) {
      vEnd = end;
    } else {
      return { ok: false, error: `field ${index + 1} "${line.slice(start, Math.min(end, start + 40))}" has no LABEL:: prefix` };
    }
    pos = next;
    index++;
  }
  if (current >= 0) fields[LABELS[current]!] = decodeValue(LABELS[current]!, line.slice(vStart, vEnd), escaped);
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
