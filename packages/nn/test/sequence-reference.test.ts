/**
 * The sequence layers against PyTorch 1.13 in float64: each case's state dict (saved by
 * test/reference/make_sequence_reference.py with PyTorch's keys) loads strictly, and the outputs and
 * the gradients of sum(output · cotangent) for the inputs and every parameter agree to 1e-6 relative.
 * The reverse direction too: tsgrad's own state dict, saved as safetensors, has PyTorch's keys in order.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, tensor } from '@tsgrad/core';
import {
  BatchNorm1d,
  ELU,
  Embedding,
  GELU,
  GroupNorm,
  LayerNorm,
  LeakyReLU,
  loadSafetensors,
  Mish,
  type Module,
  MultiheadAttention,
  RMSNorm,
  SiLU,
  Softplus,
  saveSafetensors,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from '@tsgrad/nn';
import { afterAll, describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, 'reference', 'sequence');

interface Case {
  keys: string[];
  config: Record<string, unknown>;
  inputs: string[];
  masks: string[];
  outputs: string[];
  train: boolean;
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
  torch: string;
  cases: Record<string, Case>;
};

type Run = (
  m: Module,
  inputs: Record<string, Tensor>,
  masks: Record<string, Tensor>,
) => Record<string, Tensor | null>;

const f64 = { dtype: 'float64' } as const;

function mhaRun(needWeights: boolean, average = true, self = false): Run {
  return (m, i, ms) => {
    const [q, k, v] = self ? [i.x!, i.x!, i.x!] : [i.query!, i.key!, i.value!];
    const [out, weights] = (m as MultiheadAttention).call(q, k, v, {
      attnMask: ms.attnMask,
      keyPaddingMask: ms.keyPaddingMask,
      needWeights,
      averageAttnWeights: average,
    });
    return { out, weights };
  };
}

const encoderRun: Run = (m, i, ms) => ({
  out: (m as TransformerEncoderLayer).call(i.src!, {
    srcMask: ms.srcMask,
    srcKeyPaddingMask: ms.srcKeyPaddingMask,
  }),
});
const single: Run = (m, i) => ({ out: (m as unknown as { call(x: Tensor): Tensor }).call(i.x!) });

/** Builds the tsgrad module of each case (in float64), and how to run it. */
function build(name: string, c: Case): [Module, Run] {
  const cfg = c.config as Record<string, never>;
  if (name === 'embedding_padding') {
    return [
      new Embedding(cfg.num, cfg.dim, { paddingIdx: cfg.paddingIdx, ...f64 }),
      (m, _i, ms) => ({ out: (m as Embedding).call(ms.indices!) }),
    ];
  }
  if (name.startsWith('mha_')) {
    const m = new MultiheadAttention(cfg.embedDim, cfg.numHeads, {
      kdim: cfg.kdim,
      vdim: cfg.vdim,
      batchFirst: cfg.batchFirst,
      bias: cfg.bias,
      ...f64,
    });
    return [m, mhaRun(cfg.needWeights, cfg.averageAttnWeights ?? true, name === 'mha_self_bool_mask')];
  }
  if (name.startsWith('encoder_stack')) {
    const layer = new TransformerEncoderLayer(cfg.dModel, cfg.nhead, {
      dimFeedforward: cfg.dimFeedforward,
      dropout: 0,
      normFirst: cfg.normFirst,
      ...f64,
    });
    const m = new TransformerEncoder(layer, cfg.numLayers, { norm: new LayerNorm(cfg.dModel, f64) });
    return [m, (mm, i, ms) => ({ out: (mm as TransformerEncoder).call(i.src!, { mask: ms.mask }) })];
  }
  if (name.startsWith('encoder_')) {
    const m = new TransformerEncoderLayer(cfg.dModel, cfg.nhead, {
      dimFeedforward: cfg.dimFeedforward,
      dropout: cfg.dropout,
      activation: cfg.activation,
      batchFirst: cfg.batchFirst,
      normFirst: cfg.normFirst,
      ...f64,
    });
    return [m, encoderRun];
  }
  if (name.startsWith('decoder_')) {
    const m = new TransformerDecoderLayer(cfg.dModel, cfg.nhead, {
      dimFeedforward: cfg.dimFeedforward,
      dropout: cfg.dropout,
      activation: cfg.activation,
      batchFirst: cfg.batchFirst,
      normFirst: cfg.normFirst,
      ...f64,
    });
    return [
      m,
      (mm, i, ms) => ({
        out: (mm as TransformerDecoderLayer).call(i.tgt!, i.memory!, {
          tgtMask: ms.tgtMask,
          memoryKeyPaddingMask: ms.memoryKeyPaddingMask,
          tgtKeyPaddingMask: ms.tgtKeyPaddingMask,
        }),
      }),
    ];
  }
  if (name === 'group_norm') return [new GroupNorm(cfg.numGroups, cfg.numChannels, f64), single];
  if (name === 'rms_norm') return [new RMSNorm(cfg.normalizedShape, { eps: cfg.eps, ...f64 }), single];
  if (name === 'batch_norm') return [new BatchNorm1d(cfg.numFeatures, f64), single];
  const activations: Record<string, Module> = {
    act_gelu: new GELU(),
    act_gelu_tanh: new GELU({ approximate: 'tanh' }),
    act_silu: new SiLU(),
    act_leaky_relu: new LeakyReLU(0.2),
    act_elu: new ELU(0.7),
    act_softplus: new Softplus(2, 3),
    act_mish: new Mish(),
  };
  const act = activations[name];
  if (act === undefined) throw new Error(`no builder for case ${name}`);
  return [act, single];
}

