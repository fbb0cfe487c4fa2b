import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so no build is needed first.
    alias: {
      // The subpath entry comes first: aliases match by prefix.
      '@tsgrad/testing/vitest': src('testing', 'vitest.ts'),
      '@tsgrad/testing/fixtures': src('testing', 'fixtures.ts'),
      '@tsgrad/testing': src('testing'),
      '@tsgrad/core': src('core'),
      '@tsgrad/nn': src('nn'),
      '@tsgrad/datasets': src('datasets'),
    },
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
