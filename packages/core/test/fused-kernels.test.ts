import {
  conv2d,
  conv2dWeightGrad,
  enableGrad,
  Generator,
  gather,
  grad,
  gradcheck,
  linear,
  logSoftmax,
  maxPool2dWithIndices,
  randn,
  relu,
  sigmoid,
  softmaxCrossEntropy,
  type Tensor,
  tanh,
  tensor,
  ValueError,
} from '@tsgrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) expect(a).toBeNaN();
    else expect(Math.abs(a - e)).toBeLessThanOrEqual(tol * (1 + Math.abs(e)));
  }
}

// Values that stress the float32 bit tricks: signed zeros, NaN, infinities, subnormals, extremes.
const SPECIAL = [0, -0, Number.NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1, 0.5, -0.5];

/** A float32 vector mixing special values and random ones, long enough for the bit-pattern path. */
const float32Values = fc
  .array(fc.oneof(fc.constantFrom(...SPECIAL), fc.float({ noDefaultInfinity: false })), {
    // From 64 elements on, the kernels take the bit-pattern path.
    minLength: 64,
    maxLength: 300,
    size: 'max',
  })
  .map((v) => Float32Array.from(v));

describe('relu on float32 bit patterns', () => {
  it('equals max(x, 0) element for element, NaN kept and −0 made +0', () => {
    fc.assert(
      fc.property(float32Values, (v) => {
        const y = relu(tensor(v)).toTypedArray();
        for (let i = 0; i < v.length; i++) {
          const expected = Math.fround(Math.max(v[i]!, 0));
          if (Number.isNaN(expected)) expect(y[i]).toBeNaN();
          else expect(Object.is(y[i], expected)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('has a backward that passes g exactly where x > 0 (not at −0, 0 or NaN)', () => {
    fc.assert(
      fc.property(float32Values, (v) => {
        const x = tensor(v, { requiresGrad: true });
        const g = tensor(Float32Array.from(v, (_, i) => i + 0.25));
        relu(x).backward(g);
        const gx = x.grad!.toTypedArray();
        for (let i = 0; i < v.length; i++) expect(Object.is(gx[i], v[i]! > 0 ? i + 0.25 : 0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a NaN whose sign bit is set (written as bits)', () => {
    const v = new Float32Array(100).fill(-1);
    new Int32Array(v.buffer)[37] = 0xffc00001 | 0;
    const y = relu(tensor(v)).toTypedArray();
    expect(y[37]).toBeNaN();
    expect(y[36]).toBe(0);
  });

  it('gives the same answer on a strided view as on its contiguous copy', () => {
    const x = randn([70, 90], { generator: new Generator(1) });
    const view = x.t();
    expect(Array.from(relu(view).toTypedArray())).toEqual(Array.from(relu(view.contiguous()).toTypedArray()));
  });
});

describe('sigmoid and tanh backward in one pass', () => {
  const shapes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });

  for (const [name, f, derivative] of [
    ['sigmoid', sigmoid, (y: Tensor) => y.mul(y.neg().add(1))],
    ['tanh', tanh, (y: Tensor) => y.mul(y).neg().add(1)],
  ] as const) {
    it(`${name}: the gradient equals g·f'(x) composed from separate ops`, () => {
      fc.assert(
        fc.property(shapes, fc.integer({ min: 0, max: 1000 }), (shape, seed) => {
          const gen = new Generator(seed);
          const x = randn(shape, { generator: gen, requiresGrad: true });
          const g = randn(shape, { generator: gen });
          f(x).backward(g);
          const expected = g.mul(derivative(f(x.detach())));
          expectClose(x.grad!.toFlatArray(), expected.toFlatArray());
        }),
        { numRuns: 50 },
      );
    });

    it(`${name}: first and second derivatives match finite differences (float64)`, () => {
      const x = randn([3, 4], { dtype: 'float64', generator: new Generator(7), requiresGrad: true });
      gradcheck((t) => f(t!), [x]);
      gradcheck(
        (t) =>
          enableGrad(() => {
            const [gx] = grad(f(t!).mul(t!).sum(), [t!], { createGraph: true });
            return gx!.mul(gx!).sum();
          }),
        [x],
      );
    });
  }
});

describe('maxPool2d 2×2 fast path', () => {
  /** Max pooling by its definition: row-major taps, a later tap wins if greater or NaN over non-NaN. */
  function reference(
    v: Float32Array,
    planes: number,
    h: number,
    w: number,
  ): { values: number[]; at: number[] } {
    const oh = Math.floor(h / 2);
    const ow = Math.floor(w / 2);
    const values: number[] = [];
    const at: number[] = [];
    for (let p = 0; p < planes; p++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let best = Number.NaN;
          let pos = -1;
          for (let i = 0; i < 2; i++) {
            for (let j = 0; j < 2; j++) {
              const q = (2 * oy + i) * w + 2 * ox + j;
              const x = v[p * h * w + q]!;
              if (pos < 0 || x > best || (Number.isNaN(x) && !Number.isNaN(best))) {
                best = x;
                pos = q;
              }
            }
          }
          values.push(best);
          at.push(pos);
        }
      }
    }
    return { values, at };
  }

  it('picks the first maximum (ties and NaN included) like the definition, odd sizes too', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 0, max: 1000 }),
        (planes, h, w, seed) => {
          const gen = new Generator(seed);
          // Few distinct values, so ties are common; some NaN.
          const v = Float32Array.from({ length: planes * h * w }, () => {
            const u = gen.uniform(0, 1);
            return u < 0.05 ? Number.NaN : Math.floor(u * 4);
          });
          const out = maxPool2dWithIndices(tensor(v, { shape: [1, planes, h, w] }), 2);
          const ref = reference(v, planes, h, w);
          expect(Array.from(out.values.toTypedArray())).toEqual(ref.values);
          expect(Array.from(out.indices.toTypedArray())).toEqual(ref.at);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('conv2d kept columns and per-image products', () => {
  /** The weight gradient by its definition, Σ over images and outputs of g·x under each tap. */
  function referenceWeightGrad(x: Tensor, g: Tensor, k: number, pad: number): number[] {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [, o, oh, ow] = g.shape as [number, number, number, number];
    const X = x.toFlatArray();
    const G = g.toFlatArray();
    const out: number[] = [];
    for (let oc = 0; oc < o; oc++)
      for (let ci = 0; ci < c; ci++)
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) {
            let s = 0;
            for (let b = 0; b < n; b++)
              for (let oy = 0; oy < oh; oy++)
                for (let ox = 0; ox < ow; ox++) {
                  const y = oy - pad + i;
                  const xx = ox - pad + j;
                  if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
                  s += G[((b * o + oc) * oh + oy) * ow + ox]! * X[((b * c + ci) * h + y) * w + xx]!;
                }
            out.push(s);
          }
    return out;
  }

  it('gives the weight gradient of the definition on planes long enough for one product per image', () => {
    for (const [n, c, o, h, w] of [
      [2, 1, 3, 17, 16],
      [3, 2, 2, 20, 20],
    ] as const) {
      const gen = new Generator(n * 100 + h);
      const x = randn([n, c, h, w], { dtype: 'float64', generator: gen });
      const weight = randn([o, c, 3, 3], { dtype: 'float64', generator: gen, requiresGrad: true });
      const bias = randn([o], { dtype: 'float64', generator: gen, requiresGrad: true });
      const y = conv2d(x, weight, bias, { padding: 1 });
      const g = randn(y.shape, { dtype: 'float64', generator: gen });
      y.backward(g);
      expectClose(weight.grad!.toFlatArray(), referenceWeightGrad(x, g, 3, 1), 1e-10);
      expectClose(
        conv2dWeightGrad(x, weight.shape, g, { padding: 1 }).toFlatArray(),
        weight.grad!.toFlatArray(),
        1e-10,
      );
    }
  });

  it("unfolds 'same'-width stride-1 inputs (the block-copy path) as the definition says", () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }),
          c: fc.integer({ min: 1, max: 3 }),
          o: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 8 }),
          w: fc.integer({ min: 1, max: 8 }),
          kh: fc.integer({ min: 1, max: 5 }),
          halfKw: fc.integer({ min: 0, max: 2 }),
          dw: fc.integer({ min: 1, max: 2 }),
          ph: fc.integer({ min: 0, max: 2 }),
          seed: fc.integer({ min: 0, max: 10_000 }),
        }),
        (k) => {
          const kw = 2 * k.halfKw + 1;
          const pw = k.halfKw * k.dw; // output width = input width
          if (k.h + 2 * k.ph < k.kh) return;
          const gen = new Generator(k.seed);
          const x = randn([k.n, k.c, k.h, k.w], { dtype: 'float64', generator: gen });
          const weight = randn([k.o, k.c, k.kh, kw], { dtype: 'float64', generator: gen });
          const bias = randn([k.o], { dtype: 'float64', generator: gen });
          const y = conv2d(x, weight, bias, { padding: [k.ph, pw], dilation: [1, k.dw] });
          const [, , oh, ow] = y.shape as [number, number, number, number];
          expect(ow).toBe(k.w);
          const X = x.toFlatArray();
          const W = weight.toFlatArray();
          const B = bias.toFlatArray();
          const expected: number[] = [];
          for (let b = 0; b < k.n; b++)
            for (let oc = 0; oc < k.o; oc++)
              for (let oy = 0; oy < oh; oy++)
                for (let ox = 0; ox < ow; ox++) {
                  let s = B[oc]!;
                  for (let ci = 0; ci < k.c; ci++)
                    for (let i = 0; i < k.kh; i++)
                      for (let j = 0; j < kw; j++) {
                        const yy = oy - k.ph + i;
                        const xx = ox - pw + j * k.dw;
                        if (yy < 0 || yy >= k.h || xx < 0 || xx >= k.w) continue;
                        s +=
                          X[((b * k.c + ci) * k.h + yy) * k.w + xx]! *
                          W[((oc * k.c + ci) * k.kh + i) * kw + j]!;
                      }
                  expected.push(s);
                }
          expectClose(y.toFlatArray(), expected, 1e-10);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('matches finite differences on a plane of 272 outputs (float64)', () => {
    const gen = new Generator(3);
    const x = randn([1, 2, 17, 16], { dtype: 'float64', generator: gen, requiresGrad: true });
    const weight = randn([2, 2, 3, 3], { dtype: 'float64', generator: gen, requiresGrad: true });
    const bias = randn([2], { dtype: 'float64', generator: gen, requiresGrad: true });
    gradcheck((xi, wi, bi) => conv2d(xi!, wi!, bi!, { padding: 1 }), [x, weight, bias]);
  });

  it('gives the same gradients step after step while its column buffers are reused', () => {
    const gen = new Generator(5);
    const weight = randn([4, 2, 5, 5], { generator: gen, requiresGrad: true });
    const bias = randn([4], { generator: gen, requiresGrad: true });
    const xs = [randn([3, 2, 12, 12], { generator: gen }), randn([3, 2, 12, 12], { generator: gen })];
    const step = (x: Tensor): number[] => {
      weight.grad = null;
      conv2d(x, weight, bias, { padding: 2 }).square().sum().backward();
      return Array.from(weight.grad!.toTypedArray());
    };
    const first = xs.map(step);
    // Graphs built and released in between, and two graphs alive at once, must not mix columns.
    const y0 = conv2d(xs[0]!, weight, bias, { padding: 2 });
    const y1 = conv2d(xs[1]!, weight, bias, { padding: 2 });
    weight.grad = null;
    y1.square().sum().backward();
    expect(Array.from(weight.grad!.toTypedArray())).toEqual(first[1]);
    weight.grad = null;
    y0.square().sum().backward();
    expect(Array.from(weight.grad!.toTypedArray())).toEqual(first[0]);
    expect(xs.map(step)).toEqual(first);
  });

  it('keeps its columns for a second backward through a retained graph', () => {
    const gen = new Generator(6);
    const weight = randn([3, 1, 3, 3], { generator: gen, requiresGrad: true });
    const x = randn([2, 1, 9, 9], { generator: gen });
    const loss = conv2d(x, weight, null).square().sum();
    loss.backward(undefined, { retainGraph: true });
    const once = Array.from(weight.grad!.toTypedArray());
    // Another step in between may take pooled buffers; the retained graph's must stay its own.
    conv2d(randn([2, 1, 9, 9], { generator: gen }), weight, null)
      .sum()
      .backward();
    weight.grad = null;
    loss.backward();
    expect(Array.from(weight.grad!.toTypedArray())).toEqual(once);
  });
});

describe('softmaxCrossEntropy', () => {
  /** The unfused composition: −logSoftmax picked by the label, reduced over the counted rows. */
  function composite(
    logits: Tensor,
    labels: number[],
    reduction: 'mean' | 'sum' | 'none',
    ignore: number,
  ): Tensor {
    const keep = labels.map((t) => (t === ignore ? 0 : 1));
    const index = tensor(
      labels.map((t) => (t === ignore ? 0 : t)),
      { dtype: 'int32', shape: [labels.length, 1] },
    );
    const picked = gather(logSoftmax(logits, 1), 1, index)
      .reshape([labels.length])
      .mul(tensor(keep, { dtype: logits.dtype }))
      .neg();
    if (reduction === 'none') return picked;
    const total = picked.sum();
    return reduction === 'sum' ? total : total.div(keep.reduce((a: number, b) => a + b, 0));
  }

  const caseArb = fc
    .record({
      n: fc.integer({ min: 1, max: 6 }),
      c: fc.integer({ min: 1, max: 7 }),
      reduction: fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
      seed: fc.integer({ min: 0, max: 10_000 }),
      ignoreSome: fc.boolean(),
    })
    .map((k) => {
      const gen = new Generator(k.seed);
      const labels: number[] = Array.from({ length: k.n }, (_, i) =>
        k.ignoreSome && i % 3 === 1 ? -100 : Math.floor(gen.uniform(0, k.c)),
      );
      // Keep at least one counted label so the mean is defined.
      if (!labels.some((t) => t !== -100)) labels[0] = 0;
      return { ...k, labels, gen };
    });

  it('equals logSoftmax + gather + reduction, value and gradient, in float32', () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const x = randn([k.n, k.c], { generator: k.gen, requiresGrad: true }).mul(3).detach();
        x.requiresGrad = true;
        const target = tensor(k.labels, { dtype: 'int32' });
        const fused = softmaxCrossEntropy(x, target, { reduction: k.reduction });
        const ref = composite(x, k.labels, k.reduction, -100);
        expectClose(fused.toFlatArray(), ref.toFlatArray(), 1e-5);
        const g = randn(fused.shape, { generator: k.gen });
        const [gf] = grad(fused, [x], { gradOutputs: [g] });
        const [gr] = grad(ref, [x], { gradOutputs: [g] });
        expectClose(gf!.toFlatArray(), gr!.toFlatArray(), 1e-5);
      }),
      { numRuns: 100 },
    );
  });

  it('has first and second derivatives that match finite differences (float64)', () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const x = randn([k.n, k.c], { dtype: 'float64', generator: k.gen, requiresGrad: true });
        const target = tensor(k.labels, { dtype: 'int32' });
        gradcheck((t) => softmaxCrossEntropy(t!, target, { reduction: k.reduction }), [x]);
        gradcheck(
          (t) =>
            enableGrad(() => {
              const loss = softmaxCrossEntropy(t!, target, { reduction: k.reduction }).sum();
              const [gx] = grad(loss, [t!], { createGraph: true });
              return gx!.mul(gx!).sum().add(gx!.mul(t!).sum());
            }),
          [x],
        );
      }),
      { numRuns: 25 },
    );
  });

  it('is finite for logits of ±1000 and −∞ (shifted by the row maximum)', () => {
    const x = tensor([1000, -1000, 0, -Infinity, 5, 1], { shape: [2, 3] });
    const loss = softmaxCrossEntropy(x, tensor([0, 1], { dtype: 'int32' }), { reduction: 'none' });
    expectClose(loss.toFlatArray(), [0, Math.log(Math.exp(0) + Math.exp(-4))], 1e-6);
  });

  it('names the op and the label for a label out of range', () => {
    const x = randn([2, 3], { generator: new Generator(0) });
    expect(() => softmaxCrossEntropy(x, tensor([1, 3], { dtype: 'int32' }))).toThrow(ValueError);
    expect(() => softmaxCrossEntropy(x, tensor([1, 3], { dtype: 'int32' }))).toThrow(
      'softmaxCrossEntropy: label 3 at index 1 is out of range [0, 3)',
    );
  });
});

