/**
 * The ActiveMQ 5.17 TLS recipe as pure functions: XML fragments for
 * activemq.xml and the contents of the files beside it. The broker-config
 * generator calls these; tests assemble a broker from them by hand.
 *
 * Files of one broker instance (relative to its conf/ directory):
 *   activemq.xml            uses the fragments below
 *   login.config            loginConfig()                        (JAAS; pass its path with brokerTlsSystemProperties)
 *   cert-users.properties   certificateUsersProperties()         DN -> user; not secret
 *   groups.properties       groupsProperties()                   group -> users; shared by certificate and password logins
 *   users.properties        (dual mode only) user -> password    secret, 0600
 *   tls-secrets.properties  tlsSecretsProperties()               keystore passwords; secret, 0600
 *   tls/keystore.p12        the broker's key and certificate      secret, 0600
 *   tls/truststore.p12      the CAs whose clients are accepted    0600
 *
 * No password ever appears in activemq.xml: it refers to them as Spring
 * placeholders resolved from tls-secrets.properties.
 */
import path from 'node:path';
import { formatJava, parseDn } from './dn.js';

/** Placeholder names the sslContext fragment refers to. */
export const TLS_PASSWORD_PROPERTIES = {
  keyStore: 'gridmsg.tls.keyStorePassword',
  trustStore: 'gridmsg.tls.trustStorePassword',
} as const;

/** Conventional file names inside an instance's conf/ directory. */
export const BROKER_TLS_FILES = {
  loginConfig: 'login.config',
  certificateUsers: 'cert-users.properties',
  groups: 'groups.properties',
  passwordUsers: 'users.properties',
  secrets: 'tls-secrets.properties',
  keyStore: 'tls/keystore.p12',
  trustStore: 'tls/truststore.p12',
} as const;

/** JAAS login configuration names used by the plugins and login.config. */
export const JAAS_CONFIGURATIONS = {
  certificate: 'gridmsg-certificate',
  password: 'gridmsg-password',
} as const;

/** Escapes text for an XML attribute value. */
export function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * The one `PropertyPlaceholderConfigurer` bean of activemq.xml (inside
 * `<beans>`, before `<broker>`): loads the secrets files so that
 * `${gridmsg.tls.keyStorePassword}` etc. resolve; system properties such as
 * `${activemq.data}` still resolve as before. Put every properties file the
 * configuration needs into this one bean: two placeholder beans would fail
 * on each other's placeholders.
 */
export function placeholderBeanXml(locations: string[] = [`file:\${activemq.conf}/${BROKER_TLS_FILES.secrets}`]): string {
  const values = locations.map((l) => `        <value>${xmlAttr(l)}</value>`).join('\n');
  return `<bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">
    <property name="locations">
      <list>
${values}
      </list>
    </property>
  </bean>`;
}

