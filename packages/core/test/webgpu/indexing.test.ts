import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  embedding,
  gather,
  indexAdd,
  indexSelect,
  oneHot,
  randn,
  scatterAdd,
  type Tensor,
  take,
  tensor,
  ValueError,
} from '../../src/index.js';
import { hasWebGPU } from './device.js';
import { agree, close } from './helpers.js';

/** An int32 tensor of `shape` with entries in [0, size). */
function indices(shape: number[], size: number, seed: number): Tensor {
  let n = 1;
  for (const s of shape) n *= s;
  const data: number[] = [];
  let r = seed;
  for (let i = 0; i < n; i++) {
    r = (r * 1103515245 + 12345) % 2147483648;
    data.push(size === 0 ? 0 : r % size);
  }
  return tensor(data, { dtype: 'int32' }).reshape(shape);
}

/** A random shape of rank 1–3 (sizes 1–4), a dim of it, and an index shape that fits it. */
const gatherCase = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    fc.nat(),
    fc.nat(),
    fc.integer({ min: 1, max: 5 }),
  )
  .map(([shape, dimSeed, seed, along]) => {
    const d = dimSeed % shape.length;
    const ishape = shape.map((s, i) => (i === d ? along : Math.max(1, s - (seed % 2))));
    return { shape, d, ishape, seed };
  });

