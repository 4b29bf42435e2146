/** A tiny XML writer: elements, attributes (in the given order), comments. Deterministic output. */

export type XmlNode = XmlElement | XmlComment;

export interface XmlElement {
  kind: 'element';
  name: string;
  attrs: Array<[string, string | number | boolean | undefined]>;
  children: XmlNode[];
  text?: string;
}

export interface XmlComment {
  kind: 'comment';
  text: string;
}

/** An element; attributes whose value is undefined are left out. */
export function el(
  name: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  children: Array<XmlNode | undefined | false> = [],
): XmlElement {
  return {
    kind: 'element',
    name,
    attrs: Object.entries(attrs),
    children: children.filter((c): c is XmlNode => c !== undefined && c !== false),
  };
}

/** An element holding only text. */
export function textEl(name: string, text: string): XmlElement {
  return { kind: 'element', name, attrs: [], children: [], text };
}

export function comment(text: string): XmlComment {
  return { kind: 'comment', text };
}

export function escapeXml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Attributes as XML text (` a="b" c="d"`), in the given order; undefined values are left out. */
export function renderAttributes(attrs: Iterable<[string, string | number | boolean | undefined]>): string {
  let out = '';
  for (const [k, v] of attrs) if (v !== undefined) out += ` ${k}="${escapeXml(String(v))}"`;
  return out;
}

function renderNode(node: XmlNode, indent: string, out: string[]): void {
  if (node.kind === 'comment') {
    const lines = node.text.replaceAll('--', '- -').split('\n');
    if (lines.length === 1) out.push(`${indent}<!-- ${lines[0]} -->`);
    else {
      out.push(`${indent}<!--`);
      for (const l of lines) out.push(l === '' ? '' : `${indent}  ${l}`);
      out.push(`${indent}-->`);
    }
    return;
  }
  const attrs = renderAttributes(node.attrs);
  if (node.text !== undefined) {
    out.push(`${indent}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>`);
  } else if (node.children.length === 0) {
    out.push(`${indent}<${node.name}${attrs}/>`);
  } else {
    out.push(`${indent}<${node.name}${attrs}>`);
    for (const c of node.children) renderNode(c, `${indent}  `, out);
    out.push(`${indent}</${node.name}>`);
  }
}

/** The document with an XML declaration, two-space indentation and a final newline. */
export function renderXml(root: XmlNode, leading: XmlNode[] = []): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  for (const n of leading) renderNode(n, '', out);
  renderNode(root, '', out);
  return `${out.join('\n')}\n`;
}
