/**
 * Registry checks about transport security and identities: TLS identities of
 * brokers, plain ports (warnings: TLS is the default), certificate DNs, who
 * can log in where, what the network bridges need. Every problem is located.
 */
import { canonicalDn, parseDn } from '../security/dn.js';
import { buildNetwork } from './network.js';
import { formatPath as label, type Problem } from './problems.js';
import { rawAt, type SourceDoc } from './source.js';
import {
  brokerAuthMode,
  brokerUser,
  clientScheme,
  hasPassword,
  isTlsBroker,
  linkScheme,
  networkPasswordNeeded,
  pairAccess,
  pairBrokers,
} from './transport.js';
import type { Broker, Consumer, NodePath, Registry, SecretRef, Site } from './types.js';

const connectors = (b: Broker): string =>
  (['stompSsl', 'openwireSsl', 'stomp', 'openwire'] as const).filter((k) => b.ports[k] !== undefined).join(', ') || 'none';

/**
 * `prior`: problems found before (schema, semantic checks). Checks whose
 * answer would only repeat one of them are skipped.
 */
export function securityProblems(registry: Registry, source: SourceDoc, prior: readonly Problem[] = []): Problem[] {
  const out: Problem[] = [];
  const at = (path: NodePath, message: string, severity: 'error' | 'warning' = 'error'): void => {
    out.push(source.problem(path, message, { severity }));
  };
  const has = (path: NodePath): boolean => rawAt(source.data, path) !== undefined;
  const tainted = (path: NodePath): boolean => {
    const p = label(path);
    return [...prior, ...out].some((x) => x.severity === 'error' && (x.path === p || x.path.startsWith(`${p}.`) || x.path.startsWith(`${p}[`)));
  };

  // --- certificate DNs: well-formed, one identity each ------------------------
  const dnOwners = new Map<string, string>();
  const checkDn = (dn: string | undefined, path: NodePath, owner: string): boolean => {
    if (dn === undefined) return false;
    let key: string;
    try {
      key = canonicalDn(parseDn(dn));
    } catch (err) {
      at(path, `invalid DN "${dn}": ${(err as Error).message}`);
      return false;
    }
    const first = dnOwners.get(key);
    if (first !== undefined) at(path, `DN "${dn}" is also the certificate of ${first}: every broker, site and consumer needs its own certificate`);
    else dnOwners.set(key, owner);
    return true;
  };

  // --- brokers ----------------------------------------------------------------
  const secretRef = (ref: SecretRef, path: NodePath, what: 'keyStore' | 'trustStore'): void => {
    const n = (ref.file === undefined ? 0 : 1) + (ref.env === undefined ? 0 : 1);
    if (n !== 1) at(path, `give exactly one of ${what}PasswordFile or ${what}PasswordEnv (got ${n === 0 ? 'neither' : 'both'}): where the broker reads its ${what.toLowerCase()} password`);
  };
  for (const b of registry.brokers) {
    const portsPath = [...b.srcPath, 'ports'];
    if (b.tls) {
      checkDn(b.tls.dn, [...b.tls.srcPath, 'dn'], `broker "${b.name}"`);
      secretRef(b.tls.keyStorePassword, b.tls.srcPath, 'keyStore');
      secretRef(b.tls.trustStorePassword, b.tls.srcPath, 'trustStore');
      if (b.ports.stompSsl === undefined) at(portsPath, `broker "${b.name}" has a TLS identity but no ports.stompSsl: sites and consumers could not reach it`);
      if (b.ports.openwireSsl === undefined) at(portsPath, `broker "${b.name}" has a TLS identity but no ports.openwireSsl: other brokers' network bridges could not reach it`);
      if (b.ports.stomp !== undefined) {
        at([...portsPath, 'stomp'], `plain STOMP port on broker "${b.name}": logins and results cross it unencrypted (TLS is the default; keep it only for clients that cannot use TLS)`, 'warning');
      }
      if (b.ports.openwire !== undefined) {
        at([...portsPath, 'openwire'], `plain OpenWire port on broker "${b.name}": network bridges may cross it unencrypted (TLS is the default)`, 'warning');
      }
    } else {
      for (const kind of ['stompSsl', 'openwireSsl'] as const) {
        if (b.ports[kind] !== undefined) at([...portsPath, kind], `ports.${kind} needs the broker's tls identity (dn, keystore passwords): no TLS connector is generated`, 'warning');
      }
      if (b.ports.stomp === undefined || b.ports.openwire === undefined) {
        if (!tainted(portsPath)) at(portsPath, `broker "${b.name}" has no tls identity and no plain ports.stomp and ports.openwire: give it tls with ports.stompSsl and ports.openwireSsl`);
      } else {
        at(portsPath, `broker "${b.name}" has no tls identity: clients and bridges log in with passwords over plain STOMP and OpenWire, unencrypted (TLS is the default: add tls)`, 'warning');
      }
    }
  }
  for (const p of registry.pairs) {
    const [a, b] = pairBrokers(registry, p);
    if (a && b && (isTlsBroker(a) !== isTlsBroker(b) || connectors(a) !== connectors(b))) {
      at([...p.srcPath, 'brokers'], `brokers "${a.name}" (${isTlsBroker(a) ? 'tls' : 'no tls'}; ${connectors(a)}) and "${b.name}" (${isTlsBroker(b) ? 'tls' : 'no tls'}; ${connectors(b)}) of pair "${p.name}" must have the same connectors: clients and bridges treat a pair as one`);
    }
  }

  // --- sites and consumers: an identity that their brokers accept -------------
  const pairByName = new Map(registry.pairs.map((p) => [p.name, p]));
  const party = (x: Site | Consumer, kind: 'site' | 'consumer'): void => {
    if (tainted(x.srcPath)) return;
    const dnOk = checkDn(x.certificateDn, [...x.srcPath, 'certificateDn'], `${kind} "${x.name}"`);
    const password = hasPassword(x.credentials);
    if (x.certificateDn === undefined && !password) {
      at(has(x.credentials.srcPath) ? x.credentials.srcPath : x.srcPath, `${kind} "${x.name}" has neither a certificateDn (TLS login) nor a password (credentials.passwordFile or passwordEnv)`);
      return;
    }
    if (kind === 'site' && registry.security.signing.enabled && x.certificateDn === undefined) {
      at(x.srcPath, `signed results (signing.enabled) need the certificateDn of site "${x.name}": consumers verify its signatures against it`);
      return;
    }
    if (x.certificateDn !== undefined && !dnOk) return;
    const pairs = 'fallback' in x ? [x.pair, ...x.fallback] : [x.pair];
    pairs.forEach((name, i) => {
      const pair = pairByName.get(name);
      if (!pair || (i > 0 && pairs.indexOf(name) !== i)) return;
      const brokers = pairBrokers(registry, pair);
      if (brokers.length === 0 || brokers.every((b) => clientScheme(b, x) !== undefined)) return;
      const access = pairAccess(registry, pair);
      const path = i === 0 ? [...x.srcPath, 'pair'] : [...x.srcPath, 'fallback', i - 1];
      const verb = kind === 'site' ? (i === 0 ? 'publishes to' : 'falls back to') : 'reads at';
      const need = access.stompSsl && !access.stompPlain
        ? 'accept only TLS clients: give it a certificateDn'
        : access.stompPlain && !access.stompSsl
          ? 'accept only password logins over plain STOMP: give it credentials.passwordFile or passwordEnv'
          : 'cannot be reached with its identity';
      at(path, `${kind} "${x.name}" ${verb} pair "${name}", whose brokers ${need}`);
    });
  };
  for (const s of registry.sites) party(s, 'site');
  for (const c of registry.consumers) party(c, 'consumer');

  // --- the monitoring user: a login on every pair, or check-network cannot probe it ---
  const mon = registry.monitoring;
  if (mon && !tainted(mon.srcPath)) {
    const dnOk = checkDn(mon.certificateDn, [...mon.srcPath, 'certificateDn'], 'the monitoring user');
    if (mon.certificateDn === undefined && !hasPassword(mon.credentials)) {
      at(mon.srcPath, 'the monitoring user has neither a certificateDn (TLS login) nor a password (credentials.passwordFile or passwordEnv): gridmsg check-network and status could not log in');
    } else if (mon.certificateDn === undefined || dnOk) {
      for (const pair of registry.pairs) {
        const brokers = pairBrokers(registry, pair);
        if (brokers.length === 0 || brokers.every((b) => clientScheme(b, mon) !== undefined)) continue;
        const access = pairAccess(registry, pair);
        const need = access.stompSsl && !access.stompPlain
          ? 'accept only TLS clients: give monitoring a certificateDn'
          : access.stompPlain && !access.stompSsl
            ? 'accept only password logins over plain STOMP: give monitoring.credentials a passwordFile or passwordEnv'
            : 'cannot be reached with its identity';
        at(mon.srcPath, `the monitoring user cannot log in at pair "${pair.name}", whose brokers ${need} (gridmsg check-network would answer UNKNOWN)`, 'warning');
      }
    }
  }

  // --- usernames reserved for broker certificates -----------------------------
  const reserved = new Map(registry.brokers.filter(isTlsBroker).map((b) => [brokerUser(b.name), b.name]));
  const users = [registry.network.credentials, ...(mon ? [mon.credentials] : []), ...registry.sites.map((s) => s.credentials), ...registry.consumers.map((c) => c.credentials)];
  for (const c of users) {
    const broker = reserved.get(c.username);
    if (broker !== undefined) at(has([...c.srcPath, 'username']) ? [...c.srcPath, 'username'] : c.srcPath, `username "${c.username}" is reserved for the certificate of broker "${broker}"`);
  }

  // --- network bridges ----------------------------------------------------------
  const topologyOk = ['full-mesh', 'hub-and-spoke', 'explicit'].includes(String(rawAt(source.data, ['network', 'topology'])));
  if (!topologyOk || tainted(['network']) || registry.pairs.some((p) => tainted(p.srcPath)) || registry.brokers.some((b) => tainted([...b.srcPath, 'ports']))) return out;
  const model = buildNetwork(registry);
  for (const l of model.links) {
    if (linkScheme(registry, l) !== undefined) continue;
    const to = pairAccess(registry, pairByName.get(l.to));
    const declared = registry.network.links.find((x) => (x.from === l.from && x.to === l.to) || (x.from === l.to && x.to === l.from));
    const where = declared ? declared.srcPath : has(['network', 'topology']) ? ['network', 'topology'] : ['network'];
    at(where, to.openwireSsl
      ? `pair "${l.from}" cannot send to pair "${l.to}": "${l.to}" accepts network bridges only over ssl and the brokers of "${l.from}" have no tls identity`
      : `pair "${l.from}" cannot send to pair "${l.to}": "${l.to}" opens no OpenWire port "${l.from}" can use`);
  }
  const net = registry.network.credentials;
  if (networkPasswordNeeded(registry, model) && !hasPassword(net) && !tainted(net.srcPath)) {
    const plain = model.links.find((l) => linkScheme(registry, l) === 'tcp');
    const dual = registry.brokers.find((b) => brokerAuthMode(registry, model, b) === 'dual' && model.links.some((l) => registry.pairs.find((p) => p.name === l.from)?.brokers.includes(b.name)));
    const why = plain
      ? `the link ${plain.from} -> ${plain.to} is plain OpenWire`
      : `the bridges of broker "${dual?.name ?? '?'}" log in to it with a password (dual plugin: failover pairs or plain ports)`;
    at(has(net.srcPath) ? net.srcPath : ['network'], `network bridges need a password (network.credentials.passwordFile or passwordEnv): ${why}`);
  }
  return out;
}
