import { ConfigError } from '../core/errors.js';
import type { NodePath } from './types.js';

export type Severity = 'error' | 'warning';

/** One thing wrong with a registry, located in its file. */
export interface Problem {
  severity: Severity;
  message: string;
  /** `sites[3].pair`, or '' for the whole document. */
  path: string;
  file: string;
  line?: number;
  column?: number;
}

/** `['sites', 3, 'pair']` → `sites[3].pair`. */
export function formatPath(path: NodePath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** `file:line:column: path: message` (warnings say so). */
export function describeProblem(p: Problem): string {
  const loc = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  const where = p.path ? ` ${p.path}:` : '';
  const sev = p.severity === 'warning' ? ' warning:' : '';
  return `${loc}:${sev}${where} ${p.message}`;
}

/** Orders problems by position so a report reads top to bottom. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.path.localeCompare(b.path) ||
      a.message.localeCompare(b.message),
  );
}

/** Thrown by loadRegistry when a registry has errors; carries every problem. */
export class RegistryError extends ConfigError {
  readonly problems: Problem[];
  constructor(file: string, problems: Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
    super(first ? `${first.message}${more}` : 'invalid registry', {
      file,
      ...(first?.line === undefined ? {} : { line: first.line }),
      ...(first?.column === undefined ? {} : { column: first.column }),
      ...(first?.path ? { path: first.path } : {}),
    });
    this.problems = problems;
  }
}

/** The report `registry check` prints: one line per problem, then a summary line. */
export function formatProblemReport(file: string, problems: Problem[]): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const lines = problems.map(describeProblem);
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  lines.push(errors === 0 ? `${file}: valid${warnings ? ` (${count(warnings, 'warning')})` : ''}` : `${file}: ${count(errors, 'error')}${warnings ? `, ${count(warnings, 'warning')}` : ''}`);
  return `${lines.join('\n')}\n`;
}
