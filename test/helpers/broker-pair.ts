/**
 * A failover pair of two real ActiveMQ brokers sharing one KahaDB directory
 * (shared-storage master/slave). The first to lock the store is active and
 * opens its connectors; the other blocks on the lock, with no connector open,
 * until the active one dies. Each member has its own instance directory and
 * ports; the store is in a third directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { freePorts, portOpen } from '../../core/ports.js';
import type { ManagedProcess } from '../../core/process.js';
import { spawnBroker, waitForBroker } from '../../broker-config/runner.js';
import type { BrokerEndpoint } from '../../clients/client-config.js';
import { testBrokerXml } from './broker.js';
import { tempDir } from './tmp.js';

export interface PairMember {
  name: 'a' | 'b';
  dir: string;
  stompPort: number;
  openwirePort: number;
  process: ManagedProcess;
}

export interface BrokerPair {
  a: PairMember;
  b: PairMember;
  /** Shared KahaDB directory. */
  storeDir: string;
  /** Client endpoints, active (a) first. */
  endpoints: BrokerEndpoint[];
  /** `failover:(tcp://...,tcp://...)?randomize=false` */
  failoverUri: string;
  /** The member whose STOMP port accepts connections now, if any. */
  active(): Promise<PairMember | undefined>;
  /** kill -9 of a member. */
  kill9(member: PairMember): Promise<void>;
  /** Waits until `member` accepts STOMP (it took over). */
  waitUntilActive(member: PairMember, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function pairBrokerXml(storeDir: string, stompPort: number, openwirePort: number): string {
  const persistence = `
      <kahaDB directory="${storeDir}" journalMaxFileLength="32mb" lockKeepAlivePeriod="1000">
        <locker><shared-file-locker lockAcquireSleepInterval="300"/></locker>
      </kahaDB>
    `;
  return testBrokerXml({ name: 'pair', advisorySupport: false, persistence, stompPort, openwirePort });
}

/** Starts member a, waits until it is active, then starts b (which blocks on the store lock). */
export async function startBrokerPair(options: { heapMb?: number } = {}): Promise<BrokerPair> {
  const root = tempDir('gridmsg-pair-');
  const storeDir = path.join(root.dir, 'shared-kahadb');
  fs.mkdirSync(storeDir, { recursive: true });
  const ports = await freePorts(4);
  const members: PairMember[] = [];
  const make = (name: 'a' | 'b', stompPort: number, openwirePort: number): PairMember => {
    const dir = path.join(root.dir, name);
    fs.mkdirSync(path.join(dir, 'conf'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'conf', 'activemq.xml'), pairBrokerXml(storeDir, stompPort, openwirePort));
    const member: PairMember = { name, dir, stompPort, openwirePort, process: spawnBroker({ dir, heapMb: options.heapMb ?? 384 }) };
    members.push(member);
    return member;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.process.stop(15_000)));
    root.cleanup();
  };
  try {
    const a = make('a', ports[0]!, ports[1]!);
    await waitForBroker(a.process, '127.0.0.1', a.stompPort, 90_000);
    const b = make('b', ports[2]!, ports[3]!);
    const endpoints: BrokerEndpoint[] = [
      { name: 'pair-a', host: '127.0.0.1', port: a.stompPort },
      { name: 'pair-b', host: '127.0.0.1', port: b.stompPort },
    ];
    return {
      a,
      b,
      storeDir,
      endpoints,
      failoverUri: `failover:(tcp://127.0.0.1:${a.stompPort},tcp://127.0.0.1:${b.stompPort})?randomize=false`,
      async active() {
        for (const m of [a, b]) if (m.process.alive() && (await portOpen('127.0.0.1', m.stompPort))) return m;
        return undefined;
      },
      kill9: (m) => m.process.kill9(),
      waitUntilActive: (m, timeoutMs = 90_000) => waitForBroker(m.process, '127.0.0.1', m.stompPort, timeoutMs),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
