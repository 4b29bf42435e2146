/**
 * Operating the bus: network health (check-network), status of brokers and
 * bridges, deployment files. See docs/operations.md and docs/deploy.md.
 */
export { planProbes, pathId, linkName, type ProbePath, type ProbePlan } from './probe-plan.js';
export { StompSession, SessionError, type SessionEndpoint, type SessionLogin, type ProbeMessage } from './stomp-session.js';
export { registryTargets, overlayDev, resolveTargets, monitoringLogin, monitoringTlsFiles, monitoringAccess, sessionEndpoint, endpointText, type BrokerTarget, type Targets, type MonitoringAccess, type TlsFileOverrides } from './targets.js';
export { runProbes, RUN_HEADER, PATH_HEADER, SEQ_HEADER, PROBE_EXPIRY_MS, type ProbeObservations, type PairObservation, type PathObservation, type ProbeRunOptions } from './probe-run.js';
export { evaluateNetwork, NAGIOS_WORDS, type NetworkVerdict, type LinkVerdict, type PathVerdict, type PairVerdict, type LinkState, type PathState, type RttThresholds, type NagiosCode } from './network-verdict.js';
export { renderNetwork, renderNagios, renderText, renderJson, perfdata, NETWORK_FORMATS, type NetworkFormat } from './network-report.js';
export { brokerRole, pairRows, type BrokerObservation, type BrokerRole, type BrokerRoleRow, type PairRow, type PairState, type StompAnswer } from './broker-roles.js';
export { parsePrometheus, metric, type Sample } from './prometheus.js';
export { bridgeFromArg, bridgeFromConfig, rowFromSamples, readBridge, fetchText, type BridgeSource, type BridgeRow, type BridgeKind } from './bridge-status.js';
export { gatherStatus, observeBroker, renderStatusText, renderStatusJson, type StatusReport } from './status.js';
export { execLine, execWord, pathList, renderUnit, hardening, type UnitFile, type UnitEntry } from './systemd-unit.js';
export { deployFiles, DEPLOY_DEFAULTS, LAYOUT, BROKER_USER, BRIDGE_USER, SITE_UNIT, brokerUnit, centralUnit, type DeployOptions, type DeployResult, type Bundle, type BundleKind } from './deploy-files.js';
