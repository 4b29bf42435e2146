/**
 * Performance data per the Nagios plugin guidelines:
 *   'label'=value[UOM];[warn];[crit];[min];[max]
 * Labels with spaces or `=` are single-quoted, a quote inside is doubled
 * (`''`). Thresholds are ranges `[@][start:][end]`, `~` meaning -infinity.
 * Malformed items are reported and skipped; parsing never throws.
 */
export interface PerfRange {
  /** -Infinity for `~`. */
  start: number;
  /** Infinity when the end is empty. */
  end: number;
  /** `@` prefix: alert inside the range instead of outside. */
  inside: boolean;
}

export interface PerfDatum {
  label: string;
  /** null for `U` (value undetermined). */
  value: number | null;
  uom: string;
  warn?: PerfRange;
  crit?: PerfRange;
  min?: number;
  max?: number;
}

export interface PerfDataParse {
  data: PerfDatum[];
  /** One message per malformed item. */
  errors: string[];
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const VALUE = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|U)([^;\d\s.][^;\s]*)?$/;

function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

/** Parses a threshold range; undefined when malformed. */
export function parseRange(text: string): PerfRange | undefined {
  let t = text;
  let inside = false;
  if (t.startsWith('@')) {
    inside = true;
    t = t.slice(1);
  }
  if (t === '') return undefined;
  const colon = t.indexOf(':');
  if (colon < 0) {
    const end = parseNumber(t);
    return end === undefined ? undefined : { start: 0, end, inside };
  }
  const s = t.slice(0, colon);
  const e = t.slice(colon + 1);
  const start = s === '~' ? -Infinity : s === '' ? 0 : parseNumber(s);
  const end = e === '' ? Infinity : parseNumber(e);
  if (start === undefined || end === undefined) return undefined;
  return { start, end, inside };
}

export function formatRange(r: PerfRange): string {
  const prefix = r.inside ? '@' : '';
  const end = r.end === Infinity ? '' : String(r.end);
  if (r.start === 0 && r.end !== Infinity) return prefix + end;
  const start = r.start === -Infinity ? '~' : String(r.start);
  return `${prefix}${start}:${end}`;
}

/** Splits perfdata into items, honouring quoted labels. */
function tokenize(text: string): Array<{ token: string; error?: string }> {
  const out: Array<{ token: string; error?: string }> = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) break;
    const start = i;
    if (text[i] === "'") {
      i++;
      let closed = false;
      while (i < n) {
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        i++;
      }
      if (!closed) {
        out.push({ token: text.slice(start), error: 'unterminated quoted label' });
        break;
      }
    }
    while (i < n && !/\s/.test(text[i]!)) i++;
    out.push({ token: text.slice(start, i) });
  }
  return out;
}

function parseItem(token: string): PerfDatum | string {
  let label: string;
  let rest: string;
  if (token.startsWith("'")) {
    let i = 1;
    let l = '';
    for (;;) {
      const c = token[i];
      if (c === undefined) return `unterminated quoted label in "${token}"`;
      if (c === "'") {
        if (token[i + 1] === "'") {
          l += "'";
          i += 2;
          continue;
        }
        break;
      }
      l += c;
      i++;
    }
    label = l;
    if (token[i + 1] !== '=') return `expected "=" after label in "${token}"`;
    rest = token.slice(i + 2);
  } else {
    const eq = token.indexOf('=');
    if (eq < 0) return `no "=" in "${token}"`;
    label = token.slice(0, eq);
    rest = token.slice(eq + 1);
  }
  if (label === '') return `empty label in "${token}"`;
  const parts = rest.split(';');
  if (parts.length > 5) return `more than 5 ";"-fields in "${token}"`;
  const m = VALUE.exec(parts[0] ?? '');
  if (!m) return `value "${parts[0] ?? ''}" of "${label}" is not a number or U`;
  const datum: PerfDatum = { label, value: m[1] === 'U' ? null : Number(m[1]), uom: m[2] ?? '' };
  const [, w, c, mn, mx] = parts;
  if (w !== undefined && w !== '') {
    const r = parseRange(w);
    if (!r) return `warning range "${w}" of "${label}" is malformed`;
    datum.warn = r;
  }
  if (c !== undefined && c !== '') {
    const r = parseRange(c);
    if (!r) return `critical range "${c}" of "${label}" is malformed`;
    datum.crit = r;
  }
  if (mn !== undefined && mn !== '') {
    const v = parseNumber(mn);
    if (v === undefined) return `min "${mn}" of "${label}" is not a number`;
    datum.min = v;
  }
  if (mx !== undefined && mx !== '') {
    const v = parseNumber(mx);
    if (v === undefined) return `max "${mx}" of "${label}" is not a number`;
    datum.max = v;
  }
  return datum;
}

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const RANGE = String.raw`@?(?:(?:${NUM}|~)?:)?(?:${NUM})?`;
const ITEM = String.raw`(?:'(?:[^']|'')+'|[^\s'=][^\s=]*)=(?:${NUM}|U)(?:[^;\d\s.][^;\s]*)?(?:;${RANGE}(?:;${RANGE}(?:;(?:${NUM})?(?:;(?:${NUM})?)?)?)?)?`;
const WELL_FORMED = new RegExp(String.raw`^\s*(?:${ITEM}(?:\s+|$))*$`);

/** Fast check that every perfdata item is well-formed (what parsePerfData would accept without errors). */
export function perfDataWellFormed(text: string): boolean {
  return WELL_FORMED.test(text) && (!text.includes("'") || parsePerfData(text).errors.length === 0);
}

export function parsePerfData(text: string): PerfDataParse {
  const data: PerfDatum[] = [];
  const errors: string[] = [];
  for (const { token, error } of tokenize(text)) {
    if (error) {
      errors.push(`${error}: "${token}"`);
      continue;
    }
    const item = parseItem(token);
    if (typeof item === 'string') errors.push(item);
    else data.push(item);
  }
  return { data, errors };
}

function formatLabel(label: string): string {
  return /[\s'=]/.test(label) ? `'${label.replaceAll("'", "''")}'` : label;
}

export function formatPerfDatum(d: PerfDatum): string {
  const fields = [
    (d.value === null ? 'U' : String(d.value)) + d.uom,
    d.warn ? formatRange(d.warn) : '',
    d.crit ? formatRange(d.crit) : '',
    d.min === undefined ? '' : String(d.min),
    d.max === undefined ? '' : String(d.max),
  ];
  while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return `${formatLabel(d.label)}=${fields.join(';')}`;
}

export function formatPerfData(data: readonly PerfDatum[]): string {
  return data.map(formatPerfDatum).join(' ');
}
