import test from 'ava';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import {
  buildNetwork,
  checkRegistryText,
  consumerPrefetch,
  DESTINATION_PREFETCH_SHARE,
  INBOUND_MEMORY_SHARE,
  inboundPrefetch,
  loadRegistry,
  networkPrefetch,
  MAX_CONSUMER_PREFETCH,
  MAX_NETWORK_PREFETCH,
  pairFlows,
  parseRegistry,
  PREFETCH_MEMORY_SHARE,
  sizePrefetch,
} from '../../topology/index.js';

/**
 * Prefetch sizing (topology/flow-sizing.ts): what network bridges and
 * consumers may hold in flight fits the brokers' memory limits, and
 * `registry check` says where it cannot.
 */

const MB = 1024 ** 2;
const KB = 1024;
const ROOT = path.join(import.meta.dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'registry.yaml');
const DEV = path.join(ROOT, 'test', 'fixtures', 'registries', 'valid-dev.yaml');

test('sizePrefetch: the broker memory share divided among its subscriptions', (t) => {
  // 128 MB memory, half for prefetch, 125 queues of 40 KB messages: 13 each.
  const s = sizePrefetch({ memoryBytes: 128 * MB, destinationMemoryBytes: 16 * MB, messageBytes: 40 * KB, subscriptions: 125, max: MAX_NETWORK_PREFETCH });
  t.is(s.prefetch, 13);
  t.is(s.limitedBy, 'memory');
  t.true(s.fits);
  t.true(s.prefetch * 125 * 40 * KB <= 128 * MB * PREFETCH_MEMORY_SHARE);
});

test('sizePrefetch: one destination never holds more than its share; small messages keep the old maximum', (t) => {
  const byDest = sizePrefetch({ memoryBytes: 1024 * MB, destinationMemoryBytes: 16 * MB, messageBytes: 256 * KB, subscriptions: 1, max: MAX_NETWORK_PREFETCH });
  t.is(byDest.prefetch, 32); // 8 MB / 256 KB
  t.is(byDest.limitedBy, 'destination');
  const small = sizePrefetch({ memoryBytes: 256 * MB, destinationMemoryBytes: 16 * MB, messageBytes: 1 * KB, subscriptions: 10, max: MAX_NETWORK_PREFETCH });
  t.deepEqual([small.prefetch, small.limitedBy], [MAX_NETWORK_PREFETCH, 'max']);
  const consumer = sizePrefetch({ memoryBytes: 256 * MB, destinationMemoryBytes: 16 * MB, messageBytes: 1 * KB, subscriptions: 10, max: MAX_CONSUMER_PREFETCH });
  t.is(consumer.prefetch, MAX_CONSUMER_PREFETCH);
});

test('sizePrefetch: when not even one message per subscription fits, prefetch 1 and fits false, with the memory that would be needed', (t) => {
  const s = sizePrefetch({ memoryBytes: 64 * MB, destinationMemoryBytes: 16 * MB, messageBytes: 256 * KB, subscriptions: 1000, max: MAX_NETWORK_PREFETCH });
  t.is(s.prefetch, 1);
  t.false(s.fits);
  t.is(s.memoryNeededBytes, (1000 * 256 * KB) / PREFETCH_MEMORY_SHARE);
});

test('sizePrefetch (property): within [1, max]; when it fits, all subscriptions together stay within the memory share and one within its destination share', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4096 }).map((n) => n * MB),
      fc.integer({ min: 1, max: 64 }).map((n) => n * MB),
      fc.integer({ min: 100, max: 4 * MB }),
      fc.integer({ min: 0, max: 5000 }),
      fc.constantFrom(MAX_NETWORK_PREFETCH, MAX_CONSUMER_PREFETCH),
      (memoryBytes, destinationMemoryBytes, messageBytes, subscriptions, max) => {
        const s = sizePrefetch({ memoryBytes, destinationMemoryBytes, messageBytes, subscriptions, max });
        if (!(s.prefetch >= 1 && s.prefetch <= max && Number.isInteger(s.prefetch))) return false;
        if (!s.fits) return s.prefetch === 1;
        return (
          s.prefetch * Math.max(1, subscriptions) * messageBytes <= memoryBytes * PREFETCH_MEMORY_SHARE &&
          s.prefetch * messageBytes <= destinationMemoryBytes * DESTINATION_PREFETCH_SHARE
        );
      },
    ),
  );
  t.pass();
});

test('pairFlows on the example: each connector carries one queue per (site, consumer) route crossing it; consumers one per site they read', (t) => {
  const registry = loadRegistry(EXAMPLE);
  const network = buildNetwork(registry);
  const flows = pairFlows(registry, network);
  for (const link of network.links) {
    const crossing = new Set(
      network.routes.filter((r) => r.path.some((p, i) => p === link.from && r.path[i + 1] === link.to)).map((r) => `${r.consumer}/${r.site}`),
    );
    t.is(flows.get(link.from)!.linkQueues.get(link.name), crossing.size, link.name);
    t.is(flows.get(link.from)!.linkQueueNames.get(link.name)!.length, crossing.size);
    t.true(flows.get(link.from)!.linkQueueNames.get(link.name)!.every((q) => q.startsWith('Consumer.') && !q.includes('>') && !q.includes('*')));
  }
  for (const c of registry.consumers) {
    const reads = registry.sites.filter((s) => network.readers.get(s.name)?.includes(c.name)).length;
    t.is(flows.get(c.pair)!.consumerQueues.get(c.name), reads, c.name);
  }
  for (const f of flows.values()) {
    t.is(f.subscriptions, [...f.linkQueues.values(), ...f.consumerQueues.values()].reduce((a, b) => a + b, 0));
  }
  // The example's consumers: sized below the old fixed 100 only where memory demands it.
  const argo = registry.consumers.find((c) => c.name === 'argo-central')!;
  const p = consumerPrefetch(registry, flows, argo);
  t.true(p.prefetch >= 1 && p.prefetch <= MAX_CONSUMER_PREFETCH);
});

