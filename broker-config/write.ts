import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/files.js';
import type { GeneratedFile } from './generate.js';

/**
 * Writes generated files under `outDir` (atomically, with their modes).
 * Returns the absolute paths written.
 */
export function writeGeneratedFiles(outDir: string, files: readonly GeneratedFile[]): string[] {
  const root = path.resolve(outDir);
  const written: string[] = [];
  for (const f of files) {
    const target = path.resolve(root, f.path);
    if (!target.startsWith(`${root}${path.sep}`)) throw new Error(`refusing to write outside ${root}: ${f.path}`);
    writeFileAtomic(target, f.content, f.mode);
    written.push(target);
  }
  return written;
}

/** Generated files under `outDir` that a new generation no longer produces (a removed broker, site, consumer). */
export function staleFiles(outDir: string, files: readonly GeneratedFile[]): string[] {
  const root = path.resolve(outDir);
  const keep = new Set(files.map((f) => path.resolve(root, f.path)));
  const out: string[] = [];
  for (const sub of ['sites', 'consumers']) {
    const dir = path.join(root, sub);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (name.endsWith('.yaml') && !keep.has(file)) out.push(file);
    }
  }
  const brokers = path.join(root, 'brokers');
  if (fs.existsSync(brokers)) {
    for (const name of fs.readdirSync(brokers)) {
      const xml = path.join(brokers, name, 'conf', 'activemq.xml');
      if (fs.existsSync(xml) && !keep.has(xml)) out.push(path.join(brokers, name));
    }
  }
  return out.sort();
}
