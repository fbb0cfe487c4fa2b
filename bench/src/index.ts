/**
 * `pnpm bench`: tsgrad side by side with TensorFlow.js (its pure-JS `cpu` and its WebAssembly
 * backends) in one process, libraries interleaved, and with PyTorch (bench/python/bench_torch.py,
 * 1 thread and all threads) in the same sitting when a Python with `torch` is found. Prints
 * markdown tables with ratios and writes bench/results/latest.json. `--quick` keeps the run short.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getNumThreads } from '@tsgrad/core';
import { benchActivations } from './activations.js';
import { runGptSection } from './gpt.js';
import { LENET_BATCH, LENET_LR, lenetInitialParameters, lenetTrainer } from './lenet.js';
import { benchMatmul, type MatmulResult } from './matmul.js';
import { loadTrainImages } from './mnist-data.js';
import { findTorch, runTorch, type TorchResults, type TorchTraining, torchThreadCounts } from './pytorch.js';
import { benchScalar } from './scalar.js';
import { fmt, type Summary } from './stats.js';
import {
  benchTraining,
  initialWeights,
  maxLossGap,
  SIZES,
  type TrainResult,
  tfjsTrainer,
  tsgradTrainer,
  weightList,
} from './train.js';

if (process.argv.includes('--device=webgpu') || process.argv.join(' ').includes('--device webgpu')) {
  const { runWebGPUBench } = await import('./webgpu.js');
  await runWebGPUBench();
  process.exit(0);
}

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wants = (section: string): boolean => only === undefined || only.includes(section);

/** Losses of different libraries after the same steps must agree to this (float32 noise). */
const LOSS_TOLERANCE = 1e-3;
/** The same for LeNet (Adam over 5×5 convolutions drifts more from summation order). */
const LENET_LOSS_TOLERANCE = 1e-2;

const config = quick
  ? {
      train: { warmup: 1, reps: 5, stepsPerRep: 10 },
      lenet: { warmup: 1, reps: 5, stepsPerRep: 4 },
      matmul: { warmup: 1, reps: 5, repMs: 40 },
      scalar: { warmup: 2, reps: 5, stepsPerRep: 3 },
    }
  : {
      train: { warmup: 2, reps: 10, stepsPerRep: 20 },
      lenet: { warmup: 2, reps: 10, stepsPerRep: 10 },
      matmul: { warmup: 1, reps: 7, repMs: 150 },
      scalar: { warmup: 3, reps: 9, stepsPerRep: 5 },
    };
const sizes = [64, 128, 256, 512, 1024];

/** tsgrad is timed on all threads (its default) and on 1 thread. */
const allThreads = getNumThreads();
const threadWord = (t: number) => (t === 1 ? '1 thread' : `${t} threads`);
const tsgradRuns =
  allThreads > 1
    ? [
        { threads: allThreads, name: `tsgrad ${threadWord(allThreads)}` },
        { threads: 1, name: 'tsgrad 1 thread' },
      ]
    : [{ threads: 1, name: 'tsgrad 1 thread' }];

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    platform: `${process.platform}-${process.arch}`,
  },
  node: process.version,
  mode: quick ? 'quick' : 'full',
  tsgradThreads: tsgradRuns.map((r) => r.threads),
  config,
};

console.log(`# tsgrad benchmarks (${quick ? 'quick' : 'full'} run)\n`);
console.log(
  `${report.machine && (report.machine as { cpu: string }).cpu}, ${cpus().length} cores, Node ${process.version}\n`,
);
console.log(
  'Medians over the timed repetitions (min–max in brackets); JS libraries interleaved in one process.\n',
);

const trainSteps = (c: { warmup: number; reps: number; stepsPerRep: number }) =>
  (c.warmup + c.reps) * c.stepsPerRep;
const needsData = wants('train') || wants('lenet');
const data = needsData
  ? loadTrainImages(Math.max(trainSteps(config.train) * 100, trainSteps(config.lenet) * LENET_BATCH))
  : null;
const mlpInit = initialWeights(42);
const lenetInit = lenetInitialParameters(1);

// PyTorch first, in the same sitting, on the same data and initial weights.
let torch: TorchResults | null = null;
if (wants('train') || wants('lenet') || wants('matmul')) {
  const found = findTorch();
  if ('missing' in found) {
    console.log(`PyTorch: not found (${found.missing}); tsgrad's and TensorFlow.js's figures alone.\n`);
    report.pytorch = { missing: found.missing };
  } else {
    const sample = data ?? loadTrainImages(1000);
    torch = runTorch(found, sample, {
      threads: torchThreadCounts(),
      ...(wants('train') && {
        mlp: { ...config.train, sizes: SIZES, lr: 0.5, batch: 100, weights: weightList(mlpInit) },
      }),
      ...(wants('lenet') && {
        lenet: { ...config.lenet, lr: LENET_LR, batch: LENET_BATCH, params: lenetInit },
      }),
      ...(wants('matmul') && { matmul: { sizes, ...config.matmul } }),
    });
    const blas = /BLAS_INFO=(\w+)/.exec(torch.buildConfig)?.[1] ?? 'unknown BLAS';
    const isa = /CPU capability usage: (\S+)/.exec(torch.buildConfig)?.[1] ?? 'unknown';
    console.log(
      `PyTorch ${torch.torch} (Python ${torch.python}, ${blas}, CPU capability ${isa}; ${found.python}), run just before tsgrad in this sitting.\n`,
    );
    report.pytorch = {
      version: torch.torch,
      python: torch.python,
      blas,
      cpuCapability: isa,
      interpreter: found.python,
    };
  }
}

