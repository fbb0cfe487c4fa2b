/**
 * Properties of the sequence layers: gradients against finite differences on random small shapes
 * (float64), bit-exact state-dict round trips, load errors that name the key, masks, copies.
 */
import {
  cast,
  DTypeError,
  Generator,
  gradcheck,
  ones,
  randint,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import {
  BatchNorm1d,
  decodeSafetensors,
  ELU,
  Embedding,
  encodeSafetensors,
  GELU,
  GroupNorm,
  LayerNorm,
  LeakyReLU,
  Linear,
  Mish,
  type Module,
  MultiheadAttention,
  RMSNorm,
  Sequential,
  SiLU,
  Softplus,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from '@tsgrad/nn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f64 = 'float64' as const;

function params(m: Module): Tensor[] {
  return m.parameters();
}

describe('gradcheck of each layer on random small shapes (float64)', () => {
  it('MultiheadAttention (kdim/vdim, masks, weights)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (n, l, s, heads, batchFirst, seed) => {
          const g = new Generator(seed);
          const e = 2 * heads;
          const mha = new MultiheadAttention(e, heads, {
            kdim: 3,
            vdim: 2,
            batchFirst,
            dtype: f64,
            generator: g,
          });
          const shape = (len: number, d: number) => (batchFirst ? [n, len, d] : [len, n, d]);
          const q = randn(shape(l, e), { dtype: f64, generator: g, requiresGrad: true });
          const k = randn(shape(s, 3), { dtype: f64, generator: g, requiresGrad: true });
          const v = randn(shape(s, 2), { dtype: f64, generator: g, requiresGrad: true });
          const mask = randn([l, s], { dtype: f64, generator: g });
          expect(
            gradcheck(
              (qi, ki, vi) => {
                const [out, w] = mha.forward(qi!, ki!, vi!, { attnMask: mask });
                return out.sum().add(w!.mul(w!).sum());
              },
              [q, k, v, ...params(mha)],
            ),
          ).toBe(true);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('TransformerEncoderLayer and TransformerDecoderLayer, post- and pre-norm, relu and gelu', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.constantFrom('relu' as const, 'gelu' as const),
        fc.integer({ min: 0, max: 1000 }),
        (n, t, normFirst, activation, seed) => {
          const g = new Generator(seed);
          const options = { dimFeedforward: 6, dropout: 0, activation, normFirst, dtype: f64, generator: g };
          const enc = new TransformerEncoderLayer(4, 2, options);
          const x = randn([t, n, 4], { dtype: f64, generator: g, requiresGrad: true });
          expect(gradcheck((xi) => enc.forward(xi!, { isCausal: true }), [x, ...params(enc)])).toBe(true);
          const dec = new TransformerDecoderLayer(4, 2, options);
          const mem = randn([t + 1, n, 4], { dtype: f64, generator: g, requiresGrad: true });
          expect(
            gradcheck((xi, mi) => dec.forward(xi!, mi!, { tgtIsCausal: true }), [x, mem, ...params(dec)]),
          ).toBe(true);
        },
      ),
      { numRuns: 4 },
    );
  });

  it('Embedding, GroupNorm, RMSNorm and the activation modules', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        (n, w, seed) => {
          const g = new Generator(seed);
          // No paddingIdx here: its row gets no gradient by design, while the output does depend on it.
          const emb = new Embedding(5, w, { dtype: f64, generator: g });
          const idx = randint(0, 5, [n, 2], { generator: g });
          expect(gradcheck(() => emb.forward(idx), [emb.weight])).toBe(true);
          const gn = new GroupNorm(2, 4, { dtype: f64 });
          const x = randn([n + 1, 4, w], { dtype: f64, generator: g, requiresGrad: true });
          expect(gradcheck((xi) => gn.forward(xi!), [x, ...params(gn)])).toBe(true);
          const rms = new RMSNorm(w, { dtype: f64 });
          const y = randn([n, w], { dtype: f64, generator: g, requiresGrad: true });
          expect(gradcheck((yi) => rms.forward(yi!), [y, ...params(rms)])).toBe(true);
          // Away from the kinks at 0 (relu-like) and the softplus threshold.
          const z = randn([n, w], { dtype: f64, generator: g })
            .abs()
            .add(0.1)
            .mul(randn([n, w], { dtype: f64, generator: g }).sign());
          z.requiresGrad_();
          for (const act of [
            new GELU(),
            new GELU({ approximate: 'tanh' }),
            new SiLU(),
            new LeakyReLU(0.2),
            new ELU(),
            new Softplus(2, 3),
            new Mish(),
          ]) {
            expect(gradcheck((zi) => act.forward(zi!), [z])).toBe(true);
          }
        },
      ),
      { numRuns: 5 },
    );
  });
});

