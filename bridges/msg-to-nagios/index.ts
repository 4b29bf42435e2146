/**
 * msg-to-nagios: the central bridge that submits site results to Nagios,
 * exactly once as far as Nagios can see, refusing anything a site may not
 * say. See docs/central-bridge.md.
 */
export { runBridge, type BridgeRunContext, type RunningBridge } from './bridge.js';
export { loadBridgeConfig, parseBridgeConfig, DEFAULT_BRIDGE_LIMITS, type BridgeConfig, type BridgeLimits, type NagiosSettings, type MetricsSettings } from './config.js';
export { IngestEngine, ShutdownError, messageKey, type EngineDeps, type EnginePolicy, type EngineStats } from './ingest-engine.js';
export { planMessage, type MessagePlan, type IncomingMessage, type PlanContext, type UnknownAction, type UnknownObject } from './message-plan.js';
export { checkRecord, type RecordPolicy, type RecordCheck } from './record-check.js';
export { splitRecords, recordText, type RawRecord } from './body-records.js';
export { CommandPipeWriter, type CommandPipeWriterOptions } from './command-pipe-writer.js';
export { SpoolWriter, resolveSpoolIntent, discardSpoolFile, removeOrphanSpoolFiles, type SpoolWriterOptions } from './spool-writer.js';
export { type NagiosWriter, type WriterStatus, type WriterState } from './nagios-writer.js';
export { StateJournal, type StateJournalOptions, type IntentOutcome } from './state-journal.js';
export { DeliveryState, DEFAULT_LIMITS as DEFAULT_DELIVERY_LIMITS, type DeliveryStateLimits } from './delivery-state.js';
export { commandLine, commandPrefix, packChunks, PIPE_BUF, NAGIOS_OUTPUT_LIMIT } from './external-command.js';
export { formatCheckResultFile, randomSpoolName, isSpoolName } from './check-result-file.js';
export { escapeOutput, unescapeOutput, neutralizeOutput, fitEscapedOutput, composeOutput } from './output-text.js';
export { checkObjectName, DEFAULT_ILLEGAL_NAME_CHARS } from './object-names.js';
export { statusCode, statusWords } from './status-codes.js';
export { serviceName, roleAllowed, type NamingRules, type RoleNaming } from './service-naming.js';
export { globToRegExp, hostMatcher, destinationMatchesSite } from './site-policy.js';
export { parseObjectCache, ObjectCacheWatcher, lookup, type KnownObjects } from './known-objects.js';
export { UnknownObjects, PASSIVE_HOST_TEMPLATE, PASSIVE_SERVICE_TEMPLATE } from './unknown-objects.js';
export { RejectStats } from './reject-stats.js';
export { acquireStateLock, instanceId } from './state-lock.js';
export { centralSnippets, centralMainConfig, centralObjects, centralSites, centralBridgeConfig, DEBIAN_DEFAULTS, CENTRAL_METRICS_PORT, SNIPPET_PARTS, type SnippetPart, type CentralSnippetOptions } from './nagios-snippets.js';
export { objectKey, type PreparedResult, type RecordRef, type Rejection, type RejectReason } from './types.js';
export { CentralBridgeMetrics, serveCentralMetrics, spoolDepth, type CentralMetricsSource } from './metrics.js';
