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
import { generatePassword } from '../../security/pki.js';
import { clientTls, createTestPki, startTlsTestBroker } from '../helpers/pki.js';
import { connectStompTls } from './stomp-tls.js';

const QUEUE = 'grid.results.SITE-A';

test.serial('a message sent at the spoke broker reaches a consumer at the hub over an ssl network connector', async (t) => {
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

test.serial('failover: network URI (failover pairs): the dual plugin logs the local bridge in with the networkConnector password', async (t) => {
  // With failover:( ) ActiveMQ cannot pass the remote certificate to the bridge's local connection,
  // so on the connecting broker that connection logs in with userName/password (dual plugin);
  // the remote broker still authenticates the connection by the broker certificate.
  const pki = await createTestPki();
  t.teardown(pki.cleanup);
  const hubId = await pki.issue('broker', 'hub');
  const spokeId = await pki.issue('broker', 'spoke');
  const site = await pki.issue('site', 'SITE-A');
  const central = await pki.issue('consumer', 'central');
  const networkPassword = generatePassword();

  const hub = await startTlsTestBroker({
    broker: hubId,
    brokerName: 'hub',
    openwireSsl: true,
    users: [
      { user: 'bridge.spoke', dn: spokeId.dn, groups: ['bridges'] },
      { user: 'central', dn: central.dn, groups: ['consumers'] },
    ],
    authorization: [{ kind: 'queue', destination: 'grid.results.>', read: ['consumers'], write: ['bridges'], admin: ['consumers', 'bridges'] }],
  });
  t.teardown(() => hub.stop());

  const spoke = await startTlsTestBroker({
    broker: spokeId,
    brokerName: 'spoke',
    mode: 'dual',
    users: [{ user: 'SITE-A', dn: site.dn, groups: ['site.SITE-A'] }],
    passwordUsers: [{ user: 'network', password: networkPassword, groups: ['bridges'] }],
    extraSecrets: { 'gridmsg.network.password': networkPassword },
    authorization: [
      { kind: 'queue', destination: 'grid.results.>', read: ['bridges'], admin: ['bridges'] },
      { kind: 'queue', destination: QUEUE, write: ['site.SITE-A'], admin: ['site.SITE-A'] },
    ],
    extraBrokerXml: `<networkConnectors>
      <networkConnector name="spoke-to-hub" uri="static:(failover:(ssl://127.0.0.1:${hub.sslPort})?randomize=false&amp;maxReconnectAttempts=-1)" userName="network" password="\${gridmsg.network.password}" duplex="false" networkTTL="2" decreaseNetworkConsumerPriority="true">
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
  t.is((await producer.send(`/queue/${QUEUE}`, 'across a failover ssl bridge', { persistent: 'true' })).command, 'RECEIPT');
  t.is((await consumer.nextMessage()).body, 'across a failover ssl bridge');
});