/** Java properties escaping of a key (`=`, `:`, spaces, `#`, `!`, backslash). */
function propertyKey(key: string): string {
  return key.replace(/[\\=: #!]/g, (c) => '\\' + c);
}

/** Java properties escaping of a value (backslash, leading space, line breaks). */
function propertyValue(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/^ /, '\\ ');
}

export interface TlsSecrets {
  keyStorePassword: string;
  trustStorePassword: string;
  /** Further secrets the generator resolves through the same placeholder bean. */
  extra?: Record<string, string>;
}

/**
 * The properties the sslContext placeholders need, as key/value pairs: for a
 * generator that already writes one secrets file (e.g. credentials.properties)
 * and adds these lines to it instead of writing tls-secrets.properties.
 */
export function tlsSecretEntries(secrets: TlsSecrets): Array<[string, string]> {
  return [
    [TLS_PASSWORD_PROPERTIES.keyStore, secrets.keyStorePassword],
    [TLS_PASSWORD_PROPERTIES.trustStore, secrets.trustStorePassword],
    ...Object.entries(secrets.extra ?? {}),
  ];
}

/** One `key=value` line of a Java properties file, escaped. */
export function propertyLine(key: string, value: string): string {
  return `${propertyKey(key)}=${propertyValue(value)}`;
}

/** Contents of conf/tls-secrets.properties. Write it with mode 0600. */
export function tlsSecretsProperties(secrets: TlsSecrets): string {
  const lines = ['# Secrets of this broker, read by the PropertyPlaceholderConfigurer of activemq.xml. Mode 0600.'];
  for (const [k, v] of tlsSecretEntries(secrets)) lines.push(propertyLine(k, v));
  return lines.join('\n') + '\n';
}

export interface SslContextOptions {
  /** Spring resource of the keystore (key + certificate chain of this broker). */
  keyStore?: string;
  trustStore?: string;
  keyStoreType?: 'PKCS12' | 'JKS';
  trustStoreType?: 'PKCS12' | 'JKS';
}

/**
 * `<sslContext>` of the broker: used by every ssl transport connector (as
 * server) and every ssl network connector (as client: its certificate is the
 * identity the remote broker sees).
 */
export function sslContextXml(options: SslContextOptions = {}): string {
  const attrs = Object.entries(sslContextAttributes(options))
    .map(([k, v]) => `${k}="${xmlAttr(v)}"`)
    .join(' ');
  return `<sslContext>
      <sslContext ${attrs}/>
    </sslContext>`;
}

/** Attributes of the inner `<sslContext>` element (for generators that build XML as a tree). */
export function sslContextAttributes(options: SslContextOptions = {}): Record<string, string> {
  return {
    keyStore: options.keyStore ?? `file:\${activemq.conf}/${BROKER_TLS_FILES.keyStore}`,
    keyStoreType: options.keyStoreType ?? 'PKCS12',
    keyStorePassword: `\${${TLS_PASSWORD_PROPERTIES.keyStore}}`,
    trustStore: options.trustStore ?? `file:\${activemq.conf}/${BROKER_TLS_FILES.trustStore}`,
    trustStoreType: options.trustStoreType ?? 'PKCS12',
    trustStorePassword: `\${${TLS_PASSWORD_PROPERTIES.trustStore}}`,
  };
}

/** TLS versions offered on every ssl connector (Java 17 supports both). */
export const TLS_PROTOCOLS = 'TLSv1.3,TLSv1.2';

function query(options: Record<string, string | number | boolean>): string {
  const parts = Object.entries(options).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? '?' + parts.join('&') : '';
}

export interface SslConnectorOptions {
  /** Connector name (default `stomp+ssl` / `ssl`). */
  name?: string;
  host: string;
  port: number;
  /** Further URI options, in order (e.g. `transport.maxFrameSize`, `maximumConnections`). */
  options?: Record<string, string | number | boolean>;
}

/** URI of a server-side ssl connector: client certificates required, TLS 1.2+ only. */
export function sslConnectorUri(scheme: 'stomp+ssl' | 'stomp+nio+ssl' | 'ssl', host: string, port: number, options: Record<string, string | number | boolean> = {}): string {
  const all = { 'transport.needClientAuth': true, 'transport.enabledProtocols': TLS_PROTOCOLS, ...options };
  all['transport.needClientAuth'] = true; // not negotiable: identities come from client certificates
  return `${scheme}://${host}:${port}${query(all)}`;
}

/** `<transportConnector>` for STOMP over TLS with client certificates required. */
export function stompSslConnectorXml(options: SslConnectorOptions & { nio?: boolean }): string {
  const scheme = options.nio ? 'stomp+nio+ssl' : 'stomp+ssl';
  return `<transportConnector name="${xmlAttr(options.name ?? scheme)}" uri="${xmlAttr(sslConnectorUri(scheme, options.host, options.port, options.options))}"/>`;
}

/** `<transportConnector>` for OpenWire over TLS: where the network connectors of other brokers arrive. */
export function openwireSslConnectorXml(options: SslConnectorOptions): string {
  return `<transportConnector name="${xmlAttr(options.name ?? 'ssl')}" uri="${xmlAttr(sslConnectorUri('ssl', options.host, options.port, options.options))}"/>`;
}

/**
 * Remote address of an ssl network connector, for `<networkConnector uri=...>`:
 * `static:(ssl://a:1,ssl://b:2)`. Each address is tried as its own bridge.
 * With `failover:`/`masterslave:` around ssl addresses the bridge's local
 * connection carries no peer certificate: the certificate plugin refuses it,
 * so the connecting broker needs the dual plugin and a networkConnector
 * userName/password (docs/security.md; both shapes are tested).
 */
export function sslNetworkUri(endpoints: Array<{ host: string; port: number }>, options: Record<string, string | number | boolean> = {}): string {
  const addresses = endpoints.map((e) => `ssl://${e.host}:${e.port}`).join(',');
  return `static:(${addresses})${query(options)}`;
}

export type AuthenticationMode = 'certificate' | 'dual';

/**
 * The JAAS authentication plugin, inside `<plugins>`:
 * - `certificate`: every connection must present a client certificate whose DN is in cert-users.properties.
 * - `dual`: ssl connections by certificate, other connections (plain ports the registry asked
 *   for explicitly, network connectors through failover URIs) by username/password.
 */
export function authenticationPluginXml(mode: AuthenticationMode): string {
  const { element, attributes } = authenticationPluginElement(mode);
  return `<${element} ${Object.entries(attributes).map(([k, v]) => `${k}="${v}"`).join(' ')}/>`;
}

/** The same plugin as element name and attributes (for generators that build XML as a tree). */
export function authenticationPluginElement(mode: AuthenticationMode): { element: string; attributes: Record<string, string> } {
  return mode === 'certificate'
    ? { element: 'jaasCertificateAuthenticationPlugin', attributes: { configuration: JAAS_CONFIGURATIONS.certificate } }
    : { element: 'jaasDualAuthenticationPlugin', attributes: { configuration: JAAS_CONFIGURATIONS.password, sslConfiguration: JAAS_CONFIGURATIONS.certificate } };
}

export interface LoginConfigOptions {
  mode: AuthenticationMode;
  /** Re-read the properties files when they change (add a site without a restart). Default true. */
  reload?: boolean;
  /** Log each login at debug level in the broker log. Default false. */
  debug?: boolean;
}

/**
 * Contents of conf/login.config. File names inside are relative to the
 * directory of login.config itself (ActiveMQ resolves them that way), so the
 * generated file holds no absolute path.
 */
export function loginConfig(options: LoginConfigOptions): string {
  const common = [`reload=${options.reload ?? true}`, `debug=${options.debug ?? false}`];
  const cert = `${JAAS_CONFIGURATIONS.certificate} {
    org.apache.activemq.jaas.TextFileCertificateLoginModule required
        ${common.join('\n        ')}
        org.apache.activemq.jaas.textfiledn.user="${BROKER_TLS_FILES.certificateUsers}"
        org.apache.activemq.jaas.textfiledn.group="${BROKER_TLS_FILES.groups}";
};
`;
  const password = `${JAAS_CONFIGURATIONS.password} {
    org.apache.activemq.jaas.PropertiesLoginModule required
        ${common.join('\n        ')}
        org.apache.activemq.jaas.properties.user="${BROKER_TLS_FILES.passwordUsers}"
        org.apache.activemq.jaas.properties.group="${BROKER_TLS_FILES.groups}";
};
`;
  return options.mode === 'certificate' ? cert : cert + '\n' + password;
}

/** One certificate identity known to a broker. */
export interface CertificateUser {
  /** Broker user name; authorization works on groups, logs show this name. */
  user: string;
  /** Subject DN, OpenSSL or RFC 2253 form (as in the registry). */
  dn: string;
  groups: string[];
}

const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

function checkName(what: string, name: string): void {
  if (!USER_RE.test(name)) throw new Error(`invalid ${what} name "${name}": use letters, digits, ".", "_", "@" and "-"`);
}

/**
 * Contents of conf/cert-users.properties: `user=DN`, the DN written exactly
 * as Java prints a certificate subject (what the login module compares).
 * Throws on a DN that does not parse or a DN given to two users.
 */
export function certificateUsersProperties(users: CertificateUser[]): string {
  const seen = new Map<string, string>();
  const lines = ['# Certificate subject -> broker user (ActiveMQ TextFileCertificateLoginModule). DNs in Java form.'];
  for (const u of [...users].sort((a, b) => a.user.localeCompare(b.user))) {
    checkName('user', u.user);
    const javaDn = formatJava(parseDn(u.dn));
    const other = seen.get(javaDn);
    if (other !== undefined && other !== u.user) throw new Error(`DN "${u.dn}" is given to two users: ${other} and ${u.user}`);
    seen.set(javaDn, u.user);
    // A value between slashes is read by ActiveMQ as a regular expression; Java DNs never start with '/'.
    lines.push(`${propertyKey(u.user)}=${propertyValue(javaDn)}`);
  }
  return lines.join('\n') + '\n';
}

/** One password identity for the dual plugin (plain ports the registry asked for). */
export interface PasswordUser {
  user: string;
  password: string;
  groups: string[];
}

/**
 * Contents of conf/users.properties for the dual plugin's password login:
 * `user=password`. Secret: write it with mode 0600.
 */
export function passwordUsersProperties(users: PasswordUser[]): string {
  const lines = ['# Broker user -> password (ActiveMQ PropertiesLoginModule, dual mode only). Mode 0600.'];
  for (const u of [...users].sort((a, b) => a.user.localeCompare(b.user))) {
    checkName('user', u.user);
    if (u.password === '' || /[\r\n]/.test(u.password)) throw new Error(`password of user "${u.user}" is empty or spans lines`);
    lines.push(`${propertyKey(u.user)}=${propertyValue(u.password)}`);
  }
  return lines.join('\n') + '\n';
}

/** group -> users, from the users' group lists (sorted, deterministic). */
export function groupsOf(users: Array<{ user: string; groups: string[] }>): Map<string, string[]> {
  const groups = new Map<string, Set<string>>();
  for (const u of users) {
    for (const g of u.groups) {
      checkName('group', g);
      if (!groups.has(g)) groups.set(g, new Set());
      groups.get(g)!.add(u.user);
    }
  }
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([g, us]) => [g, [...us].sort()]));
}

