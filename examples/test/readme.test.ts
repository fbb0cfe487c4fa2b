import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's TypeScript examples must run as written.
const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  it('has TypeScript examples', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
  });

  it.each(snippets.map((code, i) => [i, code] as const))('example %i runs without an error', (i, code) => {
    const file = `${root}examples/.readme-example-${i}.ts`;
    writeFileSync(file, code);
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
