/**
 * The central bridge's configuration file (YAML). It points at the consumer
 * client config that `gridmsg broker-config generate` wrote (brokers, queues,
 * sites and their hosts, error destination) and says how to reach Nagios.
 * Every error names file:line:column and the field. Relative paths are
 * resolved against the directory of the file they appear in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { loadClientConfig } from '../../clients/config-loader.js';
import type { ConsumerClientConfig } from '../../clients/client-config.js';
import { ConfigError } from '../../core/errors.js';
import type { UnknownAction } from './message-plan.js';
import { DEFAULT_ILLEGAL_NAME_CHARS } from './object-names.js';
import type { NamingRules, RoleNaming } from './service-naming.js';
import { SPOOL_GATHER_MS } from './spool-writer.js';

export interface NagiosSettings {
  /** `pipe`: external commands into command_file; `spool`: files into check_result_path. */
  mode: 'pipe' | 'spool';
  commandFile?: string;
  checkResultPath?: string;
  /** Pipe mode: output too long for one pipe line goes to `spool` (needs checkResultPath) or is cut (`truncate`). */
  longOutput: 'spool' | 'truncate';
  objectCache?: string;
  /** Nagios' query_socket: spool files are only released while it accepts a connection (Nagios runs). */
  querySocket?: string;
  /** Nagios' lock_file (its pid; a daemon-mode Nagios only): the other way to tell that Nagios runs. */
  lockFile?: string;
  illegalObjectNameChars: string;
  maxOutputBytes: number;
  resultsPerFile: number;
  /** Spool mode: ms results gather before a file that starts from idle (trickling messages share files and fsyncs). */
  gatherMs: number;
}

export interface BridgeLimits {
  prefetch: number;
  maxRecordBytes: number;
  maxFutureSkewSeconds: number;
  dedupWindowMessages: number;
  maxObjects: number;
  drainTimeoutSeconds: number;
}

export interface BridgeConfig {
  file: string;
  consumerFile: string;
  consumer: ConsumerClientConfig;
  stateDir: string;
  nagios: NagiosSettings;
  unknownObjects: { action: UnknownAction; suggestionsFile?: string };
  naming: NamingRules;
  limits: BridgeLimits;
  summaryIntervalSeconds: number;
  /** Prometheus endpoint (`metrics: {host, port}`), where the file asks for one. */
  metrics?: MetricsSettings;
}

export interface MetricsSettings {
  host: string;
  port: number;
  /** Where `metrics.port` is in the file, for a listen error. */
  where: { file: string; line: number; column: number; path: string };
}

export const DEFAULT_BRIDGE_LIMITS: BridgeLimits = {
  prefetch: 100,
  maxRecordBytes: 64 * 1024,
  maxFutureSkewSeconds: 300,
  dedupWindowMessages: 200_000,
  maxObjects: 1_000_000,
  drainTimeoutSeconds: 10,
};

type Path = Array<string | number>;

function pathText(p: Path): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

class Fields {
  private readonly js: unknown;

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {
    this.js = doc.toJS() as unknown;
  }

  /** Plain value at a path. */
  get(p: Path): unknown {
    return walk(this.js, p);
  }

  fail(p: Path, message: string): never {
    let at = p;
    let node = this.doc.getIn(at, true) as Node | undefined;
    let offset = node?.range?.[0];
    // A missing field: point at the key of the nearest mapping that exists.
    while (offset === undefined && at.length > 0) {
      at = at.slice(0, -1);
      node = (at.length === 0 ? this.doc.contents : this.doc.getIn(at, true)) as Node | undefined;
      if (node?.range === undefined || node.range === null) continue;
      offset = node.range[0];
      const parent = at.length === 0 ? undefined : ((at.length === 1 ? this.doc.contents : this.doc.getIn(at.slice(0, -1), true)) as Node | undefined);
      if (parent !== undefined && isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === at[at.length - 1]);
        const keyRange = pair !== undefined && isScalar(pair.key) ? pair.key.range : undefined;
        if (keyRange) offset = keyRange[0];
      }
    }
    const pos = this.lines.linePos(offset ?? 0);
    throw new ConfigError(message, { file: this.file, line: pos.line, column: pos.col, ...(p.length > 0 ? { path: pathText(p) } : {}) });
  }

  has(p: Path): boolean {
    const v = this.get(p);
    return v !== undefined && v !== null;
  }

  map(p: Path, known: readonly string[], required: readonly string[] = []): void {
    const node = p.length === 0 ? this.doc.contents : this.doc.getIn(p, true);
    if (!isMap(node)) this.fail(p, 'must be a mapping (key: value lines)');
    const value = (this.get(p) ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail([...p, key], `unknown field "${key}" (expected one of: ${known.join(', ')})`);
    }
    for (const key of required) if (!this.has([...p, key])) this.fail([...p, key], `missing required field "${key}"`);
  }

  string(p: Path): string | undefined {
    if (!this.has(p)) return undefined;
    const v = this.get(p);
    if (typeof v !== 'string') this.fail(p, `must be a string, not ${JSON.stringify(v)}`);
    return v;
  }

  nonEmpty(p: Path): string | undefined {
    const v = this.string(p);
    if (v !== undefined && v.trim() === '') this.fail(p, 'must not be empty');
    return v;
  }

  file_(p: Path): string | undefined {
    const v = this.nonEmpty(p);
    return v === undefined ? undefined : path.resolve(path.dirname(this.file), v);
  }

  choice<T extends string>(p: Path, choices: readonly T[], fallback: T): T {
    const v = this.string(p);
    if (v === undefined) return fallback;
    if (!(choices as readonly string[]).includes(v)) this.fail(p, `must be one of ${choices.join(', ')}, not "${v}"`);
    return v as T;
  }

  int(p: Path, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (!this.has(p)) return fallback;
    const v = this.get(p);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(p, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
    return v;
  }

  stringList(p: Path): string[] | undefined {
    if (!this.has(p)) return undefined;
    if (!isSeq(this.doc.getIn(p, true))) this.fail(p, 'must be a list');
    const items = this.get(p) as unknown[];
    return items.map((_, i) => this.nonEmpty([...p, i]) ?? this.fail([...p, i], 'must be a string'));
  }

  stringMap(p: Path): Record<string, string> | undefined {
    if (!this.has(p)) return undefined;
    const keys = Object.keys((this.get(p) ?? {}) as Record<string, unknown>);
    this.map(p, keys);
    const out: Record<string, string> = {};
    for (const key of keys) out[key] = this.nonEmpty([...p, key]) ?? this.fail([...p, key], 'must be a string');
    return out;
  }
}

