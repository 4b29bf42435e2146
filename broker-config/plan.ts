/**
 * What each broker must contain, decided from the registry and its network
 * model, before any XML is written: users, permissions, destinations to
 * pre-create and network connectors. Pure and deterministic; the XML
 * renderer and the property test both read this plan.
 */
import {
  buildNetwork,
  consumerQueue,
  consumerQueueWildcard,
  probeQueue,
  probeQueueWildcard,
  publishPairs,
  siteTopic,
  virtualTopicName,
  type NetworkModel,
} from '../topology/index.js';
import { brokerAuthMode, linkScheme, MAX_NETWORK_PREFETCH, networkPrefetch, pairFlows, type AuthMode, type LinkScheme, type PairFlow } from '../topology/index.js';
import type { Broker, Pair, Registry } from '../topology/index.js';
import { NETWORK_GROUP, passwordKey, planIdentities, type PlannedUser } from './identities.js';
import { brokerStores, type BrokerStores } from './tls-instance.js';

export { NETWORK_GROUP, passwordKey, type PlannedUser } from './identities.js';
export const CLIENTS_GROUP = 'clients';
/** The monitoring user (gridmsg check-network): probe queues only. */
export const MONITORING_GROUP = 'monitoring';
export const siteGroup = (site: string): string => `site.${site}`;
export const consumerGroup = (consumer: string): string => `consumer.${consumer}`;
/** Prefix of the per-queue dead-letter queues. */
export const DLQ_PREFIX = 'DLQ.';

export interface AuthzEntry {
  kind: 'queue' | 'topic';
  name: string;
  read: string[];
  write: string[];
  admin: string[];
  why: string;
}

export interface ConnectorPlan {
  /** Unique name (`bridge.<from>.<to>`). */
  name: string;
  toPair: string;
  /** ssl (TLS brokers) or tcp (plain OpenWire, only where the registry lists it). */
  scheme: LinkScheme;
  /** Remote brokers, preferred active first (their ssl or plain OpenWire port). */
  remotes: Array<{ name: string; host: string; port: number }>;
  /** Queues forwarded whether or not anyone consumes remotely, each by name (no wildcard). */
  staticQueues: string[];
  /** Consumers whose queues this connector carries. */
  consumers: string[];
  messageTtl: number;
  /** Queues it forwards from this pair (one bridge subscription each). */
  queueCount: number;
  /** prefetchSize of its subscriptions, sized by flow-sizing.ts (this broker's memory, network.messageSize). */
  prefetch: number;
}

export interface BrokerPlan {
  broker: Broker;
  pair: Pair;
  /** The other broker of the pair, if any. */
  partner?: Broker;
  /** Login scheme: simple (passwords, plain brokers), JAAS certificate, or JAAS dual (TLS brokers). */
  auth: AuthMode;
  /** TLS brokers: keystore and truststore (Spring resources). */
  stores?: BrokerStores;
  virtualTopic: string;
  users: PlannedUser[];
  authz: AuthzEntry[];
  topics: string[];
  queues: string[];
  connectors: ConnectorPlan[];
  /** Queue subscriptions (bridges and consumers) on this pair, which share the prefetch memory (flow-sizing.ts). */
  flow: PairFlow;
}

