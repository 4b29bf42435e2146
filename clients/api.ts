/**
 * The client layer's public contract. Everything else in gridmsg talks to
 * brokers through these types only, never through @stomp/stompjs directly.
 */
import type { BrokerEndpoint, Credentials, TlsSettings } from './client-config.js';
import type { Logger } from '../core/logger.js';

/** Explicit connection states, reported as typed events. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Header carrying every message's idempotency key. */
export const IDEMPOTENCY_HEADER = 'gridmsg-idempotency-key';

/** Header carrying the reason on a dead-lettered message. */
export const ERROR_HEADER = 'gridmsg-error';

export interface ConnectionOptions {
  /** Ordered broker list, or an ActiveMQ `failover:(...)?...` URI string. */
  brokers: BrokerEndpoint[] | string;
  credentials?: Credentials;
  logger?: Logger;
  /** Randomize broker order (default false: walk the list in order). */
  randomize?: boolean;
  initialReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Heart-beat interval both ways (default 10 s; 0 disables). */
  heartbeatMs?: number;
  /** TCP/TLS connect plus STOMP handshake must finish within this (default 10 s). */
  connectTimeoutMs?: number;
  /** TLS settings for `ssl://`/`stomp+ssl://` entries of a `brokers` URI string (endpoints carry their own). */
  tls?: TlsSettings;
}

export interface OutgoingMessage {
  /** Defaults to the publisher's destination. */
  destination?: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
  /** Required: consumers drop duplicates that resending creates. */
  idempotencyKey: string;
}

export interface PublisherOptions extends ConnectionOptions {
  destination?: string;
  /** Max unreceipted messages in flight (default 256). */
  receiptWindow?: number;
  /** A receipt not seen after this long counts as a dead connection (default 30 s). */
  receiptTimeoutMs?: number;
  /** Max messages accepted but not yet receipted (default 4 x receiptWindow); send() waits for room beyond it. */
  maxQueued?: number;
}

/** Per-broker counters of the pool. */
export interface BrokerStats {
  broker: string;
  attempts: number;
  failures: number;
  connects: number;
  messages: number;
  /** Why the last attempt failed, while the broker is failing. */
  lastError?: string;
}

export interface PublisherStats {
  /** Messages whose receipt arrived. */
  receipted: number;
  /** Transmissions of a message after the first (resends after a lost connection): the upper bound of duplicates. */
  resent: number;
  /** Messages rejected (broker ERROR for that message, fatal error, abandon). */
  failed: number;
  /** Sent, waiting for a receipt. */
  inFlight: number;
  /** Accepted, not yet sent. */
  queued: number;
  brokers: BrokerStats[];
}

export interface Publisher {
  /** Resolves when the broker's receipt for this message arrived. Never resolves "delivered" earlier. */
  send(message: OutgoingMessage): Promise<void>;
  /** Resolves when everything sent so far is receipted. */
  flush(): Promise<void>;
  /** Resolves when the internal queue has room: pace a producer without awaiting each receipt. */
  ready(): Promise<void>;
  /** Flushes (unless `abandon`) and disconnects. */
  close(options?: { abandon?: boolean }): Promise<void>;
  readonly state: ConnectionState;
  on(event: 'state', listener: (state: ConnectionState, broker?: string) => void): void;
  /** Counters (receipted, resent, per broker). */
  stats(): PublisherStats;
}

export interface ReceivedMessage {
  destination: string;
  headers: Record<string, string>;
  body: Uint8Array;
  text(): string;
  idempotencyKey: string | undefined;
  /** Broker it came from (registry name or host:port). */
  broker: string;
}

export interface SubscribeOptions {
  destination: string;
  /** Prefetch (activemq.prefetchSize), default 100. */
  prefetch?: number;
  /** Handler failures before a message goes to the dead-letter destination (default 5). */
  maxAttempts?: number;
  /** Where messages go after maxAttempts failures, reason in header `gridmsg-error`. */
  deadLetterDestination?: string;
  /** Handlers running at once for this subscription (default 1: messages are handled in order). */
  concurrency?: number;
  /** Delay before the first local retry of a failed handler, doubled each time up to 5 s (default 200 ms). */
  retryDelayMs?: number;
}

/** Resolve = ack (client-individual). Reject = nack/redeliver. */
export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

export interface Consumer {
  subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<void>;
  /** Stops receiving; waits for in-flight handlers; acks nothing unhandled. */
  close(): Promise<void>;
  readonly state: ConnectionState;
  on(event: 'state', listener: (state: ConnectionState, broker?: string) => void): void;
  /** Publishes (with receipt) through the consumer's connection, e.g. to an error destination. */
  send(message: OutgoingMessage): Promise<void>;
}