/** Every module family, built from a seed. */
const builders: [string, (g: Generator) => Module][] = [
  ['Embedding', (g) => new Embedding(6, 3, { paddingIdx: 1, generator: g })],
  ['MultiheadAttention', (g) => new MultiheadAttention(4, 2, { generator: g })],
  ['MultiheadAttention kdim/vdim', (g) => new MultiheadAttention(4, 2, { kdim: 3, vdim: 5, generator: g })],
  ['TransformerEncoderLayer', (g) => new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, generator: g })],
  ['TransformerDecoderLayer', (g) => new TransformerDecoderLayer(4, 2, { dimFeedforward: 8, generator: g })],
  [
    'TransformerEncoder',
    (g) =>
      new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, generator: g }), 2, {
        norm: new LayerNorm(4),
      }),
  ],
  ['GroupNorm', () => new GroupNorm(2, 4)],
  ['RMSNorm', () => new RMSNorm([2, 3])],
  ['BatchNorm1d', () => new BatchNorm1d(3)],
];

/** Fills every float tensor of the state with random values, so that a round trip has something to carry. */
function randomize(m: Module, g: Generator): void {
  for (const t of Object.values(m.stateDict())) {
    if (t.dtype === 'int32') t.data[t.offset] = 7;
    else t.data.set(randn(t.shape, { generator: g }).toTypedArray());
  }
}

describe('stateDict round trips', () => {
  for (const [name, make] of builders) {
    it(`${name}: stateDict → loadStateDict (and through safetensors bytes) is bit-exact`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 10_000 }), (seed) => {
          const a = make(new Generator(seed));
          randomize(a, new Generator(seed + 1));
          const b = make(new Generator(seed + 2));
          const c = make(new Generator(seed + 3));
          b.loadStateDict(a.stateDict(), { strict: true });
          c.loadStateDict(decodeSafetensors(encodeSafetensors(a.stateDict())).tensors, { strict: true });
          const sa = a.stateDict();
          for (const other of [b.stateDict(), c.stateDict()]) {
            expect(Object.keys(other)).toEqual(Object.keys(sa));
            for (const [k, t] of Object.entries(sa)) {
              expect(other[k]!.dtype).toBe(t.dtype);
              expect([...other[k]!.toTypedArray()]).toEqual([...t.toTypedArray()]);
            }
          }
        }),
        { numRuns: 5 },
      );
    });
  }

  it('loading a dict with a missing, an extra or a wrong-shape key names the key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...builders), fc.nat(), (builder, pick) => {
        const [, make] = builder;
        const m = make(new Generator(0));
        const dict = m.stateDict();
        const keys = Object.keys(dict);
        const key = keys[pick % keys.length]!;
        const { [key]: removed, ...missing } = dict;
        expect(() => m.loadStateDict(missing)).toThrow(
          new RegExp(`missing keys.*'${key.replaceAll('.', '\\.')}'`),
        );
        expect(() => m.loadStateDict({ ...dict, [`${key}_extra`]: removed! })).toThrow(
          new RegExp(`unexpected keys.*'${key.replaceAll('.', '\\.')}_extra'`),
        );
        const wrong = { ...dict, [key]: zeros([...removed!.shape, 2], { dtype: removed!.dtype }) };
        expect(() => m.loadStateDict(wrong)).toThrow(ShapeError);
        expect(() => m.loadStateDict(wrong)).toThrow(`'${key}'`);
        // Non-strict loading reports the same keys instead.
        expect(m.loadStateDict(missing, { strict: false }).missingKeys).toEqual([key]);
      }),
      { numRuns: 30 },
    );
  });

  it('BatchNorm1d loads PyTorch-spelled keys and refuses the old camelCase ones', () => {
    const bn = new BatchNorm1d(2);
    const dict = {
      weight: ones([2]),
      bias: zeros([2]),
      running_mean: tensor([1, 2]),
      running_var: tensor([3, 4]),
      num_batches_tracked: tensor(5, { dtype: 'int32' }),
    };
    bn.loadStateDict(dict);
    expect(bn.runningMean!.toArray()).toEqual([1, 2]);
    expect(bn.numBatchesTracked!.item()).toBe(5);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    const { running_mean: rm, ...rest } = dict;
    expect(() => bn.loadStateDict({ ...rest, runningMean: rm })).toThrow(
      /missing keys 'running_mean'.*unexpected keys 'runningMean'/,
    );
  });
});