describe.skipIf(!hasWebGPU)('webgpu indexing kernels', () => {
  it('gather and scatterAdd match the CPU on random shapes and dims, values and gradients', async () => {
    await fc.assert(
      fc.asyncProperty(gatherCase, async ({ shape, d, ishape, seed }) => {
        const x = randn(shape);
        const idx = indices(ishape, shape[d]!, seed);
        await agree((a, i) => gather(a, d, i), [x, idx], [true, false]);
        const src = randn(ishape);
        await agree((b, i, s) => scatterAdd(b, d, i, s), [x, idx, src], [true, false, true]);
      }),
      { numRuns: 12 },
    );
  });

  it('reads strided inputs and indices in place (dims that are not last)', async () => {
    const x = randn([5, 3, 4]);
    const idx = indices([4, 3, 2], 3, 7); // read transposed: [2, 3, 4]
    const perm = (a: Tensor) => a.permute(2, 1, 0);
    await agree((a, i) => gather(perm(a), 1, perm(i)), [x.permute(2, 1, 0).contiguous(), idx], [true, false]);
    await agree(
      (a, i, s) => scatterAdd(a.t(), 0, i.t(), s.t()),
      [randn([4, 3]), indices([2, 3], 3, 3), randn([2, 3])],
      [true, false, true],
    );
  });

  it('indexSelect and indexAdd (1-D, 2-D and 0-d indices) match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(gatherCase, async ({ shape, d, seed }) => {
        const x = randn(shape);
        const idx = indices([3], shape[d]!, seed);
        await agree((a, i) => indexSelect(a, d, i), [x, idx], [true, false]);
        await agree((a, i) => indexSelect(a, d, i), [x, indices([2, 2], shape[d]!, seed + 1)], [true, false]);
        const srcShape = shape.map((s, i) => (i === d ? 3 : s));
        await agree((b, i, s) => indexAdd(b, d, i, s), [x, idx, randn(srcShape)], [true, false, true]);
      }),
      { numRuns: 10 },
    );
    // A 0-d index removes the dim.
    await agree(
      (a, i) => indexSelect(a, 1, i),
      [randn([4, 3]), tensor(2, { dtype: 'int32' })],
      [true, false],
    );
  });

  it('embedding forward and backward (padding row, repeated indices) match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.nat(),
        async (rows, dim, n, seed) => {
          const idx = indices([n], rows, seed).reshape([1, n]);
          const w = randn([rows, dim]);
          await agree((i, t) => embedding(i, t), [idx, w], [false, true]);
          await agree((i, t) => embedding(i, t, { paddingIdx: seed % rows }), [idx, w], [false, true]);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('empty indices and empty inputs give the CPU results', async () => {
    await agree((a, i) => gather(a, 1, i), [randn([3, 0]), indices([3, 0], 1, 1)], [true, false]);
    await agree((a, i) => indexSelect(a, 0, i), [randn([4, 2]), indices([0], 4, 1)], [true, false]);
    await agree(
      (b, i, s) => indexAdd(b, 1, i, s),
      [randn([2, 3]), indices([0], 3, 1), randn([2, 0])],
      [true, false, true],
    );
    await agree((i, t) => embedding(i, t), [indices([2, 0], 3, 1), randn([3, 4])], [false, true]);
  });

  it('take (negative entries count from the end) matches the CPU, and names the op out of range', async () => {
    const idx = tensor(
      [
        [0, -1],
        [5, -6],
      ],
      { dtype: 'int32' },
    );
    await agree((a, i) => take(a.t(), i), [randn([3, 2]), idx], [true, false]);
    const bad = take(randn([2, 3]).to('webgpu'), tensor([1, -7], { dtype: 'int32' }).to('webgpu'));
    await expect(bad.toArrayAsync()).rejects.toThrow(
      'take: index -7 is out of range for a tensor of 6 elements (shape [2,3])',
    );
  });

  it('oneHot matches the CPU', async () => {
    await agree((l) => oneHot(l, 5), [indices([2, 3], 5, 11)]);
    await agree((l) => oneHot(l, 4, { dtype: 'int32' }), [indices([6], 4, 3)]);
  });

  it('an out-of-range GPU index is a ValueError at the next read, with the CPU message', async () => {
    const x = randn([3, 4]);
    const bad = tensor([[0, 5]], { dtype: 'int32' });
    const cpuMessage = (() => {
      try {
        gather(x, 1, bad);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(cpuMessage).toMatch(/gather: index 5 is out of range for dim 1 of size 4/);
    const y = gather(x.to('webgpu'), 1, bad.to('webgpu'));
    await expect(y.toArrayAsync()).rejects.toThrow(ValueError);
    // Reported once: the device reads normally afterwards.
    expect(await y.sum().itemAsync()).toBeCloseTo(x.toFlatArray()[0]!, 5);
    const e = embedding(tensor([1, -1], { dtype: 'int32' }).to('webgpu'), randn([3, 2]).to('webgpu'));
    await expect(e.toArrayAsync()).rejects.toThrow(
      'embedding: index -1 at position 1 is out of range for 3 embeddings',
    );
    const o = oneHot(tensor([0, 1, 7], { dtype: 'int32' }).to('webgpu'), 3);
    await expect(o.toArrayAsync()).rejects.toThrow('oneHot: label 7 at 2 is out of range [0, 3)');
    const s = scatterAdd(
      randn([2, 2]).to('webgpu'),
      0,
      bad.to('webgpu').narrow(1, 1, 1),
      randn([1, 1]).to('webgpu'),
    );
    await expect(s.toArrayAsync()).rejects.toThrow('scatterAdd: index 5 is out of range for dim 0 of size 2');
  });

  it('embedding with maxNorm renormalises the named rows in place as the CPU does', async () => {
    for (const normType of [2, 1, 3, Number.POSITIVE_INFINITY]) {
      const w = randn([5, 4]).mul(2);
      const idx = tensor([[3, 1, 3, 0]], { dtype: 'int32' });
      const wc = w.clone();
      const wg = w.to('webgpu');
      const outC = embedding(idx, wc, { maxNorm: 1.5, normType });
      const outG = embedding(idx.to('webgpu'), wg, { maxNorm: 1.5, normType });
      close(outC.toFlatArray(), await outG.toTypedArrayAsync(), 1e-5);
      close(wc.toFlatArray(), await wg.toTypedArrayAsync(), 1e-5);
    }
  });
});
