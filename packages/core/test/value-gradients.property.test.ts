import { noGrad, Value } from '@tsgrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** A scalar function of some scalar inputs, built from Values. */
type ScalarFn = (inputs: Value[]) => Value;

interface GradCheckResult {
  ok: boolean;
  analytic: number[];
  numeric: number[];
}

/**
 * Compares `backward()` with central finite differences (f(x + h) − f(x − h)) / 2h for every
 * input; passes when |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|).
 */
function checkGradients(fn: ScalarFn, xs: number[], h = 1e-6, rtol = 1e-4, atol = 1e-5): GradCheckResult {
  const inputs = xs.map((x) => new Value(x));
  fn(inputs).backward();
  const analytic = inputs.map((v) => v.grad);
  const at = (i: number, delta: number) =>
    noGrad(() => fn(xs.map((x, j) => new Value(j === i ? x + delta : x))).data);
  const numeric = xs.map((_, i) => (at(i, h) - at(i, -h)) / (2 * h));
  const ok = analytic.every((a, i) => {
    const n = numeric[i]!;
    return Number.isFinite(a) && Math.abs(a - n) <= atol + rtol * Math.max(Math.abs(a), Math.abs(n));
  });
  return { ok, analytic, numeric };
}

/** The property "backward agrees with finite differences" for `fn` over inputs drawn from `arb`. */
function gradientProperty(fn: ScalarFn, arb: fc.Arbitrary<number[]>) {
  return fc.property(arb, (xs) => {
    const result = checkGradients(fn, xs);
    if (!result.ok) {
      throw new Error(`analytic ${result.analytic} vs numeric ${result.numeric} at ${xs}`);
    }
  });
}

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
/** Magnitude in [min, max] with either sign: keeps a value away from 0 (a denominator, a kink). */
const awayFromZero = (min: number, max: number) =>
  fc.tuple(real(min, max), fc.boolean()).map(([x, negative]) => (negative ? -x : x));
const tuple = (...arbs: fc.Arbitrary<number>[]) => fc.tuple(...arbs).map((xs) => [...xs]);

const runs = { numRuns: 200 };

describe('every Value op: backward agrees with central finite differences', () => {
  const cases: [string, ScalarFn, fc.Arbitrary<number[]>][] = [
    ['add', ([a, b]) => a!.add(b!), tuple(real(-10, 10), real(-10, 10))],
    ['add number', ([a]) => a!.add(3.5), tuple(real(-10, 10))],
    ['sub', ([a, b]) => a!.sub(b!), tuple(real(-10, 10), real(-10, 10))],
    ['mul', ([a, b]) => a!.mul(b!), tuple(real(-10, 10), real(-10, 10))],
    ['div', ([a, b]) => a!.div(b!), tuple(real(-10, 10), awayFromZero(0.5, 10))],
    ['pow number', ([a]) => a!.pow(2.5), tuple(real(0.1, 5))],
    ['pow negative number', ([a]) => a!.pow(-1.5), tuple(real(0.2, 5))],
    ['pow Value', ([a, b]) => a!.pow(b!), tuple(real(0.1, 5), real(-3, 3))],
    ['neg', ([a]) => a!.neg(), tuple(real(-10, 10))],
    ['exp', ([a]) => a!.exp(), tuple(real(-5, 5))],
    ['log', ([a]) => a!.log(), tuple(real(0.05, 20))],
    ['tanh', ([a]) => a!.tanh(), tuple(real(-4, 4))],
    ['sigmoid', ([a]) => a!.sigmoid(), tuple(real(-10, 10))],
    ['relu', ([a]) => a!.relu(), tuple(awayFromZero(1e-3, 10))],
    ['sum', (vs) => Value.sum(vs), fc.array(real(-10, 10), { minLength: 1, maxLength: 12 })],
    [
      'dot',
      (vs) => Value.dot(vs.slice(0, vs.length >> 1), vs.slice(vs.length >> 1)),
      fc.array(real(-5, 5), { minLength: 1, maxLength: 6 }).map((xs) => [...xs, ...xs.map((x) => -x / 2)]),
    ],
  ];
  for (const [name, fn, arb] of cases) {
    it(name, () => {
      fc.assert(gradientProperty(fn, arb), runs);
    });
  }
});

/** Ops that are smooth on all reals, so any random program of them is differentiable. */
const unary: ((v: Value) => Value)[] = [
  (v) => v.tanh(),
  (v) => v.sigmoid(),
  (v) => v.neg(),
  (v) => v.tanh().exp(),
  (v) => v.mul(v).add(1).log(),
  (v) => v.sigmoid().add(0.5).pow(1.7),
];
const binary: ((a: Value, b: Value) => Value)[] = [
  (a, b) => a.add(b),
  (a, b) => a.sub(b),
  (a, b) => a.mul(b),
  (a, b) => a.div(b.sigmoid().add(0.5)),
  (a, b) => a.sigmoid().add(0.2).pow(b.tanh()),
  (a, b) => Value.dot([a, b, a], [b, b, 0.5]),
];

interface Step {
  op: number;
  i: number;
  j: number;
}

/** Runs a random program: each step applies an op to earlier results (reuse included). */
function runProgram(steps: Step[]): ScalarFn {
  return (inputs) => {
    const pool = [...inputs];
    for (const { op, i, j } of steps) {
      const a = pool[i % pool.length]!;
      const b = pool[j % pool.length]!;
      pool.push(op < unary.length ? unary[op]!(a) : binary[op - unary.length]!(a, b));
    }
    return Value.sum(pool.slice(inputs.length));
  };
}

describe('compositions', () => {
  it('random programs of ops agree with finite differences', () => {
    const step = fc.record({ op: fc.nat(unary.length + binary.length - 1), i: fc.nat(), j: fc.nat() });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.array(real(-2, 2), { minLength: 1, maxLength: 4 }),
        (steps, xs) => {
          const result = checkGradients(runProgram(steps), xs);
          expect(result.analytic).toHaveLength(xs.length);
          if (!result.ok) throw new Error(`analytic ${result.analytic} vs numeric ${result.numeric}`);
        },
      ),
      runs,
    );
  });
});

describe('the checker', () => {
  // x², built as a custom op; `factor` scales its backward, so 1 is right and 1.1 is wrong.
  const square =
    (factor: number): ScalarFn =>
    ([x]) =>
      Value.fromOp(x!.data * x!.data, 'square', [x!], (out) => {
        x!.grad += factor * 2 * x!.data * out.grad;
      });
  const domain = tuple(awayFromZero(0.5, 5));

  it('passes a correct custom op', () => {
    fc.assert(gradientProperty(square(1), domain), runs);
  });

  it('catches a derivative that is off by 10 %', () => {
    expect(checkGradients(square(1.1), [2]).ok).toBe(false);
    expect(() => fc.assert(gradientProperty(square(1.1), domain), runs)).toThrow(/Property failed/);
  });

  it('catches a derivative with the wrong sign inside a composition', () => {
    const wrongNeg: ScalarFn = ([x]) =>
      Value.fromOp(-x!.data, 'neg', [x!], (out) => {
        x!.grad += out.grad;
      })
        .tanh()
        .mul(x!);
    expect(() => fc.assert(gradientProperty(wrongNeg, domain), runs)).toThrow(/Property failed/);
  });
});
