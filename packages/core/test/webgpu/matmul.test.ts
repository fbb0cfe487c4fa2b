import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { linear, matmul, randint, randn, type Tensor } from '../../src/index.js';
import { hasWebGPU } from './device.js';

/** Each element of `b` within `tol` (relative, plus an absolute floor of `tol`) of `a`'s. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Math.abs(x - y) > tol * (1 + Math.abs(x))) {
      expect.fail(`element ${i}: cpu ${x}, webgpu ${y} (tolerance ${tol})`);
    }
  }
}

/**
 * The forward value and the inputs' gradients of f(...xs)·r summed (r a fixed random weight, so
 * every gradient element differs), on the CPU and on the GPU, each compared within `tol`.
 */
async function sameAsCpu(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], tol = 1e-4): Promise<void> {
  const cx = xs.map((x) => x.detach().clone().requiresGrad_());
  const cy = f(...cx);
  const r = randn(cy.shape);
  cy.mul(r).sum().backward();
  const gx = xs.map((x) => x.detach().to('webgpu').requiresGrad_());
  const gy = f(...gx);
  expect(gy.device).toBe('webgpu');
  expect(gy.shape).toEqual(cy.shape);
  gy.mul(r.to('webgpu')).sum().backward();
  close(cy.toFlatArray(), await gy.toTypedArrayAsync(), tol);
  for (let i = 0; i < xs.length; i++) {
    expect(gx[i]!.grad?.device).toBe('webgpu');
    close(cx[i]!.grad!.toFlatArray(), await gx[i]!.grad!.toTypedArrayAsync(), tol);
  }
}

/** A [rows, cols] operand, given as a transposed view of a [cols, rows] tensor when `transposed`. */
function matrix(rows: number, cols: number, transposed: boolean): Tensor {
  return transposed ? randn([cols, rows]).t() : randn([rows, cols]);
}

describe.skipIf(!hasWebGPU)('webgpu matmul', () => {
  afterEach(() => {
    delete process.env.TSGRAD_WEBGPU_MATMUL_TILE;
  });

  it('random m, k, n (1..70), transposed operands: forward and gradients match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.boolean(),
        fc.boolean(),
        async (m, k, n, ta, tb) => {
          await sameAsCpu((a, b) => matmul(a!, b!), [matrix(m, k, ta), matrix(k, n, tb)]);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('products past one tile (edge tiles, primes, k past the 16-deep slices) match the CPU', async () => {
    for (const [m, k, n] of [
      [131, 67, 129],
      [1, 257, 130],
      [197, 1, 3],
      [64, 128, 64],
    ] as const) {
      await sameAsCpu((a, b) => matmul(a!, b!), [randn([m, k]), matrix(k, n, true)]);
    }
  });

  it('the large tile (8×8 per thread) matches the CPU on edge tiles too', async () => {
    process.env.TSGRAD_WEBGPU_MATMUL_TILE = 'large';
    for (const [m, k, n, ta, tb] of [
      [131, 37, 140, false, false],
      [5, 70, 260, true, true],
    ] as const) {
      await sameAsCpu((a, b) => matmul(a!, b!), [matrix(m, k, ta), matrix(k, n, tb)]);
    }
  });

  it('strided views (slices with steps, permuted stacks) are read in place', async () => {
    const a = randn([9, 40]).slice(1, 3, 37, 2); // [9, 17], column stride 2
    const b = randn([30, 17, 5]).permute(1, 0, 2).slice(1, 2, 23); // [17, 21, 5] → pick below
    await sameAsCpu((x, y) => matmul(x!, y!.select(2, 3)), [a, b]);
    const s = randn([4, 11, 6]).permute(2, 0, 1); // [6, 4, 11]
    const t = randn([6, 13, 11]).transpose(1, 2); // [6, 11, 13]
    await sameAsCpu((x, y) => matmul(x!, y!), [s, t]);
  });

  it('batched products with broadcast batch dims (and 1-D operands) match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        async (m, k, n) => {
          await sameAsCpu((a, b) => matmul(a!, b!), [randn([2, 1, m, k]), randn([3, k, n])]);
          await sameAsCpu((a, b) => matmul(a!, b!), [randn([m, k]), randn([2, 2, k, n]).transpose(0, 1)]);
          await sameAsCpu((a, b) => matmul(a!, b!), [randn([3, m, k]).expand(2, 3, m, k), randn([k, n])]);
          await sameAsCpu((a, b) => matmul(a!, b!), [randn([k]), randn([2, k, n])]);
          await sameAsCpu((a, b) => matmul(a!, b!), [randn([2, m, k]), randn([k])]);
          await sameAsCpu((a, b) => matmul(a!, b!), [randn([k]), randn([k])]);
        },
      ),
      { numRuns: 4 },
    );
  });

  it('linear with and without bias, on 1-D to 3-D and non-contiguous inputs, matches the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.boolean(),
        async (rows, inF, outF, withBias) => {
          const w = randn([outF, inF]);
          const xs = [
            randn([rows, inF]),
            randn([inF]),
            randn([2, rows, inF]),
            randn([inF, 2, rows]).permute(1, 2, 0),
          ];
          for (const x of xs) {
            if (withBias) await sameAsCpu((a, b, c) => linear(a!, b!, c!), [x, w, randn([outF])]);
            else await sameAsCpu((a, b) => linear(a!, b!), [x, w]);
          }
        },
      ),
      { numRuns: 5 },
    );
    // A transposed weight and a strided bias.
    await sameAsCpu(
      (a, b, c) => linear(a!, b!, c!),
      [randn([33, 130]), randn([130, 140]).t(), randn([280]).slice(0, 0, 280, 2)],
    );
  });

  it('int32 products are exact, as on the CPU', async () => {
    const a = randint(-50, 50, [2, 37, 19]);
    const b = randint(-50, 50, [19, 71]);
    const cpu = matmul(a, b).toFlatArray();
    const gpu = matmul(a.to('webgpu'), b.to('webgpu'));
    expect(gpu.dtype).toBe('int32');
    expect(Array.from(await gpu.toTypedArrayAsync())).toEqual(cpu);
  });

  it('empty products: k = 0 gives zeros (plus the bias), m = 0 an empty result', async () => {
    const z = matmul(randn([3, 0]).to('webgpu'), randn([0, 4]).to('webgpu'));
    expect(await z.toArrayAsync()).toEqual(matmul(randn([3, 0]), randn([0, 4])).toArray());
    const b = randn([4]);
    const l = linear(randn([3, 0]).to('webgpu'), randn([4, 0]).to('webgpu'), b.to('webgpu'));
    close(linear(randn([3, 0]), randn([4, 0]), b).toFlatArray(), await l.toTypedArrayAsync());
    expect(matmul(randn([0, 5]).to('webgpu'), randn([5, 2]).to('webgpu')).shape).toEqual([0, 2]);
  });
});