test('network prefetch: also bounded by what the receiving pair can take in from all bridges arriving there', (t) => {
  const registry = loadRegistry(EXAMPLE);
  const network = buildNetwork(registry);
  const flows = pairFlows(registry, network);
  const central = flows.get('central')!;
  const intoCentral = network.links.filter((l) => l.to === 'central').reduce((n, l) => n + flows.get(l.from)!.linkQueues.get(l.name)!, 0);
  t.is(central.inboundQueues, intoCentral);
  const memory = Math.min(...registry.brokers.filter((b) => b.name.startsWith('central')).map((b) => b.limits.memoryBytes));
  const inbound = inboundPrefetch(registry, flows, 'central');
  t.is(inbound.prefetch, Math.floor((memory * INBOUND_MEMORY_SHARE) / (intoCentral * registry.network.messageBytes)));
  // Everything all bridges may have in flight towards central fits its inbound share.
  t.true(inbound.prefetch * intoCentral * registry.network.messageBytes <= memory * INBOUND_MEMORY_SHARE);
  for (const link of network.links.filter((l) => l.to === 'central')) {
    const sender = registry.brokers.find((b) => b.name === registry.pairs.find((p) => p.name === link.from)!.brokers[0])!;
    const p = networkPrefetch(registry, sender, flows, link.from, 'central');
    t.true(p.prefetch <= inbound.prefetch, link.name);
  }
});

test('network.messageSize: default 64 kb; a broker memory limit follows half its heap unless set', (t) => {
  const base = fs.readFileSync(DEV, 'utf8');
  const r = parseRegistry(base, 'dev.yaml', '/tmp');
  t.is(r.network.messageBytes, 64 * KB);
  t.is(r.brokers[0]!.limits.memoryBytes, 96 * MB, 'set in defaults.limits: kept');
  const noMemory = parseRegistry(base.replace('limits: { heap: 256 mb, memory: 96 mb, destinationMemory: 8 mb }', 'limits: { heap: 2 gb }'), 'dev.yaml', '/tmp');
  t.is(noMemory.brokers[0]!.limits.memoryBytes, 1024 * MB, 'half of a 2 gb heap');
  const sized = parseRegistry(base.replace('  hub: central\n', '  hub: central\n  messageSize: 40 kb\n'), 'dev.yaml', '/tmp');
  t.is(sized.network.messageBytes, 40 * KB);
});

test('registry check: the example has no sizing warning; messages that cannot fit are warned about at the limit that is too small', (t) => {
  const example = checkRegistryText(fs.readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
  t.true(example.ok);
  t.false(example.problems.some((p) => /prefetch|messageSize/.test(p.message)), example.problems.map((p) => p.message).join('\n'));

  const base = fs.readFileSync(DEV, 'utf8');
  // 6 MB messages: more than half a 8 mb destination, and more than the 1 mb maxFrameSize.
  const big = checkRegistryText(base.replace('  hub: central\n', '  hub: central\n  messageSize: 6 mb\n'), 'dev.yaml', '/tmp');
  t.true(big.ok, 'warnings only');
  const frame = big.problems.find((p) => /exceeds maxFrameSize/.test(p.message));
  t.truthy(frame);
  t.is(frame?.severity, 'warning');
  t.is(frame?.path, 'network.messageSize');
  t.is(frame?.line, 11);
  const dest = big.problems.find((p) => /destinationMemory 8 mb holds fewer than 2 messages/.test(p.message));
  t.truthy(dest, big.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  t.is(dest?.path, 'defaults.limits.destinationMemory');
  t.is(dest?.line, 7);
  t.regex(dest!.message, /brokers "central-a", "central-b", "region-a"/);

  // 512 kb messages fit one destination, but not 3,000 subscriptions in a 96 mb memory limit.
  const sites = Array.from({ length: 1500 }, (_, i) => `  - { name: S${i}, pair: region, credentials: { passwordEnv: DEV_S_PW } }`).join('\n');
  const many = checkRegistryText(
    base.replace('  hub: central\n', '  hub: central\n  messageSize: 512 kb\n').replace('consumers:', `${sites}\nconsumers:`),
    'dev.yaml',
    '/tmp',
  );
  const memory = many.problems.find((p) => /queue subscriptions/.test(p.message));
  t.truthy(memory, many.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  t.is(memory?.severity, 'warning');
  t.is(memory?.path, 'defaults.limits.memory');
  t.regex(memory!.message, /need a memory limit of at least .*it is 96 mb/);
});
