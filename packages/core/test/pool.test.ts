import {
  adaptiveAvgPool2d,
  avgPool2d,
  enableGrad,
  Generator,
  grad,
  gradcheck,
  maxPool2d,
  maxPool2dWithIndices,
  pad,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@tsgrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distinctValues } from './helpers/order-arbitraries.js';
import { windowGeometry, withWindow } from './helpers/window-arbitraries.js';

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
  seed: number;
}

/** Small pooling problems: padding at most half the kernel, the dilated window fits the padded input. */
const poolCaseArb: fc.Arbitrary<PoolCase> = withWindow(
  windowGeometry({ n: 2, size: 7, kernel: 3, stride: [3, 3], padding: 1, halfKernelPadding: true }),
  fc.record({ c: fc.integer({ min: 1, max: 3 }) }),
);

function input(k: PoolCase, shape = [k.n, k.c, k.h, k.w]): Tensor {
  return randn(shape, { dtype: 'float64', requiresGrad: true, generator: new Generator(k.seed) });
}

/** Visits every output position and its window's in-bounds input positions (plane offsets). */
function windows(
  k: PoolCase,
  dilation: [number, number],
  visit: (outIndex: number, plane: number, taps: number[], total: number) => void,
): number[] {
  const oh = Math.floor((k.h + 2 * k.padding[0] - dilation[0] * (k.kh - 1) - 1) / k.stride[0]) + 1;
  const ow = Math.floor((k.w + 2 * k.padding[1] - dilation[1] * (k.kw - 1) - 1) / k.stride[1]) + 1;
  let out = 0;
  for (let p = 0; p < k.n * k.c; p++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const taps: number[] = [];
        for (let i = 0; i < k.kh; i++) {
          for (let j = 0; j < k.kw; j++) {
            const y = oy * k.stride[0] - k.padding[0] + i * dilation[0];
            const x = ox * k.stride[1] - k.padding[1] + j * dilation[1];
            if (y >= 0 && y < k.h && x >= 0 && x < k.w) taps.push(y * k.w + x);
          }
        }
        visit(out++, p * k.h * k.w, taps, k.kh * k.kw);
      }
    }
  }
  return [k.n, k.c, oh, ow];
}

function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (Math.abs(a - expected[i]!) > tol * (1 + Math.abs(expected[i]!)))
      throw new Error(`element ${i}: ${a} vs ${expected[i]}`);
  });
}

/** Whether every dilated max-pooling window holds at least one real input element. */
function windowsNonEmpty(k: PoolCase): boolean {
  let ok = true;
  windows(k, k.dilation, (_, __, taps) => {
    if (taps.length === 0) ok = false;
  });
  return ok;
}

const maxOptions = (k: PoolCase) => ({ stride: k.stride, padding: k.padding, dilation: k.dilation });
const avgOptions = (k: PoolCase, countIncludePad: boolean) => ({
  stride: k.stride,
  padding: k.padding,
  countIncludePad,
});

describe('maxPool2d', () => {
  it('matches the nested-loop maximum over each window, with the first maximum as index', () => {
    fc.assert(
      fc.property(poolCaseArb, (k) => {
        fc.pre(windowsNonEmpty(k));
        const x = input(k);
        const X = x.toFlatArray();
        const values: number[] = [];
        const indices: number[] = [];
        const shape = windows(k, k.dilation, (_, plane, taps) => {
          let best = taps[0]!;
          for (const t of taps) if (X[plane + t]! > X[plane + best]!) best = t;
          values.push(X[plane + best]!);
          indices.push(best);
        });
        const out = maxPool2dWithIndices(x, [k.kh, k.kw], maxOptions(k));
        expect(out.values.shape).toEqual(shape);
        expect(out.values.toFlatArray()).toEqual(values);
        expect(out.indices.toFlatArray()).toEqual(indices);
      }),
      { numRuns: 100 },
    );
  });

  it('has gradients that match finite differences', () => {
    fc.assert(
      fc.property(poolCaseArb, (k) => {
        fc.pre(windowsNonEmpty(k));
        // Well-separated values: at a near-tie the finite difference would straddle the switch.
        const shape = [k.n, k.c, k.h, k.w];
        const x = tensor(
          distinctValues(
            shape.reduce((p, d) => p * d, 1),
            k.seed,
          ),
          {
            shape,
            dtype: 'float64',
            requiresGrad: true,
          },
        );
        gradcheck((t) => maxPool2d(t!, [k.kh, k.kw], maxOptions(k)), [x]);
      }),
      { numRuns: 40 },
    );
  });

  it('sends the gradient of a tied window to its first maximum only', () => {
    const x = tensor(
      [
        [
          [
            [1, 3],
            [3, 2],
          ],
        ],
      ],
      { requiresGrad: true },
    );
    maxPool2d(x, 2).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [0, 1],
          [0, 0],
        ],
      ],
    ]);
  });

  it('defaults the stride to the kernel size', () => {
    const x = randn([1, 1, 6, 6]);
    expect(maxPool2d(x, 2).shape).toEqual([1, 1, 3, 3]);
    expect(maxPool2d(x, [3, 2]).shape).toEqual([1, 1, 2, 3]);
  });

  it('has a differentiable gradient (double backward through the upstream gradient)', () => {
    fc.assert(
      fc.property(poolCaseArb, (k) => {
        fc.pre(windowsNonEmpty(k));
        const x = input(k);
        const f = (xi: Tensor) =>
          enableGrad(() => {
            const y = maxPool2d(xi, [k.kh, k.kw], maxOptions(k));
            const [gx] = grad(y.mul(y).sum(), [xi], { createGraph: true });
            return gx!.mul(gx!).sum();
          });
        gradcheck(f, [x], { atol: 1e-4 });
      }),
      { numRuns: 15 },
    );
  });
});

