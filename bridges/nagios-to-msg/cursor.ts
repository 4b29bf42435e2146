/**
 * Where an input is: which file (device, inode and a fingerprint of its first
 * bytes, so a recycled inode is not mistaken for the old file) and how many
 * bytes of complete lines were consumed. Stored in the spool's commit frames
 * (the checkpoint), so "spooled" and "consumed" are one atomic fact.
 */
export interface InputCursor {
  /** +1 for every file the input moves to (diagnostics, ordering). */
  gen: number;
  dev: number;
  ino: number;
  /** Hex digest of the first `fpLen` bytes. */
  fp: string;
  fpLen: number;
  /** Bytes of complete lines consumed. */
  offset: number;
  /** The file is finished (rotated away, read to the end, everything spooled): it may still exist until deleted. */
  done: boolean;
  /** Name when last seen (diagnostics). */
  name: string;
}

/** The bridge's checkpoint: one cursor per input, keyed by input name. */
export interface Checkpoint {
  v: 1;
  inputs: Record<string, InputCursor>;
}

export function encodeCheckpoint(cp: Checkpoint): string {
  return JSON.stringify(cp);
}

/** Reads a checkpoint; an empty or unreadable one means "no cursor" (first start). */
export function decodeCheckpoint(data: Buffer | string | undefined): Checkpoint {
  if (data === undefined || data.length === 0) return { v: 1, inputs: {} };
  try {
    const parsed = JSON.parse(data.toString()) as Partial<Checkpoint>;
    if (parsed && parsed.v === 1 && parsed.inputs && typeof parsed.inputs === 'object') return { v: 1, inputs: parsed.inputs };
  } catch {
    /* fall through */
  }
  return { v: 1, inputs: {} };
}
