/** nagios-to-msg: the site bridge (see docs/site-bridge.md). */
export { Bridge, type BridgeOptions } from './bridge.js';
export { loadBridgeConfig, parseBridgeConfig, checkBridgePaths, type BridgeConfig, type InputConfig, type CheckThresholds, type Threshold } from './config.js';
export { readStatus, writeStatus, evaluateStatus, type BridgeStatus, type CheckResult, type PluginCode } from './status.js';
export { parseResultLine, formatEscapedLine, escapeValue, unescapeValue, unescapeNagiosLongOutput, type ResultLine } from './line.js';
export { toRecord, type MappingContext } from './mapping.js';
export { compileFilter, globToRegExp, type FilterConfig, type Selector } from './filter.js';
export { FileFollower, type FollowerEvent, type FollowerOptions, type FollowerStatus } from './follower.js';
export { Batcher, type BatcherOptions } from './batcher.js';
export { Sender, messageBody, FORMAT_FLAGS } from './sender.js';
export { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type InputCursor } from './cursor.js';
export { LABELS, LINE_MARKER, ESCAPED_LINE_MARKER, CUSTOM_VARIABLES, perfdataTemplate, templateMacros } from './template.js';
export { ocspHandlerScript } from './ocsp-handler.js';
export {
  siteSnippets,
  bridgeConfigYaml,
  perfdataMainConfig,
  perfdataCommands,
  ocspMainConfig,
  ocspCommands,
  dataFiles,
  DEFAULT_DATA_DIR,
  DEFAULT_ROTATE_INTERVAL,
  DEFAULT_HANDLER,
  type SnippetOptions,
} from './snippets.js';
export { createBridgeRegistry, serveMetrics } from './metrics.js';
export { parseSize, parseDuration } from './units.js';
