import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The README's TypeScript examples must run as written.
const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
// The examples run in a scratch folder (git-ignored), so files they write (a checkpoint) stay there.
const work = `${root}examples/.readme-run`;
mkdirSync(work, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README examples', () => {
  it('has TypeScript examples', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
  });

  it.each(snippets.map((code, i) => [i, code] as const))('example %i runs without an error', (i, code) => {
    const file = `${root}examples/.readme-example-${i}.ts`;
    writeFileSync(file, code);
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', file], {
        cwd: work,
        encoding: 'utf8',
        timeout: 120_000,
      });
      // Dawn (the `webgpu` package) reports on stderr how it capped a software adapter's limits;
      // that line is the driver's, not the example's. Anything else on stderr fails the test.
      const stderr = run.stderr
        .split('\n')
        .filter((line) => !/^Warning: max\w+ artificially reduced from \d+ to \d+/.test(line))
        .join('\n');
      expect(stderr).toBe('');
      expect(run.status).toBe(0);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
