/**
 * The float32 convolutions (the WebAssembly path: columns unfolded and folded inside the matmul
 * module's memory) against the float64 ones (the JS loops), forward and both gradients, over
 * random geometries; and bit-identical on 1 and 2 threads.
 */
import { conv2d, Generator, getNumThreads, grad, randn, setNumThreads, type Tensor } from '@tsgrad/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { windowGeometry, withWindow } from './helpers/window-arbitraries.js';

const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

const caseArb = withWindow(
  windowGeometry({ n: 3, size: 11, kernel: 5, stride: [3, 2], padding: 2 }),
  fc.record({ c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 9 }), bias: fc.boolean() }),
);

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** Output, input gradient, weight gradient and bias gradient of conv2d in `dtype` for one upstream gradient. */
function run(k: Case, dtype: 'float32' | 'float64'): Float64Array[] {
  const g = new Generator(k.seed);
  const x64 = randn([k.n, k.c, k.h, k.w], { dtype: 'float64', generator: g });
  const w64 = randn([k.o, k.c, k.kh, k.kw], { dtype: 'float64', generator: g });
  const b64 = randn([k.o], { dtype: 'float64', generator: g });
  const cast = (t: Tensor) => t.to(dtype).requiresGrad_(true);
  const x = cast(x64);
  const w = cast(w64);
  const b = k.bias ? cast(b64) : null;
  const y = conv2d(x, w, b, { stride: k.stride, padding: k.padding, dilation: k.dilation });
  const up = randn(y.shape, { dtype: 'float64', generator: new Generator(k.seed + 1) }).to(dtype);
  const grads = grad(y, b === null ? [x, w] : [x, w, b], { gradOutputs: [up] });
  return [y, ...grads].map((t) => Float64Array.from(t!.toFlatArray()));
}

function expectNear(a: Float64Array, e: Float64Array): void {
  expect(a.length).toBe(e.length);
  const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i]! - e[i]!) > 2e-5 * scale) throw new Error(`element ${i}: ${a[i]} vs ${e[i]}`);
  }
}

describe('float32 conv2d', () => {
  it('matches float64 forward and gradients over random geometries (stride, padding, dilation)', () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const f32 = run(k, 'float32');
        const f64 = run(k, 'float64');
        expect(f32.length).toBe(f64.length);
        for (let i = 0; i < f32.length; i++) expectNear(f32[i]!, f64[i]!);
      }),
      { numRuns: 150 },
    );
  });

  it('matches float64 when the batch is unfolded in several chunks (columns over the budget)', () => {
    // 25 taps × 64² outputs per image: the 4 M-element column budget holds 40 images, so 41 make two chunks.
    const k: Case = {
      n: 41,
      c: 1,
      o: 3,
      h: 64,
      w: 64,
      kh: 5,
      kw: 5,
      stride: [1, 1],
      padding: [2, 2],
      dilation: [1, 1],
      bias: true,
      seed: 3,
    };
    const f32 = run(k, 'float32');
    const f64 = run(k, 'float64');
    for (let i = 0; i < f32.length; i++) expectNear(f32[i]!, f64[i]!);
  });

  it('gives the same bits on 1 and 2 threads (a LeNet-sized layer, big enough to split)', () => {
    const k: Case = {
      n: 16,
      c: 8,
      o: 16,
      h: 14,
      w: 14,
      kh: 5,
      kw: 5,
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
      bias: true,
      seed: 7,
    };
    setNumThreads(1);
    const one = run(k, 'float32');
    setNumThreads(2);
    const two = run(k, 'float32');
    for (let i = 0; i < one.length; i++) expect(two[i]).toEqual(one[i]);
    const padded = { ...k, c: 1, o: 8, h: 28, w: 28, padding: [2, 2] as [number, number] };
    setNumThreads(1);
    const onePadded = run(padded, 'float32');
    setNumThreads(2);
    const twoPadded = run(padded, 'float32');
    for (let i = 0; i < onePadded.length; i++) expect(twoPadded[i]).toEqual(onePadded[i]);
  });
});
