export { generateBrokerNetwork, type GeneratedFile, type GenerateOptions, type GenerateResult } from './generate.js';
export { planNetwork, passwordKey, type BrokerPlan, type ConnectorPlan, type AuthzEntry, type NetworkPlan, type PlannedUser } from './plan.js';
export { renderActivemqXml, CREDENTIALS_FILE, QUEUE_DISPATCH, KAHADB_DISPATCH } from './activemq-xml.js';
export { siteClientConfigs, consumerClientConfigs, renderClientConfig, clientCredentials, partyTlsFiles } from './client-configs.js';
export { planIdentities } from './identities.js';
export { brokerStores, keyStoreSecretId, trustStoreSecretId, tlsInstanceFiles, tlsSecretLines, type BrokerStores, type InstanceFile } from './tls-instance.js';
export { authenticationXml, connectorsLogIn, networkUri, sslContextXml, transportConnectorsXml } from './tls-xml.js';
export { ensureDevPki, devIdentities, type DevIdentity, type DevPkiResult } from './dev-pki.js';
export {
  brokerDescriptor,
  renderDescriptor,
  renderRunScript,
  renderCredentials,
  escapeProperty,
  DESCRIPTOR_FILE,
  RUN_SCRIPT,
  type BrokerDescriptor,
} from './instance-files.js';
export { resolveSecrets, requireSecrets, registryUsers, secretReferences, secretProblem, type SecretSource, type SecretReference } from './secrets.js';
export { ACTIVEMQ_HOME, brokerCommand, spawnBroker, waitForBroker, type BrokerRunOptions } from './runner.js';
export { writeGeneratedFiles, staleFiles } from './write.js';
export { stompPing, type PingResult, type PingTls } from './stomp-ping.js';
export {
  devUp,
  devDown,
  readDevState,
  runningBrokers,
  prepareLocalNetwork,
  startLocalNetwork,
  DEV_STATE_FILE,
  DEV_MAX_HEAP_MB,
  type DevState,
  type DevBroker,
  type DevRole,
  type LocalNetwork,
  type StartedBroker,
  type StartOptions,
} from './dev.js';
export { readDescriptor, instanceRuntime, logSaysStandby, STANDBY_LOG } from './instance-dir.js';
