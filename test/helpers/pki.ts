/**
 * Test helpers for TLS: a throw-away development CA (real openssl/keytool
 * through security/pki.ts) and a real ActiveMQ assembled from the
 * security/broker-tls.ts fragments, requiring client certificates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { freePorts } from '../../core/ports.js';
import type { ManagedProcess } from '../../core/process.js';
import { writeFileAtomic } from '../../core/files.js';
import { spawnBroker, waitForBroker } from '../../broker-config/runner.js';
import {
  advisoryAuthorizationEntry,
  authenticationPluginXml,
  authorizationPluginXml,
  BROKER_TLS_FILES,
  brokerTlsSystemProperties,
  certificateUsersProperties,
  passwordUsersProperties,
  groupsOf,
  groupsProperties,
  loginConfig,
  openwireSslConnectorXml,
  placeholderBeanXml,
  sslContextXml,
  stompSslConnectorXml,
  tlsSecretsProperties,
  type AuthenticationMode,
  type AuthorizationEntry,
  type CertificateUser,
  type PasswordUser,
} from '../../security/broker-tls.js';
import { initCa, issueIdentity, readPasswordFile, type IssuedIdentity, type IssueOptions } from '../../security/pki.js';
import type { IdentityKind } from '../../security/pki-layout.js';
import { tempDir } from './tmp.js';
import { deployedKahaDbAttributes } from './broker.js';

export interface TestPki {
  dir: string;
  /** The CA certificate (PEM). */
  caFile: string;
  caDn: string;
  issue(kind: IdentityKind, name: string, options?: Omit<IssueOptions, 'dir' | 'kind' | 'name'>): Promise<IssuedIdentity>;
  cleanup(): void;
}

/** A fresh development CA in a temp directory (about 0.1 s; keystores add about 0.5 s each). */
export async function createTestPki(options: { dn?: string } = {}): Promise<TestPki> {
  const tmp = tempDir('gridmsg-pki-');
  const ca = await initCa(options.dn === undefined ? { dir: tmp.dir } : { dir: tmp.dir, dn: options.dn });
  return {
    dir: tmp.dir,
    caFile: ca.paths.cert,
    caDn: ca.dn,
    issue: (kind, name, more = {}) => issueIdentity({ ...more, dir: tmp.dir, kind, name }),
    cleanup: tmp.cleanup,
  };
}

/** Node TLS options of an identity, as a STOMP client would use them. */
export function clientTls(identity: IssuedIdentity): { ca: Buffer; cert: Buffer; key: Buffer } {
  return {
    ca: fs.readFileSync(identity.paths.ca),
    cert: fs.readFileSync(identity.paths.cert),
    key: fs.readFileSync(identity.paths.key),
  };
}

export interface TlsBrokerOptions {
  /** The broker's own identity (issued with a keystore). */
  broker: IssuedIdentity;
  users: CertificateUser[];
  authorization: AuthorizationEntry[];
  mode?: AuthenticationMode;
  /** Dual mode: password users, and a plain (non-TLS) STOMP port for them. */
  passwordUsers?: PasswordUser[];
  /** Further secrets for tls-secrets.properties, referred to as `${key}` in extraBrokerXml. */
  extraSecrets?: Record<string, string>;
  brokerName?: string;
  /** Also open an OpenWire ssl connector (for network connectors of other brokers). */
  openwireSsl?: boolean;
  /** Raw XML put inside <broker> (e.g. <networkConnectors>). */
  extraBrokerXml?: string;
  /** Instance directory (default: a temp directory that stop() removes). */
  dir?: string;
  /** Broker JVM heap (default 256 MB). */
  heapMb?: number;
  /** Full JIT as in production (broker-config/runner.ts fullJit); for benchmarks. */
  fullJit?: boolean;
  /** Broker-wide limits (default memory 64 MB, store 1 GB, temp 512 MB). */
  systemUsage?: SystemUsageLimits;
  /** KahaDB stores queue messages as broker-config generates it (see testBrokerXml's asDeployed); for benchmarks. */
  asDeployed?: boolean;
}

export interface SystemUsageLimits {
  memoryMb: number;
  storeMb: number;
  tempMb: number;
}

