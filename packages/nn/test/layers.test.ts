import { Generator, gradcheck, randn, ShapeError, type Tensor, tensor, ValueError } from '@tsgrad/core';
import {
  Dropout,
  Flatten,
  Identity,
  Linear,
  LogSoftmax,
  Module,
  ModuleList,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

const f64 = { dtype: 'float64' } as const;

function close(actual: number[], expected: number[], tol = 1e-12): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < actual.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol);
}

describe('Linear', () => {
  it('has weight [out, in] and bias [out] within ±1/√in (PyTorch default init)', () => {
    const lin = new Linear(64, 20, { generator: new Generator(3) });
    expect(lin.weight.shape).toEqual([20, 64]);
    expect(lin.bias!.shape).toEqual([20]);
    const bound = 1 / Math.sqrt(64);
    const w = lin.weight.toFlatArray();
    const b = lin.bias!.toFlatArray();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(lin.weight.requiresGrad && lin.weight.isLeaf).toBe(true);
  });

  it('is reproducible from a seed and differs between seeds', () => {
    const a = new Linear(5, 4, { generator: new Generator(11) });
    const b = new Linear(5, 4, { generator: new Generator(11) });
    const c = new Linear(5, 4, { generator: new Generator(12) });
    expect(a.weight.toArray()).toEqual(b.weight.toArray());
    expect(a.bias!.toArray()).toEqual(b.bias!.toArray());
    expect(a.weight.toArray()).not.toEqual(c.weight.toArray());
  });

  it('backward matches dW = gᵀx, db = Σg, dx = gW written out by hand (float64)', () => {
    const lin = new Linear(3, 2, { dtype: 'float64' });
    const W = [
      [0.5, -1, 2],
      [1.5, 0.25, -0.75],
    ];
    const bias = [0.1, -0.2];
    lin.loadStateDict({ weight: tensor(W, { dtype: 'float64' }), bias: tensor(bias, { dtype: 'float64' }) });
    const X = [
      [1, 2, 3],
      [-1, 0.5, 4],
      [0, -2, 1],
      [2, 1, -1],
    ];
    const G = [
      [1, -1],
      [0.5, 2],
      [-3, 0.25],
      [1, 1],
    ];
    const x = tensor(X, { dtype: 'float64', requiresGrad: true });
    const y = lin.call(x);
    // Forward: y[n][o] = Σ_i X[n][i]·W[o][i] + b[o].
    const yHand = X.map((row) => W.map((w, o) => row.reduce((s, v, i) => s + v * w[i]!, bias[o]!)));
    close(y.toFlatArray(), yHand.flat());
    y.backward(tensor(G, { dtype: 'float64' }));
    const dW = W.map((w, o) => w.map((_, i) => X.reduce((s, row, n) => s + G[n]![o]! * row[i]!, 0)));
    const db = bias.map((_, o) => G.reduce((s, g) => s + g[o]!, 0));
    const dx = X.map((row, n) => row.map((_, i) => W.reduce((s, w, o) => s + G[n]![o]! * w[i]!, 0)));
    close(lin.weight.grad!.toFlatArray(), dW.flat());
    close(lin.bias!.grad!.toFlatArray(), db);
    close(x.grad!.toFlatArray(), dx.flat());
  });

  it('passes gradcheck for input, weight and bias', () => {
    const g = new Generator(5);
    const lin = new Linear(4, 3, { dtype: 'float64', generator: g });
    const x = randn([2, 4], { dtype: 'float64', requiresGrad: true, generator: g });
    expect(gradcheck((xx) => lin.call(xx), [x])).toBe(true);
    expect(gradcheck(() => lin.call(x), [lin.weight, lin.bias!])).toBe(true);
  });

  it('accepts batched inputs [*, in] and 1-D inputs, each row mapped by hand-computed x·Wᵀ + b', () => {
    const lin = new Linear(3, 2, { dtype: 'float64' });
    const W = [
      [1, -2, 0.5],
      [0, 3, -1],
    ];
    lin.loadStateDict({ weight: tensor(W, f64), bias: tensor([0.25, -4], f64) });
    // [2, 2, 3] input: row r = [r+1, 2(r+1), −(r+1)] for r = 0..3, so y = (r+1)·[1−4−0.5, 6+1] + b.
    const rows = [1, 2, 3, 4].map((k) => [k, 2 * k, -k]);
    const x = tensor([rows.slice(0, 2), rows.slice(2)], f64);
    const y = lin.call(x);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(y.toFlatArray()).toEqual([1, 2, 3, 4].flatMap((k) => [-3.5 * k + 0.25, 7 * k - 4]));
    const single = lin.call(tensor([1, 1, 1], f64));
    expect(single.shape).toEqual([2]);
    expect(single.toFlatArray()).toEqual([-0.5 + 0.25, 2 - 4]);
  });

  it('can go without bias', () => {
    const lin = new Linear(3, 2, { bias: false, dtype: 'float64' });
    expect(lin.bias).toBeNull();
    expect(lin.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(lin.toString()).toBe('Linear(inFeatures=3, outFeatures=2, bias=false)');
    const W = [
      [0.5, -1, 2],
      [3, 0, -0.25],
    ];
    lin.loadStateDict({ weight: tensor(W, f64) });
    const X = [
      [1, 2, 3],
      [-2, 0.5, 4],
      [0, 0, 1],
      [8, -8, 2],
    ];
    // y[n][o] = Σ_i X[n][i]·W[o][i], written as plain loops.
    const expected: number[] = [];
    for (let n = 0; n < 4; n++) {
      for (let o = 0; o < 2; o++) {
        let sum = 0;
        for (let i = 0; i < 3; i++) sum += X[n]![i]! * W[o]![i]!;
        expected.push(sum);
      }
    }
    expect(lin.call(tensor(X, f64)).toFlatArray()).toEqual(expected);
    expect(expected.slice(0, 2)).toEqual([4.5, 2.25]);
  });

  it('names both shapes when the input does not fit', () => {
    expect(() => new Linear(3, 2).call(randn([4, 5]))).toThrow(ShapeError);
    expect(() => new Linear(3, 2).call(randn([4, 5]))).toThrow(
      /^Linear: input of shape \[4,5\] does not match weight of shape \[2,3\]/,
    );
  });
});

describe('Sequential and ModuleList', () => {
  it('applies modules in order', () => {
    const g = new Generator(1);
    const l1 = new Linear(4, 3, { generator: g });
    const l2 = new Linear(3, 2, { generator: g });
    const seq = new Sequential(l1, new Tanh(), l2);
    const x = randn([5, 4], { generator: g });
    expect(seq.call(x).toArray()).toEqual(l2.call(l1.call(x).tanh()).toArray());
  });

  it('is indexable, iterable and appendable, with children named 0, 1, …', () => {
    const a = new Linear(2, 2);
    const r = new ReLU();
    const seq = new Sequential(a, r);
    expect(seq[0]).toBe(a);
    expect(seq.at(-1)).toBe(r);
    expect([...seq]).toEqual([a, r]);
    expect(seq.length).toBe(2);
    seq.append(new Sigmoid());
    expect(seq.length).toBe(3);
    expect(seq.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2']);
    expect(() => seq.at(3)).toThrow(ValueError);
  });

  it('keeps the order of more than ten modules', () => {
    const mods = Array.from({ length: 12 }, () => new Identity());
    const seq = new Sequential(...mods);
    expect(seq.namedChildren().map(([n]) => n)).toEqual(mods.map((_, i) => String(i)));
  });

  it('ModuleList registers its modules and has no forward', () => {
    class M extends Module {
      layers = new ModuleList([new Linear(2, 2), new Linear(2, 1)]);
      override forward(x: Tensor): Tensor {
        let h = x;
        for (const l of this.layers) h = (l as Linear).call(h);
        return h;
      }
    }
    const m = new M();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
    ]);
    expect(m.call(randn([3, 2])).shape).toEqual([3, 1]);
    expect(() => m.layers.forward()).toThrow(ValueError);
  });
});