function walk(value: unknown, p: Path): unknown {
  let cur = value;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function roleNaming(f: Fields, p: Path): RoleNaming {
  f.map(p, ['suffix', 'mapping']);
  const out: RoleNaming = {};
  const suffix = f.string([...p, 'suffix']);
  if (suffix !== undefined) {
    if (/[;\n\r\[\]\\]/.test(suffix)) f.fail([...p, 'suffix'], 'must not contain ; [ ] \\ or line breaks');
    out.suffix = suffix;
  }
  const mapping = f.stringMap([...p, 'mapping']);
  if (mapping !== undefined) out.mapping = mapping;
  return out;
}

/** Parses bridge config text; `file` names it in errors and anchors relative paths. */
export function parseBridgeConfig(text: string, file: string, loadConsumer: (file: string) => ConsumerClientConfig = defaultLoadConsumer): BridgeConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0] ?? lines.linePos(first.pos[0]);
    throw new ConfigError(`YAML syntax error: ${first.message.split('\n')[0]}`, { file, line: pos.line, column: pos.col });
  }
  const f: Fields = new Fields(file, doc, lines);
  if (!isMap(doc.contents)) f.fail([], 'the msg-to-nagios configuration must be a mapping');
  f.map([], ['consumer', 'stateDir', 'nagios', 'unknownObjects', 'naming', 'limits', 'reporting', 'metrics'], ['consumer', 'stateDir', 'nagios']);

  const consumerFile = f.file_(['consumer'])!;
  let consumer: ConsumerClientConfig;
  try {
    consumer = loadConsumer(consumerFile);
  } catch (err) {
    // A ConfigError already names the consumer file, line and field.
    if (err instanceof ConfigError) throw err;
    return f.fail(['consumer'], `cannot load the consumer client config ${consumerFile}: ${(err as Error).message}`);
  }

  f.map(['nagios'], ['mode', 'commandFile', 'checkResultPath', 'longOutput', 'objectCache', 'querySocket', 'lockFile', 'illegalObjectNameChars', 'maxOutputBytes', 'resultsPerFile', 'gatherMs'], ['mode']);
  // No default: spool mode is exactly-once across crashes, pipe mode is the classic path (see docs).
  const mode = f.choice(['nagios', 'mode'], ['pipe', 'spool'] as const, 'spool');
  const nagios: NagiosSettings = {
    mode,
    longOutput: f.choice(['nagios', 'longOutput'], ['spool', 'truncate'] as const, f.has(['nagios', 'checkResultPath']) ? 'spool' : 'truncate'),
    illegalObjectNameChars: f.string(['nagios', 'illegalObjectNameChars']) ?? DEFAULT_ILLEGAL_NAME_CHARS,
    maxOutputBytes: f.int(['nagios', 'maxOutputBytes'], 8192, 256, 1 << 20),
    resultsPerFile: f.int(['nagios', 'resultsPerFile'], 500, 1, 100_000),
    gatherMs: f.int(['nagios', 'gatherMs'], SPOOL_GATHER_MS, 0, 1000),
  };
  const commandFile = f.file_(['nagios', 'commandFile']);
  const checkResultPath = f.file_(['nagios', 'checkResultPath']);
  const objectCache = f.file_(['nagios', 'objectCache']);
  const querySocket = f.file_(['nagios', 'querySocket']);
  const lockFile = f.file_(['nagios', 'lockFile']);
  if (commandFile !== undefined) nagios.commandFile = commandFile;
  if (checkResultPath !== undefined) nagios.checkResultPath = checkResultPath;
  if (objectCache !== undefined) nagios.objectCache = objectCache;
  if (querySocket !== undefined) nagios.querySocket = querySocket;
  if (lockFile !== undefined) nagios.lockFile = lockFile;
  if (mode === 'pipe' && commandFile === undefined) f.fail(['nagios', 'commandFile'], 'pipe mode needs commandFile (Nagios command_file)');
  if (mode === 'spool' && checkResultPath === undefined) f.fail(['nagios', 'checkResultPath'], 'spool mode needs checkResultPath (Nagios check_result_path)');
  if (mode === 'pipe' && nagios.longOutput === 'spool' && checkResultPath === undefined) f.fail(['nagios', 'longOutput'], 'longOutput: spool needs checkResultPath');
  if (nagios.maxOutputBytes > 8192 && mode === 'pipe' && nagios.longOutput === 'truncate') {
    f.fail(['nagios', 'maxOutputBytes'], 'above 8192 bytes only spool mode or longOutput: spool can deliver the output');
  }

  const unknownObjects: BridgeConfig['unknownObjects'] = { action: 'reject' };
  if (f.has(['unknownObjects'])) {
    f.map(['unknownObjects'], ['action', 'suggestionsFile']);
    unknownObjects.action = f.choice(['unknownObjects', 'action'], ['reject', 'drop', 'submit'] as const, 'reject');
    const s = f.file_(['unknownObjects', 'suggestionsFile']);
    if (s !== undefined) unknownObjects.suggestionsFile = s;
  }

  const naming: NamingRules = {};
  if (f.has(['naming'])) {
    f.map(['naming'], ['default', 'roles', 'allowedRoles']);
    if (f.has(['naming', 'default'])) naming.default = roleNaming(f, ['naming', 'default']);
    if (f.has(['naming', 'roles'])) {
      const roles = (f.get(['naming', 'roles']) ?? {}) as Record<string, unknown>;
      f.map(['naming', 'roles'], Object.keys(roles));
      naming.roles = {};
      for (const role of Object.keys(roles)) naming.roles[role] = roleNaming(f, ['naming', 'roles', role]);
    }
    const allowed = f.stringList(['naming', 'allowedRoles']);
    if (allowed !== undefined) naming.allowedRoles = allowed;
  }

  const d = DEFAULT_BRIDGE_LIMITS;
  if (f.has(['limits'])) f.map(['limits'], Object.keys(d));
  const limits: BridgeLimits = {
    // Default: what the generator sized into the consumer config (its brokers' memory), else 100.
    prefetch: f.int(['limits', 'prefetch'], consumer.prefetch ?? d.prefetch, 1, 10_000),
    maxRecordBytes: f.int(['limits', 'maxRecordBytes'], d.maxRecordBytes, 1024, 16 << 20),
    maxFutureSkewSeconds: f.int(['limits', 'maxFutureSkewSeconds'], d.maxFutureSkewSeconds, 0, 86_400 * 365),
    dedupWindowMessages: f.int(['limits', 'dedupWindowMessages'], d.dedupWindowMessages, 1000, 100_000_000),
    maxObjects: f.int(['limits', 'maxObjects'], d.maxObjects, 1000, 100_000_000),
    drainTimeoutSeconds: f.int(['limits', 'drainTimeoutSeconds'], d.drainTimeoutSeconds, 0, 3600),
  };
  if (f.has(['reporting'])) f.map(['reporting'], ['summaryIntervalSeconds']);
  const metrics = metricsSettings(f, doc, lines, file);
  return {
    file,
    consumerFile,
    consumer,
    stateDir: f.file_(['stateDir'])!,
    nagios,
    unknownObjects,
    naming,
    limits,
    summaryIntervalSeconds: f.int(['reporting', 'summaryIntervalSeconds'], 60, 1, 86_400),
    ...(metrics === undefined ? {} : { metrics }),
  };
}

