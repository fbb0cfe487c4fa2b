import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  AutogradError,
  customOp,
  DTypeError,
  grad,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  toDot,
  Value,
} from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

/** A full garbage collection, without needing node --expose-gc on the command line. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const f64 = (values: number[], requiresGrad = true) => tensor(values, { dtype: 'float64', requiresGrad });

describe('one engine for Value and Tensor', () => {
  it('differentiates a chain of 1,000,000 tensor ops without overflowing the stack', () => {
    const x = tensor(2, { dtype: 'float64', requiresGrad: true });
    let y: Tensor = x;
    for (let i = 0; i < 1_000_000; i++) y = y.neg();
    y.mul(3).backward();
    expect(x.grad!.item()).toBe(3);
  });

  it('Value and Tensor give the same gradients on a diamond-shaped graph', () => {
    const a = new Value(0.7);
    const va = a.mul(a).add(a.tanh()).mul(a);
    va.backward();
    const t = tensor(0.7, { dtype: 'float64', requiresGrad: true });
    t.mul(t).add(t.tanh()).mul(t).backward();
    expect(t.grad!.item()).toBeCloseTo(a.grad, 12);
    // d/da (a³ + a·tanh a) = 3a² + tanh a + a·(1 − tanh² a)
    expect(a.grad).toBeCloseTo(3 * 0.49 + Math.tanh(0.7) + 0.7 * (1 - Math.tanh(0.7) ** 2), 12);
  });
});

describe('needsInputGrad', () => {
  it('tells a backward which inputs need a gradient', () => {
    const seen: boolean[][] = [];
    const scaled = customOp({
      name: 'scaled',
      forward: (x, s) => x.mul(s),
      backward: (g, [x, s], _out, needs) => {
        seen.push([...needs]);
        return [needs[0] ? g.mul(s!) : null, needs[1] ? g.mul(x!).sum() : null];
      },
    });
    const x = f64([1, 2]);
    const s = tensor(3, { dtype: 'float64' });
    scaled(x, s).sum().backward();
    expect(seen).toEqual([[true, false]]);
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  it('a backward that returns null for an input that needs none is fine; the input gets no grad', () => {
    const x = f64([1, 2]);
    const w = f64([3, 4], false);
    x.mul(w).sum().backward();
    expect(w.grad).toBeNull();
    expect(x.grad!.toArray()).toEqual([3, 4]);
  });
});

describe('the engine checks what a backward returns', () => {
  it('a gradient of the wrong dtype names the custom op', () => {
    const bad = customOp({
      name: 'halfPrecisionGrad',
      forward: (x) => x.mul(2),
      backward: (g) => [g.to('float32').mul(2)],
    });
    const x = f64([1, 2]);
    expect(() => bad(x).sum().backward()).toThrow(DTypeError);
    expect(() =>
      bad(f64([1, 2]))
        .sum()
        .backward(),
    ).toThrow('halfPrecisionGrad: backward returned a float32 gradient for input 0, which is float64');
  });

  it('a gradient of the wrong shape names the custom op and both shapes', () => {
    const bad = customOp({
      name: 'wrongShape',
      forward: (x) => x.mul(2),
      backward: (g) => [g.sum().expand(3)],
    });
    expect(() =>
      bad(f64([1, 2]))
        .sum()
        .backward(),
    ).toThrow(ShapeError);
    expect(() =>
      bad(f64([1, 2]))
        .sum()
        .backward(),
    ).toThrow('wrongShape: backward returned a gradient of shape [3] for an input of shape [2]');
  });

  it('a broadcast-shaped gradient is summed back to the input', () => {
    const wide = customOp({
      name: 'wide',
      forward: (x) => x.mul(1),
      backward: (g) => [g.unsqueeze(0).expand(4, 2)],
    });
    const x = f64([1, 2]);
    wide(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 4]);
  });
});

describe('graph memory', () => {
  it('backward without retainGraph frees the inputs of every node, so a kept loss holds no activations', () => {
    const w = randn([3, 3], { dtype: 'float64', requiresGrad: true });
    const h = randn([2, 3], { dtype: 'float64' }).matmul(w).tanh();
    const loss = h.matmul(w).sum();
    expect(loss.gradFn!.inputs.length).toBe(1);
    loss.backward();
    for (let fn = loss.gradFn; fn !== null; fn = fn.inputSummaries[0]?.gradFn ?? null) {
      expect(fn.inputs).toHaveLength(0);
      expect(fn.backwardFn).toBeNull();
    }
    // What is kept is enough to name the op and shapes.
    expect(loss.gradFn!.name).toBe('sum');
    expect(loss.gradFn!.inputSummaries[0]!.shape).toEqual([2, 3]);
    expect(() => loss.backward()).toThrow(AutogradError);
  });

  it('retainGraph keeps the inputs, and a second backward accumulates', () => {
    const x = f64([1, 2]);
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    expect(y.gradFn!.inputs).toHaveLength(1);
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
  });

  it('releases the references: a collected activation is not kept alive by a held loss', async () => {
    let ref: WeakRef<Tensor>;
    const loss = (() => {
      const w = randn([100, 100], { dtype: 'float64', requiresGrad: true });
      const act = randn([50, 100], { dtype: 'float64' }).matmul(w).tanh();
      ref = new WeakRef(act);
      return act.sum();
    })();
    loss.backward();
    await new Promise((r) => setTimeout(r, 0));
    collectGarbage();
    expect(ref!.deref()).toBeUndefined();
    expect(loss.gradFn!.name).toBe('sum');
  });
});

describe('grad()', () => {
  it('raises on an input the outputs do not use, naming its position', () => {
    const x = f64([1, 2]);
    const y = f64([3]);
    expect(() => grad(x.sum(), [y])).toThrow(/grad: input 0 \(shape \[1\]\) was not used/);
  });
});

describe('toDot on tensors', () => {
  it('draws ops, shapes and dtypes, marks leaves, and works after backward', () => {
    const w = randn([3, 2], { requiresGrad: true });
    const x = randn([4, 3]);
    const loss = x.matmul(w).relu().mean();
    const before = toDot(loss);
    for (const op of ['matmul', 'relu', 'sum', 'div']) expect(before).toContain(`label="${op}"`);
    expect(before).toContain('label="leaf [3,2] float32"');
    expect(before).toContain('label="constant [4,3] float32"');
    expect(before).toContain('label="[4,2] float32"');
    loss.backward();
    expect(toDot(loss)).toBe(before);
  });

  it('draws a leaf used twice once, and a subclass of Tensor by its class name', () => {
    class Parameter extends (tensor(0).constructor as typeof Tensor) {}
    const p = new Parameter(new Float32Array([1, 2]), [2]);
    p.requiresGrad = true;
    const dot = toDot(p.mul(p).add(p));
    expect(dot.match(/label="Parameter \[2\] float32"/g)).toHaveLength(1);
    expect(dot.match(/shape=ellipse/g)).toHaveLength(2);
  });

  it('rejects something that is neither a Value nor a Tensor', () => {
    expect(() => toDot({} as Value)).toThrow('toDot: expected a Value or a Tensor, got object');
  });
});

describe('slice gradients added into the input in place', () => {
  it('many slices, overlapping strided slices and other uses of the same input sum correctly', () => {
    const values = Array.from({ length: 24 }, (_, i) => (i % 7) - 3);
    const x = tensor(values, { dtype: 'float64', requiresGrad: true, shape: [4, 6] });
    const ref = tensor(values, { dtype: 'float64', requiresGrad: true, shape: [4, 6] });
    const build = (t: typeof x, viaPieces: boolean) => {
      const parts: Tensor[] = [];
      for (let r = 0; r < 4; r++) {
        const row = viaPieces ? t.select(0, r) : t.mul(oneHotRow(r)).sum(0);
        parts.push(row.mul(r + 1));
      }
      const strided = viaPieces ? t.slice(1, 1, 6, 2) : t.mul(oddColumns()).sum(1, true);
      return parts
        .reduce((a, b) => a.add(b))
        .pow(2)
        .sum()
        .add(strided.sum())
        .add(t.mul(t).sum());
    };
    build(x, true).backward();
    // The same function written without any slice: its gradient is the expectation.
    const expected = expectedGrad(values);
    expect(x.grad!.toFlatArray()).toEqual(expected);
    build(ref, false).backward();
    expect(ref.grad!.toFlatArray()).toEqual(expected);
  });

  it('a gradient handed on by a backward (add returns the same tensor twice) is never added into in place', () => {
    const x = tensor(0, { dtype: 'float64', requiresGrad: true });
    const n1 = x.add(x);
    const n2 = x.add(n1);
    n2.add(n2).backward();
    // d/dx 2·(x + 2x) = 6
    expect(x.grad!.item()).toBe(6);
  });

  it('with createGraph the slice gradient stays differentiable', () => {
    const x = tensor([1, 2, 3, 4], { dtype: 'float64', requiresGrad: true });
    const y = x.narrow(0, 1, 2).pow(3).sum();
    const [g] = grad(y, [x], { createGraph: true });
    expect(g!.toFlatArray()).toEqual([0, 12, 27, 0]);
    const [h] = grad(g!.sum(), [x]);
    expect(h!.toFlatArray()).toEqual([0, 12, 18, 0]);
  });
});

function oneHotRow(r: number): Tensor {
  return tensor(
    Array.from({ length: 24 }, (_, i) => (Math.floor(i / 6) === r ? 1 : 0)),
    { dtype: 'float64', shape: [4, 6] },
  );
}

function oddColumns(): Tensor {
  return tensor(
    Array.from({ length: 24 }, (_, i) => (i % 6) % 2),
    { dtype: 'float64', shape: [4, 6] },
  );
}

/** d/dx of Σ_c(Σ_r (r+1)·x[r,c])² + Σ x[:, 1::2] + Σ x², by hand. */
function expectedGrad(values: number[]): number[] {
  const colSum = Array.from({ length: 6 }, (_, c) =>
    [0, 1, 2, 3].reduce((a, r) => a + (r + 1) * values[r * 6 + c]!, 0),
  );
  return values.map((v, i) => {
    const r = Math.floor(i / 6);
    const c = i % 6;
    return 2 * colSum[c]! * (r + 1) + (c % 2) + 2 * v;
  });
}
