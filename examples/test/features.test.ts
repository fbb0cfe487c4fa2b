import { readFileSync } from 'node:fs';
import { opInfos } from '@tsgrad/testing';
import { describe, expect, it } from 'vitest';
import { featuresPath, renderFeatures } from '../../scripts/features.js';

// docs/FEATURES.md is generated from the op registry; it must match the code it describes.
describe('docs/FEATURES.md', () => {
  const committed = readFileSync(featuresPath, 'utf8');

  it('is what `pnpm features` generates from the registry today (run `pnpm features` if not)', () => {
    expect(committed === renderFeatures(), 'docs/FEATURES.md is stale: run `pnpm features`').toBe(true);
  });

  it('has a row for every registered op', () => {
    for (const info of opInfos) expect(committed).toMatch(new RegExp(`^\\| \`${info.name}\` +\\|`, 'm'));
  });
});
