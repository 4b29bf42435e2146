/**
 * The bridge configuration file (`gridmsg nagios-to-msg --config FILE`).
 * Relative paths are resolved against the file's directory. Example:
 *
 *   client: sites/CERN-PROD.yaml      # site client config from broker-config generate
 *   inputs:
 *     - path: /var/spool/gridmsg/service-perfdata
 *     - path: /var/spool/gridmsg/host-perfdata
 *   spool: { dir: /var/spool/gridmsg/spool, maxBytes: 1GiB, maxAge: 7d, whenFull: block }
 *
 * See docs/site-bridge.md for every field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, GridmsgError, type ErrorContext } from '../../core/errors.js';
import { loadClientConfig, type SiteClientConfig } from '../../clients/index.js';
import { BODY_FORMATS, type BodyFormat } from '../format/index.js';
import type { FullPolicy } from '../spool/index.js';
import type { FilterConfig, Selector } from './filter.js';
import { parseDuration, parseSize } from './units.js';
import { YamlChecker, type FieldPath } from './yaml-check.js';

export type InputType = 'perfdata' | 'ocsp';

export interface InputConfig {
  name: string;
  path: string;
  type: InputType;
  /** The bridge renames the file once this much was read (default: none for perfdata, 64 MiB for ocsp). */
  rotateAtBytes: number | undefined;
}

export interface Threshold {
  warning: number;
  critical: number;
}

export interface CheckThresholds {
  /** Records spooled and not receipted. */
  spoolRecords: Threshold;
  /** Seconds. */
  oldestUnsent: Threshold;
  /** Seconds since the last receipt, while something waits to be sent. */
  lastReceipt: Threshold;
  /** Seconds after which a status file that did not change means the bridge is not running. */
  staleAfter: number;
}

export interface BridgeConfig {
  file: string;
  clientFile: string;
  client: SiteClientConfig;
  nagiosName: string;
  gatheredAt: string;
  inputs: InputConfig[];
  spool: { dir: string; maxBytes: number; maxAgeSeconds: number; whenFull: FullPolicy; segmentBytes: number | undefined };
  batch: { maxRecords: number; maxBytes: number; lingerMs: number };
  format: BodyFormat;
  filters: FilterConfig;
  defaults: { voName: string; serviceFlavour: string; hostMetricName: string };
  publisher: { receiptWindow: number; receiptTimeoutMs: number };
  metrics: { host: string; port: number } | undefined;
  statusFile: string;
  drainTimeoutMs: number;
  pollMs: number;
  rotationGraceMs: number;
  check: CheckThresholds;
  /** Error context (file:line:column, field) of a field of this config, for errors found later. */
  where(field: FieldPath): ErrorContext;
}

const TOP = ['client', 'nagiosName', 'inputs', 'spool', 'batch', 'format', 'filters', 'defaults', 'publisher', 'metrics', 'statusFile', 'drainTimeout', 'poll', 'rotationGrace', 'check'] as const;

const size = (v: unknown): number | undefined => parseSize(v);
const duration = (v: unknown): number | undefined => parseDuration(v);
const positiveDuration = (v: unknown): number | undefined => {
  const d = parseDuration(v);
  return d !== undefined && d > 0 ? d : undefined;
};

function selector(c: YamlChecker, p: FieldPath): Selector {
  if (!c.has(p)) return { hosts: [], services: [], hostgroups: [] };
  c.mapping(p, ['hosts', 'services', 'hostgroups']);
  return { hosts: c.strings([...p, 'hosts']), services: c.strings([...p, 'services']), hostgroups: c.strings([...p, 'hostgroups']) };
}

function threshold(c: YamlChecker, p: FieldPath, fallback: Threshold, seconds: boolean): Threshold {
  if (!c.has(p)) return fallback;
  c.mapping(p, ['warning', 'critical']);
  const read = (k: 'warning' | 'critical'): number =>
    seconds ? Math.round(c.parsed([...p, k], duration, fallback[k] * 1000, 'a duration (e.g. 300, 5m)') / 1000) : c.integer([...p, k], fallback[k]);
  const t = { warning: read('warning'), critical: read('critical') };
  if (t.warning > t.critical) c.fail(p, `warning (${t.warning}) must not exceed critical (${t.critical})`);
  return t;
}

