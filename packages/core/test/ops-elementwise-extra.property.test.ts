/**
 * Gradient properties of the activations and special functions of issue 12: gradcheck (float64)
 * over random shapes (size-0 and size-1 dims included), transposed (strided) inputs and broadcast
 * operands; second derivatives by checking the createGraph gradient itself against finite
 * differences (gradgradcheck).
 */
import {
  atan2,
  ceil,
  customOp,
  elu,
  enableGrad,
  erf,
  erfinv,
  expm1,
  floor,
  GradcheckError,
  gelu,
  grad,
  gradcheck,
  hardtanh,
  leakyRelu,
  log1p,
  mish,
  nanToNum,
  reciprocal,
  remainder,
  round,
  rsqrt,
  silu,
  type Tensor,
} from '@tsgrad/core';
import {
  broadcastTensorsArb,
  GRAD_RUNS,
  makeTensor,
  shapeArb,
  tensorArb,
  type ValueKind,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const uniform = (min: number, max: number): ValueKind => ({ kind: 'uniform', min, max });
const signed = (min: number, max: number): ValueKind => ({ kind: 'signed', min, max });
/** Values 0.2·i + 0.05 + [0, 0.02]: at least 0.03 from every integer, half-integer and ±1. */
const offGrid: ValueKind = { kind: 'grid', offset: 0.05, n: 15 };

interface UnaryCase {
  name: string;
  op: (x: Tensor) => Tensor;
  kind: ValueKind;
  /** Check second derivatives too. */
  second?: boolean;
}

const unaryCases: UnaryCase[] = [
  { name: 'gelu', op: (x) => gelu(x), kind: uniform(-4, 4), second: true },
  {
    name: "gelu (approximate: 'tanh')",
    op: (x) => gelu(x, { approximate: 'tanh' }),
    kind: uniform(-4, 4),
    second: true,
  },
  { name: 'silu', op: silu, kind: uniform(-5, 5), second: true },
  { name: 'mish', op: mish, kind: uniform(-5, 5), second: true },
  { name: 'leakyRelu', op: (x) => leakyRelu(x, 0.1), kind: signed(0.05, 3) },
  { name: 'elu', op: (x) => elu(x, 0.7), kind: signed(0.05, 3), second: true },
  { name: 'hardtanh', op: (x) => hardtanh(x, -1, 1), kind: offGrid },
  { name: 'erf', op: erf, kind: uniform(-3, 3), second: true },
  { name: 'erfinv', op: erfinv, kind: uniform(-0.9, 0.9), second: true },
  { name: 'log1p', op: log1p, kind: uniform(-0.8, 3), second: true },
  { name: 'expm1', op: expm1, kind: uniform(-3, 3), second: true },
  { name: 'rsqrt', op: rsqrt, kind: uniform(0.3, 4), second: true },
  { name: 'reciprocal', op: reciprocal, kind: signed(0.3, 3), second: true },
  { name: 'nanToNum', op: (x) => nanToNum(x), kind: uniform(-3, 3) },
  { name: 'floor', op: floor, kind: offGrid },
  { name: 'ceil', op: ceil, kind: offGrid },
  { name: 'round', op: round, kind: offGrid },
];

/** A leaf whose last two dims are a transposed view of its buffer (rank ≥ 2), so strides are not row-major. */
function transposedLeaf(shape: readonly number[], kind: ValueKind, seed: number): Tensor {
  const swapped = [...shape.slice(0, -2), shape[shape.length - 1]!, shape[shape.length - 2]!];
  return makeTensor(swapped, kind, seed, false).mT.requiresGrad_();
}

/** d/dx of the createGraph gradient of sum(op(x)), i.e. the second derivative, against finite differences. */
function gradgradcheck(op: (x: Tensor) => Tensor, x: Tensor): boolean {
  // gradcheck evaluates its function under noGrad for the finite differences; the inner grad needs a graph.
  const firstDerivative = (t: Tensor) => enableGrad(() => grad(op(t).sum(), t, { createGraph: true })[0]!);
  return gradcheck(firstDerivative, [x]);
}

describe('gradients of the new unary ops', () => {
  for (const c of unaryCases) {
    it(`${c.name}: gradcheck on random shapes (size-0 and size-1 dims included)`, () => {
      fc.assert(
        fc.property(tensorArb(c.kind, { minDim: 0, maxDim: 3 }), (x) => gradcheck(c.op, [x])),
        { numRuns: GRAD_RUNS },
      );
    });

    it(`${c.name}: gradcheck on transposed (strided) inputs`, () => {
      fc.assert(
        fc.property(shapeArb({ minRank: 2, maxRank: 3, minDim: 1, maxDim: 4 }), fc.nat(), (shape, seed) => {
          const x = transposedLeaf(shape, c.kind, seed);
          expect(x.isContiguous).toBe(shape[shape.length - 1] === 1 || shape[shape.length - 2] === 1);
          return gradcheck(c.op, [x]);
        }),
        { numRuns: 20 },
      );
    });

    if (c.second) {
      it(`${c.name}: second derivatives (createGraph) match finite differences`, () => {
        fc.assert(
          fc.property(tensorArb(c.kind, { maxRank: 3 }), (x) => gradgradcheck(c.op, x)),
          { numRuns: 20 },
        );
      });
    }
  }

  it('gelu, silu and mish: third derivatives match finite differences (the derivative kernels are themselves differentiable)', () => {
    fc.assert(
      fc.property(tensorArb(uniform(-3, 3), { maxRank: 2 }), (x) => {
        for (const op of [(t: Tensor) => gelu(t), silu, mish]) {
          gradcheck(
            (t) =>
              enableGrad(() => {
                const [g1] = grad(op(t).sum(), t, { createGraph: true });
                return grad(g1!.sum(), t, { createGraph: true })[0]!;
              }),
            [x],
          );
        }
        return true;
      }),
      { numRuns: 10 },
    );
  });
});

describe('gradients of the new binary ops, with broadcasting', () => {
  const cases = [
    { name: 'atan2', op: atan2, ka: uniform(-2, 2), kb: signed(0.5, 2) },
    { name: 'remainder', op: remainder, ka: uniform(-3, 3), kb: signed(0.7, 2) },
  ];
  for (const c of cases) {
    it(`${c.name}: gradients of both operands match finite differences`, () => {
      fc.assert(
        fc.property(broadcastTensorsArb(c.ka, c.kb, { minDim: 0 }), ([a, b]) => gradcheck(c.op, [a, b])),
        { numRuns: GRAD_RUNS },
      );
    });
  }

  it('atan2: second derivatives match finite differences', () => {
    fc.assert(
      fc.property(broadcastTensorsArb(uniform(-2, 2), signed(0.5, 2), { maxRank: 3 }), ([a, b]) =>
        gradcheck(
          (s, t) => enableGrad(() => grad(atan2(s, t).sum(), [s, t], { createGraph: true })[0]!),
          [a, b],
        ),
      ),
      { numRuns: 20 },
    );
  });
});

describe('the properties can fail', () => {
  it('a deliberately wrong gradient (gelu with the derivative of silu) fails the gradcheck property', () => {
    const wrongGelu = customOp({
      name: 'wrongGelu',
      forward: (x) => gelu(x),
      backward: (g, [x]) => [g.mul(x!.sigmoid())],
    });
    let failure: unknown = null;
    try {
      fc.assert(
        fc.property(tensorArb(uniform(-3, 3), { minRank: 1, minDim: 1 }), (x) => gradcheck(wrongGelu, [x])),
        { numRuns: 20 },
      );
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).cause).toBeInstanceOf(GradcheckError);
    expect(String((failure as Error).cause)).toMatch(
      /gradcheck: first derivative .* of input 0 .* analytical/,
    );
  });
});
