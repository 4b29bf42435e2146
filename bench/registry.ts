/**
 * Validate and generate a registry of 1,000 sites and 40 brokers (20 failover
 * pairs: 19 regional + 1 central hub, a central consumer and one NGI consumer
 * per regional pair). Prints the time of each step. Goal: under 2 s in all.
 *
 *   npx tsx bench/registry.ts [sites] [pairs]
 */
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { generateBrokerNetwork } from '../broker-config/index.js';
import { buildNetwork, checkRegistryText, describeProblem } from '../topology/index.js';

const SITES = Number(process.argv[2] ?? 1000);
const PAIRS = Number(process.argv[3] ?? 20);

function bigRegistry(sites: number, pairs: number): string {
  const tenants = ['EGI', 'WLCG', 'EOSC', 'ELIXIR'];
  const brokers: unknown[] = [];
  const pairList: unknown[] = [];
  for (let p = 0; p < pairs; p++) {
    const name = p === 0 ? 'central' : `region-${String(p).padStart(2, '0')}`;
    const members = ['a', 'b'].map((x) => `${name}-${x}`);
    members.forEach((m, i) => brokers.push({ name: m, host: `mq${i + 1}.${name}.grid.example.org`, ports: { stomp: 61613, stompSsl: 61614, openwire: 61616 } }));
    pairList.push({ name, brokers: members, store: `/srv/shared/gridmsg/${name}/kahadb` });
  }
  const siteList = Array.from({ length: sites }, (_, i) => {
    const region = 1 + (i % (pairs - 1));
    const fallback = 1 + ((i + 1) % (pairs - 1));
    const name = i % 3 === 0 ? `site${i}.grid.example.org` : `SITE-${String(i).padStart(4, '0')}-LCG2`;
    return {
      name,
      tenant: tenants[i % tenants.length],
      ngi: `NGI_${String(region).padStart(2, '0')}`,
      pair: `region-${String(region).padStart(2, '0')}`,
      fallback: fallback === region ? ['central'] : [`region-${String(fallback).padStart(2, '0')}`, 'central'],
      nagiosHost: `nagios.site${i}.example.org`,
      hosts: [`*.site${i}.example.org`],
      credentials: { passwordFile: `/etc/gridmsg/secrets/sites/${name}.password` },
    };
  });
  const consumers = [
    { name: 'argo-central', pair: 'central', reads: 'all', credentials: { passwordEnv: 'ARGO_PW' } },
    ...Array.from({ length: pairs - 1 }, (_, i) => {
      const r = String(i + 1).padStart(2, '0');
      return { name: `ngi-${r}`, pair: `region-${r}`, reads: { ngis: [`NGI_${r}`] }, credentials: { passwordEnv: `NGI_${r}_PW` } };
    }),
  ];
  return stringify({
    version: 1,
    network: { topology: 'hub-and-spoke', hub: 'central', credentials: { passwordFile: '/etc/gridmsg/secrets/network.password' } },
    brokers,
    pairs: pairList,
    sites: siteList,
    consumers,
  });
}

const text = bigRegistry(SITES, PAIRS);
if (process.env["BENCH_DUMP"]) (await import("node:fs")).writeFileSync(process.env["BENCH_DUMP"], text);
const t0 = performance.now();
const result = checkRegistryText(text, 'bench-registry.yaml', '/etc/gridmsg');
const t1 = performance.now();
if (!result.registry) {
  console.error(result.problems.slice(0, 10).map(describeProblem).join('\n'));
  process.exit(1);
}
const network = buildNetwork(result.registry);
const t2 = performance.now();
const { files } = generateBrokerNetwork(result.registry);
const t3 = performance.now();

const bytes = files.reduce((n, f) => n + f.content.length, 0);
const ms = (x: number): string => `${x.toFixed(0)} ms`;
console.log(`registry: ${SITES} sites, ${PAIRS * 2} brokers in ${PAIRS} pairs, ${result.registry.consumers.length} consumers (${(text.length / 1024).toFixed(0)} KiB of YAML)`);
console.log(`  parse + schema + semantic checks  ${ms(t1 - t0)}`);
console.log(`  network model (${network.routes.length} routes, ${network.links.length} links)  ${ms(t2 - t1)}`);
console.log(`  generate ${files.length} files (${(bytes / 1024 / 1024).toFixed(1)} MiB)  ${ms(t3 - t2)}`);
console.log(`  total  ${ms(t3 - t0)}  (goal < 2000 ms)`);
