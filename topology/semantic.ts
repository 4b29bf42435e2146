/**
 * Checks the schema cannot express: names, references, ports, stores,
 * destinations, reachability and limits. Every problem is located.
 */
import { buildNetwork } from './network.js';
import {
  consumerQueue,
  destinationProblem,
  namingProblems,
  segmentProblem,
  siteSegment,
  siteTopic,
} from './naming.js';
import { formatPath as label, type Problem } from './problems.js';
import { formatSize } from './sizes.js';
import { rawAt, type SourceDoc } from './source.js';
import type { Credentials, NodePath, Pair, Registry } from './types.js';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

/**
 * `prior` are the problems already found (schema): checks whose answer would
 * only echo them (a broken consumer "reads no site") are skipped, so every
 * problem is reported once, where it is.
 */
export function semanticProblems(registry: Registry, source: SourceDoc, prior: readonly Problem[] = []): Problem[] {
  const out: Problem[] = [];
  const all = (): Problem[] => [...prior, ...out];
  /** True when an error was reported at `path` or inside it. */
  const tainted = (path: NodePath): boolean => {
    const p = label(path);
    return all().some((x) => x.severity === 'error' && (x.path === p || x.path.startsWith(`${p}.`) || x.path.startsWith(`${p}[`)));
  };
  const rawNames = (list: string): Set<string> => {
    const v = rawAt(source.data, [list]);
    return new Set(Array.isArray(v) ? v.flatMap((x) => (x && typeof x === 'object' && typeof (x as Record<string, unknown>)['name'] === 'string' ? [(x as Record<string, string>)['name']!] : [])) : []);
  };
  const at = (path: NodePath, message: string, severity: 'error' | 'warning' = 'error'): void => {
    out.push(source.problem(path, message, { severity }));
  };
  const has = (path: NodePath): boolean => rawAt(source.data, path) !== undefined;
  /** The field if the document sets it, else its parent (the value came from a default). */
  const fieldOr = (path: NodePath, field: string): NodePath => (has([...path, field]) ? [...path, field] : path);

  // --- names ------------------------------------------------------------------
  const unique = <T extends { name: string; srcPath: NodePath }>(list: T[], kind: string): Map<string, T> => {
    const seen = new Map<string, T>();
    for (const item of list) {
      const first = seen.get(item.name);
      if (first) at([...item.srcPath, 'name'], `duplicate ${kind} name "${item.name}" (first defined at ${label(first.srcPath)})`);
      else seen.set(item.name, item);
    }
    return seen;
  };
  const brokers = unique(registry.brokers, 'broker');
  const pairs = unique(registry.pairs, 'pair');
  const sites = unique(registry.sites, 'site');
  unique(registry.consumers, 'consumer');
  // Items the schema rejected still count as declared: no "unknown broker" echo.
  const declaredBrokers = rawNames('brokers');
  const declaredPairs = rawNames('pairs');
  const declaredSites = rawNames('sites');

  // --- naming -----------------------------------------------------------------
  const namingErrors = namingProblems(registry.naming);
  for (const p of namingErrors) at(['naming', p.field], p.message);
  const namingOk = namingErrors.length === 0;
  const defaults = ['defaults'];
  for (const field of ['tenant', 'role'] as const) {
    const v = rawAt(source.data, [...defaults, field]);
    if (typeof v === 'string') {
      const why = segmentProblem(v);
      if (why) at([...defaults, field], `${field} "${v}" ${why}`);
    }
  }

  // --- credentials ------------------------------------------------------------
  const users = new Map<string, NodePath>();
  const checkCredentials = (c: Credentials, owner: string): void => {
    const defaulted = !has([...c.srcPath, 'username']);
    const where = defaulted ? c.srcPath : [...c.srcPath, 'username'];
    if (!USERNAME.test(c.username)) {
      at(where, `username "${c.username}"${defaulted ? ` (defaulted from the ${owner} name)` : ''} may hold only letters, digits, '.', '_', '@' and '-'; set credentials.username`);
    }
    const first = users.get(c.username);
    if (first) at(where, `username "${c.username}" is also used at ${label(first)}: every site, consumer and the network need their own user`);
    else users.set(c.username, c.srcPath);
    if (!has(c.srcPath) || has([...c.srcPath, 'password'])) return; // the schema reports these
    // Whether a password is needed at all depends on the transport (security-checks.ts).
    if (c.passwordFile !== undefined && c.passwordEnv !== undefined) at(c.srcPath, 'give exactly one of passwordFile or passwordEnv (got both)');
  };
  checkCredentials(registry.network.credentials, 'network');
  if (registry.monitoring) checkCredentials(registry.monitoring.credentials, 'monitoring');

  // --- brokers: ports, directories, limits ------------------------------------
  const ports = new Map<string, { broker: string; kind: string }>();
  const dataDirs = new Map<string, string>();
  for (const b of registry.brokers) {
    const host = b.host.toLowerCase();
    for (const [kind, port] of Object.entries(b.ports) as Array<[string, number | undefined]>) {
      if (port === undefined) continue;
      const key = `${host}:${port}`;
      const first = ports.get(key);
      if (first) {
        at([...b.srcPath, 'ports', kind], `port ${port} on host ${b.host} is already used by broker "${first.broker}" (${first.kind})`);
      } else ports.set(key, { broker: b.name, kind });
    }
    const dkey = `${host}:${b.dataDir}`;
    const firstDir = dataDirs.get(dkey);
    if (firstDir) at(fieldOr(b.srcPath, 'dataDir'), `data directory ${b.dataDir} on host ${b.host} is already used by broker "${firstDir}"`);
    else dataDirs.set(dkey, b.name);

    const l = b.limits;
    const limitsPath = has([...b.srcPath, 'limits']) ? [...b.srcPath, 'limits'] : has(['defaults', 'limits']) ? ['defaults', 'limits'] : b.srcPath;
    if (l.memoryBytes > l.heapBytes * 0.7) {
      at(limitsPath, `broker "${b.name}": memory limit ${formatSize(l.memoryBytes)} exceeds 70% of the ${formatSize(l.heapBytes)} heap; the JVM would run out of heap before flow control starts`);
    }
    if (l.destinationMemoryBytes > l.memoryBytes) {
      at(limitsPath, `broker "${b.name}": destinationMemory ${formatSize(l.destinationMemoryBytes)} exceeds the broker memory limit ${formatSize(l.memoryBytes)}`);
    }
    if (l.maxFrameSizeBytes > l.destinationMemoryBytes) {
      at(limitsPath, `broker "${b.name}": maxFrameSize ${formatSize(l.maxFrameSizeBytes)} exceeds destinationMemory ${formatSize(l.destinationMemoryBytes)}; one message could fill a destination`);
    }
  }

  // --- pairs ------------------------------------------------------------------
  const pairOfBroker = new Map<string, Pair>();
  const storeOwner = new Map<string, string>();
  for (const p of registry.pairs) {
    const members: string[] = [];
    p.brokers.forEach((name, i) => {
      const bPath = [...p.srcPath, 'brokers', i];
      if (!brokers.has(name)) {
        if (!declaredBrokers.has(name)) at(bPath, `unknown broker "${name}"`);
        return;
      }
      const other = pairOfBroker.get(name);
      if (other !== undefined) {
        at(bPath, other === p ? `broker "${name}" is listed twice` : `broker "${name}" is already in pair "${other.name}" (${label(other.srcPath)})`);
        return;
      }
      pairOfBroker.set(name, p);
      members.push(name);
    });
    const [a, b] = members.map((m) => brokers.get(m)!);
    if (a && b) {
      if (a.store !== b.store) {
        at(p.srcPath, `brokers "${a.name}" and "${b.name}" do not share a store (${a.store} vs ${b.store}): a failover pair needs one KahaDB directory on shared storage`);
      }
      if (a.host.toLowerCase() === b.host.toLowerCase()) {
        at([...p.srcPath, 'brokers'], `both brokers of pair "${p.name}" are on host ${a.host}: one machine failure takes the pair down`, 'warning');
      }
    }
    if (p.brokers.length === 1) at([...p.srcPath, 'brokers'], `pair "${p.name}" has one broker: no failover partner`, 'warning');
    for (const m of members) {
      const br = brokers.get(m)!;
      const key = `${br.host.toLowerCase()}:${br.store}`;
      const owner = storeOwner.get(key);
      if (owner !== undefined && owner !== p.name) {
        at(fieldOr(br.srcPath, 'store'), `store ${br.store} on host ${br.host} is already the store of pair "${owner}": only the two brokers of one pair may share a store`);
      } else storeOwner.set(key, p.name);
    }
  }
  for (const b of registry.brokers) {
    if (!pairOfBroker.has(b.name) && brokers.get(b.name) === b) at([...b.srcPath, 'name'], `broker "${b.name}" is in no pair`);
  }

  // --- network ----------------------------------------------------------------
  const net = registry.network;
  const topologyKnown = ['full-mesh', 'hub-and-spoke', 'explicit'].includes(String(rawAt(source.data, ['network', 'topology'])));
  if (!topologyKnown) {
    // the schema reports the topology; nothing below would mean anything
  } else if (net.topology === 'hub-and-spoke') {
    if (net.hub === undefined) at(['network'], 'hub-and-spoke needs "hub": the pair every other pair links to');
    else if (!declaredPairs.has(net.hub)) at(['network', 'hub'], `unknown pair "${net.hub}"`);
  } else if (net.hub !== undefined) {
    at(['network', 'hub'], `"hub" is only used with topology hub-and-spoke (topology is ${net.topology})`);
  }
  if (topologyKnown && net.topology !== 'explicit' && has(['network', 'links'])) {
    at(['network', 'links'], `"links" are only used with topology explicit (topology is ${net.topology})`);
  }
  if (topologyKnown && net.topology === 'explicit') {
    const seen = new Map<string, NodePath>();
    for (const l of net.links) {
      if (!declaredPairs.has(l.from)) at([...l.srcPath, 'from'], `unknown pair "${l.from}"`);
      if (!declaredPairs.has(l.to)) at([...l.srcPath, 'to'], `unknown pair "${l.to}"`);
      if (l.from === l.to) at(l.srcPath, `a link from pair "${l.from}" to itself`);
      const key = [l.from, l.to].sort().join('\0');
      const first = seen.get(key);
      if (first) at(l.srcPath, `pairs "${l.from}" and "${l.to}" are already linked at ${label(first)}`);
      else seen.set(key, l.srcPath);
    }
  }

  // --- sites ------------------------------------------------------------------
  const topics = new Map<string, string>();
  for (const s of registry.sites) {
    if (sites.get(s.name) !== s) continue;
    if (!declaredPairs.has(s.pair)) at([...s.srcPath, 'pair'], `unknown pair "${s.pair}"`);
    const seenFallback = new Set<string>();
    s.fallback.forEach((f, i) => {
      const fPath = [...s.srcPath, 'fallback', i];
      if (!declaredPairs.has(f)) at(fPath, `unknown pair "${f}"`);
      else if (f === s.pair) at(fPath, `pair "${f}" is the site's own pair, not a fallback`);
      else if (seenFallback.has(f)) at(fPath, `pair "${f}" is listed twice`);
      seenFallback.add(f);
    });
    let partsOk = true;
    if (s.tenant === '') {
      at([...s.srcPath, 'tenant'], 'no tenant: set the site\'s tenant or defaults.tenant');
      partsOk = false;
    }
    for (const field of ['tenant', 'role', 'ngi'] as const) {
      const v = s[field];
      if (v === undefined || v === '' || !has([...s.srcPath, field])) continue;
      const why = segmentProblem(v);
      if (why) {
        at([...s.srcPath, field], `${field} "${v}" ${why}`);
        partsOk = false;
      }
    }
    const segWhy = segmentProblem(siteSegment(s.name));
    if (segWhy) {
      at([...s.srcPath, 'name'], `site name "${s.name}" gives an invalid destination: ${segWhy}`);
      partsOk = false;
    }
    if (partsOk && namingOk) {
      const topic = siteTopic(registry.naming, s);
      const why = destinationProblem(topic);
      if (why) at([...s.srcPath, 'name'], `destination "${topic}" ${why}`);
      const first = topics.get(topic);
      if (first !== undefined) at([...s.srcPath, 'name'], `destination "${topic}" is also the destination of site "${first}"`);
      else topics.set(topic, s.name);
    }
    checkCredentials(s.credentials, 'site');
  }

  // --- consumers ---------------------------------------------------------------
  const siteByName = sites;
  for (const c of registry.consumers) {
    if (!declaredPairs.has(c.pair)) at([...c.srcPath, 'pair'], `unknown pair "${c.pair}"`);
    c.reads.sites?.forEach((name, i) => {
      if (!declaredSites.has(name)) at([...c.reads.srcPath, 'sites', i], `unknown site "${name}"`);
    });
    const eq = destinationProblem(c.errorQueue);
    if (eq) at(fieldOr(c.srcPath, 'errorQueue'), `error queue "${c.errorQueue}" ${eq}`);
    checkCredentials(c.credentials, 'consumer');
  }

  // --- reachability -------------------------------------------------------------
  // Only meaningful once the network and the parties are sound: otherwise it
  // would only echo the errors above.
  if (!topologyKnown || tainted(['network'])) return out;
  const model = buildNetwork(registry);
  const brokenConsumers = registry.consumers.filter((c) => tainted(c.srcPath)).map((c) => c.name);
  const brokenSites = new Set(registry.sites.filter((s) => tainted(s.srcPath)).map((s) => s.name));
  const later: Array<[NodePath, string]> = [];
  for (const c of registry.consumers) {
    if (!pairs.has(c.pair) || brokenConsumers.includes(c.name)) continue;
    const readsAny = [...model.readers.values()].some((list) => list.includes(c.name));
    if (!readsAny && has(c.reads.srcPath)) later.push([c.reads.srcPath, `consumer "${c.name}" selects no site`]);
    for (const s of registry.sites) {
      if (brokenSites.has(s.name) || !(model.readers.get(s.name) ?? []).includes(c.name)) continue;
      const q = consumerQueue(c.name, siteTopic(registry.naming, s));
      if (q.length > 250) later.push([[...s.srcPath, 'name'], `queue "${q}" of consumer "${c.name}" is longer than 250 characters`]);
    }
  }
  for (const s of registry.sites) {
    if (siteByName.get(s.name) !== s || brokenSites.has(s.name) || brokenConsumers.length > 0) continue;
    if ((model.readers.get(s.name) ?? []).length === 0 && pairs.has(s.pair)) {
      later.push([s.srcPath, `no consumer reads site "${s.name}": its results would go nowhere`]);
    }
  }
  for (const u of model.unreachable) {
    const s = siteByName.get(u.site);
    if (!s || brokenSites.has(u.site) || brokenConsumers.includes(u.consumer)) continue;
    const path = u.kind === 'primary' ? [...s.srcPath, 'pair'] : [...s.srcPath, 'fallback', s.fallback.indexOf(u.from)];
    later.push([path, `site "${u.site}" publishing at pair "${u.from}" cannot reach consumer "${u.consumer}" on pair "${u.to}": no path in the ${net.topology} network`]);
  }
  for (const [path, message] of later) at(path, message);
  return out;
}
