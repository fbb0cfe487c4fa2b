/**
 * makemore, part 2: Bengio et al. 2003's MLP language model on English first names, as in
 * Karpathy's makemore — each character is predicted from the 3 before it, through a 10-dimensional
 * embedding, a 200-unit tanh layer and a softmax over the 27 characters ('.' ends a name). It
 * prints a bigram baseline, trains, writes the run folder, and samples new names.
 *
 *   pnpm makemore                          # 30,000 steps, batch 32, lr 0.1 then 0.01
 *   pnpm makemore --steps 5000 --sample 20 --temperature 0.8
 *   pnpm makemore --eval runs/makemore/model.safetensors --sample 10
 *   pnpm makemore --help
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Generator, manualSeed, noGrad, type Tensor, TsgradError, tensor, zeros } from '@tsgrad/core';
import { CharTokenizer, contextWindows, loadNames } from '@tsgrad/datasets';
import {
  crossEntropy,
  init,
  Linear,
  loadSafetensors,
  Module,
  Parameter,
  Sequential,
  SGD,
  saveSafetensors,
  Tanh,
} from '@tsgrad/nn';
import { nonNegativeInt, parseFlags, positiveInt, positiveNumber, UsageError } from './lib/cli.js';
import { lossCurvesSvg } from './lib/loss-curves-svg.js';
import { Progress } from './lib/progress.js';

/** Everything that defines a run. */
export interface MakemoreConfig {
  steps: number;
  batchSize: number;
  /** Learning rate for the first half of the steps; a tenth of it for the second half. */
  lr: number;
  blockSize: number;
  embedding: number;
  hidden: number;
  seed: number;
  /** Names sampled at the end. */
  sample: number;
  temperature: number;
  /** Sample among the k most likely characters only (null: all). */
  topK: number | null;
  out: string;
  quiet: boolean;
}

/** makemore's MLP defaults with the reference's schedule (30,000 steps, lr 0.1 then 0.01). */
export const DEFAULTS: MakemoreConfig = {
  steps: 30000,
  batchSize: 32,
  lr: 0.1,
  blockSize: 3,
  embedding: 10,
  hidden: 200,
  seed: 42,
  sample: 10,
  temperature: 1,
  topK: null,
  out: join('runs', 'makemore'),
  quiet: false,
};

/** The names are split 90/10 into train and val (the split the PyTorch reference used), seeded. */
export const SPLIT_RATIOS = [0.9, 0.1] as const;
/** Seed of the train/val split of the names (fixed, so runs with other seeds share the data). */
export const SPLIT_SEED = 42;

const USAGE = `Train makemore's MLP (Bengio et al. 2003) on 8,403 English first names and sample new ones.

Usage: pnpm makemore [options]

Options:
  --steps N             training steps (default ${DEFAULTS.steps}); the lr drops tenfold halfway
  --batch-size N        examples per step (default ${DEFAULTS.batchSize})
  --lr X                initial learning rate of SGD (default ${DEFAULTS.lr})
  --block-size N        characters of context (default ${DEFAULTS.blockSize})
  --embedding N         embedding size (default ${DEFAULTS.embedding})
  --hidden N            hidden tanh units (default ${DEFAULTS.hidden})
  --seed N              seed for initialisation, batches and sampling (default ${DEFAULTS.seed})
  --sample N            names to sample at the end (default ${DEFAULTS.sample}; 0 for none)
  --temperature X       sampling temperature (default ${DEFAULTS.temperature})
  --top-k N             sample among the N most likely characters only (default: all)
  --out DIR             output folder (default ${DEFAULTS.out})
  --eval PATH           load a saved model.safetensors, print its val loss, sample, and exit
  --quiet               no progress bar
  --help                show this help
`;