/** |a − e| ≤ 1e-6·|e| elementwise (with a 1e-12 floor for values that are zero). */
function expectClose(what: string, actual: Tensor, expected: Tensor): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const a = actual.toFlatArray();
  const e = expected.toFlatArray();
  let worst = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i]! - e[i]!) / Math.max(Math.abs(e[i]!), 1e-6);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  if (!(worst <= 1e-6))
    throw new Error(`${what}: element ${at}: ${a[at]} vs PyTorch ${e[at]} (relative ${worst})`);
}

function load(name: string): { state: Record<string, Tensor>; io: Record<string, Tensor> } {
  return {
    state: loadSafetensors(join(DIR, `${name}.state.safetensors`)).tensors,
    io: loadSafetensors(join(DIR, `${name}.io.safetensors`)).tensors,
  };
}

/** Runs a case: strict load, forward, backward of sum(output · cotangent), comparison with PyTorch. */
function runCase(name: string, c: Case, override?: Run): Module {
  const [module, defaultRun] = build(name, c);
  const run = override ?? defaultRun;
  const { state, io } = load(name);
  module.loadStateDict(state, { strict: true });
  module.train(c.train);
  const inputs: Record<string, Tensor> = {};
  for (const k of c.inputs) inputs[k] = io[`input.${k}`]!.clone().requiresGrad_();
  const masks: Record<string, Tensor> = {};
  for (const k of c.masks) masks[k] = io[`mask.${k}`]!;
  const outputs = run(module, inputs, masks);
  let loss: Tensor | null = null;
  for (const k of c.outputs) {
    const out = outputs[k];
    if (out === null || out === undefined) throw new Error(`${name}: no output '${k}'`);
    expectClose(`${name} output.${k}`, out, io[`output.${k}`]!);
    const term = out.mul(io[`cotangent.${k}`]!).sum();
    loss = loss === null ? term : loss.add(term);
  }
  for (const k of Object.keys(outputs)) {
    if (!c.outputs.includes(k)) expect(outputs[k], `${name}: output ${k} should be null`).toBeNull();
  }
  loss!.backward();
  for (const k of c.inputs) expectClose(`${name} grad.input.${k}`, inputs[k]!.grad!, io[`grad.input.${k}`]!);
  const params = module.namedParameters();
  expect(params.length).toBe(Object.keys(io).filter((k) => k.startsWith('grad.param.')).length);
  for (const [key, p] of params) expectClose(`${name} grad.param.${key}`, p.grad!, io[`grad.param.${key}`]!);
  return module;
}

const tmp = mkdtempSync(join(tmpdir(), 'tsgrad-seqref-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe(`sequence layers match PyTorch ${manifest.torch} in float64`, () => {
  for (const [name, c] of Object.entries(manifest.cases)) {
    it(`${name}: strict load, outputs and gradients to 1e-6`, () => {
      runCase(name, c);
    });

    it(`${name}: tsgrad's saved state dict has PyTorch's keys in PyTorch's order`, () => {
      const [module] = build(name, c);
      expect(Object.keys(module.stateDict())).toEqual(c.keys);
      const path = join(tmp, `${name}.safetensors`);
      module.loadStateDict(load(name).state);
      saveSafetensors(module.stateDict(), path);
      const saved = loadSafetensors(path).tensors;
      expect(Object.keys(saved).sort()).toEqual([...c.keys].sort());
      const original = load(name).state;
      for (const k of c.keys) expect(saved[k]!.toFlatArray(), k).toEqual(original[k]!.toFlatArray());
    });
  }

  it('isCausal gives the same results as the causal float mask (encoder layers and the stack)', () => {
    for (const [name, c] of Object.entries(manifest.cases)) {
      if (!name.endsWith('_causal')) continue;
      runCase(name, c, (m, i) => ({ out: (m as TransformerEncoderLayer).call(i.src!, { isCausal: true }) }));
    }
    runCase('encoder_stack', manifest.cases.encoder_stack!, (m, i) => ({
      out: (m as TransformerEncoder).call(i.src!, { isCausal: true }),
    }));
    runCase('decoder_layer', manifest.cases.decoder_layer!, (m, i, ms) => ({
      out: (m as TransformerDecoderLayer).call(i.tgt!, i.memory!, {
        tgtIsCausal: true,
        memoryKeyPaddingMask: ms.memoryKeyPaddingMask,
      }),
    }));
  });

  it('a bool attnMask equals the float mask with −∞ where it is true (MultiheadAttention)', () => {
    const c = manifest.cases.mha_self_bool_mask!;
    runCase('mha_self_bool_mask', c, (m, i, ms) => {
      const bias = tensor(
        ms.attnMask!.toFlatArray().map((b) => (b ? Number.NEGATIVE_INFINITY : 0)),
        f64,
      ).reshape(ms.attnMask!.shape);
      const [out] = (m as MultiheadAttention).call(i.x!, i.x!, i.x!, { attnMask: bias, needWeights: false });
      return { out, weights: null };
    });
  });

  it('BatchNorm1d: the int64 num_batches_tracked loads as int32, and training updates the statistics as PyTorch', () => {
    const bn = runCase('batch_norm', manifest.cases.batch_norm!) as BatchNorm1d;
    const { state, io } = load('batch_norm');
    expect(state.num_batches_tracked!.dtype).toBe('int32');
    expect(state.num_batches_tracked!.item()).toBe(2);
    const after = bn.stateDict();
    for (const k of manifest.cases.batch_norm!.keys) {
      if (k === 'num_batches_tracked') expect(after[k]!.item()).toBe(io[`after.${k}`]!.item());
      else expectClose(`after.${k}`, after[k]!, io[`after.${k}`]!);
    }
  });
});
