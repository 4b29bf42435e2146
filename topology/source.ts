import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { formatPath, type Problem, type Severity } from './problems.js';
import type { NodePath } from './types.js';

/**
 * A parsed YAML document that can say where any of its nodes is. All checks
 * report through `problem(path, message)` so every message has file, line,
 * column and a field path.
 */
export interface SourceDoc {
  file: string;
  /** The document as plain data (undefined when empty). */
  data: unknown;
  /** YAML syntax errors, already as problems. */
  syntaxProblems: Problem[];
  /** Position of the node at `path`; with `key`, of that key inside the map at `path`. */
  locate(path: NodePath, key?: string): { line: number; column: number } | undefined;
  problem(path: NodePath, message: string, options?: { key?: string; severity?: Severity }): Problem;
}

export function parseSource(text: string, file: string): SourceDoc {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntaxProblems: Problem[] = [...doc.errors, ...doc.warnings].map((e) => {
    const at = pos(e.pos[0]);
    const severity: Severity = doc.errors.includes(e) ? 'error' : 'warning';
    return { severity, message: e.message.split('\n')[0] ?? e.message, path: '', file, ...at };
  });

  const nodeAt = (path: NodePath): { node: Node | undefined; depth: number } => {
    let node: unknown = doc.contents;
    let depth = 0;
    for (const seg of path) {
      let next: unknown;
      if (isMap(node)) next = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg)?.value;
      else if (isSeq(node) && typeof seg === 'number') next = node.items[seg];
      if (next === undefined || next === null) break;
      node = next;
      depth++;
    }
    return { node: node as Node | undefined, depth };
  };

  const locate = (path: NodePath, key?: string): { line: number; column: number } | undefined => {
    const { node, depth } = nodeAt(path);
    if (!node) return undefined;
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return pos(keyNode.range[0]);
    }
    return node.range ? pos(node.range[0]) : undefined;
  };

  let data: unknown;
  try {
    data = doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    syntaxProblems.push({ severity: 'error', message: (err as Error).message, path: '', file, line: 1, column: 1 });
    data = undefined;
  }

  return {
    file,
    data,
    syntaxProblems,
    locate,
    problem(path, message, options = {}) {
      const at = locate(path, options.key);
      const fullPath = options.key === undefined ? path : [...path, options.key];
      return { severity: options.severity ?? 'error', message, path: formatPath(fullPath), file, ...(at ?? {}) };
    },
  };
}

/** The plain value at `path` in the parsed data (undefined where the path leads nowhere). */
export function rawAt(data: unknown, path: NodePath): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}