/** Parses the command line into a config (or an `--eval` request); throws UsageError on bad input. */
export function parseMakemoreArgs(argv: string[]): {
  config: MakemoreConfig;
  evalPath: string | null;
  help: boolean;
} {
  const v = parseFlags(argv, {
    steps: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    'block-size': { type: 'string' },
    embedding: { type: 'string' },
    hidden: { type: 'string' },
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
  const config: MakemoreConfig = { ...DEFAULTS };
  const ints = [
    ['steps', 'steps'],
    ['batch-size', 'batchSize'],
    ['block-size', 'blockSize'],
    ['embedding', 'embedding'],
    ['hidden', 'hidden'],
  ] as const;
  for (const [flag, key] of ints) if (str(flag) !== undefined) config[key] = positiveInt(flag, str(flag)!);
  if (str('lr') !== undefined) config.lr = positiveNumber('lr', str('lr')!);
  if (str('seed') !== undefined) config.seed = nonNegativeInt('seed', str('seed')!);
  if (str('sample') !== undefined) config.sample = nonNegativeInt('sample', str('sample')!);
  if (str('temperature') !== undefined)
    config.temperature = positiveNumber('temperature', str('temperature')!);
  if (str('top-k') !== undefined) config.topK = positiveInt('top-k', str('top-k')!);
  if (str('out') !== undefined) config.out = str('out')!;
  config.quiet = v.quiet === true;
  if (v.eval === '') throw new UsageError('--eval: expected a path to a .safetensors file');
  return { config, evalPath: str('eval') ?? null, help: v.help === true };
}

/** A lookup table of learned vectors, as `torch.nn.Embedding` (weight N(0, 1)). */
class Embedding extends Module {
  readonly weight: Parameter;

  constructor(count: number, dim: number, generator: Generator) {
    super();
    this.weight = new Parameter(zeros([count, dim]));
    init.normal(this.weight, 0, 1, { generator });
  }

  /** int32 ids of any shape → their vectors, shape [...ids, dim]. */
  forward(ids: Tensor): Tensor {
    // indexSelect takes a 1-D index: look up the flattened ids, then restore their shape.
    return this.weight.indexSelect(0, ids.reshape(-1)).reshape(...ids.shape, this.weight.shape[1]!);
  }
}

/** The model's shape, stored in the checkpoint's metadata. */
export interface MlpShape {
  vocabSize: number;
  blockSize: number;
  embedding: number;
  hidden: number;
}

/**
 * makemore's MLP: embed the `blockSize` previous characters, concatenate, a tanh layer, logits over
 * the vocabulary. Its state-dict keys are those of makemore's PyTorch `MLP` (`wte.weight`,
 * `mlp.0.weight`, `mlp.0.bias`, `mlp.2.weight`, `mlp.2.bias`).
 */
export class MakemoreMlp extends Module {
  readonly wte: Embedding;
  readonly mlp: Sequential;

  constructor(
    readonly spec: MlpShape,
    generator: Generator,
  ) {
    super();
    this.wte = new Embedding(spec.vocabSize, spec.embedding, generator);
    this.mlp = new Sequential(
      new Linear(spec.blockSize * spec.embedding, spec.hidden, { generator }),
      new Tanh(),
      new Linear(spec.hidden, spec.vocabSize, { generator }),
    );
  }

  /** int32 contexts [B, blockSize] → logits [B, vocabSize]. */
  forward(contexts: Tensor): Tensor {
    const b = contexts.shape[0]!;
    return this.mlp.forward(this.wte.forward(contexts).reshape(b, -1));
  }
}

/** The names as makemore's examples: the 90/10 split, the tokenizer ('.' + a–z), and the contexts. */
export function makemoreData(blockSize: number) {
  const train = loadNames({ split: 'train', ratios: SPLIT_RATIOS, seed: SPLIT_SEED });
  const val = loadNames({ split: 'val', ratios: SPLIT_RATIOS, seed: SPLIT_SEED });
  const tokenizer = CharTokenizer.fit(loadNames(), { special: '.' });
  return {
    trainNames: train,
    valNames: val,
    tokenizer,
    train: contextWindows(train, tokenizer, blockSize),
    val: contextWindows(val, tokenizer, blockSize),
  };
}

/**
 * The bigram baseline: next-character counts over the training names (plus one, as makemore),
 * and the mean negative log-likelihood of the val names under them.
 */
export function bigramValLoss(
  trainNames: readonly string[],
  valNames: readonly string[],
  tokenizer: CharTokenizer,
) {
  const v = tokenizer.vocabSize;
  const counts = new Float64Array(v * v).fill(1);
  const pairs = (name: string, visit: (a: number, b: number) => void) => {
    const ids = [0, ...tokenizer.encode(name), 0];
    for (let i = 0; i + 1 < ids.length; i++) visit(ids[i]!, ids[i + 1]!);
  };
  for (const name of trainNames) pairs(name, (a, b) => counts[a * v + b]!++);
  const rowSums = new Float64Array(v);
  for (let a = 0; a < v; a++) for (let b = 0; b < v; b++) rowSums[a]! += counts[a * v + b]!;
  let nll = 0;
  let n = 0;
  for (const name of valNames) {
    pairs(name, (a, b) => {
      nll -= Math.log(counts[a * v + b]! / rowSums[a]!);
      n++;
    });
  }
  return nll / n;
}

/** Mean cross-entropy of the model over a set of examples, without a graph. */
export function evaluateLoss(model: MakemoreMlp, inputs: Tensor, targets: Tensor): number {
  return noGrad(() => {
    const n = inputs.shape[0]!;
    let sum = 0;
    for (let start = 0; start < n; start += 8192) {
      const len = Math.min(8192, n - start);
      const logits = model.forward(inputs.narrow(0, start, len));
      sum += crossEntropy(logits, targets.narrow(0, start, len), { reduction: 'sum' }).item();
    }
    return sum / n;
  });
}

/**
 * Samples names one character at a time: softmax of logits / temperature (restricted to the top k
 * when given), a draw from it with `generator`, until '.' (or 50 characters).
 */
export function sampleNames(
  model: MakemoreMlp,
  tokenizer: CharTokenizer,
  count: number,
  options: { temperature?: number; topK?: number | null; generator: Generator },
): string[] {
  const { blockSize, vocabSize } = model.spec;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? null;
  const names: string[] = [];
  noGrad(() => {
    for (let s = 0; s < count; s++) {
      const context = new Int32Array(blockSize);
      const out: number[] = [];
      for (let step = 0; step < 50; step++) {
        const logits = model.forward(tensorOf(context, [1, blockSize])).toTypedArray();
        const next = drawFromLogits(logits, vocabSize, temperature, topK, options.generator);
        if (next === 0) break;
        out.push(next);
        context.copyWithin(0, 1);
        context[blockSize - 1] = next;
      }
      names.push(tokenizer.decode(out));
    }
  });
  return names;
}

/** An int32 tensor holding a copy of `data` (the batch buffers are reused from step to step). */
function tensorOf(data: Int32Array, shape: number[]): Tensor {
  return tensor(data, { shape });
}

/** One draw from softmax(logits / temperature), among the top k logits when k is given. */
export function drawFromLogits(
  logits: ArrayLike<number>,
  size: number,
  temperature: number,
  topK: number | null,
  generator: Generator,
): number {
  let cutoff = Number.NEGATIVE_INFINITY;
  if (topK !== null && topK < size) {
    const sorted = Array.from({ length: size }, (_, i) => logits[i]!).sort((a, b) => b - a);
    cutoff = sorted[topK - 1]!;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < size; i++) if (logits[i]! >= cutoff) max = Math.max(max, logits[i]!);
  const p = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    p[i] = logits[i]! >= cutoff ? Math.exp((logits[i]! - max) / temperature) : 0;
    sum += p[i]!;
  }
  let u = generator.random() * sum;
  for (let i = 0; i < size; i++) {
    u -= p[i]!;
    if (u < 0) return i;
  }
  // Rounding left u ≥ 0: the last character with any mass.
  for (let i = size - 1; i >= 0; i--) if (p[i]! > 0) return i;
  return 0;
}

/** One point of the curves: the mean training loss of the last interval and the val loss. */
export interface CurvePoint {
  step: number;
  trainLoss: number;
  valLoss: number;
  seconds: number;
}

/** Trains with `config`, writes the run folder, samples names, and returns the metrics. */
export function trainMakemore(config: MakemoreConfig, log: (line: string) => void = console.log) {
  manualSeed(config.seed);
  const generator = new Generator(config.seed);
  const data = makemoreData(config.blockSize);
  const { tokenizer } = data;
  const bigram = bigramValLoss(data.trainNames, data.valNames, tokenizer);
  const spec: MlpShape = {
    vocabSize: tokenizer.vocabSize,
    blockSize: config.blockSize,
    embedding: config.embedding,
    hidden: config.hidden,
  };
  const model = new MakemoreMlp(spec, generator);
  const parameters = model.numParameters();
  const optimizer = new SGD(model.parameters(), { lr: config.lr });
  const nTrain = data.train.inputs.shape[0]!;
  log(
    `data: ${data.trainNames.length} training names (${nTrain} examples), ${data.valNames.length} val names ` +
      `(${data.val.inputs.shape[0]} examples), vocabulary ${tokenizer.vocabSize}`,
  );
  log(
    `model: MLP, context ${spec.blockSize}, embedding ${spec.embedding}, hidden ${spec.hidden} tanh, ` +
      `${parameters.toLocaleString('en-US')} parameters; SGD lr ${config.lr} then ${config.lr / 10}, ` +
      `batch ${config.batchSize}, ${config.steps} steps, seed ${config.seed}`,
  );
  log(`bigram baseline: val loss ${bigram.toFixed(4)}`);

  const trainX = data.train.inputs.toTypedArray() as Int32Array;
  const trainY = data.train.targets.toTypedArray() as Int32Array;
  const { blockSize } = spec;
  const xb = new Int32Array(config.batchSize * blockSize);
  const yb = new Int32Array(config.batchSize);
  // Ten points on the curves: a val evaluation costs about as much as 100 training steps.
  const interval = Math.max(1, Math.floor(config.steps / 10));
  const curve: CurvePoint[] = [];
  const progress = config.quiet ? null : new Progress('training', config.steps);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let windowSum = 0;
  let windowCount = 0;
  for (let step = 1; step <= config.steps; step++) {
    // A minibatch of random examples, drawn with replacement as makemore does.
    for (let b = 0; b < config.batchSize; b++) {
      const i = generator.int(0, nTrain);
      xb.set(trainX.subarray(i * blockSize, (i + 1) * blockSize), b * blockSize);
      yb[b] = trainY[i]!;
    }
    const loss = crossEntropy(
      model.forward(tensorOf(xb, [config.batchSize, blockSize])),
      tensorOf(yb, [config.batchSize]),
    );
    optimizer.zeroGrad();
    loss.backward();
    optimizer.paramGroups[0]!.lr = step <= config.steps / 2 ? config.lr : config.lr / 10;
    optimizer.step();
    windowSum += loss.item();
    windowCount++;
    if (step % 100 === 0 || step === config.steps) progress?.update(step, windowSum / windowCount);
    if (step % interval === 0 || step === config.steps) {
      const valLoss = evaluateLoss(model, data.val.inputs, data.val.targets);
      curve.push({
        step,
        trainLoss: windowSum / windowCount,
        valLoss,
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
  const trainLoss = evaluateLoss(model, data.train.inputs, data.train.targets);
  const valLoss = evaluateLoss(model, data.val.inputs, data.val.targets);
  for (const p of curve) {
    log(
      `step ${String(p.step).padStart(6)}: train loss ${p.trainLoss.toFixed(4)}  val loss ${p.valLoss.toFixed(4)}`,
    );
  }
  log(
    `\nfinal: train loss ${trainLoss.toFixed(4)}, val loss ${valLoss.toFixed(4)} (bigram ${bigram.toFixed(4)})`,
  );
  log(
    `training time: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU ` +
      `(${((seconds * 1000) / config.steps).toFixed(3)} ms/step)`,
  );

  const samples = sampleNames(model, tokenizer, config.sample, {
    temperature: config.temperature,
    topK: config.topK,
    generator: new Generator(config.seed),
  });
  if (samples.length > 0) log(`\nsamples:\n${samples.map((n) => `  ${n}`).join('\n')}`);

  mkdirSync(config.out, { recursive: true });
  const modelPath = join(config.out, 'model.safetensors');
  saveSafetensors(model.stateDict(), modelPath, {
    format: 'pt',
    model: 'makemore-mlp',
    vocab: tokenizer.vocab.join(''),
    blockSize: String(spec.blockSize),
    embedding: String(spec.embedding),
    hidden: String(spec.hidden),
    valLoss: String(valLoss),
  });
  const metrics = {
    config: { ...config, parameters, splitRatios: SPLIT_RATIOS, splitSeed: SPLIT_SEED },
    curve,
    final: { trainLoss, valLoss, bigramValLoss: bigram, parameters, seconds, cpuSeconds, samples },
  };
  writeFileSync(join(config.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  writeFileSync(
    join(config.out, 'curves.svg'),
    lossCurvesSvg(curve, {
      title: 'makemore MLP',
      reference: { value: bigram, label: `bigram ${bigram.toFixed(3)}` },
    }),
  );
  log(`\nwrote ${modelPath}, metrics.json, curves.svg`);
  return metrics;
}

/** Loads a checkpoint written by `trainMakemore` (its shape and vocabulary are in the metadata). */
export function loadMakemore(path: string): { model: MakemoreMlp; tokenizer: CharTokenizer } {
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.model !== 'makemore-mlp' || metadata.vocab === undefined) {
    throw new UsageError(
      `--eval: ${path} is not a makemore checkpoint (its metadata lacks model=makemore-mlp)`,
    );
  }
  const tokenizer = new CharTokenizer(Array.from(metadata.vocab), { special: '.' });
  const spec: MlpShape = {
    vocabSize: tokenizer.vocabSize,
    blockSize: Number(metadata.blockSize),
    embedding: Number(metadata.embedding),
    hidden: Number(metadata.hidden),
  };
  const model = new MakemoreMlp(spec, new Generator(0));
  model.loadStateDict(tensors);
  return { model, tokenizer };
}

/** Val loss of a saved checkpoint on the same split, and `count` sampled names. */
export function evaluateSaved(
  path: string,
  config: Pick<MakemoreConfig, 'sample' | 'temperature' | 'topK' | 'seed'>,
) {
  const { model, tokenizer } = loadMakemore(path);
  const data = makemoreData(model.spec.blockSize);
  const valLoss = evaluateLoss(model, data.val.inputs, data.val.targets);
  const samples = sampleNames(model, tokenizer, config.sample, {
    temperature: config.temperature,
    topK: config.topK,
    generator: new Generator(config.seed),
  });
  return { valLoss, samples };
}

function main(argv: string[]): number {
  let parsed: ReturnType<typeof parseMakemoreArgs>;
  try {
    parsed = parseMakemoreArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.evalPath !== null) {
    let result: ReturnType<typeof evaluateSaved>;
    try {
      result = evaluateSaved(parsed.evalPath, parsed.config);
    } catch (error) {
      // A file that is not a makemore checkpoint is a usage error; an unreadable or malformed one
      // (ValueError, FormatError from loadSafetensors) is reported without a stack trace.
      if (!(error instanceof UsageError || error instanceof TsgradError)) throw error;
      process.stderr.write(`error: ${error.message}\n`);
      return error instanceof UsageError ? 2 : 1;
    }
    console.log(`val loss: ${result.valLoss.toFixed(4)}`);
    if (result.samples.length > 0) console.log(`samples:\n${result.samples.map((n) => `  ${n}`).join('\n')}`);
    return 0;
  }
  trainMakemore(parsed.config);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
