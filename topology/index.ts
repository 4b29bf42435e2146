export type * from './types.js';
export { loadRegistry, parseRegistry, checkRegistryFile, checkRegistryText, type CheckResult } from './load.js';
export { RegistryError, describeProblem, formatPath, formatProblemReport, sortProblems, type Problem, type Severity } from './problems.js';
export { registrySchema } from './schema.js';
export {
  buildNetwork,
  allowedEdges,
  nextHops,
  publishPairs,
  reads,
  type NetworkModel,
  type NetworkLink,
  type DirectedEdge,
  type Route,
  type Unreachable,
  type PairNode,
  type PublishKind,
} from './network.js';
export {
  CONSUMER_QUEUE_PREFIX,
  siteSegment,
  siteTopic,
  consumerQueue,
  consumerQueueWildcard,
  probeQueue,
  probeQueueWildcard,
  virtualTopicName,
  stompTopic,
  stompQueue,
  destinationProblem,
  segmentProblem,
} from './naming.js';
export { parseSize, formatSize } from './sizes.js';
export { DEFAULT_LIMITS, DEFAULT_LOCK, DEFAULT_MEMORY_SHARE_OF_HEAP, DEFAULT_MESSAGE_BYTES, DEFAULT_PATTERN, DEFAULT_PREFIX } from './normalize.js';
export {
  sizePrefetch,
  pairFlows,
  brokerPrefetch,
  consumerPrefetch,
  inboundPrefetch,
  networkPrefetch,
  INBOUND_MEMORY_SHARE,
  PREFETCH_MEMORY_SHARE,
  DESTINATION_PREFETCH_SHARE,
  MAX_NETWORK_PREFETCH,
  MAX_CONSUMER_PREFETCH,
  type PrefetchInput,
  type PrefetchSize,
  type PairFlow,
} from './flow-sizing.js';
export { sizingProblems } from './sizing-checks.js';
export { localize, localPortCount, localSecretFile, localPkiDir, localClientTls, LOCAL_MONITOR_IDENTITY, LOOPBACK, type LocalizeOptions } from './localize.js';
export {
  brokerAuthMode,
  brokerUser,
  clientScheme,
  hasPassword,
  isTlsBroker,
  linkScheme,
  networkPasswordNeeded,
  pairAccess,
  pairBrokers,
  partyPairs,
  type AuthMode,
  type ClientScheme,
  type LinkScheme,
  type PairAccess,
  type PartyIdentity,
} from './transport.js';
export { DEFAULT_CLIENT_TLS } from './normalize.js';
export { renderNetwork, renderText, renderDot, renderMermaid, type ShowFormat } from './render.js';
