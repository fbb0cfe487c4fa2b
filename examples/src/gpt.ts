/**
 * A character-level GPT, nanoGPT-style (token + position embeddings, pre-norm Transformer blocks
 * with causal self-attention and a GELU MLP, a final LayerNorm), trained with AdamW, a warm-up then
 * a cosine decay of the learning rate, and gradient clipping. By default it learns the English first
 * names of `pnpm makemore` on the same split, so the two val losses compare; `--data brown` or
 * `--data FILE` trains on a text instead. It prints the losses, writes the run folder and samples.
 *
 *   pnpm gpt                                   # the names, about 2–3 minutes on 2 cores
 *   pnpm gpt --steps 500 --sample 20 --temperature 0.8
 *   pnpm gpt --data brown --steps 3000 --sample 400
 *   pnpm gpt --eval runs/gpt/model.safetensors --sample 10
 *   pnpm gpt --help
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Generator, manualSeed, noGrad, TsgradError, tensor } from '@tsgrad/core';
import { CharTokenizer } from '@tsgrad/datasets';
import { AdamW, clipGradNorm, loadSafetensors, saveSafetensors } from '@tsgrad/nn';
import { evaluateLoss, type GptData, loadGptData, TRAIN_EVAL_NAMES } from './gpt/data.js';
import { Gpt, type GptConfig, gptParamGroups } from './gpt/model.js';
import { setLr, warmupCosineLr } from './gpt/schedule.js';
import { nonNegativeInt, parseFlags, positiveInt, positiveNumber, UsageError } from './lib/cli.js';
import { lossCurvesSvg } from './lib/loss-curves-svg.js';
import { Progress } from './lib/progress.js';
import { drawFromLogits } from './makemore.js';

/** Everything that defines a run. */
export interface GptRunConfig {
  /** `names`, `brown`, or the path of a UTF-8 text file. */
  data: string;
  steps: number;
  batchSize: number;
  /** Context length for a text (names use the longest name + 1). */
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  /** Share the token embedding with the output head. */
  tie: boolean;
  /** Peak learning rate; the cosine ends at a tenth of it. */
  lr: number;
  /** Steps of linear warm-up. */
  warmup: number;
  weightDecay: number;
  /** Largest global gradient norm (clipGradNorm); 0 turns clipping off. */
  gradClip: number;
  seed: number;
  /** Names to sample (names), or characters to generate (a text); null: 10 names or 500 characters. */
  sample: number | null;
  temperature: number;
  topK: number | null;
  out: string;
  quiet: boolean;
}

/**
 * The default run: a 2-layer, 4-head, 64-wide GPT on the names, 2,000 steps of batch 32 (chosen by
 * val loss per CPU second: 2 layers and 2,000 steps beat 3 or 4 layers and fewer steps in the same time).
 */
export const DEFAULTS: GptRunConfig = {
  data: 'names',
  steps: 2000,
  batchSize: 32,
  blockSize: 64,
  nLayer: 2,
  nHead: 4,
  nEmbd: 64,
  dropout: 0,
  tie: false,
  lr: 3e-3,
  warmup: 100,
  weightDecay: 0.1,
  gradClip: 1,
  seed: 42,
  sample: null,
  temperature: 1,
  topK: null,
  out: join('runs', 'gpt'),
  quiet: false,
};

/** AdamW's betas (nanoGPT's for small character models) and epsilon. */
export const ADAM_BETAS = [0.9, 0.99] as const;
export const ADAM_EPS = 1e-8;

