import fs from 'node:fs';
import { objectKey } from './types.js';

/**
 * The hosts and services the central Nagios knows, read from its
 * object_cache_file (objects.cache, rewritten by Nagios at every start), so
 * results for unknown objects are noticed rather than silently dropped by Nagios.
 */
export interface KnownObjects {
  hosts: Set<string>;
  /** host -> service descriptions. */
  services: Map<string, Set<string>>;
  /** objectKey(host, service) of every service and objectKey(host, undefined) of every host: one lookup per result. */
  objects?: Set<string>;
}

/** Parses objects.cache text: `define host {` / `define service {` blocks of `key<TAB>value` lines. */
export function parseObjectCache(text: string): KnownObjects {
  const objects = new Set<string>();
  const known: KnownObjects = { hosts: new Set(), services: new Map(), objects };
  let type: string | undefined;
  let fields: Map<string, string> = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (type === undefined) {
      const m = /^define\s+(\w+)\s*\{$/.exec(line);
      if (m) {
        type = m[1]!;
        fields = new Map();
      }
      continue;
    }
    if (line === '}') {
      const host = fields.get('host_name');
      if (type === 'host' && host !== undefined) {
        known.hosts.add(host);
      }
      if (type === 'service' && host !== undefined) {
        const svc = fields.get('service_description');
        if (svc !== undefined) {
          let set = known.services.get(host);
          if (set === undefined) known.services.set(host, (set = new Set()));
          set.add(svc);
        }
      }
      type = undefined;
      continue;
    }
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!);
  }
  // Exactly what lookup() calls known: the hosts, and the services of defined hosts.
  for (const host of known.hosts) objects.add(objectKey(host, undefined));
  for (const [host, set] of known.services) if (known.hosts.has(host)) for (const svc of set) objects.add(objectKey(host, svc));
  return known;
}

export type Lookup = 'known' | 'unknown-host' | 'unknown-service';

export function lookup(known: KnownObjects, host: string, service: string | undefined, key?: string): Lookup {
  // A service is known only on a known host: a hit in `objects` answers at once.
  if (key !== undefined && known.objects?.has(key) === true) return 'known';
  if (!known.hosts.has(host)) return 'unknown-host';
  if (service === undefined) return 'known';
  return known.services.get(host)?.has(service) ? 'known' : 'unknown-service';
}

/**
 * objects.cache loaded on demand and reloaded when Nagios rewrites it
 * (checked by mtime at most every `checkEveryMs`). Undefined until readable.
 */
export class ObjectCacheWatcher {
  private known: KnownObjects | undefined;
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(
    readonly file: string,
    private readonly checkEveryMs = 5000,
    private readonly onReload: (known: KnownObjects) => void = () => {},
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** Current objects; re-reads the file when it changed. */
  current(now = Date.now()): KnownObjects | undefined {
    if (now - this.checkedAt < this.checkEveryMs && this.known !== undefined) return this.known;
    this.checkedAt = now;
    try {
      const st = fs.statSync(this.file);
      if (st.mtimeMs !== this.mtimeMs || this.known === undefined) {
        this.known = parseObjectCache(fs.readFileSync(this.file, 'utf8'));
        this.mtimeMs = st.mtimeMs;
        this.onReload(this.known);
      }
    } catch (err) {
      this.onError(err as Error);
    }
    return this.known;
  }

  /** Forces a re-read at the next call (SIGHUP). */
  invalidate(): void {
    this.checkedAt = 0;
    this.mtimeMs = -1;
  }
}
