/**
 * The client layer's named errors. Each carries the broker, the destination
 * (when one is concerned) and the text of the broker's ERROR frame.
 */
import { GridmsgError, type ErrorContext } from '../core/errors.js';

/** The TCP/TLS connection failed or was lost (refused, reset, timeout, heart-beats missed). */
export class ConnectionError extends GridmsgError {
  override readonly name = 'ConnectionError';
  constructor(message: string, context: ErrorContext = {}) {
    super('CONNECTION_FAILED', message, context);
  }
}

/** The broker refused our credentials (ERROR frame in answer to CONNECT). Fatal: never retried. */
export class AuthenticationError extends GridmsgError {
  override readonly name = 'AuthenticationError';
  constructor(message: string, context: ErrorContext = {}) {
    super('AUTH_FAILED', message, context);
  }
}

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
export class BrokerError extends GridmsgError {
  override readonly name = 'BrokerError';
  constructor(message: string, context: ErrorContext = {}) {
    super('BROKER_ERROR', message, context);
  }
}

/** A receipt did not arrive in time: the connection counts as dead and is replaced. */
export class ReceiptTimeoutError extends GridmsgError {
  override readonly name = 'ReceiptTimeoutError';
  constructor(message: string, context: ErrorContext = {}) {
    super('RECEIPT_TIMEOUT', message, context);
  }
}

/** The peer sent bytes that are not STOMP 1.2. */
export class ProtocolError extends GridmsgError {
  override readonly name = 'ProtocolError';
  constructor(message: string, context: ErrorContext = {}) {
    super('STOMP_PROTOCOL', message, context);
  }
}

/** The publisher or consumer was closed (or abandoned) before the operation completed. */
export class ClosedError extends GridmsgError {
  override readonly name = 'ClosedError';
  constructor(message: string, context: ErrorContext = {}) {
    super('CLIENT_CLOSED', message, context);
  }
}

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
export class UsageError extends GridmsgError {
  override readonly name = 'UsageError';
  constructor(message: string, context: ErrorContext = {}) {
    super('CLIENT_USAGE', message, context);
  }
}

/**
 * True when an ERROR frame in answer to CONNECT means "bad credentials".
 * ActiveMQ says e.g. "User name [x] or password is invalid." (SecurityException).
 */
export function looksLikeAuthFailure(text: string): boolean {
  return /password|credential|authenticat|not authori[sz]ed|security|user name|login/i.test(text);
}