/** `metrics: {host, port}` (optional; host defaults to 127.0.0.1, port 0 picks a free one). */
function metricsSettings(f: Fields, doc: Document, lines: LineCounter, file: string): MetricsSettings | undefined {
  if (!f.has(['metrics'])) return undefined;
  f.map(['metrics'], ['host', 'port'], ['port']);
  const host = f.nonEmpty(['metrics', 'host']) ?? '127.0.0.1';
  const port = f.int(['metrics', 'port'], 0, 0, 65535);
  const node = doc.getIn(['metrics', 'port'], true) as Node | undefined;
  const pos = lines.linePos(node?.range?.[0] ?? 0);
  return { host, port, where: { file, line: pos.line, column: pos.col, path: 'metrics.port' } };
}

function defaultLoadConsumer(file: string): ConsumerClientConfig {
  const cfg = loadClientConfig(file);
  if (cfg.kind !== 'consumer') throw new ConfigError('a msg-to-nagios bridge needs a consumer client config (kind: consumer), not a site one', { file, path: 'kind' });
  return cfg;
}

/** Reads the bridge config file and the consumer client config it names. */
export function loadBridgeConfig(file: string): BridgeConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the msg-to-nagios configuration: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: abs });
  }
  return parseBridgeConfig(text, abs);
}
