export { GridmsgError, ConfigError, describeError, type ErrorContext } from './errors.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions, type LogFormat, type LogLevel } from './logger.js';
export { freePort, freePorts, portOpen, waitForPort } from './ports.js';
export { startProcess, stopPid, pidAlive, type ManagedProcess, type StartOptions } from './process.js';
export { writeFileAtomic, fsyncDir } from './files.js';
export { parseYamlSource, fieldLocation, fieldPathText, nodeAt, offsetLocation, type FieldPath, type YamlSource } from './yaml-source.js';
export { scrapedCounter, scrapedGauge, serveMetrics } from './metrics.js';
