import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, ValueError } from '@tsgrad/core';
import { Adagrad, type AdagradOptions, Parameter, RMSprop, type RMSpropOptions } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

interface OptimizerCase {
  name: string;
  cls: 'RMSprop' | 'Adagrad';
  options: Record<string, number | boolean>;
  shape: number[];
  param: number[];
  grads: number[][];
  params: number[][];
}
const reference = JSON.parse(readFileSync(join(__dirname, 'reference', 'optim_reference.json'), 'utf8')) as {
  optimizers: OptimizerCase[];
};

function make(c: OptimizerCase, p: Parameter): RMSprop | Adagrad {
  return c.cls === 'RMSprop'
    ? new RMSprop([p], c.options as Partial<RMSpropOptions>)
    : new Adagrad([p], c.options as Partial<AdagradOptions>);
}

function expectClose(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const tol = 1e-12 * Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(a - expected[i]!) <= tol))
      throw new Error(`${what}[${i}]: ${a} vs PyTorch ${expected[i]}`);
  });
}

describe('RMSprop and Adagrad: the first three steps equal PyTorch 1.13 (float64)', () => {
  for (const c of reference.optimizers) {
    it(`${c.name}: ${c.cls} ${JSON.stringify(c.options)}`, () => {
      const p = new Parameter(tensor(c.param, { dtype: 'float64' }).reshape(c.shape));
      const opt = make(c, p);
      c.grads.forEach((g, step) => {
        p.grad = tensor(g, { dtype: 'float64' }).reshape(c.shape);
        opt.step();
        expectClose(p.toFlatArray(), c.params[step]!, `${c.name} step ${step + 1}`);
      });
    });
  }
});

describe('RMSprop and Adagrad: state dicts and errors', () => {
  it('RMSprop state holds step, squareAvg, momentumBuffer and gradAvg, and a reload continues identically', () => {
    const c = reference.optimizers.find((x) => x.name === 'rmsprop_all')!;
    const p = new Parameter(tensor(c.param, { dtype: 'float64' }).reshape(c.shape));
    const opt = make(c, p);
    p.grad = tensor(c.grads[0]!, { dtype: 'float64' }).reshape(c.shape);
    opt.step();
    const dict = opt.stateDict();
    expect(Object.keys(dict.state[0]!).sort()).toEqual(['gradAvg', 'momentumBuffer', 'squareAvg', 'step']);
    const q = new Parameter(p.clone());
    const fresh = make(c, q);
    fresh.loadStateDict(dict as never);
    for (const step of [1, 2]) {
      p.grad = tensor(c.grads[step]!, { dtype: 'float64' }).reshape(c.shape);
      q.grad = p.grad.clone();
      opt.step();
      fresh.step();
    }
    expect(q.toFlatArray()).toEqual(p.toFlatArray());
    expectClose(q.toFlatArray(), c.params[2]!, 'reloaded');
  });

  it('Adagrad state holds step and sum (starting at initialAccumulatorValue)', () => {
    const p = new Parameter(tensor([1, 2], { dtype: 'float64' }));
    const opt = new Adagrad([p], { initialAccumulatorValue: 0.5 });
    p.grad = tensor([1, -1], { dtype: 'float64' });
    opt.step();
    const state = opt.stateDict().state[0]!;
    expect(state.step).toBe(1);
    expect((state.sum as Parameter).toFlatArray()).toEqual([1.5, 1.5]);
    expect(() => opt.loadStateDict({ ...opt.stateDict(), state: { 0: { step: 1 } } })).toThrow(
      /missing the 'sum'/,
    );
  });

  it('rejects invalid hyper-parameters, naming them', () => {
    const p = new Parameter(tensor([1, 2]));
    expect(() => new RMSprop([p], { alpha: -1 })).toThrow(ValueError);
    expect(() => new RMSprop([p], { momentum: -0.5 })).toThrow(/RMSprop: invalid momentum -0.5/);
    expect(() => new Adagrad([p], { lrDecay: -1 })).toThrow(/Adagrad: invalid lrDecay -1/);
    expect(() => new Adagrad([p], { initialAccumulatorValue: Number.NaN })).toThrow(
      /initialAccumulatorValue/,
    );
  });

  it('maximize ascends', () => {
    const p = new Parameter(tensor([0], { dtype: 'float64' }));
    const opt = new RMSprop([p], { lr: 0.1, maximize: true });
    p.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    expect(p.toFlatArray()[0]).toBeGreaterThan(0);
  });
});
