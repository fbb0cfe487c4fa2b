import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findUndocumented } from '../../scripts/check-docs.js';

// The lint step `tsx scripts/check-docs.ts` fails on exactly the exports without a summary.
const dir = mkdtempSync(join(tmpdir(), 'tsgrad-check-docs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'ops.ts'),
  [
    '/** Adds one. */',
    'export const addOne = (x: number) => x + 1;',
    'export function undocumentedFn(x: number): number { return x; }',
    '/** @param x a number */',
    'export function tagsOnly(x: number): number { return x; }',
    '/** Options. */',
    'export interface Options {',
    '  /** Documented. */',
    '  a: number;',
    '  b: number;',
    '}',
    'export type Bare = number;',
  ].join('\n'),
);
writeFileSync(
  join(dir, 'index.ts'),
  [
    "export { addOne, undocumentedFn, tagsOnly, type Options, type Bare } from './ops.js';",
    '/** The ops as a namespace. */',
    "export * as ops from './ops.js';",
    "export * as bareNamespace from './ops.js';",
  ].join('\n'),
);
const entries = [{ packageName: 'fixture', specifier: 'fixture', file: join(dir, 'index.ts'), dir }];

describe('check-docs', () => {
  it('names every export without a one-line summary, and only those', () => {
    const { undocumented } = findUndocumented({ entries });
    const names = undocumented.map((u) => u.name).sort();
    expect(names).toEqual(
      [
        'fixture Bare',
        'fixture bareNamespace',
        'fixture bareNamespace.Bare',
        'fixture bareNamespace.tagsOnly',
        'fixture bareNamespace.undocumentedFn',
        'fixture ops.Bare',
        'fixture ops.tagsOnly',
        'fixture ops.undocumentedFn',
        'fixture tagsOnly',
        'fixture undocumentedFn',
      ].sort(),
    );
    expect(undocumented.find((u) => u.name === 'fixture undocumentedFn')!.where).toMatch(/ops\.ts:3$/);
  });

  it('reports undocumented members of exported interfaces with `members`', () => {
    const { undocumented } = findUndocumented({ entries, members: true });
    expect(undocumented.map((u) => u.name)).toContain('fixture Options#b');
    expect(undocumented.map((u) => u.name)).not.toContain('fixture Options#a');
  });
});
