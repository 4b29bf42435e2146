/**
 * The TLS and signed set-up of the benchmarks, made of the repo's own recipe:
 * a development CA (security/pki.ts through test/helpers/pki.ts, as `gridmsg
 * pki init|issue` and `gridmsg dev up` make it) with a broker, a site and a
 * consumer identity, and a real ActiveMQ from the security/broker-tls.ts
 * fragments: `stomp+ssl` requiring client certificates, certificate logins
 * mapped to groups (`sites`, `consumers`), the authorization map the caller
 * gives. Its memory and store limits match the plain broker of
 * test/helpers/broker.ts (broker-wide and per destination), so a TLS run differs from a plain one only by
 * what TLS deployment adds: encryption, client authentication, authorization.
 *
 * Benchmark brokers run with the JVM flags of production (the generated
 * run.sh: full JIT), not the C1-only flags of test brokers: C1 has no AES and
 * GHASH intrinsics, and a TLS broker then spends about twice the CPU per
 * message in AES-GCM written in plain Java (seen with a JFR profile).
 */
import type { TlsSettings } from '../../clients/client-config.js';
import type { AuthorizationEntry } from '../../security/broker-tls.js';
import type { IssuedIdentity, KeyType } from '../../security/pki.js';
import { deployedQueuePolicyAttributes } from '../../test/helpers/broker.js';
import { createTestPki, startTlsTestBroker, type TestPki, type TlsTestBroker } from '../../test/helpers/pki.js';

/** Benchmark variants: transport (plain STOMP or stomp+ssl with client certificates) x message signing. */
export type Variant = 'plain' | 'tls' | 'signed' | 'tls+signed';
export const VARIANTS: readonly Variant[] = ['plain', 'tls', 'signed', 'tls+signed'];

export const usesTls = (v: Variant): boolean => v === 'tls' || v === 'tls+signed';
export const usesSigning = (v: Variant): boolean => v === 'signed' || v === 'tls+signed';

/** A cost or change in percent with its sign: `+3.2 %`. */
export const costText = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

/** Goal of a variant's cost against plain (issue 6): TLS < 20 %, signing < 35 %. */
export function goalOf(v: Variant): string {
  if (v === 'tls') return 'goal < 20 %';
  if (v === 'signed') return 'goal < 35 %';
  if (v === 'tls+signed') return 'TLS and signing together (goals: < 20 % and < 35 % each)';
  return '';
}

/** Parses `plain,tls,signed,tls+signed` (any subset, any order); throws naming the bad entry. */
export function parseVariants(text: string): Variant[] {
  const out: Variant[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (!(VARIANTS as readonly string[]).includes(part)) throw new Error(`unknown variant "${part}" (expected some of: ${VARIANTS.join(', ')})`);
    if (!out.includes(part as Variant)) out.push(part as Variant);
  }
  if (out.length === 0) throw new Error(`no variant given (expected some of: ${VARIANTS.join(', ')})`);
  return out;
}

export interface BenchPki {
  pki: TestPki;
  broker: IssuedIdentity;
  site: IssuedIdentity;
  consumer: IssuedIdentity;
  /** TLS settings of an identity, as a client config holds them. */
  tlsOf(id: IssuedIdentity): TlsSettings;
  /** The `signing` section of a site client config. */
  signingOf(id: IssuedIdentity): { certFile: string; keyFile: string };
  cleanup(): void;
}

/** Key type of the site and consumer certificates (the TLS and signing keys): the dev PKI's default ec P-256, or rsa 2048 like many grid host certificates. */
export type BenchKeyType = Exclude<KeyType, 'ed25519'>;

/** A development CA with one broker (keystores), one site and one consumer identity. */
export async function createBenchPki(site: string, consumer: string, keyType: BenchKeyType = 'ec'): Promise<BenchPki> {
  const pki = await createTestPki();
  try {
    const broker = await pki.issue('broker', 'bench-broker');
    const siteId = await pki.issue('site', site, { keyType });
    const consumerId = await pki.issue('consumer', consumer, { keyType });
    return {
      pki,
      broker,
      site: siteId,
      consumer: consumerId,
      tlsOf: (id) => ({ caFile: id.paths.ca, certFile: id.paths.cert, keyFile: id.paths.key }),
      signingOf: (id) => ({ certFile: id.paths.cert, keyFile: id.paths.key }),
      cleanup: pki.cleanup,
    };
  } catch (err) {
    pki.cleanup();
    throw err;
  }
}

/** The per-destination limits of test/helpers/broker.ts's plain broker, queues dispatching as deployed (its asDeployed). */
const DESTINATION_POLICY = `<destinationPolicy><policyMap><policyEntries>
      <policyEntry queue="&gt;" memoryLimit="32mb" producerFlowControl="true"${deployedQueuePolicyAttributes(true)}/>
      <policyEntry topic="&gt;" memoryLimit="16mb" producerFlowControl="true"/>
    </policyEntries></policyMap></destinationPolicy>`;

/**
 * A real TLS-only ActiveMQ (stomp+ssl, client certificates required): the
 * site identity logs in as user = site name in group `sites`, the consumer
 * as user = consumer name in group `consumers`.
 */
export function startBenchTlsBroker(p: BenchPki, authorization: AuthorizationEntry[], heapMb: number): Promise<TlsTestBroker> {
  return startTlsTestBroker({
    broker: p.broker,
    brokerName: 'bench-tls',
    users: [
      { user: p.site.name, dn: p.site.dn, groups: ['sites'] },
      { user: p.consumer.name, dn: p.consumer.dn, groups: ['consumers'] },
    ],
    authorization,
    extraBrokerXml: DESTINATION_POLICY,
    heapMb,
    fullJit: true,
    asDeployed: true,
    // The plain broker's limits: with the default 1 GB store a 1,000,000-result run stalled (no receipts) at about 600,000.
    systemUsage: { memoryMb: 128, storeMb: 2048, tempMb: 1024 },
  });
}