describe('avgPool2d', () => {
  it('matches the nested-loop mean, with and without padded zeros in the divisor', () => {
    fc.assert(
      fc.property(poolCaseArb, fc.boolean(), (k, includePad) => {
        const x = input(k);
        const X = x.toFlatArray();
        const expected: number[] = [];
        const shape = windows(k, [1, 1], (_, plane, taps, total) => {
          let s = 0;
          for (const t of taps) s += X[plane + t]!;
          expected.push(s / (includePad ? total : taps.length));
        });
        const y = avgPool2d(x, [k.kh, k.kw], avgOptions(k, includePad));
        expect(y.shape).toEqual(shape);
        expectClose(y.toFlatArray(), expected);
      }),
      { numRuns: 100 },
    );
  });

  it('has first and second derivatives that match finite differences', () => {
    fc.assert(
      fc.property(poolCaseArb, fc.boolean(), (k, includePad) => {
        gradcheck((x) => avgPool2d(x!, [k.kh, k.kw], avgOptions(k, includePad)), [input(k)]);
        const f = (xi: Tensor) =>
          enableGrad(() => {
            const y = avgPool2d(xi, [k.kh, k.kw], avgOptions(k, includePad));
            const [gx] = grad(y.mul(y).sum(), [xi], { createGraph: true });
            return gx!.mul(gx!).sum();
          });
        gradcheck(f, [input(k)], { atol: 1e-4 });
      }),
      { numRuns: 30 },
    );
  });
});

describe('adaptiveAvgPool2d', () => {
  const caseArb = fc.record({
    h: fc.integer({ min: 1, max: 7 }),
    w: fc.integer({ min: 1, max: 7 }),
    oh: fc.integer({ min: 1, max: 5 }),
    ow: fc.integer({ min: 1, max: 5 }),
    seed: fc.integer({ min: 0, max: 1 << 30 }),
  });

  it("averages PyTorch's windows [⌊i·H/out⌋, ⌈(i+1)·H/out⌉)", () => {
    fc.assert(
      fc.property(caseArb, ({ h, w, oh, ow, seed }) => {
        const x = randn([2, 2, h, w], { dtype: 'float64', generator: new Generator(seed) });
        const X = x.toFlatArray();
        const expected: number[] = [];
        for (let p = 0; p < 4; p++) {
          for (let i = 0; i < oh; i++) {
            for (let j = 0; j < ow; j++) {
              const [y0, y1] = [Math.floor((i * h) / oh), Math.ceil(((i + 1) * h) / oh)];
              const [x0, x1] = [Math.floor((j * w) / ow), Math.ceil(((j + 1) * w) / ow)];
              let s = 0;
              for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) s += X[p * h * w + y * w + xx]!;
              expected.push(s / ((y1 - y0) * (x1 - x0)));
            }
          }
        }
        const y = adaptiveAvgPool2d(x, [oh, ow]);
        expect(y.shape).toEqual([2, 2, oh, ow]);
        expectClose(y.toFlatArray(), expected);
      }),
      { numRuns: 100 },
    );
  });

  it('has gradients that match finite differences', () => {
    fc.assert(
      fc.property(caseArb, ({ h, w, oh, ow, seed }) => {
        const x = randn([1, 2, h, w], {
          dtype: 'float64',
          requiresGrad: true,
          generator: new Generator(seed),
        });
        gradcheck((xi) => adaptiveAvgPool2d(xi!, [oh, ow]), [x]);
      }),
      { numRuns: 40 },
    );
  });

  it('takes a single size for a square output, and 1 is the global mean', () => {
    const x = randn([2, 3, 5, 4], { dtype: 'float64' });
    const y = adaptiveAvgPool2d(x, 1);
    expect(y.shape).toEqual([2, 3, 1, 1]);
    expectClose(y.toFlatArray(), x.mean([2, 3]).toFlatArray());
  });
});

