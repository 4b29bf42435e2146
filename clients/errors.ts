/**
 * The client layer's named errors. Each carries the broker, the destination
 * (when one is concerned) and the text of the broker's ERROR frame.
 */
import { GridmsgError, type ErrorContext } from '../core/errors.js';

/** Base class of a client error with a fixed name and code; the context names broker and destination. */
function clientError(name: string, code: string) {
  return class extends GridmsgError {
    override readonly name: string = name;
    constructor(message: string, context: ErrorContext = {}) {
      super(code, message, context);
    }
  };
}

/** The TCP/TLS connection failed or was lost (refused, reset, timeout, heart-beats missed). */
export class ConnectionError extends clientError('ConnectionError', 'CONNECTION_FAILED') {}

/** The broker refused our credentials (ERROR frame in answer to CONNECT). Fatal: never retried. */
export class AuthenticationError extends clientError('AuthenticationError', 'AUTH_FAILED') {}

/**
 * A TLS failure that will not fix itself (certificate refused or untrusted,
 * name mismatch). Retried on other brokers; fatal once every broker of the
 * pool failed this way.
 */
export class TlsError extends GridmsgError {
  override readonly name = 'TlsError';
  constructor(code: string, message: string, context: ErrorContext = {}) {
    super(code, message, context);
  }
}

/** The broker answered an operation (SEND, SUBSCRIBE, ...) with an ERROR frame. */
export class BrokerError extends clientError('BrokerError', 'BROKER_ERROR') {}

/** A receipt did not arrive in time: the connection counts as dead and is replaced. */
export class ReceiptTimeoutError extends clientError('ReceiptTimeoutError', 'RECEIPT_TIMEOUT') {}

/** The peer sent bytes that are not STOMP 1.2. */
export class ProtocolError extends clientError('ProtocolError', 'STOMP_PROTOCOL') {}

/** The publisher or consumer was closed (or abandoned) before the operation completed. */
export class ClosedError extends clientError('ClosedError', 'CLIENT_CLOSED') {}

/**
 * Thrown (rejected) by a message handler that does not want this message now:
 * the consumer neither acks nor retries it; the broker redelivers it after
 * this session ends. Used e.g. by `subscribe --count` for messages past the count.
 */
export class LeaveUnacked extends Error {
  override readonly name = 'LeaveUnacked';
  constructor() {
    super('message left unacked for redelivery');
  }
}

/** Misuse of the API (bad header name, missing destination, ...). */
export class UsageError extends clientError('UsageError', 'CLIENT_USAGE') {}

/**
 * True when an ERROR frame in answer to CONNECT means "bad credentials".
 * ActiveMQ says e.g. "User name [x] or password is invalid." (SecurityException).
 */
export function looksLikeAuthFailure(text: string): boolean {
  return /password|credential|authenticat|not authori[sz]ed|security|user name|login/i.test(text);
}
