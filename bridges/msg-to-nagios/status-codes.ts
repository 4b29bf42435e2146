/**
 * Status words of the grid message format mapped to Nagios return codes.
 * Anything else is refused: a bogus code must never reach Nagios.
 */
const SERVICE_CODES: Readonly<Record<string, number>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };
const HOST_CODES: Readonly<Record<string, number>> = { UP: 0, DOWN: 1, UNREACHABLE: 2 };

const SERVICE_EXACT: ReadonlyMap<string, number> = new Map(Object.entries(SERVICE_CODES));
const HOST_EXACT: ReadonlyMap<string, number> = new Map(Object.entries(HOST_CODES));

/** Nagios code for a status word (case-insensitive), or undefined when the word is not a status. */
export function statusCode(kind: 'service' | 'host', word: string): number | undefined {
  // The usual exact word first, without allocating.
  const exact = (kind === 'service' ? SERVICE_EXACT : HOST_EXACT).get(word);
  if (exact !== undefined) return exact;
  const key = word.trim().toUpperCase();
  const table = kind === 'service' ? SERVICE_CODES : HOST_CODES;
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** The status words accepted for a kind of result, for error messages and docs. */
export function statusWords(kind: 'service' | 'host'): string[] {
  return Object.keys(kind === 'service' ? SERVICE_CODES : HOST_CODES);
}