/** Parses and checks bridge config text; `file` names it in errors and anchors relative paths. */
export function parseBridgeConfig(text: string, file: string): BridgeConfig {
  const c: YamlChecker = YamlChecker.parse(text, file);
  c.mapping([], TOP, ['client', 'inputs', 'spool']);
  const dir = path.dirname(path.resolve(file));
  const resolve = (p: string): string => path.resolve(dir, p);

  const clientFile = resolve(c.string(['client']));
  let client: SiteClientConfig;
  try {
    const loaded = loadClientConfig(clientFile);
    if (loaded.kind !== 'site') c.fail(['client'], `${clientFile} is a ${loaded.kind} client config; nagios-to-msg needs a site one (kind: site)`);
    client = loaded;
  } catch (err) {
    if (err instanceof ConfigError && err.context.file === clientFile && err.context.line === undefined) {
      c.fail(['client'], `${err.message}: ${clientFile}`);
    }
    throw err;
  }

  const inputCount = c.sequenceLength(['inputs']);
  if (inputCount === 0) c.fail(['inputs'], 'needs at least one input file');
  const inputs: InputConfig[] = [];
  for (let i = 0; i < inputCount; i++) {
    const p: FieldPath = ['inputs', i];
    c.mapping(p, ['name', 'path', 'type', 'rotateAtBytes'], ['path']);
    const filePath = resolve(c.string([...p, 'path']));
    const type = c.choice<InputType>([...p, 'type'], ['perfdata', 'ocsp'], 'perfdata');
    const name = c.string([...p, 'name'], path.basename(filePath));
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) c.fail([...p, 'name'], `input name ${JSON.stringify(name)} may only hold letters, digits, _ . -`);
    if (inputs.some((x) => x.name === name)) c.fail([...p, 'name'], `two inputs are named "${name}": give them distinct names`);
    if (inputs.some((x) => x.path === filePath)) c.fail([...p, 'path'], `${filePath} is listed twice`);
    const rotateAtBytes = c.parsed([...p, 'rotateAtBytes'], size, type === 'ocsp' ? 64 * 1024 * 1024 : undefined, 'a size (e.g. 64MiB)');
    inputs.push({ name, path: filePath, type, rotateAtBytes: rotateAtBytes === 0 ? undefined : rotateAtBytes });
  }

  c.mapping(['spool'], ['dir', 'maxBytes', 'maxAge', 'whenFull', 'segmentBytes'], ['dir']);
  const spoolDir = resolve(c.string(['spool', 'dir']));
  const maxBytes = c.parsed(['spool', 'maxBytes'], size, 1024 ** 3, 'a size (e.g. 1GiB)');
  if (maxBytes < 64 * 1024) c.fail(['spool', 'maxBytes'], 'must be at least 64KiB');
  const spool = {
    dir: spoolDir,
    maxBytes,
    maxAgeSeconds: Math.round(c.parsed(['spool', 'maxAge'], duration, 7 * 86_400_000, 'a duration (e.g. 7d); 0 = no age limit') / 1000),
    whenFull: c.choice<FullPolicy>(['spool', 'whenFull'], ['block', 'drop-oldest'], 'block'),
    segmentBytes: c.parsed<number | undefined>(['spool', 'segmentBytes'], size, undefined, 'a size (e.g. 16MiB)'),
  };

  if (c.has(['batch'])) c.mapping(['batch'], ['maxRecords', 'maxBytes', 'linger']);
  const batch = {
    maxRecords: c.integer(['batch', 'maxRecords'], 500, 1, 100_000),
    maxBytes: c.parsed(['batch', 'maxBytes'], size, 256 * 1024, 'a size (e.g. 256KiB)'),
    lingerMs: c.parsed(['batch', 'linger'], duration, 20, 'a duration (e.g. 20ms)'),
  };
  if (batch.maxBytes < 1024) c.fail(['batch', 'maxBytes'], 'must be at least 1KiB');

  if (c.has(['filters'])) c.mapping(['filters'], ['skipSoft', 'include', 'exclude']);
  const filters: FilterConfig = {
    skipSoft: c.boolean(['filters', 'skipSoft'], true),
    include: selector(c, ['filters', 'include']),
    exclude: selector(c, ['filters', 'exclude']),
  };

  if (c.has(['defaults'])) c.mapping(['defaults'], ['voName', 'serviceFlavour', 'hostMetricName']);
  const defaults = {
    voName: c.string(['defaults', 'voName'], ''),
    serviceFlavour: c.string(['defaults', 'serviceFlavour'], ''),
    hostMetricName: c.string(['defaults', 'hostMetricName'], 'host-check'),
  };

  if (c.has(['publisher'])) c.mapping(['publisher'], ['receiptWindow', 'receiptTimeout']);
  const publisher = {
    receiptWindow: c.integer(['publisher', 'receiptWindow'], 32, 1, 4096),
    receiptTimeoutMs: c.parsed(['publisher', 'receiptTimeout'], positiveDuration, 30_000, 'a positive duration (e.g. 30s)'),
  };

  let metrics: BridgeConfig['metrics'];
  if (c.has(['metrics'])) {
    c.mapping(['metrics'], ['host', 'port'], ['port']);
    metrics = { host: c.string(['metrics', 'host'], '127.0.0.1'), port: c.integer(['metrics', 'port'], 0, 0, 65535) };
  }

  if (c.has(['check'])) c.mapping(['check'], ['spoolRecords', 'oldestUnsent', 'lastReceipt', 'staleAfter']);
  const check: CheckThresholds = {
    spoolRecords: threshold(c, ['check', 'spoolRecords'], { warning: 10_000, critical: 100_000 }, false),
    oldestUnsent: threshold(c, ['check', 'oldestUnsent'], { warning: 300, critical: 1800 }, true),
    lastReceipt: threshold(c, ['check', 'lastReceipt'], { warning: 300, critical: 1800 }, true),
    staleAfter: Math.round(c.parsed(['check', 'staleAfter'], positiveDuration, 60_000, 'a positive duration (e.g. 60s)') / 1000),
  };

  const nagiosHost = client.nagiosHost ?? os.hostname();
  return {
    file: path.resolve(file),
    clientFile,
    client,
    nagiosName: c.string(['nagiosName'], nagiosHost),
    gatheredAt: nagiosHost,
    inputs,
    spool,
    batch,
    format: c.choice<BodyFormat>(['format'], BODY_FORMATS, 'grid'),
    filters,
    defaults,
    publisher,
    metrics,
    statusFile: c.has(['statusFile']) ? resolve(c.string(['statusFile'])) : path.join(spoolDir, 'status.json'),
    drainTimeoutMs: c.parsed(['drainTimeout'], duration, 10_000, 'a duration (e.g. 10s)'),
    pollMs: c.parsed(['poll'], positiveDuration, 250, 'a positive duration (e.g. 250ms)'),
    rotationGraceMs: c.parsed(['rotationGrace'], duration, 1000, 'a duration (e.g. 1s)'),
    check,
    where: (field) => c.where(field),
  };
}

