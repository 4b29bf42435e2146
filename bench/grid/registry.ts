/**
 * The scale rehearsal's registry (pure): SITES sites spread round-robin over
 * REGIONS regional failover pairs, each site falling back to the next region,
 * a central hub pair and one consumer on it that reads everything. Plain STOMP
 * with passwords (dev up generates them): the rehearsal measures the bus, not
 * TLS handshakes.
 */
import { stringify } from 'yaml';

export const CONSUMER = 'argo-central';

export function siteName(i: number): string {
  return `SITE-${String(i).padStart(4, '0')}`;
}

/** The one host each bench site reports on. */
export function siteHost(i: number): string {
  return `ce.site${i}.example.org`;
}

export function regionOf(i: number, regions: number): string {
  return `region-${(i % regions) + 1}`;
}

/** `messageBytes`: the expected message size (network.messageSize), which sizes the prefetches (topology/flow-sizing.ts). */
export function gridRegistryYaml(sites: number, regions: number, messageBytes?: number): string {
  const brokers: unknown[] = [];
  const pairs: unknown[] = [];
  for (const name of ['central', ...Array.from({ length: regions }, (_, r) => `region-${r + 1}`)]) {
    const members = ['a', 'b'].map((x) => `${name}-${x}`);
    members.forEach((m, i) => brokers.push({ name: m, host: `mq${i + 1}.${name}.grid.example.org`, ports: { stomp: 61613, openwire: 61616 } }));
    pairs.push({ name, brokers: members, store: `/srv/shared/gridmsg/${name}/kahadb` });
  }
  const siteList = Array.from({ length: sites }, (_, i) => ({
    name: siteName(i),
    pair: regionOf(i, regions),
    ...(regions > 1 ? { fallback: [regionOf(i + 1, regions)] } : {}),
    nagiosHost: `nagios.site${i}.example.org`,
    hosts: [`*.site${i}.example.org`],
    credentials: { passwordFile: `secrets/${siteName(i)}.password` },
  }));
  return stringify({
    version: 1,
    defaults: { tenant: 'EGI', role: 'site' },
    network: {
      topology: 'hub-and-spoke',
      hub: 'central',
      credentials: { username: 'gridmsg-network', passwordFile: 'secrets/network.password' },
      ...(messageBytes === undefined ? {} : { messageSize: messageBytes }),
    },
    brokers,
    pairs,
    sites: siteList,
    consumers: [{ name: CONSUMER, pair: 'central', reads: 'all', credentials: { username: CONSUMER, passwordFile: 'secrets/argo.password' } }],
  });
}