describe('linear', () => {
  const caseArb = fc.record({
    lead: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    inF: fc.integer({ min: 1, max: 9 }),
    outF: fc.integer({ min: 1, max: 9 }),
    bias: fc.boolean(),
    transposedInput: fc.boolean(),
    seed: fc.integer({ min: 0, max: 10_000 }),
  });

  it('equals matmul(x, wᵀ) + b exactly, value and gradients, on random shapes and strided inputs', () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const gen = new Generator(k.seed);
        const shape = [...k.lead, k.inF];
        // A transposed view of the input exercises the non-contiguous path.
        const raw = k.transposedInput
          ? randn([k.inF, ...k.lead], { generator: gen }).permute([...k.lead.map((_, i) => i + 1), 0])
          : randn(shape, { generator: gen });
        const x = raw.detach();
        x.requiresGrad = true;
        const w = randn([k.outF, k.inF], { generator: gen, requiresGrad: true });
        const b = k.bias ? randn([k.outF], { generator: gen, requiresGrad: true }) : null;
        const fused = linear(x, w, b);
        const product = x.matmul(w.t());
        const ref = b === null ? product : product.add(b);
        expect(fused.shape).toEqual(ref.shape);
        expect(Array.from(fused.toFlatArray())).toEqual(Array.from(ref.toFlatArray()));
        const g = randn(ref.shape, { generator: gen });
        const wrt = b === null ? [x, w] : [x, w, b];
        const gf = grad(fused, wrt, { gradOutputs: [g] });
        const gr = grad(ref, wrt, { gradOutputs: [g] });
        for (const [i, gi] of gf.entries()) expectClose(gi.toFlatArray(), gr[i]!.toFlatArray(), 1e-5);
      }),
      { numRuns: 100 },
    );
  });

  it('has first and second derivatives that match finite differences (float64)', () => {
    const gen = new Generator(11);
    const opts = { dtype: 'float64' as const, generator: gen, requiresGrad: true };
    const x = randn([2, 3, 4], opts);
    const w = randn([5, 4], opts);
    const b = randn([5], opts);
    gradcheck((xi, wi, bi) => linear(xi!, wi!, bi!), [x, w, b]);
    gradcheck(
      (xi, wi, bi) =>
        enableGrad(() => {
          const y = linear(xi!, wi!, bi!);
          const grads = grad(y.mul(y).sum(), [xi!, wi!, bi!], { createGraph: true });
          return grads.map((gi) => gi.mul(gi).sum()).reduce((acc, v) => acc.add(v));
        }),
      [x, w, b],
      { atol: 1e-4 },
    );
  });
});