/** Reads the bridge config file. Errors are ConfigErrors naming file:line:column and field. */
export function loadBridgeConfig(file: string): BridgeConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the bridge config: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path.resolve(file) });
  }
  return parseBridgeConfig(text, file);
}

/**
 * Checks what the config points to before the bridge starts: each input's
 * directory exists (a missing file is waited for, a missing directory is an
 * error), the spool directory can be created and written.
 */
export function checkBridgePaths(config: BridgeConfig): void {
  config.inputs.forEach((input, i) => {
    const dir = path.dirname(input.path);
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      throw new ConfigError(`directory ${dir} of input file ${input.path} does not exist (is Nagios configured to write ${input.path}? see gridmsg nagios-config site)`, config.where(['inputs', i, 'path']));
    }
    if (!st.isDirectory()) throw new ConfigError(`${dir} (directory of input file ${input.path}) is not a directory`, config.where(['inputs', i, 'path']));
    try {
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    } catch {
      throw new ConfigError(`directory ${dir} of input file ${input.path} is not readable`, config.where(['inputs', i, 'path']));
    }
  });
}

/** A GridmsgError from the spool gets the config location of spool.dir. */
export function withConfigLocation(err: unknown, config: BridgeConfig, field: FieldPath): unknown {
  if (err instanceof GridmsgError && err.context.line === undefined) {
    const where = config.where(field);
    return new GridmsgError(err.code, `${err.message} (${where.file}:${where.line}: ${where.path})`, { ...err.context });
  }
  return err;
}
