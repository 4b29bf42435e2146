/**
 * Reads a YAML document and checks fields one by one; every failure is a
 * ConfigError naming file:line:column and the field path.
 */
import { LineCounter, isMap, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, type ErrorContext } from '../../core/errors.js';

export type FieldPath = Array<string | number>;

export function pathText(p: FieldPath): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

export class YamlChecker {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(text: string, file: string): YamlChecker {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      throw new ConfigError(`YAML syntax error: ${first.message.split('\n')[0]}`, { file, line: pos.line, column: pos.col });
    }
    const c = new YamlChecker(file, doc, lines);
    if (!isMap(doc.contents)) c.fail([], 'must be a mapping (key: value lines)');
    return c;
  }

  /** Error context of a field (or its closest existing parent). */
  where(p: FieldPath): ErrorContext {
    let at = p;
    let node = (at.length === 0 ? this.doc.contents : this.doc.getIn(at, true)) as Node | undefined;
    while ((node === undefined || !node.range) && at.length > 0) {
      at = at.slice(0, -1);
      node = (at.length === 0 ? this.doc.contents : this.doc.getIn(at, true)) as Node | undefined;
    }
    const pos = this.lines.linePos(node?.range?.[0] ?? 0);
    return { file: this.file, line: pos.line, column: pos.col, path: pathText(p) };
  }

  fail(p: FieldPath, message: string): never {
    throw new ConfigError(message, this.where(p));
  }

  has(p: FieldPath): boolean {
    const v = this.doc.getIn(p);
    return v !== undefined && v !== null;
  }

  value(p: FieldPath): unknown {
    return this.doc.getIn(p);
  }

  /** Checks a mapping's keys; returns them. */
  mapping(p: FieldPath, allowed: readonly string[], required: readonly string[] = []): string[] {
    const node = p.length === 0 ? this.doc.contents : this.doc.getIn(p, true);
    if (!isMap(node)) this.fail(p, 'must be a mapping (key: value lines)');
    const keys: string[] = [];
    for (const item of node.items) {
      const keyNode = item.key as (Node & { value?: unknown }) | null;
      const k = String(keyNode?.value ?? item.key);
      keys.push(k);
      if (!allowed.includes(k)) {
        const pos = this.lines.linePos(keyNode?.range?.[0] ?? 0);
        throw new ConfigError(`unknown field "${k}" (expected one of: ${allowed.join(', ')})`, { file: this.file, line: pos.line, column: pos.col, path: pathText([...p, k]) });
      }
    }
    for (const k of required) if (!this.has([...p, k])) this.fail([...p, k], `missing required field "${k}"`);
    return keys;
  }

  sequenceLength(p: FieldPath): number {
    const node = this.doc.getIn(p, true);
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