describe('MultiheadAttention', () => {
  it('names PyTorch parameters: in_proj_* or q/k/v_proj_weight, then out_proj', () => {
    expect(new MultiheadAttention(4, 2).namedParameters().map(([n]) => n)).toEqual([
      'in_proj_weight',
      'in_proj_bias',
      'out_proj.weight',
      'out_proj.bias',
    ]);
    expect(Object.keys(new MultiheadAttention(4, 2, { kdim: 3, vdim: 5, bias: false }).stateDict())).toEqual([
      'q_proj_weight',
      'k_proj_weight',
      'v_proj_weight',
      'out_proj.weight',
    ]);
  });

  it('a bool keyPaddingMask hides keys: changing a masked key changes nothing', () => {
    const g = new Generator(3);
    const mha = new MultiheadAttention(4, 2, { dtype: f64, generator: g });
    const q = randn([2, 1, 4], { dtype: f64, generator: g });
    const k = randn([3, 1, 4], { dtype: f64, generator: g });
    const mask = tensor([[0, 1, 0]], { dtype: 'bool' });
    const [a, wa] = mha.forward(q, k, k, { keyPaddingMask: mask });
    const k2 = k.clone();
    k2.data.fill(9, 4, 8); // key 1 of the only batch entry
    const [b] = mha.forward(q, k2, k2, { keyPaddingMask: mask });
    expect(b.toFlatArray()).toEqual(a.toFlatArray());
    expect(wa!.shape).toEqual([1, 2, 3]);
    expect(wa!.toArray()).toEqual([
      [
        [expect.any(Number), 0, expect.any(Number)],
        [expect.any(Number), 0, expect.any(Number)],
      ],
    ]);
  });

  it('a query whose keys are all masked gives zeros, not NaN', () => {
    const mha = new MultiheadAttention(2, 1, { dtype: f64, bias: false });
    const x = randn([2, 1, 2], { dtype: f64, generator: new Generator(1) });
    const [, w] = mha.forward(x, x, x, {
      attnMask: tensor(
        [
          [1, 1],
          [0, 1],
        ],
        { dtype: 'bool' },
      ),
    });
    expect(w!.toArray()).toEqual([
      [
        [0, 0],
        [1, 0],
      ],
    ]);
  });

  it('works unbatched ([L, E]) and returns per-head weights when not averaged', () => {
    const mha = new MultiheadAttention(4, 2, { dtype: f64, generator: new Generator(2) });
    const x = randn([3, 4], { dtype: f64, generator: new Generator(4) });
    const [out, w] = mha.forward(x, x, x, { averageAttnWeights: false });
    expect(out.shape).toEqual([3, 4]);
    expect(w!.shape).toEqual([2, 3, 3]);
    const [batched] = mha.forward(x.unsqueeze(1), x.unsqueeze(1), x.unsqueeze(1));
    expect(batched.squeeze(1).toFlatArray()).toEqual(out.toFlatArray());
  });

  it('errors name MultiheadAttention and the shapes', () => {
    expect(() => new MultiheadAttention(5, 2)).toThrow(
      /MultiheadAttention: embedDim 5 must be divisible by numHeads 2/,
    );
    const mha = new MultiheadAttention(4, 2);
    const x = zeros([3, 2, 4]);
    expect(() => mha.forward(x, x, x, { attnMask: zeros([2, 2]) })).toThrow(ShapeError);
    expect(() => mha.forward(x, x, x, { attnMask: zeros([2, 2]) })).toThrow(
      /^MultiheadAttention: attnMask of shape \[2, ?2\]/,
    );
    expect(() => mha.forward(x, x, x, { keyPaddingMask: zeros([3, 2], { dtype: 'bool' }) })).toThrow(
      /MultiheadAttention: keyPaddingMask/,
    );
    expect(() => mha.forward(x, x, x, { attnMask: zeros([3, 3], { dtype: 'int32' }) })).toThrow(DTypeError);
    expect(() => mha.forward(cast(x, f64), x, x)).toThrow(/MultiheadAttention: query is float64/);
    expect(() => mha.forward(zeros([3, 2, 5]), x, x)).toThrow(/MultiheadAttention: expected feature sizes/);
  });

  it('dropout on the attention weights draws from the given generator (repeatable), and is off in eval', () => {
    const make = () => new MultiheadAttention(4, 2, { dropout: 0.5, generator: new Generator(5) });
    const x = randn([3, 1, 4], { generator: new Generator(6) });
    const [a] = make().forward(x, x, x);
    const [b] = make().forward(x, x, x);
    expect(a.toFlatArray()).toEqual(b.toFlatArray());
    const m = make();
    const [c] = m.eval().forward(x, x, x);
    const [d] = m.forward(x, x, x);
    expect(c.toFlatArray()).toEqual(d.toFlatArray());
  });
});

