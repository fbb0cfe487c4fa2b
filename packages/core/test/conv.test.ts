import {
  conv2d,
  conv2dInputGrad,
  conv2dWeightGrad,
  enableGrad,
  Generator,
  grad,
  gradcheck,
  randn,
  ShapeError,
  type Tensor,
  ValueError,
} from '@tsgrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { windowGeometry, withWindow } from './helpers/window-arbitraries.js';

interface ConvCase {
  n: number;
  groups: number;
  c: number;
  o: number;
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

/** Small random convolutions whose (padded) input is at least as large as the dilated kernel. */
const convCaseArb: fc.Arbitrary<ConvCase> = withWindow(
  windowGeometry({ n: 2, size: 7, kernel: 3, stride: [3, 3], padding: 2 }),
  fc.record({
    groups: fc.integer({ min: 1, max: 2 }),
    cPerGroup: fc.integer({ min: 1, max: 2 }),
    oPerGroup: fc.integer({ min: 1, max: 2 }),
    bias: fc.boolean(),
  }),
).map((r) => ({ ...r, c: r.cPerGroup * r.groups, o: r.oPerGroup * r.groups }));

function operands(k: ConvCase): { x: Tensor; w: Tensor; b: Tensor | null } {
  const g = new Generator(k.seed);
  const opts = { dtype: 'float64' as const, requiresGrad: true, generator: g };
  return {
    x: randn([k.n, k.c, k.h, k.w], opts),
    w: randn([k.o, k.c / k.groups, k.kh, k.kw], opts),
    b: k.bias ? randn([k.o], opts) : null,
  };
}

const options = (k: ConvCase) => ({
  stride: k.stride,
  padding: k.padding,
  dilation: k.dilation,
  groups: k.groups,
});

/** conv2d written out as the definition: a sum over the group's channels and the kernel taps. */
function referenceConv(
  k: ConvCase,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
): { shape: number[]; data: number[] } {
  const X = x.toFlatArray();
  const W = w.toFlatArray();
  const B = b?.toFlatArray();
  const oh = Math.floor((k.h + 2 * k.padding[0] - k.dilation[0] * (k.kh - 1) - 1) / k.stride[0]) + 1;
  const ow = Math.floor((k.w + 2 * k.padding[1] - k.dilation[1] * (k.kw - 1) - 1) / k.stride[1]) + 1;
  const cg = k.c / k.groups;
  const og = k.o / k.groups;
  const data: number[] = [];
  for (let n = 0; n < k.n; n++) {
    for (let o = 0; o < k.o; o++) {
      const group = Math.floor(o / og);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = B === undefined ? 0 : B[o]!;
          for (let ci = 0; ci < cg; ci++) {
            const c = group * cg + ci;
            for (let i = 0; i < k.kh; i++) {
              for (let j = 0; j < k.kw; j++) {
                const y = oy * k.stride[0] - k.padding[0] + i * k.dilation[0];
                const xx = ox * k.stride[1] - k.padding[1] + j * k.dilation[1];
                if (y < 0 || y >= k.h || xx < 0 || xx >= k.w) continue;
                s += X[((n * k.c + c) * k.h + y) * k.w + xx]! * W[((o * cg + ci) * k.kh + i) * k.kw + j]!;
              }
            }
          }
          data.push(s);
        }
      }
    }
  }
  return { shape: [k.n, k.o, oh, ow], data };
}

function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-10): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (Math.abs(a - expected[i]!) > tol * (1 + Math.abs(expected[i]!))) {
      throw new Error(`element ${i}: ${a} vs ${expected[i]}`);
    }
  });
}

