/**
 * Renders one broker's activemq.xml from its plan. Every choice is explained
 * in docs/broker-network.md; the comments in the output point there.
 */
import { formatSize } from '../topology/index.js';
import type { AuthzEntry, BrokerPlan, ConnectorPlan } from './plan.js';
import { authenticationXml, connectorsLogIn, networkUri, sslContextXml, transportConnectorsXml } from './tls-xml.js';
import { comment, el, renderXml, textEl, type XmlElement } from './xml.js';

/** Name of the secrets file next to activemq.xml. */
export const CREDENTIALS_FILE = 'credentials.properties';

/** Seconds a producer may be blocked by a full store before its send fails (the client then retries elsewhere or later). */
export const SEND_FAIL_AFTER_MS = 30_000;

function connectorXml(c: ConnectorPlan, login: { user: string; passwordKey: string } | undefined): XmlElement {
  return el(
    'networkConnector',
    {
      name: c.name,
      uri: networkUri(c),
      userName: login?.user,
      password: login === undefined ? undefined : `\${${login.passwordKey}}`,
      duplex: false,
      staticBridge: true,
      decreaseNetworkConsumerPriority: true,
      suppressDuplicateQueueSubscriptions: true,
      suppressDuplicateTopicSubscriptions: true,
      conduitSubscriptions: true,
      messageTTL: c.messageTtl,
      consumerTTL: 1,
      alwaysSyncSend: true,
      bridgeTempDestinations: false,
      prefetchSize: c.prefetch,
    },
    [
      comment(`to pair ${c.toPair} (${c.remotes.map((r) => r.name).join(', ')}) for consumer${c.consumers.length > 1 ? 's' : ''} ${c.consumers.join(', ')}; declared here only, one-way`),
      comment(`prefetchSize ${c.prefetch} on each of its ${c.queueCount} queue${c.queueCount === 1 ? '' : 's'}: sized to this broker's and the receiving pair's memory limits and network.messageSize (docs/broker-network.md)`),
      el(
        'staticallyIncludedDestinations',
        {},
        c.staticQueues.map((q) => el('queue', { physicalName: q })),
      ),
      el('excludedDestinations', {}, [el('topic', { physicalName: '>' })]),
    ],
  );
}

function authzXml(e: AuthzEntry): XmlElement {
  const list = (xs: string[]): string | undefined => (xs.length === 0 ? undefined : xs.join(','));
  return el('authorizationEntry', {
    [e.kind]: e.name,
    read: list(e.read),
    write: list(e.write),
    admin: list(e.admin),
  });
}

/**
 * How queues dispatch: optimizedDispatch, a queue dispatches in the thread that enqueued (or acked)
 * instead of handing over to its own dispatch thread; same delivery, less CPU per message on C2
 * (bench/broker-hop.ts: -13 to -23 % of both brokers' CPU, docs/broker-network.md). Exported so
 * that the benches' test brokers dispatch as deployed ones do.
 */
export const QUEUE_DISPATCH = { prioritizedMessages: false, optimizedDispatch: true } as const;

/**
 * How KahaDB stores queue messages: concurrentStoreAndDispatchQueues=false, a queue message is
 * written (journal synced) and indexed in the thread that received it, before dispatch, instead of
 * handing each store to KahaDB's store thread; the same sync before the receipt, one thread hand-off
 * less per message (bench/broker-hop.ts: median -9 % of both brokers' CPU per message over 14
 * interleaved rounds, docs/broker-network.md).
 */
export const KAHADB_DISPATCH = { concurrentStoreAndDispatchQueues: false } as const;

