/**
 * A minimal DER reader: just enough ASN.1 to take the subject name and the
 * validity period out of an X.509 certificate exactly as encoded, without
 * going through any library's string rendering of them.
 */

/** One DER element: tag byte, where its content lies in `bytes`. */
export interface DerNode {
  tag: number;
  /** The whole buffer the node was read from. */
  bytes: Uint8Array;
  /** Offset of the content (after tag and length). */
  start: number;
  /** Offset just past the content. */
  end: number;
}

export class DerError extends Error {
  override readonly name = 'DerError';
}

export const TAG = {
  INTEGER: 0x02,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] EXPLICIT, constructed (the certificate version). */
  CONTEXT_0: 0xa0,
} as const;

/** Reads the element starting at `offset`. */
export function readNode(bytes: Uint8Array, offset = 0): DerNode {
  if (offset + 2 > bytes.length) throw new DerError('truncated DER element');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  let length = bytes[offset + 1]!;
  let pos = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported DER length encoding');
    if (pos + count > bytes.length) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos + i]!;
    pos += count;
  }
  const end = pos + length;
  if (end > bytes.length) throw new DerError('DER element runs past the end of its buffer');
  return { tag, bytes, start: pos, end };
}

/** The elements directly inside a constructed node. */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let pos = node.start;
  while (pos < node.end) {
    const child = readNode(node.bytes, pos);
    if (child.end > node.end) throw new DerError('DER child runs past its parent');
    out.push(child);
    pos = child.end;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw new DerError(`missing ${what}`);
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  return node;
}

export function content(node: DerNode): Uint8Array {
  return node.bytes.subarray(node.start, node.end);
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function decodeOid(node: DerNode): string {
  const b = content(node);
  if (b.length === 0) throw new DerError('empty OID');
  const first = b[0]!;
  const arcs: number[] = [];
  let value = 0;
  let started = false;
  for (let i = 1; i < b.length; i++) {
    const byte = b[i]!;
    value = value * 128 + (byte & 0x7f);
    started = true;
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
      started = false;
    }
  }
  if (started) throw new DerError('truncated OID');
  // The first byte packs the first two arcs (only for first arcs 0 and 1; 2 takes the rest).
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a directory string (the string types certificate names use). */
export function decodeString(node: DerNode): string {
  const b = content(node);
  switch (node.tag) {
    case TAG.UTF8_STRING:
      return utf8.decode(b);
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.NUMERIC_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.TELETEX_STRING:
      return latin1.decode(b);
    case TAG.BMP_STRING: {
      if (b.length % 2) throw new DerError('odd-length BMPString');
      let s = '';
      for (let i = 0; i < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      if (b.length % 4) throw new DerError('bad UniversalString length');
      let s = '';
      for (let i = 0; i < b.length; i += 4) {
        s += String.fromCodePoint(((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0);
      }
      return s;
    }
    default:
      throw new DerError(`unsupported string type 0x${node.tag.toString(16)} in a name`);
  }
}

/** UTCTime or GeneralizedTime (the forms RFC 5280 allows: `...Z`, whole seconds) to a Date. */
export function decodeTime(node: DerNode): Date {
  const s = latin1.decode(content(node));
  let m: RegExpExecArray | null;
  let year: number;
  if (node.tag === TAG.UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new DerError(`bad UTCTime "${s}"`);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (node.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new DerError(`bad GeneralizedTime "${s}"`);
    year = Number(m[1]);
  } else {
    throw new DerError(`expected a time, found tag 0x${node.tag.toString(16)}`);
  }
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
