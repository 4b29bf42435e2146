/**
 * The client layer: everything the rest of gridmsg uses to talk to brokers.
 * Nothing outside clients/ imports @stomp/stompjs.
 */
export * from './api.js';
export type * from './client-config.js';
export { createPublisher } from './publisher.js';
export { createConsumer, toReceivedMessage } from './consumer.js';
export { clientConfigLocation, loadClientConfig, parseClientConfig } from './config-loader.js';
export { parseFailoverUri, type FailoverSpec } from './failover-uri.js';
export { resolvePassword, resolveCredentials, type ResolvedCredentials } from './credentials.js';
export {
  ConnectionError,
  AuthenticationError,
  BrokerError,
  ReceiptTimeoutError,
  ProtocolError,
  ClosedError,
  TlsError,
  UsageError,
  LeaveUnacked,
} from './errors.js';
export { BrokerPool, brokerLabel, type BrokerStatus, type PoolChoice } from './broker-pool.js';
export { backoffDelay, type BackoffPolicy } from './backoff.js';
export { nextState, type ConnectionEvent } from './connection-state.js';
export { FrameParser, type ParseEvent, type FrameParserOptions } from './frame-parser.js';
export { serializeFrame, escapeHeader, unescapeHeader, header, headerRecord, frame, type StompFrame } from './stomp-frame.js';
export { connectionFromCli, parseHeaderArgs, type CliConnectionInput, type CliConnection } from './cli-connection.js';
export { Progress } from './progress.js';