/** Contents of conf/groups.properties: `group=user1,user2`. */
export function groupsProperties(groups: Map<string, string[]>): string {
  const lines = ['# Broker group -> users (certificate and password logins share it).'];
  for (const [g, us] of groups) lines.push(`${propertyKey(g)}=${us.map(propertyValue).join(',')}`);
  return lines.join('\n') + '\n';
}

/** One authorization entry; groups by name. Destinations use ActiveMQ wildcards (`>`, `*`). */
export interface AuthorizationEntry {
  kind: 'queue' | 'topic';
  destination: string;
  read?: string[];
  write?: string[];
  admin?: string[];
}

export interface AuthorizationOptions {
  /** Groups allowed temporary destinations (default: none). */
  temporary?: { read?: string[]; write?: string[]; admin?: string[] };
}

function aclAttrs(e: { read?: string[]; write?: string[]; admin?: string[] }): string {
  const out: string[] = [];
  for (const op of ['read', 'write', 'admin'] as const) {
    const groups = e[op];
    if (groups !== undefined && groups.length > 0) {
      groups.forEach((g) => checkName('group', g));
      out.push(`${op}="${xmlAttr([...new Set(groups)].join(','))}"`);
    }
  }
  return out.join(' ');
}

/**
 * `<authorizationPlugin>`: ActiveMQ grants an operation when the user is in a
 * group of ANY entry matching the destination, so a site's write right must
 * only appear on an entry naming that site's destination, never on a wildcard.
 * Producers also need `admin` on a destination that does not exist yet
 * (the broker creates it on first send).
 */
