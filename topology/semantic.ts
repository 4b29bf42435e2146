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
import type { SourceDoc } from './source.js';
import type { Credentials, NodePath, Registry } from './types.js';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

function rawAt(data: unknown, path: NodePath): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

export function semanticProblems(registry: Registry, source: SourceDoc): Problem[] {
  const out: Problem[] = [];
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

  // --- naming -----------------------------------------------------------------
  for (const p of namingProblems(registry.naming)) at(['naming', p.field], p.message);
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
    if (!has(c.srcPath)) return; // missing credentials: the schema reports it
    const n = (c.passwordFile === undefined ? 0 : 1) + (c.passwordEnv === undefined ? 0 : 1);
    if (n !== 1) at(c.srcPath, `give exactly one of passwordFile or passwordEnv (got ${n === 0 ? 'neither' : 'both'})`);
  };
  checkCredentials(registry.network.credentials, 'network');

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
  const pairOfBroker = new Map<string, string>();
  const storeOwner = new Map<string, string>();
  for (const p of registry.pairs) {
    const members: string[] = [];
    p.brokers.forEach((name, i) => {
      const bPath = [...p.srcPath, 'brokers', i];
      if (!brokers.has(name)) {
        at(bPath, `unknown broker "${name}"`);
        return;
      }
      const other = pairOfBroker.get(name);
      if (other !== undefined) {
        at(bPath, other === p.name ? `broker "${name}" is listed twice` : `broker "${name}" is already in pair "${other}"`);
        return;
      }
      pairOfBroker.set(name, p.name);
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
  if (net.topology === 'hub-and-spoke') {
    if (net.hub === undefined) at(['network'], 'hub-and-spoke needs "hub": the pair every other pair links to');
    else if (!pairs.has(net.hub)) at(['network', 'hub'], `unknown pair "${net.hub}"`);
  } else if (net.hub !== undefined) {
    at(['network', 'hub'], `"hub" is only used with topology hub-and-spoke (topology is ${net.topology})`);
  }
  if (net.topology !== 'explicit' && has(['network', 'links'])) {
    at(['network', 'links'], `"links" are only used with topology explicit (topology is ${net.topology})`);
  }
  if (net.topology === 'explicit') {
    const seen = new Map<string, NodePath>();
    for (const l of net.links) {
      if (!pairs.has(l.from)) at([...l.srcPath, 'from'], `unknown pair "${l.from}"`);
      if (!pairs.has(l.to)) at([...l.srcPath, 'to'], `unknown pair "${l.to}"`);
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
    if (!pairs.has(s.pair)) at([...s.srcPath, 'pair'], `unknown pair "${s.pair}"`);
    const seenFallback = new Set<string>();
    s.fallback.forEach((f, i) => {
      const fPath = [...s.srcPath, 'fallback', i];
      if (!pairs.has(f)) at(fPath, `unknown pair "${f}"`);
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
    if (partsOk) {
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
    if (!pairs.has(c.pair)) at([...c.srcPath, 'pair'], `unknown pair "${c.pair}"`);
    c.reads.sites?.forEach((name, i) => {
      if (!siteByName.has(name)) at([...c.reads.srcPath, 'sites', i], `unknown site "${name}"`);
    });
    const eq = destinationProblem(c.errorQueue);
    if (eq) at(fieldOr(c.srcPath, 'errorQueue'), `error queue "${c.errorQueue}" ${eq}`);
    checkCredentials(c.credentials, 'consumer');
  }

  // --- reachability -------------------------------------------------------------
  const model = buildNetwork(registry);
  for (const c of registry.consumers) {
    if (!pairs.has(c.pair)) continue;
    const readsAny = [...model.readers.values()].some((list) => list.includes(c.name));
    if (!readsAny && has(c.reads.srcPath)) at(c.reads.srcPath, `consumer "${c.name}" selects no site`);
    for (const s of registry.sites) {
      if (!(model.readers.get(s.name) ?? []).includes(c.name)) continue;
      const q = consumerQueue(c.name, siteTopic(registry.naming, s));
      if (q.length > 250) at([...s.srcPath, 'name'], `queue "${q}" of consumer "${c.name}" is longer than 250 characters`);
    }
  }
  for (const s of registry.sites) {
    if (siteByName.get(s.name) !== s) continue;
    const readers = model.readers.get(s.name) ?? [];
    if (readers.length === 0 && pairs.has(s.pair)) {
      at(s.srcPath, `no consumer reads site "${s.name}": its results would go nowhere`);
    }
  }
  for (const u of model.unreachable) {
    const s = siteByName.get(u.site)!;
    const path = u.kind === 'primary' ? [...s.srcPath, 'pair'] : [...s.srcPath, 'fallback', s.fallback.indexOf(u.from)];
    at(path, `site "${u.site}" publishing at pair "${u.from}" cannot reach consumer "${u.consumer}" on pair "${u.to}": no path in the ${net.topology} network`);
  }

  return out;
}