/** PyTorch's rows of a training table (PyTorch 1 thread, PyTorch all threads). */
function torchRows(pick: (r: { mlp?: TorchTraining; lenet?: TorchTraining }) => TorchTraining | undefined) {
  if (torch === null) return [];
  return [...torch.byThreads].flatMap(([t, r]) => {
    const x = pick(r);
    return x === undefined
      ? []
      : [{ name: `PyTorch ${threadWord(t)}`, msPerStep: x.msPerStep, losses: x.losses }];
  });
}

/** Prints a training table (time ratios of the first row, tsgrad on all threads, to each row) and the tsgrad / PyTorch ratios; returns the rows for the report. */
function trainingTable(results: TrainResult[], tolerance: number) {
  const ts = results[0]!;
  console.log(
    `| library | ms/step | min–max | ${ts.name} / library | max loss gap vs ${ts.name} | final loss |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  const rows = results.map((r) => {
    const gap = maxLossGap(ts.losses, r.losses);
    const ratio = ts.msPerStep.median / r.msPerStep.median;
    console.log(
      `| ${r.name} | ${fmt(r.msPerStep.median)} | ${fmt(r.msPerStep.min)}–${fmt(r.msPerStep.max)} | ${fmt(ratio)} | ${gap.toExponential(1)} | ${r.losses.at(-1)!.toFixed(4)} |`,
    );
    return {
      name: r.name,
      msPerStep: r.msPerStep,
      ratioTsgradOverPeer: ratio,
      maxLossGap: gap,
      lossesEvery10: r.losses.filter((_, i) => i % 10 === 9),
    };
  });
  const agree = rows.every((r) => r.maxLossGap <= tolerance);
  console.log(
    `\nLosses ${agree ? 'agree' : 'DO NOT agree'} within ${tolerance} after every step (same work timed).\n`,
  );
  const ratios = ratioTable(
    results.filter((r) => r.name.startsWith('tsgrad')).map((r) => ({ name: r.name, ms: r.msPerStep })),
    results.filter((r) => r.name.startsWith('PyTorch')).map((r) => ({ name: r.name, ms: r.msPerStep })),
  );
  return { lossTolerance: tolerance, lossesAgree: agree, results: rows, tsgradOverPytorch: ratios };
}

/** Prints time ratios tsgrad / PyTorch (below 1: tsgrad is faster); returns them. */
function ratioTable(ours: { name: string; ms: Summary }[], theirs: { name: string; ms: Summary }[]) {
  if (theirs.length === 0) return undefined;
  console.log(`| time ratio | ${theirs.map((t) => `/ ${t.name}`).join(' | ')} |`);
  console.log(`|---|${theirs.map(() => '---:|').join('')}`);
  const out: Record<string, Record<string, number>> = {};
  for (const o of ours) {
    out[o.name] = {};
    const cells = theirs.map((t) => {
      const r = o.ms.median / t.ms.median;
      out[o.name]![t.name] = r;
      return `${fmt(r)}×`;
    });
    console.log(`| ${o.name} | ${cells.join(' | ')} |`);
  }
  console.log('');
  return out;
}

if (wants('train')) {
  const trainers = [
    ...tsgradRuns.map((r) => tsgradTrainer(mlpInit, data!, r.threads, r.name)),
    tfjsTrainer('cpu', mlpInit, data!),
    tfjsTrainer('wasm', mlpInit, data!),
  ];
  const results = [...(await benchTraining(trainers, config.train)), ...torchRows((r) => r.mlp)];
  console.log(
    `## MNIST training step (784-50-100-10, sigmoid, SGD lr 0.5, batch 100, ${trainSteps(config.train)} steps per library)\n`,
  );
  console.log(`Data: ${data!.source}\n`);
  report.training = {
    steps: trainSteps(config.train),
    dataSource: data!.source,
    ...trainingTable(results, LOSS_TOLERANCE),
  };
}

if (wants('lenet')) {
  const trainers = tsgradRuns.map((r) => lenetTrainer(lenetInit, data!, r.threads, r.name));
  const results = [...(await benchTraining(trainers, config.lenet)), ...torchRows((r) => r.lenet)];
  console.log(
    `## LeNet training step (packages/nn LeNet, 8/16 channels, 56,042 parameters, Adam lr ${LENET_LR}, batch ${LENET_BATCH}, ${trainSteps(config.lenet)} steps per library)\n`,
  );
  report.lenet = { steps: trainSteps(config.lenet), ...trainingTable(results, LENET_LOSS_TOLERANCE) };
}

