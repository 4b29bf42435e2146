/**
 * Reads the Prometheus text exposition format (version 0.0.4), as the
 * bridges' /metrics endpoints serve it (pure). Comments and TYPE/HELP lines
 * are skipped; each sample keeps its name, labels and value.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function number(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    const value = number(m[4]!);
    if (!Number.isNaN(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** Sum of the samples named exactly `name`, or of the first name ending in one of `suffixes`; undefined if none. */
export function metric(samples: Sample[], name: string, ...suffixes: string[]): number | undefined {
  let hits = samples.filter((s) => s.name === name);
  for (const suffix of suffixes) {
    if (hits.length > 0) break;
    const first = samples.find((s) => s.name.endsWith(suffix));
    if (first) hits = samples.filter((s) => s.name === first.name);
  }
  return hits.length === 0 ? undefined : hits.reduce((n, s) => n + s.value, 0);
}