export interface NetworkPlan {
  network: NetworkModel;
  brokers: BrokerPlan[];
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function planNetwork(registry: Registry): NetworkPlan {
  const network = buildNetwork(registry);
  const brokerByName = new Map(registry.brokers.map((b) => [b.name, b]));
  const pairNames = new Set(registry.pairs.map((p) => p.name));
  const topicOf = new Map(registry.sites.map((s) => [s.name, siteTopic(registry.naming, s)]));
  const sitesByName = new Map(registry.sites.map((s) => [s.name, s]));
  const consumerPair = new Map(registry.consumers.map((c) => [c.name, c.pair]));
  const flows = pairFlows(registry, network);

  const plans: BrokerPlan[] = [];
  for (const pair of registry.pairs) {
    const publishers = registry.sites.filter((s) => publishPairs(s, pairNames).some((p) => p.pair === pair.name));
    const homeConsumers = registry.consumers.filter((c) => c.pair === pair.name);

    const users: PlannedUser[] = planIdentities(registry, pair, [
      {
        username: registry.network.credentials.username,
        passwordKey: passwordKey(registry.network.credentials.username),
        groups: [NETWORK_GROUP],
        role: 'network bridges',
        credentials: registry.network.credentials,
      },
      ...(registry.monitoring
        ? [
            {
              username: registry.monitoring.credentials.username,
              passwordKey: passwordKey(registry.monitoring.credentials.username),
              groups: [CLIENTS_GROUP, MONITORING_GROUP],
              role: 'network probes (gridmsg check-network)',
              credentials: registry.monitoring.credentials,
            },
          ]
        : []),
      ...publishers.map((s) => ({
        username: s.credentials.username,
        passwordKey: passwordKey(s.credentials.username),
        groups: [CLIENTS_GROUP, siteGroup(s.name)],
        role: `site ${s.name}`,
        credentials: s.credentials,
      })),
      ...homeConsumers.map((c) => ({
        username: c.credentials.username,
        passwordKey: passwordKey(c.credentials.username),
        groups: [CLIENTS_GROUP, consumerGroup(c.name)],
        role: `consumer ${c.name}`,
        credentials: c.credentials,
      })),
    ]);

    const authz: AuthzEntry[] = [];
    const topics: string[] = [];
    const queues: string[] = [];
    for (const s of publishers) {
      const topic = topicOf.get(s.name)!;
      topics.push(topic);
      const readers = network.readers.get(s.name) ?? [];
      authz.push({
        kind: 'topic',
        name: topic,
        read: sorted(homeConsumers.filter((c) => readers.includes(c.name)).map((c) => consumerGroup(c.name))),
        write: [siteGroup(s.name)],
        admin: [siteGroup(s.name)],
        why: `site ${s.name} publishes here`,
      });
      for (const c of readers) queues.push(consumerQueue(c, topic));
    }
    authz.push({
      kind: 'queue',
      name: 'Consumer.>',
      read: [NETWORK_GROUP],
      write: [NETWORK_GROUP],
      admin: [NETWORK_GROUP],
      why: 'network bridges forward consumer queues',
    });
    authz.push({
      kind: 'queue',
      name: probeQueueWildcard(registry.naming),
      read: [MONITORING_GROUP, NETWORK_GROUP],
      write: [MONITORING_GROUP, NETWORK_GROUP],
      admin: [MONITORING_GROUP, NETWORK_GROUP],
      why: 'network probes: gridmsg check-network sends and reads them, bridges forward them',
    });
    for (const c of homeConsumers) {
      const g = consumerGroup(c.name);
      authz.push({ kind: 'queue', name: consumerQueueWildcard(c.name), read: [g], write: [], admin: [g], why: `consumer ${c.name} reads its queues` });
      authz.push({ kind: 'queue', name: `${DLQ_PREFIX}${consumerQueueWildcard(c.name)}`, read: [g], write: [], admin: [g], why: `dead letters of consumer ${c.name}` });
      authz.push({ kind: 'queue', name: c.errorQueue, read: [g], write: [g], admin: [g], why: `rejected messages of consumer ${c.name}` });
      queues.push(c.errorQueue);
      for (const [site, readers] of network.readers) {
        if (readers.includes(c.name) && sitesByName.has(site)) queues.push(consumerQueue(c.name, topicOf.get(site)!));
      }
    }
    authz.push({
      kind: 'topic',
      name: 'ActiveMQ.Advisory.>',
      read: [NETWORK_GROUP],
      write: [CLIENTS_GROUP, NETWORK_GROUP],
      admin: [CLIENTS_GROUP, NETWORK_GROUP],
      why: 'advisory messages: every connection creates them, bridges read them',
    });

    const connectors: ConnectorPlan[] = network.links
      .filter((l) => l.from === pair.name)
      .map((l) => {
        const to = registry.pairs.find((p) => p.name === l.to)!;
        const scheme = linkScheme(registry, l) ?? 'tcp';
        return {
          name: l.name,
          toPair: l.to,
          scheme,
          remotes: to.brokers.flatMap((b) => {
            const rb = brokerByName.get(b);
            return rb ? [{ name: rb.name, host: rb.host, port: (scheme === 'ssl' ? rb.ports.openwireSsl : rb.ports.openwire) ?? 0 }] : [];
          }),
          // Every queue by name, never `Consumer.<consumer>.>`: on ActiveMQ 5.17 a bridge's wildcard subscription creates a
          // queue literally named so, into which the virtual topic then copies every site message (docs/broker-network.md).
          staticQueues: [
            ...(flows.get(pair.name)?.linkQueueNames.get(l.name) ?? []),
            // The probes towards each consumer pair this link leads to travel the same way as that pair's consumer queues.
            ...sorted(l.consumers.map((c) => consumerPair.get(c)!)).map((p) => probeQueue(registry.naming, p)),
          ],
          consumers: l.consumers,
          messageTtl: network.messageTtl,
          queueCount: flows.get(pair.name)?.linkQueues.get(l.name) ?? 0,
          prefetch: MAX_NETWORK_PREFETCH, // per broker below
        };
      });
    const flow = flows.get(pair.name)!;

    const members = pair.brokers.flatMap((b) => {
      const br = brokerByName.get(b);
      return br ? [br] : [];
    });
    for (const broker of members) {
      const partner = members.find((m) => m !== broker);
      const plan: BrokerPlan = {
        broker,
        pair,
        auth: brokerAuthMode(registry, network, broker),
        virtualTopic: virtualTopicName(registry.naming),
        users,
        authz,
        topics: sorted(topics),
        queues: sorted(queues),
        connectors: connectors.map((c) => ({ ...c, prefetch: networkPrefetch(registry, broker, flows, pair.name, c.toPair).prefetch })),
        flow,
      };
      if (partner) plan.partner = partner;
      const stores = brokerStores(registry, broker);
      if (stores) plan.stores = stores;
      plans.push(plan);
    }
  }
  plans.sort((a, b) => (a.broker.name < b.broker.name ? -1 : 1));
  return { network, brokers: plans };
}