describe('pad', () => {
  const padCaseArb = fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
    amounts: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 1, maxLength: 4 }),
    value: fc.constantFrom(0, 1.5),
    seed: fc.integer({ min: 0, max: 1 << 30 }),
  });

  /** The element of the padded tensor at `coords`, read through the definition. */
  function referencePad(x: Tensor, padding: number[], value: number): { shape: number[]; data: number[] } {
    const X = x.toFlatArray();
    const before = x.shape.map(() => 0);
    const after = x.shape.map(() => 0);
    for (let i = 0; i < padding.length / 2; i++) {
      before[x.ndim - 1 - i] = padding[2 * i]!;
      after[x.ndim - 1 - i] = padding[2 * i + 1]!;
    }
    const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
    const data: number[] = [];
    const total = shape.reduce((a, b) => a * b, 1);
    for (let e = 0; e < total; e++) {
      let rest = e;
      let src = 0;
      let inside = true;
      for (let d = x.ndim - 1, stride = 1; d >= 0; d--) {
        const c = (rest % shape[d]!) - before[d]!;
        rest = Math.floor(rest / shape[d]!);
        if (c < 0 || c >= x.shape[d]!) inside = false;
        src += c * stride;
        stride *= x.shape[d]!;
      }
      data.push(inside ? X[src]! : value);
    }
    return { shape, data };
  }

  it('places the input inside a constant border (negative amounts crop), last dim first', () => {
    fc.assert(
      fc.property(padCaseArb, ({ shape, amounts, value, seed }) => {
        const padding = amounts.slice(0, 2 * Math.min(shape.length, Math.floor(amounts.length / 2)));
        fc.pre(padding.length > 0);
        const x = randn(shape, { dtype: 'float64', generator: new Generator(seed) });
        const ref = referencePad(x, padding, value);
        fc.pre(ref.shape.every((d) => d > 0));
        const y = pad(x, padding, { value });
        expect(y.shape).toEqual(ref.shape);
        expect(y.toFlatArray()).toEqual(ref.data);
      }),
      { numRuns: 100 },
    );
  });

  it('has gradients that match finite differences', () => {
    fc.assert(
      fc.property(padCaseArb, ({ shape, amounts, seed }) => {
        const padding = amounts.slice(0, 2 * Math.min(shape.length, Math.floor(amounts.length / 2)));
        const x = randn(shape, { dtype: 'float64', requiresGrad: true, generator: new Generator(seed) });
        fc.pre(padding.length > 0 && referencePad(x, padding, 0).shape.every((d) => d > 0));
        gradcheck((xi) => pad(xi!, padding, { value: 2 }), [x]);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects odd or too long paddings, other modes, and negative sizes', () => {
    const x = randn([2, 3]);
    expect(() => pad(x, [1])).toThrow(
      /pad: padding \[1\] must have an even length of at most 2·2 for input of shape \[2,3\]/,
    );
    expect(() => pad(x, [1, 1, 1, 1, 1, 1])).toThrow(ValueError);
    expect(() => pad(x, [-2, -2])).toThrow(
      new ShapeError('pad: padding [-2,-2] of input [2,3] gives a negative size [2,-1]'),
    );
    // @ts-expect-error: only the constant mode exists.
    expect(() => pad(x, [1, 1], { mode: 'reflect' })).toThrow(/mode 'reflect' is not supported/);
  });
});

describe('pooling errors', () => {
  it('names the op and shape for non-4-D inputs, oversized kernels and excess padding', () => {
    expect(() => maxPool2d(randn([3, 4, 4]), 2)).toThrow(
      new ShapeError('maxPool2d: expected a 4-D input [N,C,H,W], got shape [3,4,4]'),
    );
    expect(() => avgPool2d(randn([1, 1, 2, 2]), 3)).toThrow(
      new ShapeError('avgPool2d: input of shape [1,1,2,2] with padding 0 is smaller than the kernel 3×3'),
    );
    expect(() => maxPool2d(randn([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(
      /maxPool2d: padding 2 must be at most half the kernel size 2×2/,
    );
    expect(() => adaptiveAvgPool2d(randn([1, 1, 4, 4]), 0)).toThrow(ValueError);
    expect(() => maxPool2d(randn([1, 1, 1, 1]), 2, { stride: 1, padding: 1, dilation: 2 })).toThrow(
      new ShapeError(
        'maxPool2d: with input [1,1,1,1], kernel 2×2, padding 1 and dilation 2, the window of output row 0 covers only padding',
      ),
    );
  });
});
