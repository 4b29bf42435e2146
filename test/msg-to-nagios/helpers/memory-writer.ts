/** Re-exports for the in-memory writer of the engine test. */
export type { NagiosWriter, WriterStatus } from '../../../bridges/msg-to-nagios/nagios-writer.js';
import type { StateJournal } from '../../../bridges/msg-to-nagios/state-journal.js';
import type { PreparedResult } from '../../../bridges/msg-to-nagios/types.js';
import { prepareAccepted } from '../../../bridges/msg-to-nagios/nagios-writer.js';

/** Records results as accepted in the journal, as a real writer does after each write. */
export function journalAccepted(journal: StateJournal, items: readonly PreparedResult[]): void {
  journal.appendPrepared(prepareAccepted(journal, items));
}
