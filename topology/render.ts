/**
 * The network as text, Graphviz DOT or Mermaid: pairs (with their brokers),
 * the links routes use (one arrow per direction, labelled with the consumers
 * whose queues cross it), and which sites attach where. Pure.
 */
import { siteTopic } from './naming.js';
import type { NetworkModel } from './network.js';
import { formatSize } from './sizes.js';
import type { Registry } from './types.js';

export type ShowFormat = 'text' | 'dot' | 'mermaid';

const dotId = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
const mermaidId = (kind: string, s: string): string => `${kind}_${s.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
const mermaidLabel = (s: string): string => s.replaceAll('"', '#quot;');

export function renderText(registry: Registry, net: NetworkModel): string {
  const lines: string[] = [];
  const brokers = new Map(registry.brokers.map((b) => [b.name, b]));
  lines.push(
    `Registry ${registry.file}: ${registry.brokers.length} brokers in ${registry.pairs.length} pairs, ${registry.sites.length} sites, ${registry.consumers.length} consumers.`,
  );
  lines.push(`Network: ${registry.network.topology}${registry.network.hub ? ` (hub ${registry.network.hub})` : ''}, networkTTL ${net.messageTtl}.`);
  lines.push(`Destinations: ${registry.naming.pattern.replaceAll('{prefix}', registry.naming.prefix)}`);
  lines.push('');
  lines.push('Pairs:');
  for (const p of net.pairs) {
    lines.push(`  ${p.name}`);
    for (const [i, name] of p.brokers.entries()) {
      const b = brokers.get(name);
      if (!b) continue;
      const ports = [
        b.tls && b.ports.stompSsl !== undefined ? `stomp+ssl ${b.ports.stompSsl}` : undefined,
        b.tls && b.ports.openwireSsl !== undefined ? `ssl ${b.ports.openwireSsl}` : undefined,
        b.ports.stomp !== undefined ? `plain stomp ${b.ports.stomp}` : undefined,
        b.ports.openwire !== undefined ? `plain openwire ${b.ports.openwire}` : undefined,
      ]
        .filter((x) => x !== undefined)
        .join(', ');
      lines.push(`    ${i === 0 ? 'first ' : 'second'} ${b.name} at ${b.host} (${ports}; heap ${formatSize(b.limits.heapBytes)}, memory ${formatSize(b.limits.memoryBytes)}, store ${formatSize(b.limits.storeBytes)})`);
    }
    if (p.brokers[0]) lines.push(`    store ${brokers.get(p.brokers[0])?.store ?? '?'}`);
    if (p.sites.length > 0) lines.push(`    sites: ${p.sites.join(', ')}`);
    if (p.fallbackSites.length > 0) lines.push(`    fallback for: ${p.fallbackSites.join(', ')}`);
    if (p.consumers.length > 0) lines.push(`    consumers: ${p.consumers.join(', ')}`);
  }
  lines.push('');
  lines.push('Links (one connector each, declared on the sending side):');
  if (net.links.length === 0) lines.push('  none: every consumer is on the pair its sites publish to');
  for (const l of net.links) lines.push(`  ${l.from} -> ${l.to}  carries ${l.consumers.join(', ')}`);
  lines.push('');
  lines.push('Consumers:');
  for (const c of registry.consumers) {
    const sites = [...net.readers.entries()].filter(([, cs]) => cs.includes(c.name)).map(([s]) => s);
    lines.push(`  ${c.name} on ${c.pair}: ${sites.length} site${sites.length === 1 ? '' : 's'} (${sites.join(', ')})`);
  }
  lines.push('');
  lines.push('Sites:');
  for (const s of registry.sites) {
    const routes = net.routes.filter((r) => r.site === s.name && r.kind === 'primary');
    const via = routes.map((r) => `${r.consumer} via ${r.path.join(' > ')}`).join('; ');
    lines.push(`  ${s.name} -> /topic/${siteTopic(registry.naming, s)}`);
    lines.push(`    pair ${s.pair}${s.fallback.length > 0 ? `, fallback ${s.fallback.join(', ')}` : ''}; ${via || 'read by no consumer'}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderDot(registry: Registry, net: NetworkModel): string {
  const out: string[] = ['digraph gridmsg {', '  rankdir=LR;', '  compound=true;', '  node [fontname="Helvetica"];'];
  for (const p of net.pairs) {
    out.push(`  subgraph ${dotId(`cluster_${p.name}`)} {`);
    out.push(`    label=${dotId(`pair ${p.name}`)};`);
    out.push(`    ${dotId(`pair:${p.name}`)} [shape=point, style=invis];`);
    for (const b of p.brokers) {
      const br = registry.brokers.find((x) => x.name === b);
      out.push(`    ${dotId(`broker:${b}`)} [shape=box, label=${dotId(`${b}\n${br?.host ?? ''}`)}];`);
    }
    for (const c of p.consumers) out.push(`    ${dotId(`consumer:${c}`)} [shape=doubleoctagon, label=${dotId(c)}];`);
    out.push('  }');
  }
  const anchor = (pair: string): string => {
    const first = net.pairs.find((p) => p.name === pair)?.brokers[0];
    return dotId(first ? `broker:${first}` : `pair:${pair}`);
  };
  for (const l of net.links) {
    out.push(`  ${anchor(l.from)} -> ${anchor(l.to)} [label=${dotId(l.consumers.join(', '))}, penwidth=2, ltail=${dotId(`cluster_${l.from}`)}, lhead=${dotId(`cluster_${l.to}`)}];`);
  }
  for (const s of registry.sites) {
    out.push(`  ${dotId(`site:${s.name}`)} [shape=ellipse, label=${dotId(s.name)}];`);
    out.push(`  ${dotId(`site:${s.name}`)} -> ${anchor(s.pair)};`);
    for (const f of s.fallback) out.push(`  ${dotId(`site:${s.name}`)} -> ${anchor(f)} [style=dashed, color=gray];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

export function renderMermaid(registry: Registry, net: NetworkModel): string {
  const out: string[] = ['flowchart LR'];
  for (const p of net.pairs) {
    out.push(`  subgraph ${mermaidId('pair', p.name)}["pair ${mermaidLabel(p.name)}"]`);
    for (const b of p.brokers) {
      const br = registry.brokers.find((x) => x.name === b);
      out.push(`    ${mermaidId('broker', b)}["${mermaidLabel(b)}<br/>${mermaidLabel(br?.host ?? '')}"]`);
    }
    for (const c of p.consumers) out.push(`    ${mermaidId('consumer', c)}{{"${mermaidLabel(c)}"}}`);
    out.push('  end');
  }
  for (const l of net.links) {
    out.push(`  ${mermaidId('pair', l.from)} ==>|"${mermaidLabel(l.consumers.join(', '))}"| ${mermaidId('pair', l.to)}`);
  }
  for (const s of registry.sites) {
    out.push(`  ${mermaidId('site', s.name)}(["${mermaidLabel(s.name)}"]) --> ${mermaidId('pair', s.pair)}`);
    for (const f of s.fallback) out.push(`  ${mermaidId('site', s.name)} -.-> ${mermaidId('pair', f)}`);
  }
  return `${out.join('\n')}\n`;
}

export function renderNetwork(registry: Registry, net: NetworkModel, format: ShowFormat): string {
  return format === 'dot' ? renderDot(registry, net) : format === 'mermaid' ? renderMermaid(registry, net) : renderText(registry, net);
}
