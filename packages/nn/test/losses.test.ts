import {
  DTypeError,
  Generator,
  gradcheck,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@tsgrad/core';
import { BCEWithLogitsLoss, CrossEntropyLoss, F, MSELoss, NLLLoss } from '@tsgrad/nn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f64 = { dtype: 'float64' } as const;
const i32 = { dtype: 'int32' } as const;
const ln = Math.log;

function close(actual: number | number[], expected: number | number[], digits = 12): void {
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  expect(a).toHaveLength(e.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(e[i]!, digits);
}
const value = (t: Tensor): number[] => t.toFlatArray();

// Logits chosen so the softmaxes are simple fractions:
//   row 0: exp = [1, 2, 3] → p = [1/6, 1/3, 1/2]
//   row 1: exp = [3, 1, 1] → p = [3/5, 1/5, 1/5]
const logits = () =>
  tensor(
    [
      [0, ln(2), ln(3)],
      [ln(3), 0, 0],
    ],
    f64,
  );
const logp = [
  [-ln(6), -ln(3), -ln(2)],
  [ln(3 / 5), -ln(5), -ln(5)],
];
const labels = () => tensor([2, 0], i32);

describe('mseLoss', () => {
  const input = () => tensor([1, 2, 3], f64);
  const target = () => tensor([1, 0, 5], f64);

  it('is the mean, sum or list of squared differences', () => {
    // Differences 0, 2, −2 → squares 0, 4, 4.
    close(value(F.mseLoss(input(), target())), 8 / 3);
    close(value(F.mseLoss(input(), target(), { reduction: 'sum' })), 8);
    close(value(F.mseLoss(input(), target(), { reduction: 'none' })), [0, 4, 4]);
    close(value(new MSELoss({ reduction: 'sum' }).call(input(), target())), 8);
  });

  it('refuses mismatched shapes instead of broadcasting them', () => {
    expect(() => F.mseLoss(randn([4, 1]), randn([4]))).toThrow(ShapeError);
    expect(() => F.mseLoss(randn([4, 1]), randn([4]))).toThrow(
      'target of shape [4] does not match input of shape [4,1]',
    );
    expect(() => F.mseLoss(randn([2]), randn([2], f64))).toThrow(DTypeError);
    expect(() => F.mseLoss(randn([2]), randn([2]), { reduction: 'avg' as 'mean' })).toThrow(ValueError);
  });

  it('passes gradcheck in both operands', () => {
    const a = randn([3, 2], { ...f64, requiresGrad: true });
    const b = randn([3, 2], { ...f64, requiresGrad: true });
    expect(gradcheck((x, y) => F.mseLoss(x, y), [a, b])).toBe(true);
  });
});

describe('nllLoss', () => {
  const lp = () =>
    tensor(
      [
        [-1, -2, -3],
        [-0.5, -1.5, -2.5],
      ],
      f64,
    );

  it('picks −logp of each label', () => {
    const t = tensor([1, 2], i32);
    close(value(F.nllLoss(lp(), t)), (2 + 2.5) / 2);
    close(value(F.nllLoss(lp(), t, { reduction: 'sum' })), 4.5);
    close(value(F.nllLoss(lp(), t, { reduction: 'none' })), [2, 2.5]);
  });

  it('weights classes and divides the mean by the summed weights', () => {
    const weight = tensor([1, 2, 4], f64);
    // Labels 1 and 2: 2·2 and 4·2.5.
    close(value(F.nllLoss(lp(), tensor([1, 2], i32), { weight })), (4 + 10) / (2 + 4));
    close(value(new NLLLoss({ weight, reduction: 'none' }).call(lp(), tensor([1, 2], i32))), [4, 10]);
  });

  it('leaves ignored labels out of the sum and of the mean', () => {
    close(value(F.nllLoss(lp(), tensor([1, -100], i32))), 2);
    close(value(F.nllLoss(lp(), tensor([1, 0], i32), { ignoreIndex: 0, reduction: 'none' })), [2, 0]);
    expect(value(F.nllLoss(lp(), tensor([-100, -100], i32)))[0]).toBeNaN(); // 0 / 0, as PyTorch
  });

  it('needs int32 labels', () => {
    expect(() => F.nllLoss(lp(), tensor([1, 2], f64))).toThrow(DTypeError);
  });

  it('passes gradcheck', () => {
    const x = randn([4, 3], { ...f64, requiresGrad: true })
      .logSoftmax(1)
      .detach()
      .requiresGrad_();
    const t = tensor([0, 2, 1, 2], i32);
    const weight = tensor([0.5, 1, 2], f64);
    expect(gradcheck((a) => F.nllLoss(a, t, { weight, ignoreIndex: 1 }), [x])).toBe(true);
  });
});

describe('crossEntropy with class labels', () => {
  it('is −log softmax at the label, reduced', () => {
    const none = [ln(2), ln(5 / 3)];
    close(value(F.crossEntropy(logits(), labels(), { reduction: 'none' })), none);
    close(value(F.crossEntropy(logits(), labels(), { reduction: 'sum' })), none[0]! + none[1]!);
    close(value(F.crossEntropy(logits(), labels())), (none[0]! + none[1]!) / 2);
  });

  it('averages over the labels that are not ignored', () => {
    close(value(F.crossEntropy(logits(), tensor([2, -100], i32))), ln(2));
    close(value(F.crossEntropy(logits(), tensor([2, 0], i32), { ignoreIndex: 0, reduction: 'none' })), [
      ln(2),
      0,
    ]);
  });

  it('weights classes and divides the mean by the summed weights', () => {
    const weight = tensor([1, 2, 3], f64);
    close(value(F.crossEntropy(logits(), labels(), { weight })), (3 * ln(2) + 1 * ln(5 / 3)) / (3 + 1));
  });

  it('smooths labels: (1 − ε)·nll + ε·mean over classes of −logp', () => {
    const eps = 0.1;
    const smooth = logp.map((row) => -(row[0]! + row[1]! + row[2]!) / 3);
    const nll = [ln(2), ln(5 / 3)];
    const each = nll.map((n, i) => (1 - eps) * n + eps * smooth[i]!);
    close(value(F.crossEntropy(logits(), labels(), { labelSmoothing: eps, reduction: 'none' })), each);
    close(value(F.crossEntropy(logits(), labels(), { labelSmoothing: eps })), (each[0]! + each[1]!) / 2);
    close(
      value(F.crossEntropy(logits(), labels(), { labelSmoothing: eps, reduction: 'sum' })),
      each[0]! + each[1]!,
    );
    // An ignored label drops out of both terms and of the count.
    close(value(F.crossEntropy(logits(), tensor([2, -100], i32), { labelSmoothing: eps })), each[0]!);
  });

  it('smooths labels with class weights as PyTorch: both terms over the summed label weights', () => {
    const eps = 0.2;
    const w = [1, 2, 3];
    const weight = tensor(w, f64);
    const nll = (3 * ln(2) + 1 * ln(5 / 3)) / 4;
    const smooth = logp.map((row) => -row.reduce((s, v, c) => s + w[c]! * v, 0));
    const expected = (1 - eps) * nll + (eps / 3) * ((smooth[0]! + smooth[1]!) / 4);
    close(value(F.crossEntropy(logits(), labels(), { weight, labelSmoothing: eps })), expected);
  });

  it('handles extra dims: logits [N, C, d] with labels [N, d]', () => {
    const g = new Generator(8);
    const x = randn([2, 3, 4], { ...f64, generator: g });
    const t = tensor(
      [
        [0, 1, 2, 1],
        [2, 2, 0, 1],
      ],
      i32,
    );
    const flatLogits = x.permute(0, 2, 1).reshape([8, 3]);
    const flatLabels = t.reshape([8]);
    const opts = { labelSmoothing: 0.1, ignoreIndex: 1 };
    close(value(F.crossEntropy(x, t, opts)), value(F.crossEntropy(flatLogits, flatLabels, opts)));
    const none = F.crossEntropy(x, t, { reduction: 'none' });
    expect(none.shape).toEqual([2, 4]);
    close(value(none), value(F.crossEntropy(flatLogits, flatLabels, { reduction: 'none' })));
  });

  it('accepts unbatched logits [C] with a 0-d label', () => {
    const row = tensor([0, ln(2), ln(3)], f64);
    const t = tensor(2, i32);
    close(value(F.crossEntropy(row, t)), ln(2));
    expect(F.crossEntropy(row, t, { reduction: 'none' }).shape).toEqual([]);
  });

  it('stays finite for logits of ±1000', () => {
    const x = tensor(
      [
        [1000, -1000, 0],
        [-1000, 1000, 1000],
      ],
      f64,
    );
    close(value(F.crossEntropy(x, tensor([1, 1], i32), { reduction: 'none' })), [2000, ln(2)]);
  });

  it('has gradient (softmax − onehot)/N for the mean', () => {
    const x = logits().requiresGrad_();
    F.crossEntropy(x, labels()).backward();
    const p = [
      [1 / 6, 1 / 3, 1 / 2],
      [3 / 5, 1 / 5, 1 / 5],
    ];
    const expected = [
      [p[0]![0]! / 2, p[0]![1]! / 2, (p[0]![2]! - 1) / 2],
      [(p[1]![0]! - 1) / 2, p[1]![1]! / 2, p[1]![2]! / 2],
    ];
    close(value(x.grad!), expected.flat());
  });

  it('names the shapes when the labels do not match the batch', () => {
    const call = () => F.crossEntropy(randn([4, 10]), tensor([1, 2, 3], i32));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('crossEntropy: target of shape [3] does not match batch size 4 of logits [4,10]');
    expect(() =>
      F.crossEntropy(
        randn([2, 3, 4]),
        tensor(
          [
            [1, 2, 0],
            [0, 0, 0],
          ],
          i32,
        ),
      ),
    ).toThrow('should be [2,4] for logits [2,3,4]');
  });

  it('names a label out of range', () => {
    expect(() => F.crossEntropy(randn([4, 10]), tensor([1, 12, 3, 0], i32))).toThrow(
      'crossEntropy: label 12 at index 1 is out of range [0, 10)',
    );
    expect(() => F.crossEntropy(randn([1, 3]), tensor([-1], i32))).toThrow(ValueError);
  });

  it('tells float labels from probabilities', () => {
    expect(() => F.crossEntropy(randn([4, 10]), tensor([1, 2, 3, 4]))).toThrow('class labels must be int32');
    expect(() => F.crossEntropy(randn([2, 3]), tensor([1, 2], i32), { labelSmoothing: 1.5 })).toThrow(
      ValueError,
    );
    expect(() => F.crossEntropy(randn([2, 3]), tensor([1, 2], i32), { weight: tensor([1, 1]) })).toThrow(
      'weight of shape [2] should be [3]',
    );
  });

  it('passes gradcheck with weights, ignored labels and smoothing', () => {
    const x = randn([5, 4], { ...f64, requiresGrad: true, generator: new Generator(3) });
    const t = tensor([0, 3, 1, 3, 2], i32);
    const weight = tensor([1, 0.5, 2, 1.5], f64);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const opts = { reduction, weight, ignoreIndex: 1, labelSmoothing: 0.15 };
      expect(gradcheck((a) => F.crossEntropy(a, t, opts), [x])).toBe(true);
    }
  });
});

describe('crossEntropy with class probabilities', () => {
  const probs = () =>
    tensor(
      [
        [0.25, 0.25, 0.5],
        [1, 0, 0],
      ],
      f64,
    );

  it('is −Σ q·logp, the mean over the batch', () => {
    const rows = [0.25 * ln(6) + 0.25 * ln(3) + 0.5 * ln(2), ln(5 / 3)];
    close(value(F.crossEntropy(logits(), probs(), { reduction: 'none' })), rows);
    close(value(F.crossEntropy(logits(), probs())), (rows[0]! + rows[1]!) / 2);
  });

  it('smooths probabilities to (1 − ε)·p + ε/C and weights classes without changing the divisor', () => {
    const eps = 0.3;
    const w = [2, 1, 0.5];
    const q = [
      [0.25, 0.25, 0.5],
      [1, 0, 0],
    ].map((row) => row.map((v) => (1 - eps) * v + eps / 3));
    const rows = q.map((row, n) => -row.reduce((s, v, c) => s + w[c]! * v * logp[n]![c]!, 0));
    const opts = { labelSmoothing: eps, weight: tensor(w, f64) };
    close(value(F.crossEntropy(logits(), probs(), opts)), (rows[0]! + rows[1]!) / 2);
  });

  it('equals the label form for one-hot probabilities, smoothing included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (n, c, eps, seed) => {
          const g = new Generator(seed);
          const x = randn([n, c], { ...f64, generator: g });
          const lab = Array.from({ length: n }, () => g.int(0, c));
          const onehot = lab.map((l) => Array.from({ length: c }, (_, k) => (k === l ? 1 : 0)));
          const a = F.crossEntropy(x, tensor(lab, i32), { labelSmoothing: eps }).item();
          const b = F.crossEntropy(x, tensor(onehot, f64), { labelSmoothing: eps }).item();
          return Math.abs(a - b) < 1e-10 * Math.max(1, Math.abs(a));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects a non-negative ignoreIndex and mixed dtypes', () => {
    expect(() => F.crossEntropy(logits(), probs(), { ignoreIndex: 0 })).toThrow(ValueError);
    expect(() =>
      F.crossEntropy(
        logits(),
        tensor([
          [0.5, 0.5, 0],
          [0, 1, 0],
        ]),
      ),
    ).toThrow(DTypeError);
  });

  it('passes gradcheck in the logits and the probabilities', () => {
    const g = new Generator(4);
    const x = randn([3, 4], { ...f64, requiresGrad: true, generator: g });
    const q = randn([3, 4], { ...f64, generator: g })
      .softmax(1)
      .detach()
      .requiresGrad_();
    expect(gradcheck((a, b) => F.crossEntropy(a, b, { labelSmoothing: 0.1 }), [x, q])).toBe(true);
  });
});

