/**
 * The network picture as SVG, without Graphviz (pure): each failover pair is
 * a box with its brokers and consumers, the sites attached to it are listed
 * under it, and every network connector is an arrow labelled with the
 * consumers whose queues it carries. Hub-and-spoke networks put the hub in
 * the middle; other topologies place the pairs on a circle. Sites and links
 * the demo uses are highlighted.
 */
import path from 'node:path';
import type { NetworkModel, Registry } from '../topology/index.js';

export interface SvgHighlights {
  sites?: string[];
  consumer?: string;
}

interface Block {
  pair: string;
  /** Centre of the pair box. */
  x: number;
  y: number;
  boxW: number;
  boxH: number;
  listH: number;
  /** The site list goes above the box (pairs above the centre: their links leave downwards). */
  listAbove: boolean;
}

const BOX_W = 300;
const HEADER = 30;
const BROKER_LINE = 34;
const CONSUMER_LINE = 26;
const SITE_LINE = 22;
const MAX_SITES_LISTED = 12;
const COLORS = { pair: '#eef3fb', pairStroke: '#4a6fa5', link: '#7a8699', linkUsed: '#d9480f', site: '#ffffff', siteUsed: '#ffe8cc', consumer: '#e6f4ea', text: '#1f2933', muted: '#5f6b7a' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function boxHeight(brokers: number, consumers: number): number {
  return HEADER + brokers * BROKER_LINE + consumers * CONSUMER_LINE + 10;
}

function listHeight(sites: number): number {
  const shown = Math.min(sites, MAX_SITES_LISTED) + (sites > MAX_SITES_LISTED ? 1 : 0);
  return shown === 0 ? 0 : 16 + shown * SITE_LINE;
}

/** Where the segment from the box centre towards (tx, ty) leaves the box. */
function boxExit(b: Block, tx: number, ty: number): [number, number] {
  const dx = tx - b.x;
  const dy = ty - b.y;
  if (dx === 0 && dy === 0) return [b.x, b.y];
  const sx = dx === 0 ? Infinity : b.boxW / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : b.boxH / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [b.x + dx * s, b.y + dy * s];
}

function layout(registry: Registry, net: NetworkModel): Block[] {
  const blocks: Block[] = net.pairs.map((p) => ({ pair: p.name, x: 0, y: 0, boxW: BOX_W, boxH: boxHeight(p.brokers.length, p.consumers.length), listH: listHeight(p.sites.length), listAbove: false }));
  const hub = registry.network.topology === 'hub-and-spoke' ? blocks.find((b) => b.pair === registry.network.hub) : undefined;
  const ring = blocks.filter((b) => b !== hub);
  const tallest = Math.max(...blocks.map((b) => b.boxH + b.listH));
  const n = ring.length;
  const spread = n <= 1 ? 1 : 2 * Math.sin(Math.PI / n);
  let radius = Math.max((BOX_W + 140) / spread, (tallest + 80) / spread, 220);
  if (hub) radius = Math.max(radius, BOX_W + 170, (hub.boxH + hub.listH + tallest) / 2 + 60);
  // Start on the left and go round; with two pairs they sit left and right.
  ring.forEach((b, i) => {
    const angle = Math.PI + (2 * Math.PI * i) / Math.max(n, 1);
    b.x = Math.round(radius * Math.cos(angle));
    b.y = Math.round(radius * Math.sin(angle));
    b.listAbove = b.y < 0;
  });
  return blocks;
}

export function renderNetworkSvg(registry: Registry, net: NetworkModel, highlights: SvgHighlights = {}): string {
  const blocks = layout(registry, net);
  const byPair = new Map(blocks.map((b) => [b.pair, b]));
  const demoSites = new Set(highlights.sites ?? []);
  const usedLinks = new Set<string>();
  for (const r of net.routes) {
    if (!demoSites.has(r.site) || r.kind !== 'primary' || (highlights.consumer !== undefined && r.consumer !== highlights.consumer)) continue;
    for (let i = 0; i + 1 < r.path.length; i++) usedLinks.add(`${r.path[i]}>${r.path[i + 1]}`);
  }

  const minX = Math.min(...blocks.map((b) => b.x - b.boxW / 2)) - 60;
  const maxX = Math.max(...blocks.map((b) => b.x + b.boxW / 2)) + 60;
  const minY = Math.min(...blocks.map((b) => b.y - b.boxH / 2 - (b.listAbove ? b.listH + 12 : 0))) - 70;
  const maxY = Math.max(...blocks.map((b) => b.y + b.boxH / 2 + (b.listAbove ? 0 : b.listH + 12))) + 80;
  const width = Math.ceil(maxX - minX);
  const height = Math.ceil(maxY - minY);
  const X = (x: number): number => Math.round(x - minX);
  const Y = (y: number): number => Math.round(y - minY);
  const out: string[] = [];
  const text = (x: number, y: number, s: string, attrs = ''): void => void out.push(`<text x="${x}" y="${y}"${attrs ? ` ${attrs}` : ''}>${escapeXml(s)}</text>`);

  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="${COLORS.text}">`);
  out.push(`<defs>`);
  for (const [id, color] of [['arrow', COLORS.link], ['arrow-used', COLORS.linkUsed]] as const) {
    out.push(`<marker id="${id}" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`);
  }
  out.push(`</defs>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  const topo = `${registry.network.topology}${registry.network.hub ? ` (hub ${registry.network.hub})` : ''}`;
  text(20, 28, `gridmsg network of ${path.basename(registry.file)}: ${registry.brokers.length} brokers in ${registry.pairs.length} pairs, ${registry.sites.length} site${registry.sites.length === 1 ? '' : 's'}, ${registry.consumers.length} consumer${registry.consumers.length === 1 ? '' : 's'}, ${topo}`, 'font-size="15" font-weight="bold"');

  // Links first, so boxes are drawn over their ends.
  const linkSet = new Set(net.links.map((l) => `${l.from}>${l.to}`));
  for (const l of net.links) {
    const a = byPair.get(l.from);
    const b = byPair.get(l.to);
    if (!a || !b) continue;
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const both = linkSet.has(`${l.to}>${l.from}`);
    // Two directions of one pair of pairs run side by side.
    const off = both ? 8 : 0;
    const nx = (-(b.y - a.y) / len) * off;
    const ny = ((b.x - a.x) / len) * off;
    const [x1, y1] = boxExit(a, b.x + nx, b.y + ny);
    const [x2, y2] = boxExit(b, a.x + nx, a.y + ny);
    const used = usedLinks.has(`${l.from}>${l.to}`);
    const color = used ? COLORS.linkUsed : COLORS.link;
    out.push(
      `<line class="link" data-link="${escapeXml(l.name)}" x1="${X(x1 + nx)}" y1="${Y(y1 + ny)}" x2="${X(x2 + nx)}" y2="${Y(y2 + ny)}" stroke="${color}" stroke-width="${used ? 3 : 2}" marker-end="url(#${used ? 'arrow-used' : 'arrow'})"/>`,
    );
    // The label sits beside its own line, on the side away from the reverse direction's line.
    const ux = both ? nx / off : (b.y - a.y) / len;
    const uy = both ? ny / off : -(b.x - a.x) / len;
    const side = both ? 1 : uy > 0 ? -1 : 1;
    const ox = ux * side;
    const oy = uy * side;
    const mx = (x1 + x2) / 2 + nx + ox * 10;
    const my = (y1 + y2) / 2 + ny + oy * 14 + (oy > 0.5 ? 8 : oy < -0.5 ? -2 : 4);
    // Beside a steep line the label starts (or ends) next to it rather than being centred on it.
    const anchor = Math.abs(ox) > Math.abs(oy) ? (ox > 0 ? 'start' : 'end') : 'middle';
    text(X(mx), Y(my), l.consumers.join(', '), `text-anchor="${anchor}" font-size="11" fill="${color}" stroke="#ffffff" stroke-width="3" paint-order="stroke"`);
  }

  for (const p of net.pairs) {
    const b = byPair.get(p.name)!;
    const left = X(b.x - b.boxW / 2);
    const top = Y(b.y - b.boxH / 2);
    out.push(`<g class="pair" data-pair="${escapeXml(p.name)}">`);
    out.push(`<rect x="${left}" y="${top}" width="${b.boxW}" height="${b.boxH}" rx="10" fill="${COLORS.pair}" stroke="${COLORS.pairStroke}" stroke-width="1.5"/>`);
    text(left + 12, top + 20, `pair ${p.name}`, 'font-weight="bold" font-size="13"');
    let y = top + HEADER;
    for (const [i, name] of p.brokers.entries()) {
      const broker = registry.brokers.find((x) => x.name === name);
      out.push(`<rect class="broker" x="${left + 10}" y="${y}" width="${b.boxW - 20}" height="${BROKER_LINE - 4}" rx="4" fill="#ffffff" stroke="#9fb3c8"/>`);
      text(left + 18, y + 13, `${name}${p.brokers.length > 1 ? (i === 0 ? '  (first: active)' : '  (standby)') : ''}`, 'font-weight="bold"');
      text(left + 18, y + 26, broker?.host ?? '', `font-size="10" fill="${COLORS.muted}"`);
      y += BROKER_LINE;
    }
    for (const c of p.consumers) {
      const mark = c === highlights.consumer;
      out.push(`<rect class="consumer" x="${left + 10}" y="${y}" width="${b.boxW - 20}" height="${CONSUMER_LINE - 4}" rx="11" fill="${COLORS.consumer}" stroke="${mark ? COLORS.linkUsed : '#5c9e6e'}" stroke-width="${mark ? 2 : 1}"/>`);
      text(left + 20, y + 15, `consumer ${c}${mark ? ' (demo)' : ''}`, mark ? 'font-weight="bold"' : '');
      y += CONSUMER_LINE;
    }
    out.push(`</g>`);
    // Sites attached to this pair, under its box.
    const listTop = b.listAbove ? top - 12 - b.listH : top + b.boxH + 12;
    const shown = p.sites.slice(0, MAX_SITES_LISTED);
    if (shown.length > 0) text(left + 4, listTop + 2, `sites publishing to ${p.name}:`, `font-size="10" fill="${COLORS.muted}"`);
    shown.forEach((s, i) => {
      const sy = listTop + 8 + i * SITE_LINE;
      const demo = demoSites.has(s);
      out.push(`<rect class="site" data-site="${escapeXml(s)}" x="${left + 16}" y="${sy}" width="${b.boxW - 32}" height="${SITE_LINE - 4}" rx="9" fill="${demo ? COLORS.siteUsed : COLORS.site}" stroke="${demo ? COLORS.linkUsed : '#b8c2cc'}"/>`);
      text(left + 26, sy + 13, `${s}${demo ? ' (demo)' : ''}`, `font-size="11"${demo ? ' font-weight="bold"' : ''}`);
    });
    if (p.sites.length > MAX_SITES_LISTED) text(left + 26, listTop + 8 + shown.length * SITE_LINE + 13, `... and ${p.sites.length - MAX_SITES_LISTED} more`, `font-size="11" fill="${COLORS.muted}"`);
  }

  const ly = height - 60;
  text(20, ly, 'Arrows: network connectors (one per direction, declared on the sending pair), labelled with the consumers whose queues they carry.', `font-size="11" fill="${COLORS.muted}"`);
  text(20, ly + 16, 'Highlighted (demo): the sites running a site Nagios, the consumer fed to the central Nagios, the connectors their results cross.', `font-size="11" fill="${COLORS.muted}"`);
  text(20, ly + 32, 'The two brokers of a pair share one store: the first is active, the second waits for the store lock and takes over when the first dies.', `font-size="11" fill="${COLORS.muted}"`);
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}
