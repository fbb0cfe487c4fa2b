/**
 * The GPT of `pnpm gpt` trains exactly as nanoGPT's does in PyTorch: from the same initial weights
 * and the same 50 batches, with AdamW (nanoGPT's parameter groups), the warm-up + cosine learning
 * rate and gradient clipping, every step's loss and gradient norm equal PyTorch's in float64. The
 * weights, batches and PyTorch's figures come from examples/python/gpt_parity.py.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor } from '@tsgrad/core';
import { AdamW, clipGradNorm, loadSafetensors } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';
import { Gpt, type GptConfig, gptParamGroups } from '../src/gpt/model.js';
import { setLr, type WarmupCosine, warmupCosineLr } from '../src/gpt/schedule.js';

interface Reference {
  torch: string;
  config: GptConfig;
  schedule: WarmupCosine;
  adamw: { betas: [number, number]; eps: number; weightDecay: number };
  gradClip: number;
  weights: string;
  batches: { x: number[][]; y: number[][] }[];
  losses: number[];
  gradNorms: number[];
}

const dir = new URL('../python/', import.meta.url);

function ids(rows: number[][]) {
  return tensor(Int32Array.from(rows.flat()), { shape: [rows.length, rows[0]!.length] });
}

/** Trains the tsgrad GPT as the script trained PyTorch's and returns its losses and gradient norms. */
function train(ref: Reference) {
  const model = new Gpt(ref.config, { dtype: 'float64' });
  const weights = loadSafetensors(fileURLToPath(new URL(ref.weights, dir))).tensors;
  model.loadStateDict(weights);
  const optimizer = new AdamW(gptParamGroups(model, ref.adamw.weightDecay), {
    lr: ref.schedule.lr,
    betas: ref.adamw.betas,
    eps: ref.adamw.eps,
  });
  const params = model.parameters();
  const losses: number[] = [];
  const gradNorms: number[] = [];
  ref.batches.forEach((batch, it) => {
    setLr(optimizer, warmupCosineLr(it, ref.schedule));
    const loss = model.loss(ids(batch.x), ids(batch.y));
    optimizer.zeroGrad();
    loss.backward();
    gradNorms.push(clipGradNorm(params, ref.gradClip));
    optimizer.step();
    losses.push(loss.item());
  });
  return { losses, gradNorms };
}

function maxRelativeDifference(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!));
  return worst;
}

describe.each(['untied', 'tied'])('GPT parity with PyTorch (%s head, float64)', (head) => {
  const ref = JSON.parse(readFileSync(new URL(`gpt_parity_${head}.json`, dir), 'utf8')) as Reference;
  const run = train(ref);

  it('loads the PyTorch state dict strictly, under nanoGPT keys', () => {
    const keys = Object.keys(loadSafetensors(fileURLToPath(new URL(ref.weights, dir))).tensors);
    const model = new Gpt(ref.config, { dtype: 'float64' });
    expect(Object.keys(model.stateDict())).toEqual(keys);
    expect(keys).toContain('transformer.h.1.attn.c_attn.weight');
    expect(keys.at(-1)).toBe('lm_head.weight');
  });

  it('gives the same loss as PyTorch at each of the 50 steps (to 1e-4 relative; measured far closer)', () => {
    expect(run.losses).toHaveLength(50);
    // The loss must actually move, or equal losses would prove little.
    expect(ref.losses[49]!).toBeLessThan(ref.losses[0]! - 0.3);
    const worst = maxRelativeDifference(run.losses, ref.losses);
    expect(worst).toBeLessThan(1e-4);
    // float64 all the way: the observed gap is rounding, about 1e-13.
    expect(worst).toBeLessThan(1e-10);
  });

  it('gives the same gradient norm before clipping at each step, clipped and unclipped steps both', () => {
    expect(ref.gradNorms.some((n) => n > ref.gradClip)).toBe(true);
    expect(ref.gradNorms.some((n) => n < ref.gradClip)).toBe(true);
    expect(maxRelativeDifference(run.gradNorms, ref.gradNorms)).toBeLessThan(1e-10);
  });
});