describe('CrossEntropyLoss module', () => {
  it('matches the functional form and keeps its weight as a buffer', () => {
    const weight = tensor([1, 2, 3], f64);
    const loss = new CrossEntropyLoss({ weight, labelSmoothing: 0.1, ignoreIndex: 1 });
    const t = tensor([2, 1], i32);
    close(
      value(loss.call(logits(), t)),
      value(F.crossEntropy(logits(), t, { weight, labelSmoothing: 0.1, ignoreIndex: 1 })),
    );
    expect(Object.keys(loss.stateDict())).toEqual(['weight']);
    expect(Object.keys(new CrossEntropyLoss().stateDict())).toEqual([]);
    expect(new CrossEntropyLoss().toString()).toBe('CrossEntropyLoss()');
  });
});

describe('binaryCrossEntropyWithLogits', () => {
  // σ(0) = 1/2, σ(ln 3) = 3/4, σ(−ln 3) = 1/4.
  const x = () => tensor([0, ln(3), -ln(3)], f64);
  const t = () => tensor([1, 0, 1], f64);

  it('is −[t·log σ(x) + (1 − t)·log(1 − σ(x))]', () => {
    const each = [ln(2), ln(4), ln(4)];
    close(value(F.binaryCrossEntropyWithLogits(x(), t(), { reduction: 'none' })), each);
    close(value(F.binaryCrossEntropyWithLogits(x(), t())), (5 * ln(2)) / 3);
    close(value(new BCEWithLogitsLoss({ reduction: 'sum' }).call(x(), t())), 5 * ln(2));
  });

  it('weighs positives by posWeight and elements by weight', () => {
    const posWeight = tensor([2], f64);
    close(value(F.binaryCrossEntropyWithLogits(x(), t(), { posWeight, reduction: 'none' })), [
      2 * ln(2),
      ln(4),
      2 * ln(4),
    ]);
    const weight = tensor([1, 0, 3], f64);
    close(value(F.binaryCrossEntropyWithLogits(x(), t(), { weight, reduction: 'sum' })), ln(2) + 3 * ln(4));
    const m = new BCEWithLogitsLoss({ posWeight });
    expect(Object.keys(m.stateDict())).toEqual(['posWeight']);
  });

  it('stays exact for logits of ±1000', () => {
    const big = tensor([1000, -1000, 1000, -1000], f64);
    const tt = tensor([0, 1, 1, 0], f64);
    close(value(F.binaryCrossEntropyWithLogits(big, tt, { reduction: 'none' })), [1000, 1000, 0, 0]);
  });

  it('has gradient σ(x) − t, also at x = 0', () => {
    const xs = tensor([0, 0, 2, -1], { ...f64, requiresGrad: true });
    const ts = tensor([1, 0, 0.3, 1], f64);
    F.binaryCrossEntropyWithLogits(xs, ts, { reduction: 'sum' }).backward();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    close(value(xs.grad!), [0.5 - 1, 0.5, sig(2) - 0.3, sig(-1) - 1]);
  });

  it('checks shapes and dtypes', () => {
    expect(() => F.binaryCrossEntropyWithLogits(randn([3]), randn([3, 1]))).toThrow(
      'target of shape [3,1] does not match logits of shape [3]',
    );
    expect(() =>
      F.binaryCrossEntropyWithLogits(randn([2, 3]), randn([2, 3]), { posWeight: randn([2]) }),
    ).toThrow(ShapeError);
    expect(() => F.binaryCrossEntropyWithLogits(randn([3]), randn([3], f64))).toThrow(DTypeError);
  });

  it('passes gradcheck in logits, targets and posWeight', () => {
    const g = new Generator(6);
    const a = randn([2, 3], { ...f64, requiresGrad: true, generator: g });
    const b = randn([2, 3], { ...f64, generator: g })
      .sigmoid()
      .detach()
      .requiresGrad_();
    const pw = tensor([0.5, 2, 3], { ...f64, requiresGrad: true });
    expect(gradcheck((l, tt, p) => F.binaryCrossEntropyWithLogits(l, tt, { posWeight: p }), [a, b, pw])).toBe(
      true,
    );
  });
});
