import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { allowedEdges, buildNetwork, loadRegistry, nextHops, parseRegistry, renderNetwork } from '../../topology/index.js';

const root = path.join(import.meta.dirname, '..', '..');
const example = loadRegistry(path.join(root, 'examples', 'registry.yaml'));
const minimal = fs.readFileSync(path.join(root, 'test', 'fixtures', 'registries', 'valid-minimal.yaml'), 'utf8');

test('hub-and-spoke: regional pairs send to the hub; the hub sends on only what an NGI consumer needs', (t) => {
  const net = buildNetwork(example);
  t.deepEqual(
    net.links.map((l) => [l.name, l.consumers]),
    [
      ['bridge.central.eu-north', ['ngi-uk']],
      ['bridge.eu-north.central', ['argo-central']],
      ['bridge.eu-south.central', ['argo-central', 'ngi-uk']],
    ],
  );
  t.is(net.messageTtl, 2);
  const fallback = net.routes.find((r) => r.site === 'UKI-LT2-QMUL' && r.consumer === 'ngi-uk' && r.kind === 'fallback')!;
  t.deepEqual(fallback.path, ['eu-south', 'central', 'eu-north']);
  const local = net.routes.find((r) => r.site === 'UKI-LT2-QMUL' && r.consumer === 'ngi-uk' && r.kind === 'primary')!;
  t.deepEqual(local.path, ['eu-north']);
  t.deepEqual(net.unreachable, []);
  t.deepEqual(net.readers.get('UKI-LT2-QMUL'), ['argo-central', 'ngi-uk']);
  t.deepEqual(net.readers.get('CERN-PROD'), ['argo-central']);
});

test('full mesh: every route is one hop, TTL 1', (t) => {
  const r = parseRegistry(minimal, 'min.yaml');
  const net = buildNetwork(r);
  t.is(net.allowed.length, 2);
  t.deepEqual(net.links.map((l) => `${l.from}>${l.to}`), ['pb>pa']);
  t.is(net.messageTtl, 1);
  t.true(net.routes.every((x) => x.path.length <= 2));
});

test('explicit links: a chain is routed hop by hop, forward-only links are respected', (t) => {
  const text = minimal
    .replace('topology: full-mesh', 'topology: explicit\n  links:\n    - { from: pb, to: pc }\n    - { from: pc, to: pa, direction: forward }')
    .replace('pairs:\n', 'pairs:\n  - { name: pc, brokers: [c1] }\n')
    .replace('brokers:\n', 'brokers:\n  - { name: c1, host: mq-c1.example.org, ports: { stomp: 61613, openwire: 61616 } }\n');
  const r = parseRegistry(text, 'chain.yaml');
  const net = buildNetwork(r);
  const qmul = net.routes.find((x) => x.site === 'UKI-LT2-QMUL' && x.kind === 'primary')!;
  t.deepEqual(qmul.path, ['pb', 'pc', 'pa']);
  t.is(net.messageTtl, 2);
  const edges = allowedEdges(r).map((e) => `${e.from}>${e.to}`);
  t.deepEqual(edges, ['pb>pc', 'pc>pa', 'pc>pb']);
  t.false(edges.includes('pa>pc'));
});

test('next hops form a tree towards the target, ties broken by name', (t) => {
  const edges = [
    { from: 'a', to: 'b' },
    { from: 'a', to: 'c' },
    { from: 'b', to: 'd' },
    { from: 'c', to: 'd' },
    { from: 'e', to: 'a' },
  ];
  const next = nextHops('d', edges);
  t.is(next.get('a'), 'b');
  t.is(next.get('e'), 'a');
  t.is(next.get('b'), 'd');
  t.false(next.has('d'));
});

test('show: text, DOT and Mermaid name every pair, broker, link and site', (t) => {
  const net = buildNetwork(example);
  const text = renderNetwork(example, net, 'text');
  t.regex(text, /Links \(one connector each, declared on the sending side\):\n {2}central -> eu-north {2}carries ngi-uk/);
  t.regex(text, /egee\.srce\.hr -> \/topic\/grid\.probe\.metricOutput\.EGI\.site\.egee_srce_hr/);
  const dot = renderNetwork(example, net, 'dot');
  t.regex(dot, /^digraph gridmsg \{/);
  t.regex(dot, /"broker:south-a" -> "broker:central-a" \[label="argo-central, ngi-uk"/);
  t.regex(dot, /"site:egee\.srce\.hr" -> "broker:south-a";/);
  t.is(dot.split('{').length, dot.split('}').length);
  const mermaid = renderNetwork(example, net, 'mermaid');
  t.regex(mermaid, /^flowchart LR\n/);
  t.regex(mermaid, /pair_eu_2d_south ==>\|"argo-central, ngi-uk"\| pair_central/);
  t.regex(mermaid, /site_egee_2e_srce_2e_hr\(\["egee\.srce\.hr"\]\) --> pair_eu_2d_south/);
  for (const b of example.brokers) {
    t.true(text.includes(b.name) && dot.includes(b.name) && mermaid.includes(b.name), b.name);
  }
  t.snapshot(mermaid, 'mermaid of the example registry');
});
