/**
 * A YAML document read for checking: parsed with line positions, so that any
 * field (or, when it is missing, its closest existing parent) can be named
 * as file:line:column plus its dotted path in a ConfigError.
 */
import { LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, type ErrorContext } from './errors.js';

/** A field's path in a document: keys and list indexes. */
export type FieldPath = Array<string | number>;

/** `a.b[2].c` */
export function fieldPathText(p: FieldPath): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

export interface YamlSource {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

/** Parses `text` (duplicate keys refused); a syntax error is a ConfigError at its line and column. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    throw new ConfigError(`YAML syntax error: ${first.message.split('\n')[0]}`, { file, line: pos.line, column: pos.col });
  }
  return { file, doc, lines };
}

/** The node at `p` (the document's root for an empty path). */
export function nodeAt(src: YamlSource, p: FieldPath): Node | undefined {
  return (p.length === 0 ? src.doc.contents : src.doc.getIn(p, true)) as Node | undefined;
}

/** Error context of the field at `p`, positioned at it or, when it is missing, at its closest existing parent. */
export function fieldLocation(src: YamlSource, p: FieldPath): ErrorContext {
  let at = p;
  let node = nodeAt(src, at);
  while ((node === undefined || !node.range) && at.length > 0) {
    at = at.slice(0, -1);
    node = nodeAt(src, at);
  }
  const pos = src.lines.linePos(node?.range?.[0] ?? 0);
  return { file: src.file, line: pos.line, column: pos.col, path: fieldPathText(p) };
}

/** Error context of a position (a key's offset, say) with the field path it belongs to. */
export function offsetLocation(src: YamlSource, offset: number, p: FieldPath): ErrorContext {
  const pos = src.lines.linePos(offset);
  return { file: src.file, line: pos.line, column: pos.col, path: fieldPathText(p) };
}
