/**
 * Which results the bridge forwards. Pure. Patterns are globs (`*`, `?`),
 * case-insensitive. Include lists, when not empty, must match; any exclude
 * match drops. Service patterns apply to service results only and match the
 * service description or the metric name.
 */
import type { CheckKind, StateType } from '../format/index.js';

export interface Selector {
  hosts: string[];
  services: string[];
  hostgroups: string[];
}

export interface FilterConfig {
  /** Skip SOFT states (default true, as the grid tools did). */
  skipSoft: boolean;
  include: Selector;
  exclude: Selector;
}

export interface FilterInput {
  kind: CheckKind;
  host: string;
  service: string;
  metricName: string;
  hostGroups: string[];
  stateType: StateType;
}

export type FilterVerdict = { pass: true } | { pass: false; reason: 'soft' | 'not-included' | 'excluded' };

export const EMPTY_SELECTOR: Selector = { hosts: [], services: [], hostgroups: [] };

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

interface CompiledSelector {
  hosts: RegExp[];
  services: RegExp[];
  hostgroups: RegExp[];
}

function compileSelector(s: Selector): CompiledSelector {
  return { hosts: s.hosts.map(globToRegExp), services: s.services.map(globToRegExp), hostgroups: s.hostgroups.map(globToRegExp) };
}

const matchesAny = (patterns: RegExp[], values: string[]): boolean => patterns.some((p) => values.some((v) => p.test(v)));

export function compileFilter(config: FilterConfig): (input: FilterInput) => FilterVerdict {
  const inc = compileSelector(config.include);
  const exc = compileSelector(config.exclude);
  return (input) => {
    if (config.skipSoft && input.stateType === 'SOFT') return { pass: false, reason: 'soft' };
    const services = [input.service, input.metricName];
    if (inc.hosts.length > 0 && !matchesAny(inc.hosts, [input.host])) return { pass: false, reason: 'not-included' };
    if (input.kind === 'service' && inc.services.length > 0 && !matchesAny(inc.services, services)) return { pass: false, reason: 'not-included' };
    if (inc.hostgroups.length > 0 && !matchesAny(inc.hostgroups, input.hostGroups)) return { pass: false, reason: 'not-included' };
    if (matchesAny(exc.hosts, [input.host])) return { pass: false, reason: 'excluded' };
    if (input.kind === 'service' && matchesAny(exc.services, services)) return { pass: false, reason: 'excluded' };
    if (matchesAny(exc.hostgroups, input.hostGroups)) return { pass: false, reason: 'excluded' };
    return { pass: true };
  };
}
