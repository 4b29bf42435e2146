import fs from 'node:fs';
import path from 'node:path';
import { normalizeRegistry } from './normalize.js';
import { RegistryError, sortProblems, type Problem } from './problems.js';
import { schemaProblems } from './schema.js';
import { securityProblems } from './security-checks.js';
import { semanticProblems } from './semantic.js';
import { sizingProblems } from './sizing-checks.js';
import { parseSource } from './source.js';
import type { Registry } from './types.js';

export interface CheckResult {
  /** Present when there is no error (warnings allowed). */
  registry?: Registry;
  /** Every problem found, ordered by position. */
  problems: Problem[];
  ok: boolean;
}

/**
 * Checks registry text: YAML syntax, then the JSON Schema and every semantic
 * check together, so one run reports all problems. Pure.
 */
export function checkRegistryText(text: string, file = '<inline>', baseDir = '.'): CheckResult {
  const source = parseSource(text, file);
  if (source.syntaxProblems.some((p) => p.severity === 'error')) {
    return { problems: sortProblems(source.syntaxProblems), ok: false };
  }
  if (source.data === null || typeof source.data !== 'object' || Array.isArray(source.data)) {
    const problem: Problem = { severity: 'error', message: 'a registry is a YAML mapping (version, network, brokers, pairs, sites, consumers)', path: '', file, line: 1, column: 1 };
    return { problems: [problem], ok: false };
  }
  const registry = normalizeRegistry(source.data, file, baseDir, (p) => source.locate(p));
  const schema = schemaProblems(source);
  const semantic = semanticProblems(registry, source, schema);
  const security = securityProblems(registry, source, [...schema, ...semantic]);
  const sizing = sizingProblems(registry, source, [...schema, ...semantic, ...security]);
  const problems = sortProblems([...source.syntaxProblems, ...schema, ...semantic, ...security, ...sizing]);
  const ok = !problems.some((p) => p.severity === 'error');
  return ok ? { registry, problems, ok } : { problems, ok };
}

/** Reads and checks a registry file; an unreadable file is a problem, not an exception. */
export function checkRegistryFile(file: string): CheckResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    return { problems: [{ severity: 'error', message: `cannot read registry: ${why}`, path: '', file }], ok: false };
  }
  return checkRegistryText(text, file, path.dirname(path.resolve(file)));
}

/** Loads a valid registry or throws a RegistryError listing every problem. */
export function loadRegistry(file: string): Registry {
  const result = checkRegistryFile(file);
  if (!result.registry) throw new RegistryError(file, result.problems);
  return result.registry;
}

/** Like loadRegistry, from text (tests, generated registries). */
export function parseRegistry(text: string, file = '<inline>', baseDir = '.'): Registry {
  const result = checkRegistryText(text, file, baseDir);
  if (!result.registry) throw new RegistryError(file, result.problems);
  return result.registry;
}
