/**
 * The connection state machine (pure). `connecting` until the first session,
 * `connected` while a session is up, `reconnecting` after losing one,
 * `closed` after close() or a fatal error (e.g. wrong password). Closed is final.
 */
import type { ConnectionState } from './api.js';

export type ConnectionEvent = 'attempt-failed' | 'session-up' | 'session-lost' | 'close' | 'fatal';

export function nextState(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  if (state === 'closed') return 'closed';
  switch (event) {
    case 'close':
    case 'fatal':
      return 'closed';
    case 'session-up':
      return 'connected';
    case 'session-lost':
      return 'reconnecting';
    case 'attempt-failed':
      return state === 'connected' ? 'reconnecting' : state;
  }
}
