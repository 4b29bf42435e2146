import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { checkRegistryFile, describeProblem, loadRegistry, RegistryError } from '../../topology/index.js';

/**
 * Every fixture under test/fixtures/registries states the errors it must
 * produce in `# expect: LINE:COLUMN PATH: MESSAGE` header lines; the check
 * must report exactly those (warnings aside).
 */
const dir = path.join(import.meta.dirname, '..', 'fixtures', 'registries');
const fixtures = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.startsWith('valid-'));

interface Expectation {
  line: number;
  column: number;
  path: string;
  message: string;
}

function expectations(file: string): Expectation[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = /^# expect: (\d+):(\d+) ([^ ]*): (.*)$/.exec(l);
      return m ? [{ line: Number(m[1]), column: Number(m[2]), path: m[3]!, message: m[4]! }] : [];
    });
}

test('there are bad registry fixtures, each stating its errors', (t) => {
  t.true(fixtures.length >= 10);
  for (const f of fixtures) t.true(expectations(path.join(dir, f)).length > 0, `${f} has no # expect: lines`);
});

for (const name of fixtures) {
  test(`bad registry ${name}: every expected error, located, and nothing else`, (t) => {
    const file = path.join(dir, name);
    const result = checkRegistryFile(file);
    t.false(result.ok);
    t.is(result.registry, undefined);
    const errors = result.problems.filter((p) => p.severity === 'error');
    const expected = expectations(file);
    for (const e of expected) {
      const hit = errors.find((p) => p.line === e.line && p.column === e.column && p.path === e.path && p.message === e.message);
      t.truthy(hit, `missing ${e.line}:${e.column} ${e.path}: ${e.message}\n got:\n${errors.map(describeProblem).join('\n')}`);
    }
    t.is(errors.length, expected.length, `unexpected errors:\n${errors.map(describeProblem).join('\n')}`);
    for (const p of errors) t.is(p.file, file);
  });
}

test('loadRegistry throws one RegistryError carrying every problem, its first one located', (t) => {
  const file = path.join(dir, 'schema-errors.yaml');
  const err = t.throws(() => loadRegistry(file), { instanceOf: RegistryError });
  t.is(err.problems.filter((p) => p.severity === 'error').length, expectations(file).length);
  t.is(err.context.file, file);
  t.is(err.context.line, 12);
  t.is(err.context.path, 'network.topology');
  t.regex(err.describe(), /schema-errors\.yaml:12:13: network\.topology: must be one of/);
  t.regex(err.message, /and 6 more problems/);
});

test('a missing registry file is a located problem, not an exception', (t) => {
  const result = checkRegistryFile(path.join(dir, 'no-such-registry.yaml'));
  t.false(result.ok);
  t.is(result.problems.length, 1);
  t.regex(result.problems[0]!.message, /cannot read registry: no such file/);
});
