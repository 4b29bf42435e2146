/**
 * Pure properties of the TLS recipe fragments (the real-broker proof is
 * broker-tls.test.ts): what the generator gets is deterministic, escaped,
 * and never carries a secret in activemq.xml.
 */
import test from 'ava';
import {
  advisoryAuthorizationEntry,
  authenticationPluginXml,
  authorizationPluginXml,
  brokerTlsSystemProperties,
  certificateUsersProperties,
  groupsOf,
  groupsProperties,
  loginConfig,
  passwordUsersProperties,
  placeholderBeanXml,
  sslConnectorUri,
  sslContextXml,
  sslNetworkUri,
  stompSslConnectorXml,
  tlsSecretsProperties,
} from '../../security/broker-tls.js';

test('client certificates are always required on ssl connectors, and & is escaped in the XML', (t) => {
  t.is(
    sslConnectorUri('stomp+ssl', 'mq.cern.ch', 61614, { 'transport.needClientAuth': false, maximumConnections: 500 }),
    'stomp+ssl://mq.cern.ch:61614?transport.needClientAuth=true&transport.enabledProtocols=TLSv1.3,TLSv1.2&maximumConnections=500',
  );
  t.is(
    stompSslConnectorXml({ host: '0.0.0.0', port: 61614, nio: true }),
    '<transportConnector name="stomp+nio+ssl" uri="stomp+nio+ssl://0.0.0.0:61614?transport.needClientAuth=true&amp;transport.enabledProtocols=TLSv1.3,TLSv1.2"/>',
  );
  t.is(sslNetworkUri([{ host: 'a.example.org', port: 61617 }, { host: 'b.example.org', port: 61617 }]), 'static:(ssl://a.example.org:61617,ssl://b.example.org:61617)');
});

test('activemq.xml refers to keystore passwords only as placeholders; the secrets file holds them, escaped', (t) => {
  const xml = sslContextXml();
  t.regex(xml, /keyStorePassword="\$\{gridmsg\.tls\.keyStorePassword\}"/);
  t.regex(xml, /trustStore="file:\$\{activemq\.conf\}\/tls\/truststore\.p12" trustStoreType="PKCS12"/);
  t.regex(placeholderBeanXml(), /<value>file:\$\{activemq\.conf\}\/tls-secrets\.properties<\/value>/);
  const props = tlsSecretsProperties({ keyStorePassword: 'ks\\pw', trustStorePassword: ' lead', extra: { 'gridmsg.network.password': 'n' } });
  t.is(
    props,
    '# Secrets of this broker, read by the PropertyPlaceholderConfigurer of activemq.xml. Mode 0600.\n' +
      'gridmsg.tls.keyStorePassword=ks\\\\pw\ngridmsg.tls.trustStorePassword=\\ lead\ngridmsg.network.password=n\n',
  );
});

test('cert-users.properties maps users to Java-form DNs, sorted; a DN given twice is an error', (t) => {
  const text = certificateUsersProperties([
    { user: 'SITE-B', dn: '/C=UK/O=eScience, Inc./CN=b', groups: [] },
    { user: 'CERN-PROD', dn: 'CN=nagios.cern.ch,OU=computers,DC=cern,DC=ch', groups: [] },
  ]);
  t.is(text.split('\n').slice(1).join('\n'), 'CERN-PROD=CN=nagios.cern.ch, OU=computers, DC=cern, DC=ch\nSITE-B=CN=b, O="eScience, Inc.", C=UK\n');
  t.throws(
    () =>
      certificateUsersProperties([
        { user: 'a', dn: '/DC=ch/CN=x', groups: [] },
        { user: 'b', dn: 'CN=x,DC=ch', groups: [] },
      ]),
    { message: /given to two users: a and b/ },
  );
  t.throws(() => certificateUsersProperties([{ user: 'bad user', dn: '/CN=x', groups: [] }]), { message: /invalid user name/ });
});

test('groups are derived from the users, deterministic whatever the input order', (t) => {
  const users = [
    { user: 'SITE-B', groups: ['sites', 'site.SITE-B'] },
    { user: 'SITE-A', groups: ['site.SITE-A', 'sites'] },
    { user: 'central', groups: ['consumers'] },
  ];
  const a = groupsProperties(groupsOf(users));
  const b = groupsProperties(groupsOf([...users].reverse()));
  t.is(a, b);
  t.is(a.split('\n').slice(1).join('\n'), 'consumers=central\nsite.SITE-A=SITE-A\nsite.SITE-B=SITE-B\nsites=SITE-A,SITE-B\n');
});

test('login.config names files relative to itself; dual mode adds the password login', (t) => {
  const cert = loginConfig({ mode: 'certificate' });
  t.regex(cert, /gridmsg-certificate \{\n {4}org\.apache\.activemq\.jaas\.TextFileCertificateLoginModule required/);
  t.regex(cert, /textfiledn\.user="cert-users\.properties"/);
  t.notRegex(cert, /PropertiesLoginModule/);
  t.notRegex(cert, /\//, 'no absolute path');
  const dual = loginConfig({ mode: 'dual', reload: false });
  t.regex(dual, /gridmsg-password \{\n {4}org\.apache\.activemq\.jaas\.PropertiesLoginModule required\n {8}reload=false/);
  t.is(authenticationPluginXml('certificate'), '<jaasCertificateAuthenticationPlugin configuration="gridmsg-certificate"/>');
  t.is(authenticationPluginXml('dual'), '<jaasDualAuthenticationPlugin configuration="gridmsg-password" sslConfiguration="gridmsg-certificate"/>');
  t.deepEqual(brokerTlsSystemProperties('/srv/b1/conf'), { 'java.security.auth.login.config': '/srv/b1/conf/login.config' });
});

test('authorization entries: one line each, groups de-duplicated, bad group names refused', (t) => {
  const xml = authorizationPluginXml(
    [
      { kind: 'topic', destination: 'grid.probe.metricOutput.EGI.site.CERN-PROD', write: ['site.CERN-PROD'], admin: ['site.CERN-PROD'] },
      advisoryAuthorizationEntry(['sites', 'sites', 'consumers']),
    ],
    { temporary: { read: ['bridges'], write: ['bridges'], admin: ['bridges'] } },
  );
  t.regex(xml, /<authorizationEntry topic="grid\.probe\.metricOutput\.EGI\.site\.CERN-PROD" write="site\.CERN-PROD" admin="site\.CERN-PROD"\/>/);
  t.regex(xml, /<authorizationEntry topic="ActiveMQ\.Advisory\.&gt;" read="sites,consumers" write="sites,consumers" admin="sites,consumers"\/>/);
  t.regex(xml, /<tempDestinationAuthorizationEntry read="bridges" write="bridges" admin="bridges"\/>/);
  t.throws(() => authorizationPluginXml([{ kind: 'queue', destination: 'q', read: ['a,b'] }]), { message: /invalid group name "a,b"/ });
});

test('users.properties (dual mode) escapes passwords and refuses empty or multi-line ones', (t) => {
  t.is(passwordUsersProperties([{ user: 'b', password: 'p\\w', groups: [] }, { user: 'a', password: ' x', groups: [] }]).split('\n').slice(1).join('\n'), 'a=\\ x\nb=p\\\\w\n');
  t.throws(() => passwordUsersProperties([{ user: 'a', password: '', groups: [] }]), { message: /empty or spans lines/ });
  t.throws(() => passwordUsersProperties([{ user: 'a', password: 'x\ny', groups: [] }]), { message: /empty or spans lines/ });
});