describe('Transformer stacks', () => {
  it('TransformerEncoder holds independent deep copies (keys layers.0.…), without touching the global generator', () => {
    const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, generator: new Generator(1) });
    const enc = new TransformerEncoder(layer, 2);
    const keys = Object.keys(enc.stateDict());
    expect(keys[0]).toBe('layers.0.self_attn.in_proj_weight');
    expect(keys.at(-1)).toBe('layers.1.norm2.bias');
    const [l0, l1] = [...enc.layers];
    expect(l0!.linear1.weight).not.toBe(l1!.linear1.weight);
    expect(l0!.linear1.weight.toFlatArray()).toEqual(layer.linear1.weight.toFlatArray());
    l0!.linear1.weight.data[0] = 42;
    expect(l1!.linear1.weight.data[0]).not.toBe(42);
    expect(layer.linear1.weight.data[0]).not.toBe(42);
  });

  it('TransformerDecoder stacks decoder layers and applies the final norm', () => {
    const g = new Generator(2);
    const dec = new TransformerDecoder(
      new TransformerDecoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, generator: g }),
      2,
      {
        norm: new LayerNorm(4),
      },
    );
    expect(Object.keys(dec.stateDict())).toContain('layers.1.multihead_attn.out_proj.weight');
    const y = dec.forward(randn([3, 2, 4], { generator: g }), randn([5, 2, 4], { generator: g }), {
      tgtIsCausal: true,
    });
    expect(y.shape).toEqual([3, 2, 4]);
    const mean = y.mean(-1).toFlatArray();
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-5);
  });

  it('rejects bad configurations, naming the layer', () => {
    expect(() => new TransformerEncoderLayer(4, 2, { activation: 'tanh' as never })).toThrow(
      /TransformerEncoderLayer: activation must be/,
    );
    expect(() => new TransformerDecoderLayer(4, 3)).toThrow(
      /MultiheadAttention: embedDim 4 must be divisible/,
    );
    expect(() => new TransformerEncoder(new TransformerEncoderLayer(4, 2), 0)).toThrow(ValueError);
  });

  it('a function activation is applied in the feed-forward block', () => {
    const g = new Generator(3);
    const a = new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, generator: g });
    const b = new TransformerEncoderLayer(4, 2, {
      dimFeedforward: 8,
      dropout: 0,
      activation: (x) => x.relu(),
    });
    b.loadStateDict(a.stateDict());
    const x = randn([3, 1, 4], { generator: g });
    expect(b.forward(x).toFlatArray()).toEqual(a.forward(x).toFlatArray());
  });
});

