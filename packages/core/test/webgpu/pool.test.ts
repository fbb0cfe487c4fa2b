import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d,
  avgPool2d,
  Generator,
  grad,
  maxPool2d,
  maxPool2dWithIndices,
  randint,
  randn,
  type Tensor,
  tensor,
} from '../../src/index.js';
import { windowGeometry, withWindow } from '../helpers/window-arbitraries.js';
import { hasWebGPU } from './device.js';

/** Elementwise |a − b| ≤ tol·(1 + |a|) (NaN where the CPU has NaN), and the same length. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!)) expect(Number.isNaN(b[i]!)).toBe(true);
    else expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(a[i]!)));
  }
}

async function read(t: Tensor | null | undefined): Promise<ArrayLike<number>> {
  expect(t?.device).toBe('webgpu');
  return (t as Tensor).toTypedArrayAsync();
}

/** f on the CPU and on the GPU: outputs and the input's gradient under the same upstream gradient. */
async function agree(f: (x: Tensor) => Tensor, x: Tensor, seed: number): Promise<void> {
  const xc = x.detach().requiresGrad_();
  const xg = x.to('webgpu').detach().requiresGrad_();
  const yc = f(xc);
  const yg = f(xg);
  expect(yg.shape).toEqual(yc.shape);
  close(yc.toFlatArray(), await read(yg));
  const r = randn(yc.shape, { generator: new Generator(seed + 1) });
  yc.mul(r).sum().backward();
  yg.mul(r.to('webgpu')).sum().backward();
  close(xc.grad!.toFlatArray(), await read(xg.grad));
}

interface PoolCase {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ties: boolean;
  seed: number;
}

/** Small pooling problems: padding at most half the kernel, the dilated window fits the padded input. */
const poolCaseArb: fc.Arbitrary<PoolCase> = withWindow(
  windowGeometry({ n: 2, size: 9, kernel: 3, stride: [3, 3], padding: 1, halfKernelPadding: true }),
  fc.record({ c: fc.integer({ min: 1, max: 3 }), ties: fc.boolean() }),
);

/** A random input; with `ties`, small integers, so windows share their maximum. */
function input(k: PoolCase): Tensor {
  const gen = new Generator(k.seed);
  const shape = [k.n, k.c, k.h, k.w];
  return k.ties ? randint(0, 3, shape, { generator: gen }).to('float32') : randn(shape, { generator: gen });
}

describe.skipIf(!hasWebGPU)('webgpu pooling', () => {
  it('maxPool2d values, indices (ties to the first tap) and gradients match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(poolCaseArb, async (k) => {
        const x = input(k);
        const opts = { stride: k.stride, padding: k.padding, dilation: k.dilation };
        let cpu: { values: Tensor; indices: Tensor };
        try {
          cpu = maxPool2dWithIndices(x, [k.kh, k.kw], opts);
        } catch (e) {
          // A window over padding only: the GPU call fails with the same error, before any kernel.
          expect(() => maxPool2dWithIndices(x.to('webgpu'), [k.kh, k.kw], opts)).toThrow(
            (e as Error).message,
          );
          return;
        }
        const gpu = maxPool2dWithIndices(x.to('webgpu'), [k.kh, k.kw], opts);
        expect(gpu.indices.dtype).toBe('int32');
        expect(Array.from(await read(gpu.indices))).toEqual(cpu.indices.toFlatArray());
        await agree((t) => maxPool2d(t, [k.kh, k.kw], opts), x, k.seed);
      }),
      { numRuns: 25 },
    );
  });

  it('maxPool2d lets a NaN win its window, as the CPU does', async () => {
    const x = tensor([
      [
        [
          [1, Number.NaN, 3, 2],
          [0, 5, Number.NaN, Number.NaN],
        ],
      ],
    ]);
    const cpu = maxPool2dWithIndices(x, 2);
    const gpu = maxPool2dWithIndices(x.to('webgpu'), 2);
    close(cpu.values.toFlatArray(), await read(gpu.values));
    expect(Array.from(await read(gpu.indices))).toEqual(cpu.indices.toFlatArray());
  });

  it('the double backward of maxPool2d (a gather) matches the CPU', async () => {
    const x = randn([2, 3, 7, 6], { generator: new Generator(5) });
    const r = randn([2, 3, 4, 3], { generator: new Generator(6) });
    const run = async (dev: 'cpu' | 'webgpu') => {
      const xi = x.to(dev).detach().requiresGrad_();
      const ri = r.to(dev).detach().requiresGrad_();
      const y = maxPool2d(xi, 3, { stride: 2, padding: 1 });
      const [gx] = grad(y.mul(ri).sum(), [xi], { createGraph: true });
      gx!.mul(gx!).sum().backward();
      return ri.grad!.toTypedArrayAsync();
    };
    close(await run('cpu'), await run('webgpu'));
  });

  it('avgPool2d (with and without countIncludePad) and its gradient match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(poolCaseArb, fc.boolean(), async (k, includePad) => {
        const opts = { stride: k.stride, padding: k.padding, countIncludePad: includePad };
        if (k.h + 2 * k.padding[0] < k.kh || k.w + 2 * k.padding[1] < k.kw) return;
        await agree((t) => avgPool2d(t, [k.kh, k.kw], opts), input(k), k.seed);
      }),
      { numRuns: 20 },
    );
  });

  it('adaptiveAvgPool2d (overlapping and global windows) and its gradient match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(
        poolCaseArb,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        async (k, oh, ow) => {
          await agree((t) => adaptiveAvgPool2d(t, [oh, ow]), input(k), k.seed);
        },
      ),
      { numRuns: 15 },
    );
    await agree((t) => adaptiveAvgPool2d(t, 1), randn([3, 4, 7, 7]), 9);
  });
});
