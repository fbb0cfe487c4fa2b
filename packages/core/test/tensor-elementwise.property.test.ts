import {
  abs,
  add,
  clamp,
  cos,
  div,
  exp,
  gradcheck,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  sin,
  sqrt,
  sub,
  type Tensor,
  tanh,
  tensor,
  where,
} from '@tsgrad/core';
import {
  allCoords,
  broadcastPairArb,
  broadcastTensorsArb,
  closeArrays,
  expectedBroadcast,
  flat,
  GRAD_RUNS,
  makeTensor,
  numel,
  tensorArb,
  tensorOfShapeArb,
  type ValueKind,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafArb } from './helpers/order-arbitraries.js';

const uniform = (min: number, max: number): ValueKind => ({ kind: 'uniform', min, max });
const signed = (min: number, max: number): ValueKind => ({ kind: 'signed', min, max });
const gridA: ValueKind = { kind: 'grid', offset: 0, n: 10 };
const gridB: ValueKind = { kind: 'grid', offset: 0.1, n: 10 };

/** The element of a right-aligned broadcast operand at output coordinates. */
function broadcastAt(
  data: readonly number[],
  shape: readonly number[],
  outCoords: readonly number[],
): number {
  const lead = outCoords.length - shape.length;
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + (shape[d] === 1 ? 0 : outCoords[lead + d]!);
  return data[p]!;
}

interface BinaryCase {
  name: string;
  op: (a: Tensor, b: Tensor) => Tensor;
  ref: (a: number, b: number) => number;
  ka: ValueKind;
  kb: ValueKind;
}

const binaryCases: BinaryCase[] = [
  { name: 'add', op: add, ref: (a, b) => a + b, ka: uniform(-2, 2), kb: uniform(-2, 2) },
  { name: 'sub', op: sub, ref: (a, b) => a - b, ka: uniform(-2, 2), kb: uniform(-2, 2) },
  { name: 'mul', op: mul, ref: (a, b) => a * b, ka: uniform(-2, 2), kb: uniform(-2, 2) },
  { name: 'div', op: div, ref: (a, b) => a / b, ka: uniform(-2, 2), kb: signed(0.5, 2) },
  { name: 'pow', op: pow, ref: (a, b) => a ** b, ka: uniform(0.5, 2), kb: uniform(-2, 2) },
  { name: 'maximum', op: maximum, ref: Math.max, ka: gridA, kb: gridB },
  { name: 'minimum', op: minimum, ref: Math.min, ka: gridA, kb: gridB },
];