export function authorizationPluginXml(entries: AuthorizationEntry[], options: AuthorizationOptions = {}): string {
  const lines = entries.map((e) => `            <authorizationEntry ${e.kind}="${xmlAttr(e.destination)}" ${aclAttrs(e)}/>`);
  const temp =
    options.temporary === undefined ? '' : `\n          <tempDestinationAuthorizationEntry>\n            <tempDestinationAuthorizationEntry ${aclAttrs(options.temporary)}/>\n          </tempDestinationAuthorizationEntry>`;
  return `<authorizationPlugin>
      <map>
        <authorizationMap>
          <authorizationEntries>
${lines.join('\n')}
          </authorizationEntries>${temp}
        </authorizationMap>
      </map>
    </authorizationPlugin>`;
}

/**
 * Every connecting client creates advisory topics (consumers and producers
 * announce themselves), and network bridges live on them: the groups of all
 * identities need read, write and admin on `ActiveMQ.Advisory.>`.
 */
export function advisoryAuthorizationEntry(groups: string[]): AuthorizationEntry {
  return { kind: 'topic', destination: 'ActiveMQ.Advisory.>', read: groups, write: groups, admin: groups };
}

/**
 * Java system properties the broker JVM needs for this recipe, for
 * `spawnBroker({ systemProperties })` / the run script: where JAAS finds login.config.
 */
export function brokerTlsSystemProperties(confDir: string): Record<string, string> {
  return { 'java.security.auth.login.config': path.join(confDir, BROKER_TLS_FILES.loginConfig) };
}