export function renderActivemqXml(plan: BrokerPlan): string {
  const b = plan.broker;
  const l = b.limits;
  // The network user logs in with a password (broker certificate users have none).
  const networkUser = plan.users.find((u) => u.groups.includes('network') && u.passwordKey !== undefined);
  const login = networkUser?.passwordKey !== undefined && connectorsLogIn(plan) ? { user: networkUser.username, passwordKey: networkUser.passwordKey } : undefined;

  const broker = el(
    'broker',
    {
      xmlns: 'http://activemq.apache.org/schema/core',
      brokerName: b.name,
      dataDirectory: b.dataDir,
      useJmx: false,
      persistent: true,
      schedulerSupport: false,
      advisorySupport: true,
      networkConnectorStartAsync: true,
      useShutdownHook: true,
    },
    [
      comment('Virtual topics: a copy of every site message goes to each Consumer.<consumer>.<topic> queue that exists.'),
      el('destinationInterceptors', {}, [
        el('virtualDestinationInterceptor', {}, [
          el('virtualDestinations', {}, [
            el('virtualTopic', { name: plan.virtualTopic, prefix: 'Consumer.*.', selectorAware: false, transactedSend: true }),
          ]),
        ]),
      ]),
      comment('Per-destination memory limits and producer flow control: a flood blocks its producer, not the broker.'),
      el('destinationPolicy', {}, [
        el('policyMap', {}, [
          el('policyEntries', {}, [
            el(
              'policyEntry',
              { queue: '>', memoryLimit: formatSize(l.destinationMemoryBytes), producerFlowControl: true, ...QUEUE_DISPATCH },
              [
                el('deadLetterStrategy', {}, [
                  el('individualDeadLetterStrategy', { queuePrefix: 'DLQ.', useQueueForQueueMessages: true, processNonPersistent: false }),
                ]),
              ],
            ),
            el('policyEntry', { topic: '>', memoryLimit: formatSize(l.destinationMemoryBytes), producerFlowControl: true }),
          ]),
        ]),
      ]),
      comment('Created at start-up so no message published before its consumer first connects is lost.'),
      el('destinations', {}, [
        ...plan.topics.map((t) => el('topic', { physicalName: t })),
        ...plan.queues.map((q) => el('queue', { physicalName: q })),
      ]),
      plan.connectors.length > 0 &&
        comment(`Network: one-way static bridges, declared on the sending side only (networkTTL ${plan.connectors[0]!.messageTtl}).`),
      plan.connectors.length > 0 &&
        el(
          'networkConnectors',
          {},
          plan.connectors.map((c) => connectorXml(c, login)),
        ),
      comment(
        plan.partner
          ? `KahaDB shared with ${plan.partner.name}: whoever holds the lock is active, the other waits.`
          : 'KahaDB (no failover partner).',
      ),
      el('persistenceAdapter', {}, [
        el('kahaDB', { directory: b.store, journalMaxFileLength: '32mb', ...KAHADB_DISPATCH, lockKeepAlivePeriod: plan.pair.lock.keepAliveMs }, [
          el('locker', {}, [el('shared-file-locker', { lockAcquireSleepInterval: plan.pair.lock.retryMs })]),
        ]),
      ]),
      el('plugins', {}, [
        ...authenticationXml(plan),
        el('authorizationPlugin', {}, [
          el('map', {}, [
            el('authorizationMap', {}, [
              el('authorizationEntries', {}, plan.authz.map(authzXml)),
              el('tempDestinationAuthorizationEntry', {}, [
                el('tempDestinationAuthorizationEntry', { read: 'network', write: 'network', admin: 'network' }),
              ]),
            ]),
          ]),
        ]),
      ]),
      el('systemUsage', {}, [
        el('systemUsage', { sendFailIfNoSpaceAfterTimeout: SEND_FAIL_AFTER_MS }, [
          el('memoryUsage', {}, [el('memoryUsage', { limit: formatSize(l.memoryBytes) })]),
          el('storeUsage', {}, [el('storeUsage', { limit: formatSize(l.storeBytes) })]),
          el('tempUsage', {}, [el('tempUsage', { limit: formatSize(l.tempBytes) })]),
        ]),
      ]),
      ...sslContextXml(plan),
      el('transportConnectors', {}, transportConnectorsXml(plan)),
    ],
  );

  const beans = el(
    'beans',
    {
      xmlns: 'http://www.springframework.org/schema/beans',
      'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'xsi:schemaLocation':
        'http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd',
    },
    [
      comment(
        plan.stores
          ? 'Passwords (network user, keystore, truststore) come from conf/credentials.properties (mode 0600), never from this file.'
          : 'Passwords come from conf/credentials.properties (mode 0600), never from this file.',
      ),
      el('bean', { class: 'org.springframework.beans.factory.config.PropertyPlaceholderConfigurer' }, [
        el('property', { name: 'locations' }, [textEl('value', `file:\${activemq.conf}/${CREDENTIALS_FILE}`)]),
        el('property', { name: 'ignoreUnresolvablePlaceholders', value: 'false' }),
      ]),
      broker,
    ],
  );

  return renderXml(beans, [
    comment(
      [
        `ActiveMQ 5.17 configuration of broker ${b.name} (pair ${plan.pair.name}).`,
        'Generated by `gridmsg broker-config generate` from the site registry: do not edit,',
        'change the registry and generate again. Every choice is explained in docs/broker-network.md.',
      ].join('\n'),
    ),
  ]);
}
