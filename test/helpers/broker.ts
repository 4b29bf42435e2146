import fs from 'node:fs';
import path from 'node:path';
import { freePorts } from '../../core/ports.js';
import type { ManagedProcess } from '../../core/process.js';
import { KAHADB_DISPATCH, QUEUE_DISPATCH } from '../../broker-config/activemq-xml.js';
import { spawnBroker, waitForBroker } from '../../broker-config/runner.js';
import { renderAttributes } from '../../broker-config/xml.js';
import { tempDir } from './tmp.js';

export interface TestBroker {
  dir: string;
  stompPort: number;
  openwirePort: number;
  process: ManagedProcess;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export interface TestBrokerOptions {
  /** Full activemq.xml; `${STOMP_PORT}` and `${OPENWIRE_PORT}` are substituted. Default: a plain broker, no auth. */
  xml?: string;
  /** Share an existing instance directory (e.g. to restart a broker on its old store). */
  dir?: string;
  stompPort?: number;
  openwirePort?: number;
  heapMb?: number;
  /** Full JIT as in production (broker-config/runner.ts fullJit); for benchmarks. */
  fullJit?: boolean;
  /** Without `xml`: the plain broker with testBrokerXml's asDeployed (dispatch, store and STOMP transport as generated); for benchmarks. */
  asDeployed?: boolean;
}

export interface TestBrokerXmlOptions {
  name?: string;
  advisorySupport?: boolean;
  /** The `<persistenceAdapter>` content; default: KahaDB in the instance's data dir. */
  persistence?: string;
  /** Port numbers, or the `${STOMP_PORT}` / `${OPENWIRE_PORT}` placeholders (default) that startTestBroker fills in. */
  stompPort?: number | string;
  openwirePort?: number | string;
  /**
   * Queue dispatch, KahaDB store and STOMP transport as broker-config generates them for
   * production (optimizedDispatch, concurrentStoreAndDispatchQueues=false, blocking stomp://);
   * for benchmarks, which should measure the broker as deployed. Default: ActiveMQ's defaults
   * and stomp+nio://.
   */
  asDeployed?: boolean;
}

/** The attributes broker-config puts on a KahaDB adapter for queue stores (none without asDeployed). */
export function deployedKahaDbAttributes(asDeployed: boolean | undefined): string {
  return asDeployed ? renderAttributes(Object.entries(KAHADB_DISPATCH)) : '';
}

/** The attributes broker-config puts on the queue policy entry for dispatch (none without asDeployed). */
export function deployedQueuePolicyAttributes(asDeployed: boolean | undefined): string {
  return asDeployed ? renderAttributes(Object.entries(QUEUE_DISPATCH)) : '';
}

/**
 * activemq.xml of a test broker: persistent KahaDB, capped memory, STOMP and
 * OpenWire on loopback, no authentication.
 */
export function testBrokerXml(o: TestBrokerXmlOptions = {}): string {
  const persistence = o.persistence ?? `<kahaDB directory="\${activemq.data}/kahadb" journalMaxFileLength="32mb"${deployedKahaDbAttributes(o.asDeployed)}/>`;
  return `<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="${o.name ?? 'test'}" dataDirectory="\${activemq.data}" useJmx="false" schedulerSupport="false" advisorySupport="${o.advisorySupport ?? true}">
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue="&gt;" memoryLimit="32mb" producerFlowControl="true"${deployedQueuePolicyAttributes(o.asDeployed)}/>
      <policyEntry topic="&gt;" memoryLimit="16mb" producerFlowControl="true"/>
    </policyEntries></policyMap></destinationPolicy>
    <persistenceAdapter>${persistence}</persistenceAdapter>
    <systemUsage><systemUsage>
      <memoryUsage><memoryUsage limit="128 mb"/></memoryUsage>
      <storeUsage><storeUsage limit="2 gb"/></storeUsage>
      <tempUsage><tempUsage limit="1 gb"/></tempUsage>
    </systemUsage></systemUsage>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:${o.openwirePort ?? '${OPENWIRE_PORT}'}"/>
      <transportConnector name="stomp" uri="${o.asDeployed ? 'stomp' : 'stomp+nio'}://127.0.0.1:${o.stompPort ?? '${STOMP_PORT}'}?transport.maxFrameSize=8388608"/>
    </transportConnectors>
  </broker>
</beans>
`;
}

/** A plain standalone broker for client tests (see testBrokerXml). */
export function plainBrokerXml(name = 'test'): string {
  return testBrokerXml({ name });
}

/** Starts a real ActiveMQ for a test and waits until it accepts STOMP. */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const [p1, p2] = await freePorts(2);
  const stompPort = options.stompPort ?? p1!;
  const openwirePort = options.openwirePort ?? p2!;
  const owned = options.dir === undefined ? tempDir('gridmsg-broker-') : undefined;
  const dir = options.dir ?? owned!.dir;
  const xml = (options.xml ?? testBrokerXml({ name: 'test', ...(options.asDeployed === undefined ? {} : { asDeployed: options.asDeployed }) }))
    .replaceAll('${STOMP_PORT}', String(stompPort))
    .replaceAll('${OPENWIRE_PORT}', String(openwirePort));
  fs.mkdirSync(path.join(dir, 'conf'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'conf', 'activemq.xml'), xml);
  const proc = spawnBroker({ dir, heapMb: options.heapMb ?? 384, ...(options.fullJit === undefined ? {} : { fullJit: options.fullJit }) });
  try {
    await waitForBroker(proc, '127.0.0.1', stompPort, 90_000);
  } catch (err) {
    await proc.kill9();
    const log = fs.existsSync(path.join(dir, 'broker.log')) ? fs.readFileSync(path.join(dir, 'broker.log'), 'utf8').slice(-3000) : '';
    owned?.cleanup();
    throw new Error(`${(err as Error).message}\n--- broker.log tail ---\n${log}`);
  }
  return {
    dir,
    stompPort,
    openwirePort,
    process: proc,
    async stop() {
      await proc.stop(15_000);
      owned?.cleanup();
    },
    async kill9() {
      await proc.kill9();
    },
  };
}