export interface TlsTestBroker {
  dir: string;
  confDir: string;
  stompSslPort: number;
  sslPort: number;
  /** Plain STOMP port (only opened in dual mode with password users). */
  stompPort: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** activemq.xml of a TLS-only test broker, made of the security/broker-tls.ts fragments. */
export function tlsBrokerXml(o: {
  brokerName: string;
  stompSslPort: number;
  sslPort?: number;
  stompPort?: number;
  mode: AuthenticationMode;
  authorization: AuthorizationEntry[];
  groups: string[];
  extraBrokerXml?: string;
  systemUsage?: SystemUsageLimits;
  asDeployed?: boolean;
}): string {
  const usage = o.systemUsage ?? { memoryMb: 64, storeMb: 1024, tempMb: 512 };
  const connectors = [stompSslConnectorXml({ host: '127.0.0.1', port: o.stompSslPort, options: { 'transport.maxFrameSize': 8388608 } })];
  if (o.sslPort !== undefined) connectors.push(openwireSslConnectorXml({ host: '127.0.0.1', port: o.sslPort }));
  if (o.stompPort !== undefined) connectors.push(`<transportConnector name="stomp" uri="stomp://127.0.0.1:${o.stompPort}"/>`);
  return `<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  ${placeholderBeanXml()}
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="${o.brokerName}" dataDirectory="\${activemq.data}" useJmx="false" schedulerSupport="false" advisorySupport="true">
    <plugins>
      ${authenticationPluginXml(o.mode)}
      ${authorizationPluginXml([...o.authorization, advisoryAuthorizationEntry(o.groups)])}
    </plugins>
    ${sslContextXml()}
    <persistenceAdapter><kahaDB directory="\${activemq.data}/kahadb" journalMaxFileLength="32mb"${deployedKahaDbAttributes(o.asDeployed)}/></persistenceAdapter>
    <systemUsage><systemUsage>
      <memoryUsage><memoryUsage limit="${usage.memoryMb} mb"/></memoryUsage>
      <storeUsage><storeUsage limit="${usage.storeMb} mb"/></storeUsage>
      <tempUsage><tempUsage limit="${usage.tempMb} mb"/></tempUsage>
    </systemUsage></systemUsage>
    <transportConnectors>
      ${connectors.join('\n      ')}
    </transportConnectors>
    ${o.extraBrokerXml ?? ''}
  </broker>
</beans>
`;
}

/**
 * Writes a TLS broker instance (activemq.xml, login.config, users and groups,
 * secrets 0600, keystore and truststore 0600) and starts a real ActiveMQ on it.
 */
export async function startTlsTestBroker(options: TlsBrokerOptions): Promise<TlsTestBroker> {
  const [stompSslPort, sslPort, stompPort] = (await freePorts(3)) as [number, number, number];
  const owned = options.dir === undefined ? tempDir('gridmsg-tlsbroker-') : undefined;
  const dir = options.dir ?? owned!.dir;
  const confDir = path.join(dir, 'conf');
  const mode = options.mode ?? 'certificate';
  const passwordUsers = options.passwordUsers ?? [];
  const groups = groupsOf([...options.users, ...passwordUsers]);
  const b = options.broker;
  writeFileAtomic(
    path.join(confDir, 'activemq.xml'),
    tlsBrokerXml({
      brokerName: options.brokerName ?? 'tls-test',
      stompSslPort,
      ...(options.openwireSsl ? { sslPort } : {}),
      ...(mode === 'dual' && passwordUsers.length > 0 ? { stompPort } : {}),
      mode,
      authorization: options.authorization,
      groups: [...groups.keys()],
      ...(options.extraBrokerXml === undefined ? {} : { extraBrokerXml: options.extraBrokerXml }),
      ...(options.systemUsage === undefined ? {} : { systemUsage: options.systemUsage }),
      ...(options.asDeployed === undefined ? {} : { asDeployed: options.asDeployed }),
    }),
  );
  writeFileAtomic(path.join(confDir, BROKER_TLS_FILES.loginConfig), loginConfig({ mode }));
  writeFileAtomic(path.join(confDir, BROKER_TLS_FILES.certificateUsers), certificateUsersProperties(options.users));
  writeFileAtomic(path.join(confDir, BROKER_TLS_FILES.groups), groupsProperties(groups));
  if (mode === 'dual') writeFileAtomic(path.join(confDir, BROKER_TLS_FILES.passwordUsers), passwordUsersProperties(passwordUsers), 0o600);
  writeFileAtomic(
    path.join(confDir, BROKER_TLS_FILES.secrets),
    tlsSecretsProperties({
      keyStorePassword: readPasswordFile(b.paths.keystorePassword),
      trustStorePassword: readPasswordFile(b.paths.truststorePassword),
      ...(options.extraSecrets === undefined ? {} : { extra: options.extraSecrets }),
    }),
    0o600,
  );
  writeFileAtomic(path.join(confDir, BROKER_TLS_FILES.keyStore), fs.readFileSync(b.paths.keystore), 0o600);
  writeFileAtomic(path.join(confDir, BROKER_TLS_FILES.trustStore), fs.readFileSync(b.paths.truststore), 0o600);
  const proc = spawnBroker({ dir, heapMb: options.heapMb ?? 256, systemProperties: brokerTlsSystemProperties(confDir), ...(options.fullJit === undefined ? {} : { fullJit: options.fullJit }) });
  try {
    await waitForBroker(proc, '127.0.0.1', stompSslPort, 90_000);
  } catch (err) {
    await proc.kill9();
    const logFile = path.join(dir, 'broker.log');
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-4000) : '';
    owned?.cleanup();
    throw new Error(`${(err as Error).message}\n--- broker.log tail ---\n${log}`);
  }
  return {
    dir,
    confDir,
    stompSslPort,
    sslPort,
    stompPort,
    process: proc,
    async stop() {
      await proc.stop(15_000);
      owned?.cleanup();
    },
  };
}