const USAGE = `Train a character-level GPT (nanoGPT-style) and sample from it.

Usage: pnpm gpt [options]

Options:
  --data SOURCE         names (default: the 8,403 first names, makemore's split), brown (the Brown
                        corpus), or the path of a UTF-8 text file
  --steps N             training steps (default ${DEFAULTS.steps})
  --batch-size N        sequences per step (default ${DEFAULTS.batchSize})
  --block-size N        context length for a text (default ${DEFAULTS.blockSize}; names use the longest name + 1)
  --n-layer N           Transformer blocks (default ${DEFAULTS.nLayer})
  --n-head N            attention heads (default ${DEFAULTS.nHead})
  --n-embd N            width of the residual stream, a multiple of --n-head (default ${DEFAULTS.nEmbd})
  --dropout X           dropout probability in [0, 1) (default ${DEFAULTS.dropout})
  --tie                 tie the output head to the token embedding
  --lr X                peak learning rate of AdamW (default ${DEFAULTS.lr}); cosine decay to a tenth
  --warmup N            steps of linear warm-up (default ${DEFAULTS.warmup})
  --weight-decay X      AdamW weight decay of the matrices (default ${DEFAULTS.weightDecay})
  --grad-clip X         clip the global gradient norm to X, 0 for none (default ${DEFAULTS.gradClip})
  --seed N              seed for initialisation, batches and sampling (default ${DEFAULTS.seed})
  --sample N            names to sample, or characters of text to generate (default 10 names, 500 characters)
  --temperature X       sampling temperature (default ${DEFAULTS.temperature})
  --top-k N             sample among the N most likely characters only (default: all)
  --out DIR             output folder (default ${DEFAULTS.out})
  --eval PATH           load a saved model.safetensors, print its val loss, sample, and exit
  --quiet               no progress bar
  --help                show this help
`;

/** A number ≥ 0 written as a decimal (dropout, weight decay, clipping). */
function nonNegativeNumber(flag: string, value: string): number {
  if (/^\s*(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value) && Number(value) === 0) return 0;
  return positiveNumber(flag, value);
}