describe('Embedding', () => {
  it('starts the padding row at zero and never gives it a gradient', () => {
    const emb = new Embedding(4, 3, { paddingIdx: -1, generator: new Generator(1) });
    expect(emb.paddingIdx).toBe(3);
    expect((emb.weight.toArray() as number[][])[3]).toEqual([0, 0, 0]);
    emb
      .forward(tensor([[3, 0, 3]], { dtype: 'int32' }))
      .sum()
      .backward();
    const grad = emb.weight.grad!.toArray() as number[][];
    expect(grad[3]).toEqual([0, 0, 0]);
    expect(grad[0]).toEqual([1, 1, 1]);
  });

  it('fromPretrained copies the table and freezes it unless freeze is false', () => {
    const w = tensor([
      [1, 2],
      [3, 4],
    ]);
    const frozen = Embedding.fromPretrained(w);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.forward(tensor([1], { dtype: 'int32' })).toArray()).toEqual([[3, 4]]);
    w.data[0] = 9;
    expect(frozen.weight.data[0]).toBe(1);
    expect(Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad).toBe(true);
    expect(() => Embedding.fromPretrained(zeros([3]))).toThrow(
      /Embedding.fromPretrained: weight must be 2-D/,
    );
  });

  it('maxNorm rescales the looked-up rows in place', () => {
    const emb = Embedding.fromPretrained(
      tensor(
        [
          [3, 4],
          [0.3, 0.4],
        ],
        { dtype: f64 },
      ),
      { maxNorm: 1 },
    );
    const out = emb.forward(tensor([0, 1], { dtype: 'int32' })).toArray() as number[][];
    expect(out[0]![0]).toBeCloseTo(0.6, 6);
    expect(out[1]).toEqual([0.3, 0.4]);
    expect((emb.weight.toArray() as number[][])[0]![1]).toBeCloseTo(0.8, 6);
  });

  it('errors name Embedding', () => {
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow(/Embedding: paddingIdx 3 is out of range/);
    expect(() => new Embedding(3, 2).forward(tensor([0.5]))).toThrow(/^Embedding: indices must be int32/);
  });
});

describe('Module.to, double, float', () => {
  it('casts parameters and float buffers, keeps int32 buffers and shared parameters', () => {
    const bn = new BatchNorm1d(2);
    bn.double();
    expect(bn.weight!.dtype).toBe(f64);
    expect(bn.runningMean!.dtype).toBe(f64);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(bn.forward(randn([3, 2], { dtype: f64 })).dtype).toBe(f64);
    const a = new Linear(2, 2);
    const b = new Linear(2, 2);
    Object.assign(b, { weight: a.weight }); // tied weights
    const tied = new Sequential(a, b).double();
    expect(a.weight.dtype).toBe(f64);
    expect(b.weight).toBe(a.weight);
    expect(tied.parameters().length).toBe(3);
    const seq = new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 4 }), 2).to(f64);
    expect(seq.parameters().every((p) => p.dtype === f64)).toBe(true);
    const x = randn([2, 1, 4], { dtype: f64 });
    expect(seq.forward(x).dtype).toBe(f64);
    expect(
      tied
        .float()
        .parameters()
        .every((p) => p.dtype === 'float32'),
    ).toBe(true);
  });

  it('a round trip float32 → float64 → float32 keeps the values of float32 parameters exactly', () => {
    const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 4, generator: new Generator(1) });
    const before = Object.values(layer.stateDict()).map((t) => [...t.toTypedArray()]);
    layer.double().float();
    expect(Object.values(layer.stateDict()).map((t) => [...t.toTypedArray()])).toEqual(before);
    expect(() => layer.to('int32')).toThrow(/Module.to: dtype must be/);
  });
});
