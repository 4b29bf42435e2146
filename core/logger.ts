import winston from 'winston';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggerOptions {
  format?: LogFormat;
  level?: LogLevel;
  /** Fields put on every line (site, broker, component, ...). */
  defaults?: Record<string, string>;
}

export type Logger = winston.Logger;

const textFormat = winston.format.printf((info) => {
  const { level, message, timestamp, ...fields } = info;
  const extra = Object.entries(fields)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(timestamp)} ${level} ${String(message)}${extra ? ' ' + extra : ''}`;
});

/**
 * Creates a logger writing one line per event to stderr (stdout stays free for
 * command output). `text` is for people, `json` for log shippers.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'text';
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.defaults ?? {},
    format:
      format === 'json'
        ? winston.format.combine(winston.format.timestamp(), winston.format.json())
        : winston.format.combine(winston.format.timestamp(), textFormat),
    transports: [
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'],
      }),
    ],
  });
}

/** A logger that drops everything, for library use and tests. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
