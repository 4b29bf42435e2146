/**
 * registry → the files of a broker network, as data. Pure and deterministic:
 * the same registry (and secrets) gives byte-identical files. Only the CLI
 * writes them (see write.ts).
 */
import type { Registry } from '../topology/index.js';
import { CREDENTIALS_FILE, renderActivemqXml } from './activemq-xml.js';
import { consumerClientConfigs, renderClientConfig, siteClientConfigs } from './client-configs.js';
import {
  brokerDescriptor,
  DESCRIPTOR_FILE,
  renderCredentials,
  renderDescriptor,
  renderLog4j,
  renderLog4j2,
  renderRunScript,
  RUN_SCRIPT,
} from './instance-files.js';
import { planNetwork, type NetworkPlan } from './plan.js';
import { tlsInstanceFiles, tlsSecretLines } from './tls-instance.js';

export interface GeneratedFile {
  /** Relative to the output directory, with '/' separators. */
  path: string;
  content: string;
  mode: number;
}

export interface GenerateOptions {
  /**
   * Password of every user, by username, and the keystore/truststore
   * passwords of TLS brokers (keyStoreSecretId/trustStoreSecretId). When
   * given, each broker gets a conf/credentials.properties (and, with the dual
   * plugin, conf/users.properties), mode 0600; without it the operator
   * writes those files.
   */
  secrets?: ReadonlyMap<string, string>;
}

export interface GenerateResult {
  files: GeneratedFile[];
  plan: NetworkPlan;
}

export function generateBrokerNetwork(registry: Registry, options: GenerateOptions = {}): GenerateResult {
  const plan = planNetwork(registry);
  const files: GeneratedFile[] = [];
  for (const bp of plan.brokers) {
    const dir = `brokers/${bp.broker.name}`;
    const descriptor = brokerDescriptor(bp);
    files.push({ path: `${dir}/conf/activemq.xml`, content: renderActivemqXml(bp), mode: 0o644 });
    files.push({ path: `${dir}/conf/log4j.properties`, content: renderLog4j(), mode: 0o644 });
    files.push({ path: `${dir}/conf/log4j2.properties`, content: renderLog4j2(), mode: 0o644 });
    if (options.secrets) {
      files.push({ path: `${dir}/conf/${CREDENTIALS_FILE}`, content: renderCredentials(bp.users, options.secrets, tlsSecretLines(bp, options.secrets)), mode: 0o600 });
    }
    for (const f of tlsInstanceFiles(bp, options.secrets)) files.push({ ...f, path: `${dir}/${f.path}` });
    files.push({ path: `${dir}/${DESCRIPTOR_FILE}`, content: renderDescriptor(descriptor), mode: 0o644 });
    files.push({ path: `${dir}/${RUN_SCRIPT}`, content: renderRunScript(descriptor), mode: 0o755 });
  }
  for (const cfg of siteClientConfigs(registry)) {
    files.push({ path: `sites/${cfg.site}.yaml`, content: renderClientConfig(cfg), mode: 0o644 });
  }
  for (const cfg of consumerClientConfigs(registry, plan.network)) {
    files.push({ path: `consumers/${cfg.consumer}.yaml`, content: renderClientConfig(cfg), mode: 0o644 });
  }
  return { files, plan };
}
