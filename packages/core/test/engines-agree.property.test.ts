import { type Tensor, tensor, Value } from '@tsgrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The operations both engines offer, written once over an abstract number type. */
interface Algebra<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  pow(a: T, b: T): T;
  powConst(a: T, e: number): T;
  addConst(a: T, c: number): T;
  neg(a: T): T;
  exp(a: T): T;
  log(a: T): T;
  tanh(a: T): T;
  sigmoid(a: T): T;
  relu(a: T): T;
}

const valueAlgebra: Algebra<Value> = {
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  pow: (a, b) => a.pow(b),
  powConst: (a, e) => a.pow(e),
  addConst: (a, c) => a.add(c),
  neg: (a) => a.neg(),
  exp: (a) => a.exp(),
  log: (a) => a.log(),
  tanh: (a) => a.tanh(),
  sigmoid: (a) => a.sigmoid(),
  relu: (a) => a.relu(),
};

const tensorAlgebra: Algebra<Tensor> = {
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  pow: (a, b) => a.pow(b),
  powConst: (a, e) => a.pow(e),
  addConst: (a, c) => a.add(c),
  neg: (a) => a.neg(),
  exp: (a) => a.exp(),
  log: (a) => a.log(),
  tanh: (a) => a.tanh(),
  sigmoid: (a) => a.sigmoid(),
  relu: (a) => a.relu(),
};

type Step = { op: number; i: number; j: number; c: number };

/**
 * Builds the expression: each step applies an op to earlier nodes (so inputs and intermediates
 * are reused). Domains are kept safe by construction: log and pow bases are squares plus a
 * constant, divisors are 1 + a square, exp sees tanh of its argument.
 */
function build<T>(A: Algebra<T>, leaves: T[], steps: readonly Step[]): T {
  const nodes = [...leaves];
  const positive = (a: T) => A.addConst(A.mul(a, a), 0.5);
  for (const { op, i, j, c } of steps) {
    const a = nodes[i % nodes.length]!;
    const b = nodes[j % nodes.length]!;
    const next = [
      () => A.add(a, b),
      () => A.sub(a, b),
      () => A.mul(a, b),
      () => A.div(a, A.addConst(A.mul(b, b), 1)),
      () => A.pow(positive(a), A.tanh(b)),
      () => A.powConst(positive(a), c),
      () => A.neg(a),
      () => A.exp(A.tanh(a)),
      () => A.log(positive(a)),
      () => A.tanh(a),
      () => A.sigmoid(a),
      () => A.relu(A.addConst(a, c / 7)),
    ][op]!();
    nodes.push(next);
  }
  return nodes[nodes.length - 1]!;
}

const stepArb = fc.record({
  op: fc.integer({ min: 0, max: 11 }),
  i: fc.nat(50),
  j: fc.nat(50),
  c: fc.constantFrom(-1, 0.5, 2, 3, 1.5),
});

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('the scalar engine and the tensor engine agree', () => {
  for (const form of ['0-d', '1-element'] as const) {
    it(`on random expressions: values and gradients (${form} float64 tensors)`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 3 }),
          fc.array(stepArb, { minLength: 1, maxLength: 12 }),
          (inputs, steps) => {
            const vs = inputs.map((x) => new Value(x));
            const ts = inputs.map((x) =>
              tensor(form === '0-d' ? x : [x], { dtype: 'float64', requiresGrad: true }),
            );
            const v = build(valueAlgebra, vs, steps);
            const t = build(tensorAlgebra, ts, steps);
            expect(close(t.toFlatArray()[0]!, v.data)).toBe(true);
            // A leaf that is itself the output has no graph in either engine; the gradient is 1.
            if (!t.requiresGrad) return;
            v.backward();
            t.sum().backward();
            ts.forEach((x, k) => {
              expect(close(x.grad === null ? 0 : x.grad.toFlatArray()[0]!, vs[k]!.grad)).toBe(true);
            });
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});
