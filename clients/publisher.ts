/**
 * createPublisher: a Connection plus a ReceiptPipeline. See api.ts for the contract.
 */
import type { ConnectionState, OutgoingMessage, Publisher, PublisherOptions, PublisherStats } from './api.js';
import { Connection, resolveConnectionOptions } from './connection.js';
import { ClosedError, UsageError } from './errors.js';
import { ReceiptPipeline } from './receipt-pipeline.js';

const DEFAULT_WINDOW = 256;
const DEFAULT_RECEIPT_TIMEOUT_MS = 30_000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer, not ${value}`);
  return value;
}

class GridmsgPublisher implements Publisher {
  private readonly connection: Connection;
  private readonly pipeline: ReceiptPipeline;
  private closing: Promise<void> | undefined;

  constructor(options: PublisherOptions) {
    const window = positive('receiptWindow', options.receiptWindow, DEFAULT_WINDOW);
    // Connection events of a publisher concern its one destination: a child logger puts it on each line.
    const logger = options.logger && options.destination !== undefined ? options.logger.child({ destination: options.destination }) : options.logger;
    this.connection = new Connection(resolveConnectionOptions({ ...options, ...(logger === undefined ? {} : { logger }) }));
    this.pipeline = new ReceiptPipeline(this.connection, {
      window,
      maxQueued: positive('maxQueued', options.maxQueued, 4 * window),
      receiptTimeoutMs: positive('receiptTimeoutMs', options.receiptTimeoutMs, DEFAULT_RECEIPT_TIMEOUT_MS),
      defaultDestination: options.destination,
    });
    this.connection.start();
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  on(event: 'state', listener: (state: ConnectionState, broker?: string) => void): void {
    this.connection.on(event, (state, broker) => (broker === undefined ? listener(state) : listener(state, broker)));
  }

  send(message: OutgoingMessage): Promise<void> {
    return this.pipeline.send(message);
  }

  flush(): Promise<void> {
    return this.pipeline.flush();
  }

  ready(): Promise<void> {
    return this.pipeline.ready();
  }

  stats(): PublisherStats {
    return {
      ...this.pipeline.stats(),
      brokers: this.connection.brokers().map((b) => ({
        broker: b.broker,
        attempts: b.attempts,
        failures: b.failures,
        connects: b.connects,
        messages: b.messages,
        ...(b.lastError === undefined ? {} : { lastError: b.lastError }),
      })),
    };
  }

  close(options: { abandon?: boolean } = {}): Promise<void> {
    this.closing ??= this.doClose(options.abandon ?? false);
    return this.closing;
  }

  private async doClose(abandon: boolean): Promise<void> {
    this.pipeline.refuseNew();
    if (abandon) this.pipeline.failAll(new ClosedError('publisher closed before these messages were receipted'));
    else if (!this.connection.fatal) await this.pipeline.flush().catch(() => {});
    this.pipeline.dispose();
    await this.connection.close();
  }
}

/** A publisher connected to the first reachable broker of the pool (connects in the background). */
export function createPublisher(options: PublisherOptions): Publisher {
  return new GridmsgPublisher(options);
}
