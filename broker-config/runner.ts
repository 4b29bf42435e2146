import fs from 'node:fs';
import path from 'node:path';
import { GridmsgError } from '../core/errors.js';
import { waitForPort } from '../core/ports.js';
import { startProcess, type ManagedProcess } from '../core/process.js';

/** Where Debian's activemq package puts the broker. */
export const ACTIVEMQ_HOME = process.env['GRIDMSG_ACTIVEMQ_HOME'] ?? '/usr/share/activemq';

export interface BrokerRunOptions {
  /** Instance directory holding conf/activemq.xml; data/ and tmp/ are created beside it. */
  dir: string;
  heapMb?: number;
  /** Extra -D options for the JVM (e.g. javax.net.ssl.* for TLS). */
  systemProperties?: Record<string, string>;
  /** Broker output goes here (default DIR/broker.log). */
  logFile?: string;
  /**
   * Run in its own process group and let this process exit while the broker
   * keeps running (`gridmsg dev up`); stop it later by pid.
   */
  detached?: boolean;
  /**
   * Full JIT (C2) as the generated run.sh runs production brokers. Default:
   * C1 only (-XX:TieredStopAtLevel=1), quicker to start for tests and dev;
   * but C1 has no AES/GHASH intrinsics, so a TLS broker then spends about
   * twice the CPU per message (AES-GCM in plain Java). Benchmarks set this.
   */
  fullJit?: boolean;
  /** Extra JVM options placed before the -D options (benchmarks try GC and heap variants with it). */
  jvmArgs?: string[];
}

/** The java command line that starts one ActiveMQ instance in the foreground. */
export function brokerCommand(options: BrokerRunOptions): { command: string; args: string[] } {
  const dir = path.resolve(options.dir);
  const heap = options.heapMb ?? 512;
  const props: Record<string, string> = {
    'java.awt.headless': 'true',
    'java.io.tmpdir': path.join(dir, 'tmp'),
    'activemq.classpath': path.join(dir, 'conf'),
    'activemq.home': ACTIVEMQ_HOME,
    'activemq.base': dir,
    'activemq.conf': path.join(dir, 'conf'),
    'activemq.data': path.join(dir, 'data'),
    ...options.systemProperties,
  };
  const args = [
    `-Xms${Math.min(128, heap)}M`,
    `-Xmx${heap}M`,
    // A collector named in jvmArgs replaces the default one (the JVM refuses two).
    ...((options.jvmArgs ?? []).some((a) => /^-XX:\+Use\w+GC$/.test(a)) ? [] : ['-XX:+UseSerialGC']),
    ...(options.fullJit === true ? [] : ['-XX:TieredStopAtLevel=1']),
    ...(options.jvmArgs ?? []),
    ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`),
    '-jar',
    path.join(ACTIVEMQ_HOME, 'bin', 'activemq.jar'),
    'start',
    `xbean:file:${path.join(dir, 'conf', 'activemq.xml')}`,
  ];
  return { command: 'java', args };
}

/** Starts one ActiveMQ instance as a child process. Does not wait for it to listen. */
export function spawnBroker(options: BrokerRunOptions): ManagedProcess {
  const dir = path.resolve(options.dir);
  const xml = path.join(dir, 'conf', 'activemq.xml');
  if (!fs.existsSync(xml)) {
    throw new GridmsgError('BROKER_CONFIG_MISSING', `no broker configuration at ${xml}`, { file: xml });
  }
  if (!fs.existsSync(path.join(ACTIVEMQ_HOME, 'bin', 'activemq.jar'))) {
    throw new GridmsgError(
      'ACTIVEMQ_MISSING',
      `ActiveMQ is not installed at ${ACTIVEMQ_HOME} (apt-get install -y activemq, or set GRIDMSG_ACTIVEMQ_HOME)`,
    );
  }
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const { command, args } = brokerCommand(options);
  const proc = startProcess(command, args, {
    cwd: dir,
    logFile: options.logFile ?? path.join(dir, 'broker.log'),
    detached: options.detached ?? false,
  });
  if (options.detached) proc.child.unref();
  return proc;
}

/** Waits until the broker accepts connections on one of its ports; fails early if it died. */
export async function waitForBroker(proc: ManagedProcess, host: string, port: number, timeoutMs = 60_000): Promise<void> {
  try {
    await waitForPort(host, port, timeoutMs, () => proc.alive());
  } catch (err) {
    throw new GridmsgError('BROKER_START_FAILED', `broker did not start listening on ${host}:${port}: ${(err as Error).message}`, {
      broker: `${host}:${port}`,
      cause: err,
    });
  }
}
