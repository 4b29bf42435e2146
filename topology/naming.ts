/**
 * Destination naming. A site publishes to the topic
 * `<prefix>.metricOutput.<tenant>.<role>.<site>` (pattern configurable; dots
 * in site names become `_`); each consumer reads the virtual-topic queue
 * `Consumer.<consumer>.<topic>` holding its own copy of every message.
 */
import type { Naming } from './types.js';

/** Virtual topic consumer-queue prefix (the ActiveMQ convention). */
export const CONSUMER_QUEUE_PREFIX = 'Consumer';
/** Longest physical destination name we generate. */
export const MAX_DESTINATION_LENGTH = 200;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const PLACEHOLDERS = ['prefix', 'tenant', 'role', 'site'] as const;

/** A site name as one destination segment: dots become underscores. */
export function siteSegment(site: string): string {
  return site.replaceAll('.', '_');
}

/** What a topic is made of: a Site fits. */
export interface TopicParts {
  tenant: string;
  role: string;
  /** Site name. */
  name: string;
}

/** Physical topic name (no `/topic/`) a site publishes to. */
export function siteTopic(naming: Pick<Naming, 'prefix' | 'pattern'>, parts: TopicParts): string {
  return naming.pattern
    .replaceAll('{prefix}', naming.prefix)
    .replaceAll('{tenant}', parts.tenant)
    .replaceAll('{role}', parts.role)
    .replaceAll('{site}', siteSegment(parts.name));
}

/** Physical queue name a consumer reads one site's results from. */
export function consumerQueue(consumer: string, topic: string): string {
  return `${CONSUMER_QUEUE_PREFIX}.${consumer}.${topic}`;
}

/** Wildcard matching every queue of one consumer (network bridges forward it). */
export function consumerQueueWildcard(consumer: string): string {
  return `${CONSUMER_QUEUE_PREFIX}.${consumer}.>`;
}

/** Topic wildcard the virtual-topic interceptor applies to. */
export function virtualTopicName(naming: Pick<Naming, 'prefix'>): string {
  return `${naming.prefix}.>`;
}

export const stompTopic = (name: string): string => `/topic/${name}`;
export const stompQueue = (name: string): string => `/queue/${name}`;

/** Why `value` cannot be one destination segment, or undefined when it can. */
export function segmentProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (SEGMENT.test(value)) return undefined;
  const bad = [...value].find((c) => !/[A-Za-z0-9_-]/.test(c)) ?? '';
  const why =
    bad === '.'
      ? "'.' separates destination segments"
      : bad === '*' || bad === '>'
        ? `'${bad}' is an ActiveMQ wildcard`
        : bad === ','
          ? "',' separates composite destinations"
          : /\s/.test(bad)
            ? 'white space is not allowed in a destination'
            : `${JSON.stringify(bad)} is not allowed in a destination (letters, digits, '_' and '-' only)`;
  return `contains ${JSON.stringify(bad)}: ${why}`;
}

/** Why a whole dotted destination name is invalid, or undefined. */
export function destinationProblem(name: string): string | undefined {
  if (name.length > MAX_DESTINATION_LENGTH) return `is longer than ${MAX_DESTINATION_LENGTH} characters`;
  for (const seg of name.split('.')) {
    const p = segmentProblem(seg);
    if (p) return seg === '' ? 'has an empty segment (two dots in a row, or a leading/trailing dot)' : `segment "${seg}" ${p}`;
  }
  return undefined;
}

/** Problems of the naming settings themselves (prefix and pattern). */
export function namingProblems(naming: Pick<Naming, 'prefix' | 'pattern'>): Array<{ field: 'prefix' | 'pattern'; message: string }> {
  const out: Array<{ field: 'prefix' | 'pattern'; message: string }> = [];
  const p = destinationProblem(naming.prefix);
  if (p) out.push({ field: 'prefix', message: `prefix "${naming.prefix}" ${p}` });
  const first = naming.prefix.split('.')[0];
  if (first === 'ActiveMQ' || first === CONSUMER_QUEUE_PREFIX || first === 'DLQ') {
    out.push({ field: 'prefix', message: `prefix must not start with "${first}": that name space belongs to the broker` });
  }
  const used = [...naming.pattern.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '');
  for (const u of used) {
    if (!(PLACEHOLDERS as readonly string[]).includes(u)) {
      out.push({ field: 'pattern', message: `unknown placeholder {${u}} (use {prefix}, {tenant}, {role}, {site})` });
    }
  }
  if (!naming.pattern.startsWith('{prefix}.')) out.push({ field: 'pattern', message: 'pattern must start with "{prefix}."' });
  if (!used.includes('site')) out.push({ field: 'pattern', message: 'pattern must contain {site}, or every site would share one destination' });
  if (out.length === 0) {
    const sample = siteTopic(naming, { tenant: 'T', role: 'r', name: 's' });
    const q = destinationProblem(sample);
    if (q) out.push({ field: 'pattern', message: `pattern gives invalid destinations: "${sample}" ${q}` });
  }
  return out;
}

/**
 * Queue (no `/queue/`) network probes travel in towards consumer pair
 * `pair`: `gridmsg check-network` sends into it on a broker upstream and
 * reads it on the pair; the network connectors forward it along the same
 * routes as the consumer queues of that pair (docs/broker-network.md).
 */
export function probeQueue(naming: Pick<Naming, 'prefix'>, pair: string): string {
  return `${naming.prefix}.probe.${pair}`;
}

/** Wildcard matching every probe queue (the monitoring user's permission). */
export function probeQueueWildcard(naming: Pick<Naming, 'prefix'>): string {
  return `${naming.prefix}.probe.>`;
}
