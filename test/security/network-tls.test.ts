/**
 * A network connector over ssl between two real brokers, both requiring
 * client certificates: each broker authenticates the other by its broker
 * certificate DN, mapped to a bridge user. Shows the identity rule the
 * generator must follow: on the connecting broker, the bridge's local
 * connection carries the REMOTE broker's certificate, so both brokers map
 * both broker DNs.
 */
import test from 'ava';
import { sslNetworkUri } from '../../security/broker-tls.js';
import { clientTls, createTestPki, startTlsTestBroker } from '../helpers/pki.js';
import { connectStompTls } from './stomp-tls.js';

const QUEUE = 'grid.results.SITE-A';

test('a message sent at the spoke broker reaches a consumer at the hub over an ssl network connector', async (t) => {
  const pki = await createTestPki();
  t.teardown(pki.cleanup);
  const hubId = await pki.issue('broker', 'hub');
  const spokeId = await pki.issue('broker', 'spoke');
  const site = await pki.issue('site', 'SITE-A');
  const central = await pki.issue('consumer', 'central');
  const bridges = [
    { user: 'bridge.hub', dn: hubId.dn, groups: ['bridges'] },
    { user: 'bridge.spoke', dn: spokeId.dn, groups: ['bridges'] },
  ];

  const hub = await startTlsTestBroker({
    broker: hubId,
    brokerName: 'hub',
    openwireSsl: true,
    users: [...bridges, { user: 'central', dn: central.dn, groups: ['consumers'] }],
    authorization: [{ kind: 'queue', destination: 'grid.results.>', read: ['consumers'], write: ['bridges'], admin: ['consumers', 'bridges'] }],
  });
  t.teardown(() => hub.stop());

  const spoke = await startTlsTestBroker({
    broker: spokeId,
    brokerName: 'spoke',
    users: [...bridges, { user: 'SITE-A', dn: site.dn, groups: ['site.SITE-A'] }],
    authorization: [
      { kind: 'queue', destination: 'grid.results.>', read: ['bridges'], admin: ['bridges'] },
      { kind: 'queue', destination: QUEUE, write: ['site.SITE-A'], admin: ['site.SITE-A'] },
    ],
    extraBrokerXml: `<networkConnectors>
      <networkConnector name="spoke-to-hub" uri="${sslNetworkUri([{ host: '127.0.0.1', port: hub.sslPort }])}" duplex="false" networkTTL="2" decreaseNetworkConsumerPriority="true" suppressDuplicateQueueSubscriptions="true">
        <dynamicallyIncludedDestinations><queue physicalName="grid.results.&gt;"/></dynamicallyIncludedDestinations>
      </networkConnector>
    </networkConnectors>`,
  });
  t.teardown(() => spoke.stop());

  const consumer = await connectStompTls({ port: hub.stompSslPort, ...clientTls(central), waitMs: 90_000 });
  t.teardown(() => consumer.close());
  await consumer.subscribe(`/queue/${QUEUE}`, 'c1');

  const producer = await connectStompTls({ port: spoke.stompSslPort, ...clientTls(site) });
  t.teardown(() => producer.close());
  const receipt = await producer.send(`/queue/${QUEUE}`, 'across the ssl bridge', { persistent: 'true' });
  t.is(receipt.command, 'RECEIPT');

  const msg = await consumer.nextMessage();
  t.is(msg.body, 'across the ssl bridge');
  t.is(msg.headers['destination'], `/queue/${QUEUE}`);
});