if (wants('matmul')) {
  const results: MatmulResult[] = await benchMatmul(sizes, {
    ...config.matmul,
    backends: ['cpu', 'wasm'],
    tsgradThreads: tsgradRuns,
    // tfjs-cpu takes ~3 s per 1024 product: too slow for a quick run.
    skip: (name, n) => quick && name === 'tfjs-cpu' && n >= 1024,
  });
  for (const [t, r] of torch?.byThreads ?? []) {
    for (const [n, ms] of r.matmul ?? [])
      results.push({
        name: `PyTorch ${threadWord(t)}`,
        n,
        ms,
        gflops: (2 * n ** 3) / (ms.median * 1e6),
        relDiff: Number.NaN,
      });
  }
  const names = [...new Set(results.map((r) => r.name))];
  const main = tsgradRuns[0]!.name;
  const peers = ['tfjs-wasm', ...names.filter((x) => x.startsWith('PyTorch'))];
  console.log('## float32 matmul, n × n · n × n (GFLOP/s, higher is better)\n');
  console.log(`| n | ${names.join(' | ')} | ${peers.map((p) => `${main} / ${p}`).join(' | ')} |`);
  console.log(`|---:|${names.map(() => '---:|').join('')}${peers.map(() => '---:|').join('')}`);
  for (const n of sizes) {
    const at = (name: string) => results.find((r) => r.n === n && r.name === name);
    const cells = names.map((name) => {
      const r = at(name);
      return r === undefined
        ? '—'
        : `${fmt(r.gflops)} (${fmt((2 * n ** 3) / (r.ms.max * 1e6))}–${fmt((2 * n ** 3) / (r.ms.min * 1e6))})`;
    });
    const ratios = peers.map((p) => fmt((at(main)?.gflops ?? Number.NaN) / (at(p)?.gflops ?? Number.NaN)));
    console.log(`| ${n} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
  const worst = Math.max(...results.filter((r) => !Number.isNaN(r.relDiff)).map((r) => r.relDiff));
  console.log(
    `\nThroughput ratios above 1: tsgrad is faster. Largest difference of a JS library's product from tsgrad's, relative to the largest element: ${worst.toExponential(1)}\n`,
  );
  report.matmul = results;
}

if (wants('scalar')) {
  const fused = benchScalar(config.scalar, 'dot');
  const unfused = benchScalar(config.scalar, 'micrograd');
  console.log('## Scalar engine: micrograd demo step, MLP(2, [16, 16, 1]) over 100 points\n');
  console.log('| engine | graph | ms/step | min–max | nodes per step | loss first → last |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const [graph, r] of [
    ['nn.MLP (one dot node per neuron)', fused],
    ["micrograd's (a node per product and add)", unfused],
  ] as const) {
    console.log(
      `| tsgrad Value | ${graph} | ${fmt(r.msPerStep.median)} | ${fmt(r.msPerStep.min)}–${fmt(r.msPerStep.max)} | ${r.nodes} | ${r.firstLoss.toFixed(4)} → ${r.lastLoss.toFixed(4)} |`,
    );
  }
  console.log('');
  report.scalar = { fused, micrograd: unfused };
}

if (wants('activations')) {
  const results = benchActivations(quick ? { warmup: 2, reps: 7 } : { warmup: 3, reps: 21 });
  const tanhRow = results[0]!;
  console.log('## Activations on a [16, 64, 256] float32 tensor\n');
  console.log(
    '| op | forward ms | min–max | ratio to tanh | forward + backward ms | min–max | ratio to tanh |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${fmt(r.forward.median)} | ${fmt(r.forward.min)}–${fmt(r.forward.max)} | ${fmt(r.forward.median / tanhRow.forward.median)}× | ${fmt(r.forwardBackward.median)} | ${fmt(r.forwardBackward.min)}–${fmt(r.forwardBackward.max)} | ${fmt(r.forwardBackward.median / tanhRow.forwardBackward.median)}× |`,
    );
  }
  console.log('');
  report.activations = results;
}

if (wants('decode')) {
  // bench/src/mnist-decode.ts (another section's script) runs and prints when imported.
  console.log('## MNIST decode\n');
  const decodePath = fileURLToPath(new URL('./mnist-decode.ts', import.meta.url));
  if (!existsSync(decodePath)) console.log('Not written yet (bench/src/mnist-decode.ts); skipped.\n');
  else if (quick) {
    console.log(
      'Skipped in a quick run (about 30 s); run `pnpm bench` or `pnpm --filter @tsgrad/bench exec tsx --conditions=source src/mnist-decode.ts`.\n',
    );
    report.mnistDecode = 'skipped (quick run)';
  } else {
    await import(decodePath);
    console.log('');
    report.mnistDecode = 'printed above; the script reports no values to this file';
  }
}

if (wants('gpt')) report.gpt = runGptSection(quick);

const outDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}latest.json`, `${JSON.stringify(report, null, 2)}\n`);
console.log(`Wrote ${outDir}latest.json`);
