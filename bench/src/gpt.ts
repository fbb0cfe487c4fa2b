/**
 * The GPT training step of `pnpm gpt` (the default model, batch and block size): forward, loss,
 * backward, gradient clipping and an AdamW step, in tsgrad and — when python3-torch is installed —
 * in PyTorch (bench/python/gpt_step.py, the same model in float32, one thread).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Generator, manualSeed, type Tensor, tensor } from '@tsgrad/core';
import { AdamW, clipGradNorm } from '@tsgrad/nn';
import { Gpt, type GptConfig, gptParamGroups } from '../../examples/src/gpt/model.js';
import { DEFAULTS } from '../../examples/src/gpt.js';
import { fmt, now, type Summary, summarize } from './stats.js';

/** The names' block: the longest of the 8,403 names (13 characters) + 1. */
export const GPT_BLOCK = 14;

/** The default run's model (examples/src/gpt.ts) on the names' 27 characters. */
export const GPT_BENCH_CONFIG: GptConfig = {
  vocabSize: 27,
  blockSize: GPT_BLOCK,
  nLayer: DEFAULTS.nLayer,
  nHead: DEFAULTS.nHead,
  nEmbd: DEFAULTS.nEmbd,
  dropout: 0,
  bias: true,
  tieWeights: false,
};

/** Repetitions of the timing. */
export interface GptBenchOptions {
  warmup: number;
  reps: number;
  stepsPerRep: number;
}

/** One library's figures. */
export interface GptStepResult {
  name: string;
  msPerStep: Summary;
  firstLoss: number;
  lastLoss: number;
}

/** The PyTorch side: its result, or why it was skipped. */
export type TorchOutcome = { ok: true; result: GptStepResult; threads: number } | { ok: false; note: string };

/** Random full-length batches (every position predicts a token), the same for every library's run. */
function batches(count: number, batch: number, seed: number): [Tensor, Tensor][] {
  const g = new Generator(seed);
  const out: [Tensor, Tensor][] = [];
  for (let i = 0; i < count; i++) {
    const x = new Int32Array(batch * GPT_BLOCK);
    const y = new Int32Array(batch * GPT_BLOCK);
    for (let j = 0; j < x.length; j++) {
      x[j] = g.int(0, 27);
      y[j] = g.int(0, 27);
    }
    out.push([tensor(x, { shape: [batch, GPT_BLOCK] }), tensor(y, { shape: [batch, GPT_BLOCK] })]);
  }
  return out;
}

/** Times tsgrad's training step of the default GPT: ms per step over `reps` repetitions. */
export function benchGptTsgrad(options: GptBenchOptions): GptStepResult {
  manualSeed(0);
  const model = new Gpt(GPT_BENCH_CONFIG, { generator: new Generator(0) });
  const optimizer = new AdamW(gptParamGroups(model, DEFAULTS.weightDecay), {
    lr: DEFAULTS.lr,
    betas: [0.9, 0.99],
  });
  const params = model.parameters();
  const data = batches(8, DEFAULTS.batchSize, 1);
  const losses: number[] = [];
  let i = 0;
  const step = () => {
    const [x, y] = data[i++ % data.length]!;
    const loss = model.loss(x, y);
    optimizer.zeroGrad();
    loss.backward();
    clipGradNorm(params, DEFAULTS.gradClip);
    optimizer.step();
    losses.push(loss.item());
  };
  for (let w = 0; w < options.warmup * options.stepsPerRep; w++) step();
  const samples: number[] = [];
  for (let r = 0; r < options.reps; r++) {
    const start = now();
    for (let s = 0; s < options.stepsPerRep; s++) step();
    samples.push((now() - start) / options.stepsPerRep);
  }
  return { name: 'tsgrad', msPerStep: summarize(samples), firstLoss: losses[0]!, lastLoss: losses.at(-1)! };
}

/** Runs bench/python/gpt_step.py with /usr/bin/python3 when it has torch; otherwise says why not. */
export function benchGptTorch(options: GptBenchOptions): TorchOutcome {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return {
      ok: false,
      note: 'PyTorch skipped: python3-torch is not installed (`apt install python3-torch`)',
    };
  }
  const script = fileURLToPath(new URL('../python/gpt_step.py', import.meta.url));
  const c = GPT_BENCH_CONFIG;
  const args = [
    script,
    `--n-layer=${c.nLayer}`,
    `--n-head=${c.nHead}`,
    `--n-embd=${c.nEmbd}`,
    `--block=${c.blockSize}`,
    `--vocab=${c.vocabSize}`,
    `--batch=${DEFAULTS.batchSize}`,
    `--warmup=${options.warmup}`,
    `--reps=${options.reps}`,
    `--steps-per-rep=${options.stepsPerRep}`,
    '--threads=1',
  ];
  const run = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) {
    return {
      ok: false,
      note: `PyTorch failed (exit ${run.status}): ${run.stderr.trim().split('\n').at(-1)}`,
    };
  }
  const out = JSON.parse(run.stdout) as {
    samples: number[];
    firstLoss: number;
    lastLoss: number;
    torch: string;
  };
  return {
    ok: true,
    threads: 1,
    result: {
      name: `PyTorch ${out.torch}`,
      msPerStep: summarize(out.samples),
      firstLoss: out.firstLoss,
      lastLoss: out.lastLoss,
    },
  };
}

/** The section of `pnpm bench`: prints a markdown table and returns what goes into latest.json. */
export function runGptSection(quick: boolean) {
  const options: GptBenchOptions = quick
    ? { warmup: 1, reps: 3, stepsPerRep: 5 }
    : { warmup: 1, reps: 7, stepsPerRep: 10 };
  const c = GPT_BENCH_CONFIG;
  const ts = benchGptTsgrad(options);
  const torch = benchGptTorch(options);
  console.log(
    `## GPT training step (pnpm gpt's default: ${c.nLayer} layers, ${c.nHead} heads, width ${c.nEmbd}, ` +
      `batch ${DEFAULTS.batchSize} × block ${c.blockSize}; forward, backward, clipGradNorm, AdamW)\n`,
  );
  console.log('| library | ms/step | min–max | tsgrad / library | loss first → last |');
  console.log('|---|---:|---:|---:|---:|');
  const rows = torch.ok ? [ts, torch.result] : [ts];
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${fmt(r.msPerStep.median)} | ${fmt(r.msPerStep.min)}–${fmt(r.msPerStep.max)} | ` +
        `${fmt(ts.msPerStep.median / r.msPerStep.median)} | ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)} |`,
    );
  }
  console.log(
    torch.ok
      ? '\nPyTorch in float32 on one thread (tsgrad runs on one); its own initial weights, the same batch shapes.\n'
      : `\n${torch.note}.\n`,
  );
  return {
    config: { ...c, batchSize: DEFAULTS.batchSize },
    options,
    results: rows,
    torch: torch.ok ? `ran with ${torch.threads} thread` : torch.note,
  };
}
