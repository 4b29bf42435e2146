/**
 * Reads a YAML document and checks fields one by one; every failure is a
 * ConfigError naming file:line:column and the field path.
 */
import { isMap, isSeq, type Node } from 'yaml';
import { ConfigError, type ErrorContext } from '../../core/errors.js';
import { fieldLocation, nodeAt, offsetLocation, parseYamlSource, type FieldPath, type YamlSource } from '../../core/yaml-source.js';

export type { FieldPath } from '../../core/yaml-source.js';

export class YamlChecker {
  private constructor(private readonly src: YamlSource) {}

  get file(): string {
    return this.src.file;
  }

  static parse(text: string, file: string): YamlChecker {
    const c = new YamlChecker(parseYamlSource(text, file));
    if (!isMap(c.src.doc.contents)) c.fail([], 'must be a mapping (key: value lines)');
    return c;
  }

  /** Error context of a field (or its closest existing parent). */
  where(p: FieldPath): ErrorContext {
    return fieldLocation(this.src, p);
  }

  fail(p: FieldPath, message: string): never {
    throw new ConfigError(message, this.where(p));
  }

  has(p: FieldPath): boolean {
    const v = this.src.doc.getIn(p);
    return v !== undefined && v !== null;
  }

  value(p: FieldPath): unknown {
    return this.src.doc.getIn(p);
  }

  /** Checks a mapping's keys; returns them. */
  mapping(p: FieldPath, allowed: readonly string[], required: readonly string[] = []): string[] {
    const node = nodeAt(this.src, p);
    if (!isMap(node)) this.fail(p, 'must be a mapping (key: value lines)');
    const keys: string[] = [];
    for (const item of node.items) {
      const keyNode = item.key as (Node & { value?: unknown }) | null;
      const k = String(keyNode?.value ?? item.key);
      keys.push(k);
      if (!allowed.includes(k)) {
        throw new ConfigError(`unknown field "${k}" (expected one of: ${allowed.join(', ')})`, offsetLocation(this.src, keyNode?.range?.[0] ?? 0, [...p, k]));
      }
    }
    for (const k of required) if (!this.has([...p, k])) this.fail([...p, k], `missing required field "${k}"`);
    return keys;
  }

  sequenceLength(p: FieldPath): number {
    const node = nodeAt(this.src, p);
    if (!isSeq(node)) this.fail(p, 'must be a list');
    return node.items.length;
  }

  string(p: FieldPath, fallback?: string): string {
    const v = this.value(p);
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(p, 'missing required field');
    }
    if (typeof v !== 'string' && typeof v !== 'number') this.fail(p, 'must be a string');
    return String(v);
  }

  choice<T extends string>(p: FieldPath, choices: readonly T[], fallback: T): T {
    const v = this.value(p);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) this.fail(p, `must be one of ${choices.join(', ')}, not ${JSON.stringify(v)}`);
    return v as T;
  }

  boolean(p: FieldPath, fallback: boolean): boolean {
    const v = this.value(p);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(p, 'must be true or false');
    return v;
  }

  integer(p: FieldPath, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.value(p);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(p, `must be an integer from ${min} to ${max}`);
    return v;
  }

  strings(p: FieldPath): string[] {
    const v = this.value(p);
    if (v === undefined || v === null) return [];
    const n = this.sequenceLength(p);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string([...p, i]));
    return out;
  }

  parsed<T>(p: FieldPath, parse: (v: unknown) => T | undefined, fallback: T, hint: string): T {
    const v = this.value(p);
    if (v === undefined || v === null) return fallback;
    const r = parse(v);
    if (r === undefined) this.fail(p, `${JSON.stringify(v)} is not ${hint}`);
    return r;
  }
}