describe('conv2d', () => {
  it('matches the nested-loop definition (shape and values)', () => {
    fc.assert(
      fc.property(convCaseArb, (k) => {
        const { x, w, b } = operands(k);
        const y = conv2d(x, w, b, options(k));
        const ref = referenceConv(k, x, w, b);
        expect(y.shape).toEqual(ref.shape);
        expectClose(y.toFlatArray(), ref.data);
      }),
      { numRuns: 100 },
    );
  });

  it('has gradients (input, weight, bias) that match finite differences', () => {
    fc.assert(
      fc.property(convCaseArb, (k) => {
        const { x, w, b } = operands(k);
        const inputs = b === null ? [x, w] : [x, w, b];
        gradcheck((xi, wi, bi) => conv2d(xi!, wi!, bi ?? null, options(k)), inputs);
      }),
      { numRuns: 40 },
    );
  });

  it('has second derivatives that match finite differences of its gradients', () => {
    fc.assert(
      fc.property(convCaseArb, (k) => {
        const { x, w, b } = operands(k);
        const f = (xi: Tensor, wi: Tensor, bi?: Tensor) =>
          enableGrad(() => {
            const y = conv2d(xi, wi, bi ?? null, options(k));
            const wrt = bi === undefined ? [xi, wi] : [xi, wi, bi];
            const grads = grad(y.mul(y).sum(), wrt, { createGraph: true });
            return grads.map((gi) => gi.mul(gi).sum()).reduce((acc, v) => acc.add(v));
          });
        gradcheck((xi, wi, bi) => f(xi!, wi!, bi), b === null ? [x, w] : [x, w, b], { atol: 1e-4 });
      }),
      { numRuns: 15 },
    );
  });

  it('gives the same result for a batch that spans several column chunks like a single pass', () => {
    // 40 images of 1×64×64 with a 3×3 kernel exceed one column buffer (4 Mi elements), so the
    // kernels work in chunks; the result must not depend on that.
    const g = new Generator(7);
    const x = randn([40, 4, 64, 64], { generator: g, dtype: 'float64', requiresGrad: true });
    const w = randn([2, 4, 3, 3], { generator: g, dtype: 'float64', requiresGrad: true });
    const y = conv2d(x, w, null, { padding: 1 });
    const single = conv2d(x.narrow(0, 39, 1), w, null, { padding: 1 });
    expectClose(y.narrow(0, 39, 1).toFlatArray(), single.toFlatArray());
    const upstream = randn(y.shape, { generator: g, dtype: 'float64' });
    const [gx, gw] = grad(y, [x, w], { gradOutputs: [upstream] });
    const [gx1, gw1] = grad(conv2d(x.narrow(0, 0, 20), w, null, { padding: 1 }), [x, w], {
      gradOutputs: [upstream.narrow(0, 0, 20)],
    });
    const [, gw2] = grad(conv2d(x.narrow(0, 20, 20), w, null, { padding: 1 }), [x, w], {
      gradOutputs: [upstream.narrow(0, 20, 20)],
    });
    expectClose(gw!.toFlatArray(), gw1!.add(gw2!).toFlatArray(), 1e-9);
    expectClose(gx!.narrow(0, 0, 20).toFlatArray(), gx1!.narrow(0, 0, 20).toFlatArray());
  });

  it("keeps the spatial size with padding 'same', odd and even kernels alike", () => {
    const g = new Generator(3);
    for (const [kh, kw, d] of [
      [3, 3, 1],
      [2, 4, 1],
      [3, 2, 2],
    ] as const) {
      const x = randn([1, 2, 5, 6], { generator: g, dtype: 'float64', requiresGrad: true });
      const w = randn([3, 2, kh, kw], { generator: g, dtype: 'float64', requiresGrad: true });
      const y = conv2d(x, w, null, { padding: 'same', dilation: d });
      expect(y.shape).toEqual([1, 3, 5, 6]);
      gradcheck((xi, wi) => conv2d(xi!, wi!, null, { padding: 'same', dilation: d }), [x, w]);
    }
    const x = randn([1, 1, 4, 4]);
    expect(conv2d(x, randn([1, 1, 3, 3]), null, { padding: 'valid' }).shape).toEqual([1, 1, 2, 2]);
  });
});

