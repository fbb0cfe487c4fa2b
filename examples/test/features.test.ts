import { readFileSync } from 'node:fs';
import { opInfos } from '@tsgrad/testing';
import { describe, expect, it } from 'vitest';
import { featuresPath, renderFeatures, sameFeatures, webgpuCells } from '../../scripts/features.js';

// docs/FEATURES.md is generated from the op registry; it must match the code it describes. Its
// webgpu column is checked only where a WebGPU adapter exists (lavapipe in CI).
describe('docs/FEATURES.md', async () => {
  const committed = readFileSync(featuresPath, 'utf8');
  const webgpu = await webgpuCells();

  it('is what `pnpm features` generates from the registry today (run `pnpm features` if not)', () => {
    if (process.env.TSGRAD_REQUIRE_WEBGPU === '1') {
      expect(webgpu, 'TSGRAD_REQUIRE_WEBGPU=1 but no WebGPU adapter').not.toBeNull();
    }
    const stale = !sameFeatures(committed, renderFeatures(webgpu), webgpu !== null);
    expect(stale, 'docs/FEATURES.md is stale: run `pnpm features`').toBe(false);
  });

  it('has a row for every registered op', () => {
    for (const info of opInfos) expect(committed).toMatch(new RegExp(`^\\| \`${info.name}\` +\\|`, 'm'));
  });

  it('compares the webgpu column only when asked to', () => {
    const changed = committed.replace(/^(\| `add` +(?:\|[^|]*){4})\|[^|]*\|/m, '$1| — |');
    expect(changed).not.toBe(committed);
    expect(sameFeatures(committed, changed, true)).toBe(false);
    expect(sameFeatures(committed, changed, false)).toBe(true);
    const dtypes = committed.replace(/^(\| `add` +)\|[^|]*\|/m, '$1| f32 |');
    expect(sameFeatures(committed, dtypes, false)).toBe(false);
  });
});