describe('activation modules', () => {
  const x = tensor([[-2, -0.5, 0, 1.5]], { dtype: 'float64' });
  const xs = x.toFlatArray();

  it('ReLU, Sigmoid and Tanh apply their function elementwise', () => {
    close(
      new ReLU().call(x).toFlatArray(),
      xs.map((v) => Math.max(v, 0)),
    );
    close(
      new Sigmoid().call(x).toFlatArray(),
      xs.map((v) => 1 / (1 + Math.exp(-v))),
    );
    close(new Tanh().call(x).toFlatArray(), xs.map(Math.tanh));
  });

  it('Softmax and LogSoftmax normalise along their dim', () => {
    const z = xs.reduce((s, v) => s + Math.exp(v), 0);
    close(
      new Softmax(1).call(x).toFlatArray(),
      xs.map((v) => Math.exp(v) / z),
    );
    close(
      new LogSoftmax().call(x).toFlatArray(),
      xs.map((v) => v - Math.log(z)),
    );
    const cols = new Softmax(0)
      .call(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float64' },
        ),
      )
      .toArray() as number[][];
    close([cols[0]![0]! + cols[1]![0]!, cols[0]![1]! + cols[1]![1]!], [1, 1]);
  });
});

describe('Flatten and Identity', () => {
  it('Flatten keeps the batch dim by default', () => {
    expect(new Flatten().call(randn([2, 1, 28, 28])).shape).toEqual([2, 784]);
    expect(new Flatten(0).call(randn([2, 3, 4])).shape).toEqual([24]);
    expect(new Flatten(1, 2).call(randn([2, 3, 4, 5])).shape).toEqual([2, 12, 5]);
    expect(new Flatten().toString()).toBe('Flatten(startDim=1, endDim=-1)');
  });

  it('Identity returns its input', () => {
    const x = randn([3]);
    expect(new Identity().call(x)).toBe(x);
  });
});

