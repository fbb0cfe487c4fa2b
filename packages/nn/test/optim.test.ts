import { DTypeError, ShapeError, type Tensor, tensor, ValueError } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW, type Optimizer, type OptimizerOptions, SGD } from '../src/optim/index.js';

const f64 = (values: number[]): Tensor => tensor(values, { dtype: 'float64', requiresGrad: true });
const setGrad = (p: Tensor, values: number[]): void => {
  p.grad = tensor(values, { dtype: p.dtype });
};
/** Runs `steps` optimizer steps with the same gradient each time and returns the parameter after each. */
function trajectory<O extends OptimizerOptions>(
  opt: Optimizer<O>,
  p: Tensor,
  grad: number[],
  steps: number,
): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    setGrad(p, grad);
    opt.step();
    out.push(p.toFlatArray());
  }
  return out;
}
function expectClose(actual: number[][], expected: number[][], digits = 12): void {
  expect(actual.length).toBe(expected.length);
  for (const [i, row] of actual.entries()) {
    for (const [j, v] of row.entries()) expect(v).toBeCloseTo(expected[i]![j]!, digits);
  }
}

describe('SGD', () => {
  it('plain step is p − lr·g', () => {
    const p = f64([1, -2]);
    expectClose(trajectory(new SGD([p], { lr: 0.1 }), p, [0.5, 1], 2), [
      [0.95, -2.1],
      [0.9, -2.2],
    ]);
  });

  it('defaults follow PyTorch', () => {
    const opt = new SGD([f64([0])]);
    expect(opt.paramGroups[0]).toMatchObject({
      lr: 1e-3,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    });
  });

  it('momentum starts the buffer at the first gradient, then b ← μb + g', () => {
    // b: 1, 1.9, 2.71 (and −2×); p: −0.1, −0.29, −0.561.
    const p = f64([0, 0]);
    expectClose(trajectory(new SGD([p], { lr: 0.1, momentum: 0.9 }), p, [1, -2], 3), [
      [-0.1, 0.2],
      [-0.29, 0.58],
      [-0.561, 1.122],
    ]);
  });

  it('dampening scales the new gradient after the first step only', () => {
    // b: 1, 0.9 + 0.5 = 1.4, 1.26 + 0.5 = 1.76.
    const p = f64([0]);
    expectClose(trajectory(new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 }), p, [1], 3), [
      [-0.1],
      [-0.24],
      [-0.416],
    ]);
  });

  it('nesterov steps along g + μb', () => {
    // b: 1, 1.9, 2.71; step g + 0.9b: 1.9, 2.71, 3.439.
    const p = f64([0]);
    expectClose(trajectory(new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true }), p, [1], 3), [
      [-0.19],
      [-0.461],
      [-0.8049],
    ]);
  });

  it('weightDecay adds λθ to the gradient', () => {
    // g' = 1 + 0.1·2 = 1.2 → 1.4; g' = 1 + 0.14 = 1.14 → 0.83.
    const p = f64([2]);
    expectClose(trajectory(new SGD([p], { lr: 0.5, weightDecay: 0.1 }), p, [1], 2), [[1.4], [0.83]]);
  });

  it('weightDecay joins the momentum buffer', () => {
    // g' = 1 + 0.5·1 = 1.5, b = 1.5 → p = 0.85; g' = 1 + 0.425 = 1.425, b = 0.9·1.5 + 1.425 = 2.775 → p = 0.5725.
    const p = f64([1]);
    expectClose(trajectory(new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.5 }), p, [1], 2), [
      [0.85],
      [0.5725],
    ]);
  });

  it('maximize ascends the gradient', () => {
    const p = f64([1]);
    expectClose(trajectory(new SGD([p], { lr: 0.1, maximize: true }), p, [0.5], 1), [[1.05]]);
  });

  it('updates float32 parameters in place, in their own buffer', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const buffer = p.data;
    setGrad(p, [1, 1]);
    new SGD([p], { lr: 0.5 }).step();
    expect(p.data).toBe(buffer);
    expect(Array.from(p.data)).toEqual([0.5, 1.5]);
  });

  it('uses a non-contiguous gradient in logical order', () => {
    const p = tensor(
      [
        [0, 0, 0],
        [0, 0, 0],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const gt = tensor(
      [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
      { dtype: 'float64' },
    ).t();
    expect(gt.isContiguous).toBe(false);
    p.grad = gt;
    new SGD([p], { lr: 1 }).step();
    expect(p.toArray()).toEqual([
      [-1, -2, -3],
      [-4, -5, -6],
    ]);
  });
});

describe('Adam', () => {
  it('defaults follow PyTorch', () => {
    const opt = new Adam([f64([0])]);
    expect(opt.paramGroups[0]).toMatchObject({
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    });
  });

  it('first step moves each weight by lr·g/(|g|+eps), against the gradient sign', () => {
    const p0 = [1, -1, 0.5, 3];
    const g = [0.3, -2, 1e-3, 0];
    const p = f64(p0);
    const lr = 0.01;
    const [after] = trajectory(new Adam([p], { lr }), p, g, 1);
    for (const [i, v] of after!.entries())
      expect(v).toBeCloseTo(p0[i]! - (lr * g[i]!) / (Math.abs(g[i]!) + 1e-8), 14);
    expect(after![0]).toBeCloseTo(0.99, 8);
    expect(after![1]).toBeCloseTo(-0.99, 8);
    expect(after![3]).toBe(3);
  });

  it('a constant gradient keeps moving by lr per step (bias correction)', () => {
    const p = f64([0]);
    const path = trajectory(new Adam([p], { lr: 0.1 }), p, [4], 3);
    expectClose(path, [[-0.1], [-0.2], [-0.3]], 7);
  });

  it('second step with a new gradient follows the bias-corrected moments', () => {
    // g1 = 1, g2 = −1: m2 = 0.09 − 0.1 = −0.01, v2 = 0.000999 + 0.001 = 0.001999;
    // m̂ = −0.01/0.19, v̂ = 0.001999/0.001999 = 1.
    const p = f64([0]);
    const opt = new Adam([p], { lr: 0.1 });
    setGrad(p, [1]);
    opt.step();
    const p1 = -0.1 / (1 + 1e-8);
    expect(p.item()).toBeCloseTo(p1, 14);
    setGrad(p, [-1]);
    opt.step();
    expect(p.item()).toBeCloseTo(p1 - (0.1 * (-0.01 / 0.19)) / (1 + 1e-8), 12);
  });

  it('amsgrad divides by the running maximum of the second moment', () => {
    // betas 0.5: g1 = 2 → m1 = 1, v1 = 2; g2 = 0 → m2 = 0.5, v2 = 1, max = 2; bias corrections 0.75.
    const run = (amsgrad: boolean): number => {
      const p = f64([0]);
      const opt = new Adam([p], { lr: 0.1, betas: [0.5, 0.5], amsgrad });
      setGrad(p, [2]);
      opt.step();
      setGrad(p, [0]);
      opt.step();
      return p.item();
    };
    const p1 = -(0.1 * 2) / (2 + 1e-8);
    expect(run(true)).toBeCloseTo(p1 - (0.1 * (0.5 / 0.75)) / (Math.sqrt(2 / 0.75) + 1e-8), 12);
    expect(run(false)).toBeCloseTo(p1 - (0.1 * (0.5 / 0.75)) / (Math.sqrt(1 / 0.75) + 1e-8), 12);
  });

  it('weightDecay adds λθ to the gradient before the moments', () => {
    // g = 0, θ = 1, λ = 0.5 → g' = 0.5, first step lr·0.5/(0.5 + eps).
    const p = f64([1]);
    trajectory(new Adam([p], { lr: 0.1, weightDecay: 0.5 }), p, [0], 1);
    expect(p.item()).toBeCloseTo(1 - (0.1 * 0.5) / (0.5 + 1e-8), 14);
  });

  it('maximize moves with the gradient', () => {
    const p = f64([0]);
    trajectory(new Adam([p], { lr: 0.1, maximize: true }), p, [3], 1);
    expect(p.item()).toBeCloseTo(0.1, 7);
  });

  it('keeps state step, expAvg and expAvgSq per parameter', () => {
    const p = f64([0, 0]);
    const opt = new Adam([p], { lr: 0.1 });
    trajectory(opt, p, [1, -2], 2);
    const state = opt.stateDict().state[0]!;
    expect(state.step).toBe(2);
    expect((state.expAvg as Tensor).toFlatArray().map((v) => +v.toFixed(12))).toEqual([0.19, -0.38]);
    expect((state.expAvgSq as Tensor).toFlatArray().map((v) => +v.toFixed(12))).toEqual([0.001999, 0.007996]);
  });
});

describe('AdamW', () => {
  it('defaults weightDecay to 1e-2', () => {
    expect(new AdamW([f64([0])]).paramGroups[0]!.weightDecay).toBe(0.01);
    expect(new Adam([f64([0])]).paramGroups[0]!.weightDecay).toBe(0);
  });

  it('decays the weight by (1 − lr·λ) outside the gradient', () => {
    // θ = 1, λ = 0.5, lr = 0.1: θ ← 0.95; a zero gradient adds no Adam move (Adam would move by lr).
    const p = f64([1]);
    trajectory(new AdamW([p], { lr: 0.1, weightDecay: 0.5 }), p, [0], 1);
    expect(p.item()).toBe(0.95);
  });

  it('applies the decay, then the Adam step', () => {
    const p = f64([1, -2]);
    trajectory(new AdamW([p], { lr: 0.1, weightDecay: 0.5 }), p, [0.2, 0.2], 1);
    const step = (0.1 * 0.2) / (0.2 + 1e-8);
    expect(p.toFlatArray()[0]).toBeCloseTo(0.95 - step, 14);
    expect(p.toFlatArray()[1]).toBeCloseTo(-1.9 - step, 14);
  });

  it('error messages name AdamW', () => {
    expect(() => new AdamW([f64([0])], { lr: -1 })).toThrow(/AdamW: invalid lr -1/);
  });
});

describe('parameter groups and the common API', () => {
  it('each group uses its own lr and options over the defaults', () => {
    const a = f64([0]);
    const b = f64([0]);
    const opt = new SGD(
      [
        { params: [a], lr: 0.1 },
        { params: [b], momentum: 0.5 },
      ],
      { lr: 0.01 },
    );
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([
      [0.1, 0],
      [0.01, 0.5],
    ]);
    for (let s = 0; s < 2; s++) {
      setGrad(a, [1]);
      setGrad(b, [1]);
      opt.step();
    }
    expect(a.item()).toBeCloseTo(-0.2, 14);
    expect(b.item()).toBeCloseTo(-0.01 - 0.015, 14);
  });

  it('changing a group lr between steps takes effect', () => {
    const p = f64([0]);
    const opt = new SGD([p], { lr: 0.1 });
    setGrad(p, [1]);
    opt.step();
    opt.paramGroups[0]!.lr = 1;
    opt.step();
    expect(p.item()).toBeCloseTo(-1.1, 14);
  });

  it('skips parameters whose grad is null and gives them no state', () => {
    const a = f64([1]);
    const b = f64([1]);
    const opt = new Adam([a, b], { lr: 0.1 });
    setGrad(a, [1]);
    opt.step();
    expect(b.item()).toBe(1);
    expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
  });

  it('zeroGrad sets grads to null, or to zeros in place', () => {
    const p = f64([1, 2]);
    const opt = new SGD([p], { lr: 0.1 });
    setGrad(p, [3, 4]);
    const g = p.grad!;
    opt.zeroGrad(false);
    expect(p.grad).toBe(g);
    expect(g.toFlatArray()).toEqual([0, 0]);
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  it('addParamGroup adds parameters with their own options', () => {
    const a = f64([0]);
    const b = f64([0]);
    const opt = new Adam([a], { lr: 0.1 });
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than one group/);
  });

  it('step calls the closure and returns its result', () => {
    const p = f64([0]);
    const opt = new SGD([p], { lr: 1 });
    const loss = opt.step(() => {
      setGrad(p, [2]);
      return 42;
    });
    expect(loss).toBe(42);
    expect(p.item()).toBe(-2);
  });

  it('rejects a gradient of the wrong shape or dtype', () => {
    const p = f64([0, 0]);
    const opt = new SGD([p], { lr: 1 });
    p.grad = tensor([1, 2, 3], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(ShapeError);
    p.grad = tensor([1, 2]);
    expect(() => opt.step()).toThrow(DTypeError);
  });
});

describe('hyper-parameter validation', () => {
  const p = (): Tensor => f64([0]);
  it.each([
    ['SGD lr', () => new SGD([p()], { lr: -0.1 }), /SGD: invalid lr -0.1/],
    ['SGD NaN lr', () => new SGD([p()], { lr: Number.NaN }), /invalid lr NaN/],
    ['SGD momentum', () => new SGD([p()], { momentum: -1 }), /invalid momentum -1/],
    ['SGD weightDecay', () => new SGD([p()], { weightDecay: -1 }), /invalid weightDecay -1/],
    [
      'nesterov without momentum',
      () => new SGD([p()], { nesterov: true }),
      /nesterov requires momentum > 0 and dampening 0.*momentum 0/,
    ],
    [
      'nesterov with dampening',
      () => new SGD([p()], { nesterov: true, momentum: 0.9, dampening: 0.1 }),
      /dampening 0.1/,
    ],
    ['Adam beta1 = 1', () => new Adam([p()], { betas: [1, 0.999] }), /invalid beta parameter at index 0: 1/],
    ['Adam beta2 < 0', () => new Adam([p()], { betas: [0.9, -0.1] }), /index 1: -0.1/],
    ['Adam eps', () => new Adam([p()], { eps: -1e-8 }), /invalid eps -1e-8/],
    ['Adam lr', () => new Adam([p()], { lr: -1 }), /Adam: invalid lr -1/],
    ['a group override', () => new SGD([{ params: [p()], lr: -2 }]), /invalid lr -2/],
    ['an empty parameter list', () => new SGD([]), /empty parameter list/],
  ])('%s → ValueError naming the option', (_name, make, message) => {
    expect(make).toThrow(ValueError);
    expect(make).toThrow(message);
  });

  it('rejects int32, non-leaf and duplicated parameters', () => {
    expect(() => new SGD([tensor([1], { dtype: 'int32' })])).toThrow(DTypeError);
    const leaf = f64([1]);
    expect(() => new SGD([leaf.mul(2)])).toThrow(/non-leaf/);
    expect(() => new SGD([leaf, leaf])).toThrow(/more than one group/);
  });
});

describe('stateDict / loadStateDict', () => {
  const grads = (s: number): number[][] => [[Math.sin(s + 1), Math.cos(2 * s) - 0.3], [0.5 - s * 0.1]];
  function makeParams(): Tensor[] {
    return [f64([0.3, -0.7]), f64([1.2])];
  }
  function drive<O extends OptimizerOptions>(
    opt: Optimizer<O>,
    params: Tensor[],
    from: number,
    steps: number,
  ): void {
    for (let s = from; s < from + steps; s++) {
      for (const [i, p] of params.entries()) setGrad(p, grads(s)[i]!);
      opt.step();
    }
  }
  const cases: [string, (params: Tensor[], lr: number) => Optimizer<OptimizerOptions>][] = [
    [
      'SGD with nesterov momentum',
      (ps, lr) =>
        new SGD([{ params: [ps[0]!] }, { params: [ps[1]!], lr: lr / 2 }], {
          lr,
          momentum: 0.9,
          nesterov: true,
        }),
    ],
    [
      'Adam with amsgrad',
      (ps, lr) => new Adam([{ params: [ps[0]!] }, { params: [ps[1]!], lr: lr / 2 }], { lr, amsgrad: true }),
    ],
    ['AdamW', (ps, lr) => new AdamW([{ params: [ps[0]!] }, { params: [ps[1]!], lr: lr / 2 }], { lr })],
  ];

  it.each(cases)('%s: a restored optimizer continues identically', (_name, make) => {
    const a = makeParams();
    const optA = make(a, 0.1);
    drive(optA, a, 0, 3);
    optA.paramGroups[0]!.lr = 0.05;
    const saved = optA.stateDict();
    const b = a.map((p) => f64(p.toFlatArray()));
    const optB = make(b, 0.9);
    optB.loadStateDict(saved);
    expect(optB.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.05]);
    drive(optA, a, 3, 3);
    drive(optB, b, 3, 3);
    for (const [i, p] of a.entries()) expect(b[i]!.toFlatArray()).toEqual(p.toFlatArray());
  });

  it('the saved dict is a copy that later steps do not change', () => {
    const a = makeParams();
    const opt = new Adam(a, { lr: 0.1 });
    drive(opt, a, 0, 1);
    const saved = opt.stateDict();
    const before = (saved.state[0]!.expAvg as Tensor).toFlatArray();
    drive(opt, a, 1, 2);
    expect((saved.state[0]!.expAvg as Tensor).toFlatArray()).toEqual(before);
    expect(saved.paramGroups[0]!.params).toEqual([0, 1]);
  });

  it('rejects a different number of groups or parameters', () => {
    const a = makeParams();
    const saved = new SGD(a, { lr: 0.1 }).stateDict();
    expect(() => new SGD([{ params: [a[0]!] }, { params: [a[1]!] }]).loadStateDict(saved)).toThrow(
      /1 parameter groups, the optimizer has 2/,
    );
    expect(() => new SGD([a[0]!]).loadStateDict(saved)).toThrow(
      /group 0 has 2 parameters in the state dict, 1 in the optimizer/,
    );
  });

  it('rejects a state buffer of the wrong shape, naming it, and changes nothing', () => {
    const a = makeParams();
    const optA = new Adam(a, { lr: 0.1 });
    drive(optA, a, 0, 1);
    const saved = optA.stateDict();
    saved.state[1]!.expAvgSq = tensor([1, 2], { dtype: 'float64' });
    saved.paramGroups[0]!.lr = 0.7;
    const optB = new Adam(makeParams(), { lr: 0.2 });
    expect(() => optB.loadStateDict(saved)).toThrow(ShapeError);
    expect(() => optB.loadStateDict(saved)).toThrow(/'expAvgSq' of parameter 1 has shape \[2\].*shape \[1\]/);
    expect(optB.paramGroups[0]!.lr).toBe(0.2);
    expect(optB.stateDict().state).toEqual({});
  });

  it('rejects state for a parameter index that does not exist and incomplete Adam state', () => {
    const a = makeParams();
    const opt = new Adam(a, { lr: 0.1 });
    drive(opt, a, 0, 1);
    const saved = opt.stateDict();
    expect(() => opt.loadStateDict({ ...saved, state: { 5: saved.state[0]! } })).toThrow(/parameter 5/);
    const { expAvg: _dropped, ...partial } = saved.state[0]!;
    expect(() => opt.loadStateDict({ ...saved, state: { 0: partial } })).toThrow(
      /missing the 'expAvg' tensor/,
    );
  });

  it('rejects invalid hyper-parameters in a loaded group', () => {
    const a = makeParams();
    const opt = new SGD(a, { lr: 0.1 });
    const saved = opt.stateDict();
    saved.paramGroups[0]!.lr = -1;
    expect(() => opt.loadStateDict(saved)).toThrow(/invalid lr -1/);
  });
});