describe('conv2d adjoints', () => {
  it('conv2dInputGrad and conv2dWeightGrad equal the gradients of conv2d', () => {
    fc.assert(
      fc.property(convCaseArb, (k) => {
        const { x, w } = operands(k);
        const y = conv2d(x, w, null, options(k));
        const upstream = randn(y.shape, { dtype: 'float64', generator: new Generator(k.seed + 1) });
        const [gx, gw] = grad(y, [x, w], { gradOutputs: [upstream] });
        expectClose(conv2dInputGrad(x.shape, w, upstream, options(k)).toFlatArray(), gx!.toFlatArray());
        expectClose(conv2dWeightGrad(x, w.shape, upstream, options(k)).toFlatArray(), gw!.toFlatArray());
      }),
      { numRuns: 50 },
    );
  });

  it('have gradients that match finite differences', () => {
    fc.assert(
      fc.property(convCaseArb, (k) => {
        const { x, w } = operands(k);
        const y = conv2d(x, w, null, options(k));
        const gOut = randn(y.shape, {
          dtype: 'float64',
          requiresGrad: true,
          generator: new Generator(k.seed + 2),
        });
        gradcheck((wi, gi) => conv2dInputGrad(x.shape, wi!, gi!, options(k)), [w, gOut]);
        gradcheck((xi, gi) => conv2dWeightGrad(xi!, w.shape, gi!, options(k)), [x, gOut]);
      }),
      { numRuns: 25 },
    );
  });
});

describe('conv2d errors', () => {
  it('names the op and shapes when the kernel is larger than the padded input', () => {
    expect(() => conv2d(randn([1, 3, 4, 4]), randn([2, 3, 5, 5]))).toThrow(
      new ShapeError('conv2d: input of shape [1,3,4,4] with padding 0 is smaller than the kernel 5×5'),
    );
    expect(() =>
      conv2d(randn([1, 1, 4, 4]), randn([1, 1, 3, 3]), null, { dilation: 2, padding: [0, 1] }),
    ).toThrow(
      /conv2d: input of shape \[1,1,4,4\] with padding \[0,1\] is smaller than the kernel 3×3 \(dilated to 5×5\)/,
    );
  });

  it('rejects channels not divisible by groups and mismatched weights', () => {
    expect(() => conv2d(randn([1, 3, 5, 5]), randn([2, 1, 3, 3]), null, { groups: 2 })).toThrow(
      /conv2d: input channels 3 \(input \[1,3,5,5\]\) are not divisible by groups 2/,
    );
    expect(() => conv2d(randn([1, 4, 5, 5]), randn([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
      /conv2d: output channels 3 \(weight \[3,2,3,3\]\) are not divisible by groups 2/,
    );
    expect(() => conv2d(randn([1, 4, 5, 5]), randn([2, 3, 3, 3]))).toThrow(
      /conv2d: weight of shape \[2,3,3,3\] expects 3 input channels .* but the input of shape \[1,4,5,5\] has 4/,
    );
  });

  it('rejects inputs that are not 4-D, bad biases, and bad options', () => {
    expect(() => conv2d(randn([3, 5, 5]), randn([2, 3, 3, 3]))).toThrow(
      new ShapeError('conv2d: expected a 4-D input [N,C,H,W], got shape [3,5,5]'),
    );
    expect(() => conv2d(randn([1, 3, 5, 5]), randn([2, 3, 3]))).toThrow(/conv2d: expected a 4-D weight/);
    expect(() => conv2d(randn([1, 3, 5, 5]), randn([2, 3, 3, 3]), randn([3]))).toThrow(
      /conv2d: bias of shape \[3\] should be \[2\]/,
    );
    expect(() => conv2d(randn([1, 3, 5, 5]), randn([2, 3, 3, 3]), null, { stride: 0 })).toThrow(ValueError);
    expect(() =>
      conv2d(randn([1, 3, 5, 5]), randn([2, 3, 3, 3]), null, { padding: 'same', stride: 2 }),
    ).toThrow(/padding 'same' needs stride 1/);
    expect(() => conv2d(randn([1, 3, 5, 5]), randn([2, 3, 3, 3], { dtype: 'float64' }))).toThrow(/dtypes/);
  });

  it('checks the gradient shape given to the adjoints', () => {
    expect(() => conv2dInputGrad([1, 1, 5, 5], randn([1, 1, 3, 3]), randn([1, 1, 4, 4]))).toThrow(
      /conv2dInputGrad: gradOutput of shape \[1,1,4,4\] should be \[1,1,3,3\]/,
    );
  });
});