/** Parses the command line into a config (or an `--eval` request); throws UsageError on bad input. */
export function parseGptArgs(argv: string[]): {
  config: GptRunConfig;
  evalPath: string | null;
  help: boolean;
} {
  const v = parseFlags(argv, {
    data: { type: 'string' },
    steps: { type: 'string' },
    'batch-size': { type: 'string' },
    'block-size': { type: 'string' },
    'n-layer': { type: 'string' },
    'n-head': { type: 'string' },
    'n-embd': { type: 'string' },
    dropout: { type: 'string' },
    tie: { type: 'boolean' },
    lr: { type: 'string' },
    warmup: { type: 'string' },
    'weight-decay': { type: 'string' },
    'grad-clip': { type: 'string' },
    seed: { type: 'string' },
    sample: { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    out: { type: 'string' },
    eval: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const str = (k: string) => v[k] as string | undefined;
  const config: GptRunConfig = { ...DEFAULTS };
  const ints = [
    ['steps', 'steps'],
    ['batch-size', 'batchSize'],
    ['block-size', 'blockSize'],
    ['n-layer', 'nLayer'],
    ['n-head', 'nHead'],
    ['n-embd', 'nEmbd'],
  ] as const;
  for (const [flag, key] of ints) if (str(flag) !== undefined) config[key] = positiveInt(flag, str(flag)!);
  if (str('data') !== undefined) {
    if (str('data') === '') throw new UsageError('--data: expected names, brown or the path of a text file');
    config.data = str('data')!;
  }
  if (str('dropout') !== undefined) {
    config.dropout = nonNegativeNumber('dropout', str('dropout')!);
    if (config.dropout >= 1)
      throw new UsageError(`--dropout: expected a number in [0, 1), got '${str('dropout')}'`);
  }
  if (str('lr') !== undefined) config.lr = positiveNumber('lr', str('lr')!);
  if (str('warmup') !== undefined) config.warmup = nonNegativeInt('warmup', str('warmup')!);
  if (str('weight-decay') !== undefined)
    config.weightDecay = nonNegativeNumber('weight-decay', str('weight-decay')!);
  if (str('grad-clip') !== undefined) config.gradClip = nonNegativeNumber('grad-clip', str('grad-clip')!);
  if (str('seed') !== undefined) config.seed = nonNegativeInt('seed', str('seed')!);
  if (str('sample') !== undefined) config.sample = nonNegativeInt('sample', str('sample')!);
  if (str('temperature') !== undefined)
    config.temperature = positiveNumber('temperature', str('temperature')!);
  if (str('top-k') !== undefined) config.topK = positiveInt('top-k', str('top-k')!);
  if (str('out') !== undefined) config.out = str('out')!;
  if (config.data === 'names' && str('block-size') !== undefined) {
    throw new UsageError(
      '--block-size: the names use the longest name + 1 as their block; it applies to a text',
    );
  }
  config.tie = v.tie === true;
  config.quiet = v.quiet === true;
  if (config.nEmbd % config.nHead !== 0) {
    throw new UsageError(`--n-embd (${config.nEmbd}) must be a multiple of --n-head (${config.nHead})`);
  }
  if (v.eval === '') throw new UsageError('--eval: expected a path to a .safetensors file');
  if (
    config.data !== 'names' &&
    config.data !== 'brown' &&
    v.eval === undefined &&
    !existsSync(config.data)
  ) {
    throw new UsageError(`--data: no such file '${config.data}' (expected names, brown or a text file)`);
  }
  return { config, evalPath: str('eval') ?? null, help: v.help === true };
}

/** The model's shape for a run on `data`. */
export function modelConfig(config: GptRunConfig, data: GptData): GptConfig {
  return {
    vocabSize: data.tokenizer.vocabSize,
    blockSize: data.blockSize,
    nLayer: config.nLayer,
    nHead: config.nHead,
    nEmbd: config.nEmbd,
    dropout: config.dropout,
    bias: true,
    tieWeights: config.tie,
  };
}

/** Options of `sampleGpt`. */
export interface SampleOptions {
  temperature?: number;
  topK?: number | null;
  generator: Generator;
}

/**
 * Samples from the model one character at a time, each from softmax(logits / temperature) of the
 * last position (restricted to the top k when given), the context being the last `blockSize`
 * characters. With `names`, `count` names, each until '.' or the block is full; otherwise one text
 * of `count` characters starting after `startId`.
 */
export function sampleGpt(
  model: Gpt,
  tokenizer: CharTokenizer,
  count: number,
  mode: { names: boolean; startId: number },
  options: SampleOptions,
): string[] {
  const { blockSize, vocabSize } = model.config;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? null;
  const wasTraining = model.training;
  model.eval();
  const next = (context: number[]): number => {
    const window = context.slice(-blockSize);
    const ids = tensor(Int32Array.from(window), { shape: [1, window.length] });
    const logits = model.forward(ids).toTypedArray();
    const last = logits.subarray((window.length - 1) * vocabSize, window.length * vocabSize);
    return drawFromLogits(last, vocabSize, temperature, topK, options.generator);
  };
  try {
    return noGrad(() => {
      if (mode.names) {
        const names: string[] = [];
        for (let s = 0; s < count; s++) {
          const context = [mode.startId];
          while (context.length < blockSize) {
            const id = next(context);
            if (id === mode.startId) break;
            context.push(id);
          }
          names.push(tokenizer.decode(context.slice(1)));
        }
        return names;
      }
      if (count === 0) return [];
      const context = [mode.startId];
      for (let i = 0; i < count; i++) context.push(next(context));
      return [tokenizer.decode(context.slice(1))];
    });
  } finally {
    model.train(wasTraining);
  }
}

/** One point of the curves: the mean training loss since the last point and the val loss. */
export interface CurvePoint {
  step: number;
  trainLoss: number;
  valLoss: number;
  lr: number;
  seconds: number;
}

/** Trains with `config`, writes the run folder, samples, and returns the metrics. */
export function trainGpt(config: GptRunConfig, log: (line: string) => void = console.log) {
  manualSeed(config.seed);
  const generator = new Generator(config.seed);
  const data = loadGptData(config.data, config.blockSize);
  const spec = modelConfig(config, data);
  const model = new Gpt(spec, { generator });
  const parameters = model.numParameters();
  const optimizer = new AdamW(gptParamGroups(model, config.weightDecay), {
    lr: config.lr,
    betas: ADAM_BETAS,
    eps: ADAM_EPS,
  });
  const schedule = { lr: config.lr, minLr: config.lr / 10, warmup: config.warmup, decaySteps: config.steps };
  log(`data: ${data.description}`);
  log(
    `model: GPT, ${spec.nLayer} layers, ${spec.nHead} heads, width ${spec.nEmbd}, block ${spec.blockSize}, ` +
      `${spec.tieWeights ? 'tied' : 'untied'} head, dropout ${spec.dropout}, ${parameters.toLocaleString('en-US')} parameters`,
  );
  log(
    `training: AdamW lr ${config.lr} (warm-up ${config.warmup} steps, cosine to ${Number(schedule.minLr.toPrecision(6))}), ` +
      `weight decay ${config.weightDecay}, clip ${config.gradClip || 'off'}, batch ${config.batchSize}, ` +
      `${config.steps} steps, seed ${config.seed}`,
  );

  const interval = Math.max(1, Math.floor(config.steps / 10));
  const curve: CurvePoint[] = [];
  const progress = config.quiet ? null : new Progress('training', config.steps);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let evalMs = 0;
  let windowSum = 0;
  let windowCount = 0;
  const params = model.parameters();
  for (let step = 1; step <= config.steps; step++) {
    const lr = warmupCosineLr(step - 1, schedule);
    setLr(optimizer, lr);
    const [x, y] = data.trainBatch(config.batchSize, generator);
    const loss = model.loss(x, y);
    optimizer.zeroGrad();
    loss.backward();
    if (config.gradClip > 0) clipGradNorm(params, config.gradClip);
    optimizer.step();
    windowSum += loss.item();
    windowCount++;
    if (step % 10 === 0 || step === config.steps) progress?.update(step, windowSum / windowCount);
    if (step % interval === 0 || step === config.steps) {
      const evalStart = performance.now();
      const valLoss = evaluateLoss(model, data.valBatches);
      evalMs += performance.now() - evalStart;
      curve.push({
        step,
        trainLoss: windowSum / windowCount,
        valLoss,
        lr,
        seconds: (performance.now() - started) / 1000,
      });
      windowSum = 0;
      windowCount = 0;
    }
  }
  progress?.finish();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const msPerStep = (seconds * 1000 - evalMs) / config.steps;
  const trainLoss = evaluateLoss(model, data.trainEvalBatches);
  const valLoss = curve.at(-1)!.valLoss;
  for (const p of curve) {
    log(
      `step ${String(p.step).padStart(6)}: train loss ${p.trainLoss.toFixed(4)}  val loss ${p.valLoss.toFixed(4)}  lr ${p.lr.toExponential(2)}`,
    );
  }
  log(
    `\nfinal: train loss ${trainLoss.toFixed(4)}${data.source === 'names' ? ` (first ${TRAIN_EVAL_NAMES.toLocaleString('en-US')} training names)` : ''}, val loss ${valLoss.toFixed(4)}`,
  );
  log(
    `training time: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU ` +
      `(${msPerStep.toFixed(1)} ms/step; the ${curve.length} val evaluations took ${(evalMs / 1000).toFixed(1)} s)`,
  );

  const names = data.source === 'names';
  const samples = sampleGpt(
    model,
    data.tokenizer,
    config.sample ?? (names ? 10 : 500),
    { names, startId: data.startId },
    { temperature: config.temperature, topK: config.topK, generator: new Generator(config.seed) },
  );
  if (samples.length > 0) {
    log(names ? `\nsamples:\n${samples.map((n) => `  ${n}`).join('\n')}` : `\nsample:\n${samples[0]}`);
  }

  mkdirSync(config.out, { recursive: true });
  const modelPath = join(config.out, 'model.safetensors');
  saveSafetensors(model.stateDict(), modelPath, checkpointMetadata(spec, data, valLoss));
  const metrics = {
    config: { ...config, model: spec, parameters, adamBetas: ADAM_BETAS, minLr: schedule.minLr },
    curve,
    final: { trainLoss, valLoss, parameters, seconds, cpuSeconds, msPerStep, samples },
  };
  writeFileSync(join(config.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  writeFileSync(join(config.out, 'curves.svg'), lossCurvesSvg(curve, { title: `GPT on ${data.source}` }));
  log(`\nwrote ${modelPath}, metrics.json, curves.svg`);
  return metrics;
}

/** What `--eval` needs to rebuild the model and its data, as safetensors metadata (strings). */
function checkpointMetadata(spec: GptConfig, data: GptData, valLoss: number): Record<string, string> {
  return {
    format: 'pt',
    model: 'gpt',
    data: data.source,
    vocab: data.tokenizer.vocab.join(''),
    special: data.tokenizer.special ?? '',
    vocabSize: String(spec.vocabSize),
    blockSize: String(spec.blockSize),
    nLayer: String(spec.nLayer),
    nHead: String(spec.nHead),
    nEmbd: String(spec.nEmbd),
    dropout: String(spec.dropout),
    bias: String(spec.bias),
    tieWeights: String(spec.tieWeights),
    valLoss: String(valLoss),
  };
}

/** Loads a checkpoint written by `trainGpt` (its shape, vocabulary and data are in the metadata). */
export function loadGpt(path: string): { model: Gpt; tokenizer: CharTokenizer; data: string } {
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.model !== 'gpt' || metadata.vocab === undefined || metadata.data === undefined) {
    throw new UsageError(`--eval: ${path} is not a gpt checkpoint (its metadata lacks model=gpt)`);
  }
  const special = metadata.special ? metadata.special : undefined;
  const tokenizer = new CharTokenizer(Array.from(metadata.vocab), { special });
  const spec: GptConfig = {
    vocabSize: tokenizer.vocabSize,
    blockSize: Number(metadata.blockSize),
    nLayer: Number(metadata.nLayer),
    nHead: Number(metadata.nHead),
    nEmbd: Number(metadata.nEmbd),
    dropout: Number(metadata.dropout),
    bias: metadata.bias !== 'false',
    tieWeights: metadata.tieWeights === 'true',
  };
  const dtype = tensors['transformer.wte.weight']?.dtype === 'float64' ? 'float64' : 'float32';
  const model = new Gpt(spec, { generator: new Generator(0), dtype });
  model.loadStateDict(tensors);
  return { model, tokenizer, data: metadata.data };
}

/** Val loss of a saved checkpoint on its data's val split, and samples. */
export function evaluateSaved(
  path: string,
  config: Pick<GptRunConfig, 'sample' | 'temperature' | 'topK' | 'seed'> & { data?: string },
) {
  const { model, tokenizer, data: source } = loadGpt(path);
  const data = loadGptData(config.data ?? source, model.config.blockSize);
  if (data.tokenizer.vocab.join('') !== tokenizer.vocab.join('')) {
    throw new UsageError(`--eval: the data '${data.source}' has another vocabulary than the checkpoint`);
  }
  const valLoss = evaluateLoss(model, data.valBatches);
  const names = data.source === 'names';
  const samples = sampleGpt(
    model,
    tokenizer,
    config.sample ?? (names ? 10 : 500),
    { names, startId: data.startId },
    { temperature: config.temperature, topK: config.topK, generator: new Generator(config.seed) },
  );
  return { valLoss, samples, names };
}

function main(argv: string[]): number {
  let parsed: ReturnType<typeof parseGptArgs>;
  try {
    parsed = parseGptArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dataGiven = argv.some((a) => a === '--data' || a.startsWith('--data='));
  try {
    if (parsed.evalPath !== null) {
      const result = evaluateSaved(parsed.evalPath, {
        ...parsed.config,
        data: dataGiven ? parsed.config.data : undefined,
      });
      console.log(`val loss: ${result.valLoss.toFixed(4)}`);
      if (result.samples.length > 0) {
        console.log(
          result.names
            ? `samples:\n${result.samples.map((n) => `  ${n}`).join('\n')}`
            : `sample:\n${result.samples[0]}`,
        );
      }
      return 0;
    }
    trainGpt(parsed.config);
    return 0;
  } catch (error) {
    // A file that is not a gpt checkpoint is a usage error; unreadable data or a malformed
    // checkpoint (ValueError, FormatError) is reported without a stack trace.
    if (!(error instanceof UsageError || error instanceof TsgradError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
