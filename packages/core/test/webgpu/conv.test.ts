import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conv2d,
  conv2dInputGrad,
  conv2dWeightGrad,
  Generator,
  grad,
  maxPool2d,
  randn,
  type Tensor,
} from '../../src/index.js';
import { windowGeometry, withWindow } from '../helpers/window-arbitraries.js';
import { hasWebGPU } from './device.js';

/** Elementwise |a − b| ≤ tol·(1 + |a|), and the same length. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(b.length).toBe(a.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(a[i]!)));
  expect(worst).toBeLessThanOrEqual(tol);
}

async function read(t: Tensor | null | undefined): Promise<Float32Array> {
  expect(t?.device).toBe('webgpu');
  return (await (t as Tensor).toTypedArrayAsync()) as Float32Array;
}

interface ConvCase {
  n: number;
  groups: number;
  cg: number;
  og: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  bias: boolean;
  seed: number;
}

/** Small convolutions whose dilated kernel fits the padded input. */
const convCaseArb: fc.Arbitrary<ConvCase> = withWindow(
  windowGeometry({ n: 3, size: 9, kernel: 3, stride: [3, 3], padding: 2 }),
  fc.record({
    groups: fc.integer({ min: 1, max: 2 }),
    cg: fc.integer({ min: 1, max: 5 }),
    og: fc.integer({ min: 1, max: 5 }),
    bias: fc.boolean(),
  }),
);

/**
 * Runs `f` on CPU leaves and on copies of them on the GPU, backpropagates the same random
 * upstream gradient through both, and checks the outputs and every leaf's gradient agree.
 */
async function agree(
  f: (...xs: Tensor[]) => Tensor,
  leaves: Tensor[],
  seed: number,
  tol = 1e-4,
): Promise<void> {
  const cpuLeaves = leaves.map((t) => t.detach().requiresGrad_());
  const gpuLeaves = leaves.map((t) => t.to('webgpu').detach().requiresGrad_());
  const yc = f(...cpuLeaves);
  const yg = f(...gpuLeaves);
  expect(yg.shape).toEqual(yc.shape);
  close(yc.toFlatArray(), await read(yg), tol);
  const r = randn(yc.shape, { generator: new Generator(seed + 1) });
  yc.mul(r).sum().backward();
  yg.mul(r.to('webgpu')).sum().backward();
  for (let i = 0; i < leaves.length; i++)
    close(cpuLeaves[i]!.grad!.toFlatArray(), await read(gpuLeaves[i]!.grad), tol);
}

describe.skipIf(!hasWebGPU)('webgpu conv2d', () => {
  it('forward and input, weight and bias gradients match the CPU (stride, padding, dilation, groups)', async () => {
    await fc.assert(
      fc.asyncProperty(convCaseArb, async (k) => {
        const gen = new Generator(k.seed);
        const c = k.cg * k.groups;
        const o = k.og * k.groups;
        const x = randn([k.n, c, k.h, k.w], { generator: gen });
        const w = randn([o, k.cg, k.kh, k.kw], { generator: gen });
        const b = randn([o], { generator: gen });
        const opts = { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups };
        if (k.bias) await agree((xi, wi, bi) => conv2d(xi, wi, bi, opts), [x, w, b], k.seed);
        else await agree((xi, wi) => conv2d(xi, wi, null, opts), [x, w], k.seed);
      }),
      { numRuns: 20 },
    );
  });

  it('the adjoints conv2dInputGrad and conv2dWeightGrad and their gradients match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(convCaseArb, async (k) => {
        const gen = new Generator(k.seed);
        const c = k.cg * k.groups;
        const o = k.og * k.groups;
        const opts = { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups };
        const x = randn([k.n, c, k.h, k.w], { generator: gen });
        const w = randn([o, k.cg, k.kh, k.kw], { generator: gen });
        const g = randn(conv2d(x, w, null, opts).shape, { generator: gen });
        await agree((wi, gi) => conv2dInputGrad(x.shape, wi, gi, opts), [w, g], k.seed);
        await agree((xi, gi) => conv2dWeightGrad(xi, w.shape, gi, opts), [x, g], k.seed);
      }),
      { numRuns: 10 },
    );
  });

  it('the weight gradient of a long batch × plane (summed in over 512 chunks) matches the CPU', async () => {
    const gen = new Generator(12);
    const x = randn([2, 1, 150, 150], { generator: gen });
    const w = randn([2, 1, 3, 3], { generator: gen });
    await agree((xi, wi) => conv2d(xi, wi, null), [x, w], 12);
  });

  it("reads strided views and pads 'same' asymmetrically as the CPU does", async () => {
    const x = randn([2, 7, 3, 6], { generator: new Generator(3) });
    const w = randn([4, 3, 2, 3], { generator: new Generator(4) });
    const b = randn([4], { generator: new Generator(5) });
    await agree(
      (xi, wi, bi) => conv2d(xi.permute(0, 3, 2, 1), wi, bi, { padding: 'same', groups: 2 }),
      [x, w, b],
      6,
    );
  });

  it('a second-order gradient (double backward through conv2d) matches the CPU', async () => {
    const gen = new Generator(11);
    const x = randn([2, 3, 6, 5], { generator: gen });
    const w = randn([4, 3, 3, 3], { generator: gen });
    const r = randn([2, 4, 3, 3], { generator: gen });
    const f = async (dev: 'cpu' | 'webgpu') => {
      const xi = x.to(dev).detach().requiresGrad_();
      const wi = w.to(dev).detach().requiresGrad_();
      const y = conv2d(xi, wi, null, { stride: 2, padding: 1 });
      const [gx] = grad(y.mul(r.to(dev)).sum(), [xi], { createGraph: true });
      // gx is linear in w (and independent of x): its square's gradient flows to w only.
      gx!.mul(gx!).sum().backward();
      return [await wi.grad!.toTypedArrayAsync(), await gx!.toTypedArrayAsync()] as const;
    };
    const [cw, cx] = await f('cpu');
    const [gw, gx] = await f('webgpu');
    close(cw, gw);
    close(cx, gx);
  });

  it('a LeNet-shaped stack (conv 5×5 → relu → pool → conv → relu → pool) trains alike on both devices', async () => {
    const gen = new Generator(7);
    const x = randn([8, 1, 28, 28], { generator: gen });
    const w1 = randn([6, 1, 5, 5], { generator: gen }).mul(0.2);
    const b1 = randn([6], { generator: gen }).mul(0.1);
    const w2 = randn([16, 6, 5, 5], { generator: gen }).mul(0.1);
    const b2 = randn([16], { generator: gen }).mul(0.1);
    const net = (xi: Tensor, a: Tensor, ab: Tensor, c: Tensor, cb: Tensor) =>
      maxPool2d(conv2d(maxPool2d(conv2d(xi, a, ab, { padding: 2 }).relu(), 2), c, cb).relu(), 2);
    await agree(net, [x, w1, b1, w2, b2], 7);
  });
});