describe('Dropout', () => {
  it('drops about a fraction p and scales the rest by 1/(1−p)', () => {
    const p = 0.3;
    const x = tensor(new Float64Array(20_000).fill(1));
    const out = new Dropout(p, { generator: new Generator(7) }).call(x).toFlatArray();
    const zeros = out.filter((v) => v === 0).length;
    expect(Math.abs(zeros / out.length - p)).toBeLessThan(0.02);
    const kept = out.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-12)).toBe(true);
  });

  it('is reproducible from a seed', () => {
    const x = randn([50]);
    const a = new Dropout(0.5, { generator: new Generator(1) }).call(x).toArray();
    const b = new Dropout(0.5, { generator: new Generator(1) }).call(x).toArray();
    const c = new Dropout(0.5, { generator: new Generator(2) }).call(x).toArray();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('passes the gradient through the kept elements only, scaled', () => {
    const x = randn([40], { dtype: 'float64', requiresGrad: true });
    const y = new Dropout(0.5, { generator: new Generator(4) }).call(x);
    y.sum().backward();
    const kept = y.toFlatArray().map((v, i) => (v === 0 && x.toFlatArray()[i] !== 0 ? 0 : 2));
    expect(x.grad!.toFlatArray()).toEqual(kept);
  });

  it('is the identity in eval mode and for p = 0; zeroes everything for p = 1', () => {
    const x = randn([10]);
    const d = new Dropout(0.9);
    d.eval();
    expect(d.call(x)).toBe(x);
    expect(new Dropout(0).call(x)).toBe(x);
    expect(
      new Dropout(1)
        .call(x)
        .toFlatArray()
        .every((v) => v === 0),
    ).toBe(true);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => new Dropout(1.5)).toThrow(ValueError);
    expect(() => new Dropout(-0.1)).toThrow('p must be in [0, 1], got -0.1');
  });
});
