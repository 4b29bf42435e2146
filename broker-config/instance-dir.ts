/**
 * Reading a generated broker directory (I/O edge): its broker.json and what
 * its log says about its role.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { brokerTlsSystemProperties } from '../security/broker-tls.js';
import { DESCRIPTOR_FILE, type BrokerDescriptor } from './instance-files.js';

/** What ActiveMQ logs when a broker of a shared-store pair waits for the lock. */
export const STANDBY_LOG = /locked by another server|waiting (for )?a lock|slave mode/i;

/** True when the end of the broker log says it is a standby waiting for the store lock. */
export function logSaysStandby(logFile: string): boolean {
  try {
    return STANDBY_LOG.test(fs.readFileSync(logFile, 'utf8').slice(-20_000));
  } catch {
    return false;
  }
}

/** The broker.json of a generated broker directory, or a ConfigError saying what is wrong. */
export function readDescriptor(dir: string): BrokerDescriptor {
  const file = path.join(dir, DESCRIPTOR_FILE);
  if (!fs.existsSync(file)) {
    throw new ConfigError(`${dir} is not a generated broker directory: no ${DESCRIPTOR_FILE} (run gridmsg broker-config generate)`, { file });
  }
  let d: Partial<BrokerDescriptor>;
  try {
    d = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<BrokerDescriptor>;
  } catch (err) {
    throw new ConfigError(`cannot read ${DESCRIPTOR_FILE}: ${(err as Error).message}`, { file });
  }
  if (typeof d.name !== 'string' || typeof d.host !== 'string' || typeof (d.tls ? d.ports?.stompSsl : d.ports?.stomp) !== 'number' || typeof d.heapMb !== 'number') {
    throw new ConfigError(`${DESCRIPTOR_FILE} lacks name, host, ports.${d.tls ? 'stompSsl' : 'stomp'} or heapMb`, { file });
  }
  return d as BrokerDescriptor;
}

/** The port STOMP clients use and the JVM options of a generated broker directory (TLS brokers need the JAAS login configuration). */
export function instanceRuntime(dir: string, d: BrokerDescriptor): { stompPort: number; openwirePort: number; systemProperties: Record<string, string> } {
  return {
    stompPort: (d.tls ? d.ports.stompSsl : d.ports.stomp) ?? 0,
    openwirePort: (d.tls ? d.ports.openwireSsl : d.ports.openwire) ?? 0,
    systemProperties: d.tls ? brokerTlsSystemProperties(path.join(dir, 'conf')) : {},
  };
}
