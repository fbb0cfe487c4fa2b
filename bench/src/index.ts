/**
 * `pnpm bench`: tsgrad side by side with TensorFlow.js (its pure-JS `cpu` and its WebAssembly
 * backends) in one process, libraries interleaved. Prints markdown tables and writes
 * bench/results/latest.json. `--quick` keeps the run under a minute.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runGptSection } from './gpt.js';
import { benchMatmul, type MatmulResult } from './matmul.js';
import { loadTrainImages } from './mnist-data.js';
import { benchScalar } from './scalar.js';
import { fmt } from './stats.js';
import { benchTraining, initialWeights, maxLossGap, tfjsTrainer, tsgradTrainer } from './train.js';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wants = (section: string): boolean => only === undefined || only.includes(section);

/** Losses of different libraries after the same steps must agree to this (float32 noise). */
const LOSS_TOLERANCE = 1e-3;

const config = quick
  ? {
      train: { warmup: 1, reps: 5, stepsPerRep: 10 },
      matmul: { warmup: 1, reps: 5, repMs: 40 },
      scalar: { warmup: 2, reps: 5, stepsPerRep: 3 },
    }
  : {
      train: { warmup: 2, reps: 10, stepsPerRep: 20 },
      matmul: { warmup: 1, reps: 7, repMs: 150 },
      scalar: { warmup: 3, reps: 9, stepsPerRep: 5 },
    };
const sizes = [64, 128, 256, 512, 1024];

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
  config,
};

console.log(`# tsgrad benchmarks (${quick ? 'quick' : 'full'} run)\n`);
console.log(
  `${report.machine && (report.machine as { cpu: string }).cpu}, ${cpus().length} cores, Node ${process.version}\n`,
);
console.log(
  'Medians over the timed repetitions (min–max in brackets); libraries interleaved in one process.\n',
);

if (wants('train')) {
  const steps = (config.train.warmup + config.train.reps) * config.train.stepsPerRep;
  const data = await loadTrainImages(steps * 100);
  const init = initialWeights(42);
  const trainers = [
    tsgradTrainer(init, data),
    tfjsTrainer('cpu', init, data),
    tfjsTrainer('wasm', init, data),
  ];
  const results = await benchTraining(trainers, config.train);
  const ts = results[0]!;
  console.log(
    `## MNIST training step (784-50-100-10, sigmoid, SGD lr 0.5, batch 100, ${steps} steps per library)\n`,
  );
  console.log(`Data: ${data.source}\n`);
  console.log('| library | ms/step | min–max | tsgrad / library | max loss gap vs tsgrad | final loss |');
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
  const agree = rows.every((r) => r.maxLossGap <= LOSS_TOLERANCE);
  console.log(
    `\nLosses ${agree ? 'agree' : 'DO NOT agree'} within ${LOSS_TOLERANCE} after every step (same work timed).\n`,
  );
  report.training = {
    steps,
    dataSource: data.source,
    lossTolerance: LOSS_TOLERANCE,
    lossesAgree: agree,
    results: rows,
  };
}

if (wants('matmul')) {
  const results: MatmulResult[] = await benchMatmul(sizes, {
    ...config.matmul,
    backends: ['cpu', 'wasm'],
    // tfjs-cpu takes ~3 s per 1024 product: too slow for a quick run.
    skip: (name, n) => quick && name === 'tfjs-cpu' && n >= 1024,
  });
  const names = [...new Set(results.map((r) => r.name))];
  console.log('## float32 matmul, n × n · n × n (GFLOP/s, higher is better)\n');
  console.log(`| n | ${names.join(' | ')} | tsgrad / tfjs-wasm |`);
  console.log(`|---:|${names.map(() => '---:|').join('')}---:|`);
  for (const n of sizes) {
    const at = (name: string) => results.find((r) => r.n === n && r.name === name);
    const cells = names.map((name) => {
      const r = at(name);
      return r === undefined
        ? '—'
        : `${fmt(r.gflops)} (${fmt((2 * n ** 3) / (r.ms.max * 1e6))}–${fmt((2 * n ** 3) / (r.ms.min * 1e6))})`;
    });
    const ratio = (at('tsgrad')?.gflops ?? Number.NaN) / (at('tfjs-wasm')?.gflops ?? Number.NaN);
    console.log(`| ${n} | ${cells.join(' | ')} | ${fmt(ratio)} |`);
  }
  const worst = Math.max(...results.map((r) => r.relDiff));
  console.log(
    `\nLargest difference from tsgrad's product, relative to the largest element: ${worst.toExponential(1)}\n`,
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
