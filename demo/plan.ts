/**
 * What the demo runs, decided from the registry alone (pure): which consumer
 * the central Nagios stands for, which sites get a site Nagios, the hosts
 * their checks are about (inside the hosts the registry lets each site report
 * on, or the central bridge would refuse them) and the route their results
 * take through the network.
 */
import { hostMatcher } from '../bridges/msg-to-nagios/site-policy.js';
import { ConfigError } from '../core/errors.js';
import type { NetworkModel, Registry, Site } from '../topology/index.js';
import { DEMO_CHECKS, type CheckState } from './checks.js';

export interface PlannedCheck {
  site: string;
  host: string;
  service: string;
  state: CheckState;
  text: string;
  perfdata: string;
}

export interface DemoSite {
  name: string;
  tenant: string;
  role: string;
  pair: string;
  /** Pairs the results cross to reach the consumer, the site's pair first. */
  route: string[];
  /** Host patterns from the registry (absent: any host). */
  hostPatterns: string[] | undefined;
  hosts: string[];
  checks: PlannedCheck[];
}

export interface DemoPlan {
  consumer: string;
  consumerPair: string;
  sites: DemoSite[];
  /** Sites the consumer reads that have no Nagios in the demo. */
  silentSites: string[];
}

export interface PlanRequest {
  consumer?: string;
  /** Site names; default: up to `siteCount` sites on distinct pairs, away from the consumer's pair first. */
  sites?: string[];
  siteCount?: number;
}

/** A host name inside a registry host pattern: `*.cern.ch` with `ce01` gives `ce01.cern.ch`. */
export function hostInPattern(pattern: string, label: string): string {
  let first = true;
  const host = [...pattern]
    .map((ch) => {
      if (ch === '*') {
        const r = first ? label : 'x';
        first = false;
        return r;
      }
      return ch === '?' ? 'x' : ch;
    })
    .join('');
  return host.toLowerCase();
}

function siteHosts(site: Site): string[] {
  const fallback = (label: string): string => `${label}.${site.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.example.org`;
  const patterns = site.hosts;
  const labels = ['ce01', 'se01'];
  if (patterns === undefined || patterns.length === 0) return labels.map(fallback);
  const allowed = hostMatcher(patterns);
  const hosts = labels.map((label) => hostInPattern(patterns[0]!, label));
  if (!hosts.every(allowed)) throw new ConfigError(`cannot make a host name inside the host patterns of site ${site.name} (${patterns.join(', ')})`, { path: 'sites' });
  return [...new Set(hosts)];
}

function pickConsumer(registry: Registry, net: NetworkModel, wanted: string | undefined): string {
  if (registry.consumers.length === 0) throw new ConfigError('the registry has no consumer: nothing would receive the results', { file: registry.file, path: 'consumers' });
  if (wanted !== undefined) {
    if (!registry.consumers.some((c) => c.name === wanted)) {
      throw new ConfigError(`no consumer "${wanted}" in the registry (consumers: ${registry.consumers.map((c) => c.name).join(', ')})`, { file: registry.file, path: 'consumers' });
    }
    return wanted;
  }
  const readCount = (name: string): number => [...net.readers.values()].filter((cs) => cs.includes(name)).length;
  return registry.consumers.reduce((best, c) => (readCount(c.name) > readCount(best) ? c.name : best), registry.consumers[0]!.name);
}

function pickSites(registry: Registry, readable: Site[], consumerPair: string, request: PlanRequest): Site[] {
  if (request.sites !== undefined && request.sites.length > 0) {
    return request.sites.map((name) => {
      const site = readable.find((s) => s.name === name);
      if (site) return site;
      const exists = registry.sites.some((s) => s.name === name);
      throw new ConfigError(exists ? `site "${name}" is not read by the demo's consumer` : `no site "${name}" in the registry`, { file: registry.file, path: 'sites' });
    });
  }
  const count = request.siteCount ?? 2;
  const chosen: Site[] = [];
  const usedPairs = new Set<string>();
  // One site per pair, pairs away from the consumer first (their results cross the network).
  const ordered = [...readable.filter((s) => s.pair !== consumerPair), ...readable.filter((s) => s.pair === consumerPair)];
  for (const s of ordered) {
    if (chosen.length >= count) break;
    if (usedPairs.has(s.pair)) continue;
    usedPairs.add(s.pair);
    chosen.push(s);
  }
  for (const s of ordered) {
    if (chosen.length >= count) break;
    if (!chosen.includes(s)) chosen.push(s);
  }
  return chosen;
}

export function planDemo(registry: Registry, net: NetworkModel, request: PlanRequest = {}): DemoPlan {
  const consumer = pickConsumer(registry, net, request.consumer);
  const consumerPair = registry.consumers.find((c) => c.name === consumer)!.pair;
  const readable = registry.sites.filter((s) => (net.readers.get(s.name) ?? []).includes(consumer));
  if (readable.length === 0) throw new ConfigError(`consumer ${consumer} reads no site`, { file: registry.file, path: 'consumers' });
  const chosen = pickSites(registry, readable, consumerPair, request);
  const sites = chosen.map((s): DemoSite => {
    const hosts = siteHosts(s);
    const route = net.routes.find((r) => r.site === s.name && r.consumer === consumer && r.kind === 'primary')?.path ?? [s.pair];
    const checks = DEMO_CHECKS.map((c) => ({
      site: s.name,
      host: c.host === 'ce' ? hosts[0]! : (hosts[1] ?? hosts[0]!),
      service: c.service,
      state: c.state,
      text: c.text,
      perfdata: c.perfdata,
    }));
    return { name: s.name, tenant: s.tenant, role: s.role, pair: s.pair, route, hostPatterns: s.hosts, hosts, checks };
  });
  return { consumer, consumerPair, sites, silentSites: readable.filter((s) => !chosen.includes(s)).map((s) => s.name) };
}
