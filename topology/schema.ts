import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from './registry.schema.json' with { type: 'json' };
import type { Problem } from './problems.js';
import type { SourceDoc } from './source.js';
import type { NodePath } from './types.js';

/** The published JSON Schema of the registry (draft-07). */
export const registrySchema: Readonly<Record<string, unknown>> = schema;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    ajv.addVocabulary(['x-hint']);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** JSON pointer → path segments; array indices become numbers. */
function toPath(pointer: string, data: unknown): NodePath {
  const out: Array<string | number> = [];
  let node: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const i = Number(seg);
      out.push(i);
      node = node[i];
    } else {
      out.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function hint(err: ErrorObject): string | undefined {
  const parent = err.parentSchema as Record<string, unknown> | undefined;
  const h = parent?.['x-hint'];
  return typeof h === 'string' ? h : undefined;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function messageOf(err: ErrorObject, path: NodePath): { message: string; key?: string } {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required':
      return { message: `missing required field "${String(p['missingProperty'])}"` };
    case 'additionalProperties': {
      const key = String(p['additionalProperty']);
      if (key === 'password' && path[path.length - 1] === 'credentials') {
        return { key, message: 'passwords are never written in the registry: use passwordFile or passwordEnv' };
      }
      if ((key === 'keyStorePassword' || key === 'trustStorePassword') && path[path.length - 1] === 'tls') {
        return { key, message: `passwords are never written in the registry: use ${key}File or ${key}Env` };
      }
      return { key, message: `unknown field "${key}"` };
    }
    case 'type':
      return { message: `must be ${article(String(p['type']))}` };
    case 'enum':
      return { message: `must be one of: ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { message: `must be ${JSON.stringify(p['allowedValue'])}` };
    case 'pattern':
    case 'oneOf':
    case 'anyOf': {
      const h = hint(err);
      const shown = err.keyword === 'pattern' ? ` (got ${JSON.stringify(err.data)})` : '';
      return { message: h ? `must be ${h}${shown}` : `${err.message ?? 'is invalid'}${shown}` };
    }
    case 'minProperties':
      return { message: 'must not be empty' };
    default:
      return { message: err.message ?? `fails ${err.keyword}` };
  }
}

/** Validates the document against the JSON Schema; one problem per distinct error, located. */
export function schemaProblems(source: SourceDoc): Problem[] {
  const validate = validator();
  if (validate(source.data)) return [];
  const errors = validate.errors ?? [];
  // Alternatives (oneOf) report every failing branch. Keep the one-line summary
  // unless a branch failed deeper inside, which is the more precise message.
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const kept: ErrorObject[] = [];
  for (const [pointer, group] of byPath) {
    const alt = group.find((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
    if (!alt) {
      kept.push(...group);
      continue;
    }
    const deeper = errors.some((e) => e.instancePath.startsWith(`${pointer}/`));
    if (!deeper) kept.push(alt);
  }
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const err of kept) {
    const path = toPath(err.instancePath, source.data);
    const { message, key } = messageOf(err, path);
    const problem = source.problem(path, message, key === undefined ? {} : { key });
    const id = `${problem.path}\0${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(problem);
  }
  return out;
}
