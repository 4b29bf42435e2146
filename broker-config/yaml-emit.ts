/**
 * A small, fast YAML emitter for the generated client configurations (plain
 * objects of strings, numbers, booleans and arrays). Deterministic: keys in
 * insertion order. Strings that YAML could read as something else are
 * double-quoted (JSON string syntax is valid YAML).
 */

type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_.\/@-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

export function yamlScalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return PLAIN.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
}

function isObject(v: Value): v is { [key: string]: Value } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function emit(value: Value, indent: string, out: string[]): void {
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const key = yamlScalar(k);
      if (isObject(v) && Object.keys(v).length > 0) {
        out.push(`${indent}${key}:`);
        emit(v, `${indent}  `, out);
      } else if (Array.isArray(v) && v.length > 0) {
        out.push(`${indent}${key}:`);
        emitList(v, `${indent}  `, out);
      } else {
        out.push(`${indent}${key}: ${isObject(v) ? '{}' : Array.isArray(v) ? '[]' : yamlScalar(v as string | number | boolean | null)}`);
      }
    }
    return;
  }
  if (Array.isArray(value)) emitList(value, indent, out);
  else out.push(`${indent}${yamlScalar(value ?? null)}`);
}

function emitList(list: Value[], indent: string, out: string[]): void {
  for (const item of list) {
    if (isObject(item) && Object.keys(item).length > 0) {
      const inner: string[] = [];
      emit(item, `${indent}  `, inner);
      const first = inner[0]!.slice(indent.length + 2);
      out.push(`${indent}- ${first}`, ...inner.slice(1));
    } else if (Array.isArray(item)) {
      out.push(`${indent}-`);
      emitList(item, `${indent}  `, out);
    } else {
      out.push(`${indent}- ${isObject(item) ? '{}' : yamlScalar(item ?? null)}`);
    }
  }
}

/** YAML text of a plain value, ending with a newline. */
export function toYaml(value: unknown): string {
  const out: string[] = [];
  emit(value as Value, '', out);
  return `${out.join('\n')}\n`;
}
