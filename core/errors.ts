/**
 * The one error type of gridmsg. Every failure an operator can see carries
 * context: which file/line/field, which broker, which destination.
 * Subclasses exist only where callers need to tell failures apart.
 */
export interface ErrorContext {
  /** File the problem is in (registry, config, spool record, ...). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** 1-based column in `file`. */
  column?: number;
  /** Path of the field inside the document, e.g. `sites[3].pair`. */
  path?: string;
  /** Broker the problem happened on, as `host:port` or its registry name. */
  broker?: string;
  /** STOMP destination concerned. */
  destination?: string;
  /** Text of the broker's ERROR frame, when there was one. */
  brokerMessage?: string;
  /** Underlying cause. */
  cause?: unknown;
}

export class GridmsgError extends Error {
  override readonly name: string = 'GridmsgError';
  readonly context: ErrorContext;
  /** Short machine-readable code, e.g. `REGISTRY_INVALID`, `AUTH_FAILED`. */
  readonly code: string;

  constructor(code: string, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.context = context;
  }

  /** `file:line:column` prefix, or '' when the error has no file. */
  location(): string {
    const { file, line, column } = this.context;
    if (file === undefined) return '';
    if (line === undefined) return file;
    return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  }

  /** One human-readable line: `file:line:col: path: message (broker ..., destination ...)`. */
  describe(): string {
    const parts: string[] = [];
    const loc = this.location();
    if (loc) parts.push(`${loc}:`);
    if (this.context.path) parts.push(`${this.context.path}:`);
    parts.push(this.message);
    const where: string[] = [];
    if (this.context.broker) where.push(`broker ${this.context.broker}`);
    if (this.context.destination) where.push(`destination ${this.context.destination}`);
    if (this.context.brokerMessage) where.push(`broker said: ${this.context.brokerMessage}`);
    if (where.length > 0) parts.push(`(${where.join(', ')})`);
    return parts.join(' ');
  }
}

/** Bad configuration or registry: the operator must fix a file. */
export class ConfigError extends GridmsgError {
  override readonly name = 'ConfigError';
  constructor(message: string, context: ErrorContext = {}) {
    super('CONFIG_INVALID', message, context);
  }
}

/** Turns anything thrown into a one-line description, never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof GridmsgError) return err.describe();
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${err.message} [${code}]` : err.message;
  }
  return String(err);
}