describe('binary elementwise ops', () => {
  for (const c of binaryCases) {
    it(`${c.name}: output shape follows NumPy broadcasting`, () => {
      fc.assert(
        fc.property(broadcastPairArb({ minDim: 0, maxDim: 4 }), ([sa, sb]) => {
          const a = makeTensor(sa, c.ka, 1, false);
          const b = makeTensor(sb, c.kb, 2, false);
          expect(c.op(a, b).shape).toEqual(expectedBroadcast(sa, sb));
          expect(c.op(b, a).shape).toEqual(expectedBroadcast(sa, sb));
        }),
        { numRuns: 50 },
      );
    });

    it(`${c.name}: forward matches the elementwise reference on broadcast operands`, () => {
      fc.assert(
        fc.property(broadcastTensorsArb(c.ka, c.kb), ([a, b]) => {
          const out = c.op(a, b);
          const da = flat(a);
          const db = flat(b);
          const expected = allCoords(out.shape).map((co) =>
            c.ref(broadcastAt(da, a.shape, co), broadcastAt(db, b.shape, co)),
          );
          expect(closeArrays(flat(out), expected, 1e-14, 0)).toBe(true);
        }),
        { numRuns: 30 },
      );
    });

    it(`${c.name}: gradients of both operands match finite differences`, () => {
      fc.assert(
        fc.property(broadcastTensorsArb(c.ka, c.kb), ([a, b]) => gradcheck(c.op, [a, b])),
        { numRuns: GRAD_RUNS },
      );
    });
  }

  it('pow with a number exponent: forward and gradient', () => {
    fc.assert(
      fc.property(tensorArb(uniform(0.5, 2)), fc.constantFrom(2, 3, -1, 0.5, 1.7, 0), (x, e) => {
        expect(
          closeArrays(
            flat(pow(x, e)),
            flat(x).map((v) => v ** e),
            1e-14,
            0,
          ),
        ).toBe(true);
        return gradcheck((t) => pow(t, e), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('a number is accepted on either side of a binary op', () => {
    const x = tensor([1, 2, 4], { dtype: 'float64' });
    expect(flat(sub(1, x))).toEqual([0, -1, -3]);
    expect(flat(div(x, 2))).toEqual([0.5, 1, 2]);
    expect(flat(pow(2, x))).toEqual([2, 4, 16]);
    expect(sub(1, x).dtype).toBe('float64');
  });

  it('pow with a tensor base that is a number: gradient of the exponent', () => {
    fc.assert(
      fc.property(tensorArb(uniform(-2, 2)), (x) => gradcheck((t) => pow(1.5, t), [x])),
      { numRuns: 20 },
    );
  });

  it('maximum and minimum split the gradient evenly at ties', () => {
    const a = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1, 0, 5], { dtype: 'float64', requiresGrad: true });
    maximum(a, b).sum().backward();
    expect(flat(a.grad!)).toEqual([0.5, 1, 0]);
    expect(flat(b.grad!)).toEqual([0.5, 0, 1]);
  });
});

interface UnaryCase {
  name: string;
  op: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  kind: ValueKind;
}

const unaryCases: UnaryCase[] = [
  { name: 'neg', op: neg, ref: (x) => -x, kind: uniform(-2, 2) },
  { name: 'exp', op: exp, ref: Math.exp, kind: uniform(-2, 2) },
  { name: 'log', op: log, ref: Math.log, kind: uniform(0.2, 3) },
  { name: 'sqrt', op: sqrt, ref: Math.sqrt, kind: uniform(0.2, 3) },
  { name: 'abs', op: abs, ref: Math.abs, kind: signed(0.1, 2) },
  { name: 'tanh', op: tanh, ref: Math.tanh, kind: uniform(-3, 3) },
  { name: 'sigmoid', op: sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), kind: uniform(-4, 4) },
  { name: 'relu', op: relu, ref: (x) => Math.max(x, 0), kind: signed(0.1, 2) },
  { name: 'sin', op: sin, ref: Math.sin, kind: uniform(-3, 3) },
  { name: 'cos', op: cos, ref: Math.cos, kind: uniform(-3, 3) },
  {
    name: 'clamp(-0.6, 0.6)',
    op: (x) => clamp(x, -0.6, 0.6),
    ref: (x) => Math.min(Math.max(x, -0.6), 0.6),
    kind: gridB,
  },
  { name: 'clamp(min)', op: (x) => clamp(x, -0.6), ref: (x) => Math.max(x, -0.6), kind: gridB },
  { name: 'clamp(max)', op: (x) => clamp(x, undefined, 0.6), ref: (x) => Math.min(x, 0.6), kind: gridB },
];

describe('unary elementwise ops', () => {
  for (const c of unaryCases) {
    it(`${c.name}: keeps the shape and matches Math on every element, strided input included`, () => {
      fc.assert(
        fc.property(tensorArb(c.kind, { minRank: 0, maxRank: 4 }), (x) => {
          const y = c.op(x);
          expect(y.shape).toEqual(x.shape);
          expect(closeArrays(flat(y), flat(x).map(c.ref), 1e-14, 0)).toBe(true);
          if (x.ndim >= 2) {
            const xt = x.transpose(0, -1);
            expect(closeArrays(flat(c.op(xt)), flat(xt).map(c.ref), 1e-14, 0)).toBe(true);
          }
        }),
        { numRuns: 30 },
      );
    });

    it(`${c.name}: gradient matches finite differences`, () => {
      fc.assert(
        fc.property(tensorArb(c.kind), (x) => gradcheck(c.op, [x])),
        { numRuns: GRAD_RUNS },
      );
    });

    it(`${c.name}: gradient on strided (transposed) inputs and dims of size 0`, () => {
      fc.assert(
        fc.property(leafArb({ values: c.kind, minDim: 0, minRank: 1 }), (x) => gradcheck(c.op, [x])),
        { numRuns: GRAD_RUNS },
      );
    });
  }

  it('relu and abs have gradient 0 at 0; clamp passes the gradient at its bounds', () => {
    const x = tensor([0, -0.6, 0.6, 1], { dtype: 'float64', requiresGrad: true });
    relu(x).sum().backward();
    expect(flat(x.grad!)).toEqual([0, 0, 1, 1]);
    x.grad = null;
    abs(x).sum().backward();
    expect(flat(x.grad!)).toEqual([0, -1, 1, 1]);
    x.grad = null;
    clamp(x, -0.6, 0.6).sum().backward();
    expect(flat(x.grad!)).toEqual([1, 1, 1, 0]);
  });
});

describe('where', () => {
  const tripleArb = fc.tuple(broadcastPairArb(), fc.integer({ min: 0, max: 2 })).chain(([[sa, sb], pick]) => {
    const sc = pick === 0 ? sa : pick === 1 ? sb : expectedBroadcast(sa, sb);
    return fc.tuple(
      fc.array(fc.boolean(), { minLength: numel(sc), maxLength: numel(sc) }).map((bits) =>
        tensor(
          Float64Array.from(bits, (b) => (b ? 1 : 0)),
          { shape: sc, dtype: 'float64' },
        ),
      ),
      tensorOfShapeArb(sa, uniform(-2, 2)),
      tensorOfShapeArb(sb, uniform(-2, 2)),
    );
  });

  it('picks a where cond ≠ 0 and b elsewhere, broadcasting all three', () => {
    fc.assert(
      fc.property(tripleArb, ([cond, a, b]) => {
        const out = where(cond, a, b);
        expect(out.shape).toEqual(expectedBroadcast(cond.shape, a.shape, b.shape));
        const [dc, da, db] = [flat(cond), flat(a), flat(b)];
        const expected = allCoords(out.shape).map((co) =>
          broadcastAt(dc, cond.shape, co) !== 0 ? broadcastAt(da, a.shape, co) : broadcastAt(db, b.shape, co),
        );
        expect(flat(out)).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('gradients flow to the chosen operand only', () => {
    fc.assert(
      fc.property(tripleArb, ([cond, a, b]) => gradcheck((x, y) => where(cond, x, y), [a, b])),
      { numRuns: GRAD_RUNS },
    );
  });
});

describe('cast', () => {
  it('float64 → float32 → float64 keeps values to float32 precision and passes the gradient', () => {
    fc.assert(
      fc.property(tensorArb(uniform(-2, 2)), (x) => {
        const y = x.to('float32');
        expect(y.dtype).toBe('float32');
        expect(flat(y)).toEqual(flat(x).map(Math.fround));
        return gradcheck((t) => t.to('float32').mul(3).to('float64'), [x], {
          eps: 1e-2,
          atol: 1e-3,
          rtol: 1e-3,
        });
      }),
      { numRuns: 20 },
    );
  });

  it('the gradient of a float32 leaf used in float64 arrives as float32', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.to('float64')
      .mul(tensor([1, 2, 3], { dtype: 'float64' }))
      .sum()
      .backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(flat(x.grad!)).toEqual([1, 2, 3]);
  });

  it('casts to int32 truncate toward zero and carry no history', () => {
    const x = tensor([1.7, -1.7, 2], { dtype: 'float64', requiresGrad: true });
    const i = x.to('int32');
    expect(i.dtype).toBe('int32');
    expect(flat(i)).toEqual([1, -1, 2]);
    expect(i.requiresGrad).toBe(false);
  });
});

describe('comparisons', () => {
  it('eq, ne, lt, le, gt, ge give a bool tensor of 0/1 and carry no history', () => {
    const a = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const b = tensor([2], { dtype: 'float64' });
    expect(flat(a.eq(b))).toEqual([0, 1, 0]);
    expect(flat(a.ne(b))).toEqual([1, 0, 1]);
    expect(flat(a.lt(b))).toEqual([1, 0, 0]);
    expect(flat(a.le(b))).toEqual([1, 1, 0]);
    expect(flat(a.gt(2))).toEqual([0, 0, 1]);
    expect(flat(a.ge(2))).toEqual([0, 1, 1]);
    expect(a.gt(b).requiresGrad).toBe(false);
    expect(a.gt(b).dtype).toBe('bool');
  });
});
