/** A winston logger that keeps its lines, to check what an operator would see. */
import { Writable } from 'node:stream';
import winston from 'winston';

export interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

export function capturingLogger(level = 'debug'): { logger: winston.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      cb();
    },
  });
  return { logger: winston.createLogger({ level, format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
}
