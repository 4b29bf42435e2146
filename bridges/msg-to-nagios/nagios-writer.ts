import { doneEntries } from './delivery-state.js';
import type { NewestEntry, PreparedRecord, StateJournal } from './state-journal.js';
import { objectKey, type PreparedResult, type RecordRef } from './types.js';

/**
 * A way of handing results to Nagios. `write` resolves once every result is
 * accepted by Nagios (whole lines in the command pipe, or a released spool
 * file) and recorded in the journal; while Nagios cannot take them it waits
 * and retries, never blocking the process; it rejects only when aborted.
 */
export interface NagiosWriter {
  readonly mode: 'pipe' | 'spool';
  /**
   * How long (ms) to let results gather before a write that starts from idle,
   * so that messages trickling in share one write (spool mode: one file and
   * its fsyncs). 0 or absent: write at once.
   */
  readonly gatherMs?: number;
  write(results: readonly PreparedResult[], signal: AbortSignal): Promise<void>;
  readonly status: WriterStatus;
  close(): void;
}

export type WriterState =
  /** Nagios takes results. */
  | 'ready'
  /** Nagios cannot take results (no reader on the pipe, missing pipe or spool directory, Nagios not running). */
  | 'waiting'
  /** Nagios is alive but not keeping up (pipe full, spool backlog). */
  | 'backlogged';

export interface WriterStatus {
  state: WriterState;
  /** Since when (ms epoch) in this state. */
  since: number;
  /** Why, in words, when not ready. */
  reason?: string;
}

/**
 * Journal entries for results accepted by Nagios: the done records, and the
 * time of each result for its object, in order. An object with several
 * results in one batch is listed once per result: applying the entries in
 * order keeps the newest (applyNewest never lowers a time), as one entry with
 * the maximum would, without a map per batch.
 */
export function acceptedEntries(items: readonly PreparedResult[]): { done: ReturnType<typeof doneEntries>; newest: NewestEntry[] } {
  const refs = new Array<RecordRef>(items.length);
  const newest = new Array<NewestEntry>(items.length);
  for (let i = 0; i < items.length; i++) {
    const r = items[i]!;
    refs[i] = r.ref;
    newest[i] = [r.objectKey ?? objectKey(r.host, r.service), r.timestamp];
  }
  return { done: doneEntries(refs), newest };
}

/** The journal record for results about to be written, serialized in advance. */
export function prepareAccepted(journal: StateJournal, items: readonly PreparedResult[]): PreparedRecord {
  const { done, newest } = acceptedEntries(items);
  return journal.prepareDone(done, newest);
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

/** Tracks a writer's status and calls `onChange` on every transition. */
export class StatusTracker {
  private current: WriterStatus = { state: 'ready', since: Date.now() };
  constructor(private readonly onChange: (next: WriterStatus, previous: WriterStatus) => void) {}

  get status(): WriterStatus {
    return this.current;
  }

  set(state: WriterState, reason?: string): void {
    if (state === this.current.state && reason === this.current.reason) return;
    const previous = this.current;
    this.current = reason === undefined ? { state, since: state === previous.state ? previous.since : Date.now() } : { state, since: state === previous.state ? previous.since : Date.now(), reason };
    this.onChange(this.current, previous);
  }
}
