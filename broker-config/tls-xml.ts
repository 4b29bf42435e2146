/**
 * The parts of activemq.xml that depend on how a broker authenticates: the
 * login plugin, the sslContext and the transport connectors. TLS brokers
 * follow the recipe of security/broker-tls.ts (tested against real brokers);
 * plain brokers keep ActiveMQ's simple plugin. docs/broker-network.md and
 * docs/security.md explain every choice.
 */
import { authenticationPluginElement, sslConnectorUri, sslContextAttributes } from '../security/broker-tls.js';
import type { BrokerPlan, ConnectorPlan } from './plan.js';
import { comment, el, type XmlNode } from './xml.js';

/** Remote address of a network connector. */
export function networkUri(c: ConnectorPlan): string {
  const endpoints = c.remotes.map((r) => `${c.scheme}://${r.host}:${r.port}`);
  const query = 'initialReconnectDelay=1000&maxReconnectDelay=5000&useExponentialBackOff=true';
  // masterslave: builds failover:(a,b)?randomize=false for an active/standby pair; it needs two URIs.
  return endpoints.length >= 2 ? `masterslave:(${endpoints.join(',')})?${query}` : `static:(${endpoints.join(',')})?${query}`;
}

/**
 * True when this broker's network connectors log in with the network user's
 * password: always on plain brokers, on TLS brokers with the dual plugin (the
 * bridge's local in-VM connection is not an ssl connection).
 */
export function connectorsLogIn(plan: BrokerPlan): boolean {
  return plan.auth !== 'certificate';
}

/** The authentication plugin inside <plugins>. */
export function authenticationXml(plan: BrokerPlan): XmlNode[] {
  if (plan.auth === 'password') {
    return [
      el('simpleAuthenticationPlugin', { anonymousAccessAllowed: false }, [
        el(
          'users',
          {},
          plan.users.flatMap((u) => (u.passwordKey === undefined ? [] : [el('authenticationUser', { username: u.username, password: `\${${u.passwordKey}}`, groups: u.groups.join(',') })])),
        ),
      ]),
    ];
  }
  const { element, attributes } = authenticationPluginElement(plan.auth);
  return [
    comment(
      plan.auth === 'certificate'
        ? 'Certificate logins only (JAAS, conf/login.config): cert-users.properties maps subject DNs to users, groups.properties users to groups.'
        : 'Certificate logins on ssl connectors, password logins (conf/users.properties) on the others and for the local side of network bridges.',
    ),
    el(element, attributes),
  ];
}

/** <sslContext>: this broker's certificate (as server, and as client of its ssl network connectors) and the CAs it trusts. */
export function sslContextXml(plan: BrokerPlan): XmlNode[] {
  if (!plan.stores) return [];
  return [
    comment('Keystore and truststore passwords come from conf/credentials.properties.'),
    el('sslContext', {}, [el('sslContext', sslContextAttributes({ keyStore: plan.stores.keyStore, trustStore: plan.stores.trustStore }))]),
  ];
}

/** <transportConnector>s: TLS ones (client certificates required) and the plain ones the registry lists. */
export function transportConnectorsXml(plan: BrokerPlan): XmlNode[] {
  const b = plan.broker;
  const l = b.limits;
  const stompOptions = { maximumConnections: l.maxConnections, 'transport.maxFrameSize': l.maxFrameSizeBytes, 'transport.hbGracePeriodMultiplier': 1.5 };
  const openwireOptions = { maximumConnections: l.maxConnections, 'wireFormat.maxFrameSize': l.maxFrameSizeBytes * 2 };
  const query = (o: Record<string, string | number>): string => Object.entries(o).map(([k, v]) => `${k}=${v}`).join('&');
  const out: XmlNode[] = [];
  const tls = plan.stores !== undefined;
  if (tls && b.ports.openwireSsl !== undefined) {
    out.push(el('transportConnector', { name: 'openwire+ssl', uri: sslConnectorUri('ssl', b.listen, b.ports.openwireSsl, openwireOptions) }));
  }
  // Blocking stomp+ssl, not stomp+nio+ssl: on a refused client certificate ActiveMQ 5.17's NIO SSL
  // transport just closes the connection, while the blocking one sends the TLS alert that lets the
  // client say why (no certificate, unknown CA, expired: security/tls-errors.ts).
  if (tls && b.ports.stompSsl !== undefined) {
    out.push(el('transportConnector', { name: 'stomp+ssl', uri: sslConnectorUri('stomp+ssl', b.listen, b.ports.stompSsl, stompOptions) }));
  }
  if ((b.ports.openwire !== undefined || b.ports.stomp !== undefined) && tls) {
    out.push(comment('Plain ports, listed explicitly in the registry: password logins, unencrypted.'));
  }
  if (b.ports.openwire !== undefined) out.push(el('transportConnector', { name: 'openwire', uri: `tcp://${b.listen}:${b.ports.openwire}?${query(openwireOptions)}` }));
  // Blocking stomp://, not stomp+nio://: ActiveMQ 5.17's NIO STOMP codec copies a frame body byte by
  // byte, the blocking one reads it in one go. With ~40 KB result batches that is about a third of a
  // broker's CPU per message (bench/broker-hop.ts: both brokers of a hop 2.6 -> 1.8 ms per message).
  // The price is a thread per connection, as stomp+ssl already has (docs/broker-network.md).
  if (b.ports.stomp !== undefined) out.push(el('transportConnector', { name: 'stomp', uri: `stomp://${b.listen}:${b.ports.stomp}?${query(stompOptions)}` }));
  return out;
}
