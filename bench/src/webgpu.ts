/**
 * `pnpm bench --device webgpu`: the training benchmarks on the WebGPU device, beside tsgrad on the
 * CPU in the same sitting (same initial weights and batches, so the loss trajectories must agree),
 * and PyTorch on CUDA when the machine has it. Prints markdown tables and writes
 * bench/results/webgpu-latest.json.
 *
 * Measured: the article MLP's step and epoch (batch 100 and 1000, SGD, the whole training set held
 * on the device), LeNet's step and epoch (batch 64, Adam), float32 matmul GFLOP/s, and the cost of
 * one dispatch (a tiny elementwise op) on the device. `--quick` shortens everything (lavapipe).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type Device,
  deviceStats,
  Generator,
  initDevice,
  matmul,
  randn,
  synchronize,
  type Tensor,
  tensor,
} from '@tsgrad/core';
import { Adam, F, LeNet, Linear, Sequential, SGD, Sigmoid } from '@tsgrad/nn';
import { loadTrainImages, type MnistBatchSource } from './mnist-data.js';
import { fmt, now, type Summary, summarize } from './stats.js';

const quick = process.argv.includes('--quick');
const sizesArg = process.argv.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length);
const matmulSizes = sizesArg ? sizesArg.split(',').map(Number) : quick ? [128, 256, 512] : [256, 1024, 4096];

/** One timing: median, min, max of repeated runs, in ms. */
interface Timed {
  name: string;
  ms: Summary;
  losses: number[];
}

function mlp(seed: number): Sequential {
  const g = new Generator(seed);
  return new Sequential(
    new Linear(784, 50, { generator: g }),
    new Sigmoid(),
    new Linear(50, 100, { generator: g }),
    new Sigmoid(),
    new Linear(100, 10, { generator: g }),
  );
}

/** The training set on `device`, once (no upload per step). */
function onDevice(data: MnistBatchSource, device: Device): { x: Tensor; y: Tensor } {
  const x = tensor(data.images, { shape: [data.count, 784] }).to(device);
  const y = tensor(data.labels, { shape: [data.count] }).to(device);
  return { x, y };
}

/**
 * Runs `steps` training steps of `model` with `opt` at `batch` on `device` (batch i is rows
 * [i·batch, (i+1)·batch) of the data, modulo its size) and returns the wall time per step (ms,
 * the device synchronised at both ends) and every step's loss, read after the clock stops.
 */
async function trainRun(
  device: Device,
  model: { forward(x: Tensor): Tensor },
  opt: { zeroGrad(): void; step(): void },
  data: { x: Tensor; y: Tensor },
  batch: number,
  steps: number,
): Promise<{ ms: number; losses: number[] }> {
  const batches = Math.floor(data.y.shape[0]! / batch);
  const kept: Tensor[] = [];
  await synchronize(device);
  const t0 = now();
  for (let s = 0; s < steps; s++) {
    const off = (s % batches) * batch;
    const loss = F.crossEntropy(model.forward(data.x.narrow(0, off, batch)), data.y.narrow(0, off, batch));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    kept.push(loss.detach());
  }
  await synchronize(device);
  const ms = (now() - t0) / steps;
  const losses: number[] = [];
  for (const l of kept) losses.push(await l.itemAsync());
  return { ms, losses };
}

/** The article MLP (SGD lr 0.5) at `batch`. */
function mlpRun(device: Device, data: { x: Tensor; y: Tensor }, batch: number, steps: number) {
  const model = mlp(42).to(device);
  return trainRun(device, model, new SGD(model.parameters(), { lr: 0.5 }), data, batch, steps);
}

/** LeNet (Adam lr 1e-3) at batch 64. */
function lenetRun(device: Device, data: { x: Tensor; y: Tensor }, steps: number) {
  const model = new LeNet({ generator: new Generator(0) }).to(device);
  const images = { x: data.x.reshape([-1, 1, 28, 28]), y: data.y };
  return trainRun(device, model, new Adam(model.parameters(), { lr: 1e-3 }), images, 64, steps);
}

/** Repeats `run` (after one untimed warm-up) and summarises its ms; losses from the last run. */
async function repeat(
  name: string,
  reps: number,
  run: () => Promise<{ ms: number; losses: number[] }>,
): Promise<Timed> {
  await run();
  const ms: number[] = [];
  let losses: number[] = [];
  for (let r = 0; r < reps; r++) {
    const out = await run();
    ms.push(out.ms);
    losses = out.losses;
  }
  return { name, ms: summarize(ms), losses };
}

/** Collects garbage (under --expose-gc) so that freed outputs go back to the buffer pool. */
async function collect(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

async function matmulGflops(n: number, reps: number): Promise<Summary> {
  const a = randn([n, n], { device: 'webgpu' });
  const b = randn([n, n], { device: 'webgpu' });
  const iters = Math.max(1, Math.round((quick ? 2e8 : 4e11) / (2 * n ** 3)));
  matmul(a, b);
  await synchronize('webgpu');
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    await collect();
    const t0 = now();
    for (let i = 0; i < iters; i++) matmul(a, b);
    await synchronize('webgpu');
    rates.push((2 * n ** 3 * iters) / ((now() - t0) / 1000) / 1e9);
  }
  return summarize(rates);
}

/** Microseconds per dispatch: 1,000 tiny adds in a row, synchronised once. */
async function dispatchMicros(reps: number): Promise<{ total: Summary; encode: Summary }> {
  const x = randn([16], { device: 'webgpu' });
  const total: number[] = [];
  const encode: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    let y = x;
    const t0 = now();
    for (let i = 0; i < 1000; i++) y = y.add(x);
    const t1 = now();
    await synchronize('webgpu');
    if (r > 0) {
      total.push(now() - t0);
      encode.push(t1 - t0);
    }
  }
  return { total: summarize(total), encode: summarize(encode) };
}

/** PyTorch on CUDA, the same workloads, when `python3` has torch with a GPU. */
function torchCuda(config: object): Record<string, unknown> | null {
  const script =
    process.env.TSGRAD_TORCH_CUDA_SCRIPT ??
    fileURLToPath(new URL('../python/bench_torch_cuda.py', import.meta.url));
  try {
    const out = execFileSync(process.env.TSGRAD_PYTHON ?? 'python3', [script, JSON.stringify(config)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 300_000,
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
  } catch (e) {
    console.log(`PyTorch CUDA: not run (${(e as Error).message.split('\n')[0]})\n`);
    return null;
  }
}

function gap(a: readonly number[], b: readonly number[]): number {
  let g = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    g = Math.max(g, Math.abs(a[i]! - b[i]!) / Math.abs(a[i]!));
  return g;
}

export async function runWebGPUBench(): Promise<void> {
  const info = await initDevice('webgpu');
  console.log(`# tsgrad on WebGPU (${quick ? 'quick' : 'full'} run)\n`);
  console.log(
    `Adapter: ${info.description}; host ${cpus()[0]?.model ?? '?'} (${cpus().length} cores), Node ${process.version}\n`,
  );
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    adapter: info.description,
    quick,
  };

  const count = quick ? 6000 : 60000;
  const data = loadTrainImages(count);
  const gpuData = onDevice(data, 'webgpu');
  const cpuData = onDevice(data, 'cpu');
  const reps = quick ? 2 : 3;
  const rows: Record<string, unknown>[] = [];

  // MLP: the step at batch 100 beside the CPU (same weights and batches), then epochs.
  const steps100 = quick ? 60 : 600;
  const gpu100 = await repeat('tsgrad webgpu', reps, () => mlpRun('webgpu', gpuData, 100, steps100));
  const cpu100 = await repeat('tsgrad cpu', reps, () => mlpRun('cpu', cpuData, 100, steps100));
  const steps1000 = Math.floor(count / 1000);
  const gpu1000 = await repeat('tsgrad webgpu', reps, () => mlpRun('webgpu', gpuData, 1000, steps1000));
  const cpu1000 = await repeat('tsgrad cpu', reps, () => mlpRun('cpu', cpuData, 1000, steps1000));
  const lenetSteps = quick ? 20 : Math.floor(count / 64);
  const gpuLenet = await repeat('tsgrad webgpu', reps, () => lenetRun('webgpu', gpuData, lenetSteps));
  const cpuLenet = await repeat('tsgrad cpu', 1, () => lenetRun('cpu', cpuData, quick ? 20 : 100));

  const torch = torchCuda({ count, steps100, steps1000, lenetSteps, reps, matmulSizes });
  report.pytorchCuda = torch;

  console.log('| workload | device | ms/step | min–max | epoch (s) | max rel. loss gap vs cpu |');
  console.log('|---|---|---:|---:|---:|---:|');
  const line = (w: string, t: Timed, stepsPerEpoch: number, ref?: Timed) => {
    const g = ref === undefined ? undefined : gap(ref.losses, t.losses);
    console.log(
      `| ${w} | ${t.name} | ${fmt(t.ms.median, 3)} | ${fmt(t.ms.min, 3)}–${fmt(t.ms.max, 3)} | ${fmt((t.ms.median * stepsPerEpoch) / 1000, 3)} | ${g === undefined ? '' : g.toExponential(1)} |`,
    );
    rows.push({
      workload: w,
      name: t.name,
      msPerStep: t.ms,
      epochSeconds: (t.ms.median * stepsPerEpoch) / 1000,
      lossGap: g,
    });
  };
  line('MLP, batch 100', gpu100, 60000 / 100, cpu100);
  line('MLP, batch 100', cpu100, 60000 / 100);
  line('MLP, batch 1000', gpu1000, 60000 / 1000, cpu1000);
  line('MLP, batch 1000', cpu1000, 60000 / 1000);
  line('LeNet, batch 64', gpuLenet, 60000 / 64, cpuLenet);
  line('LeNet, batch 64', cpuLenet, 60000 / 64);
  if (torch !== null) {
    for (const [w, key, per] of [
      ['MLP, batch 100', 'mlp100', 600],
      ['MLP, batch 1000', 'mlp1000', 60],
      ['LeNet, batch 64', 'lenet', 60000 / 64],
    ] as const) {
      const ms = torch[key] as number | undefined;
      if (ms !== undefined)
        console.log(`| ${w} | PyTorch ${torch.device} | ${fmt(ms, 3)} | | ${fmt((ms * per) / 1000, 3)} | |`);
    }
  }
  console.log(
    '\nEpoch = ms/step × steps per epoch of 60,000 images; the training set lives on the device.\n',
  );
  report.training = rows;

  console.log('| float32 matmul n | GFLOP/s (webgpu) | min–max |');
  console.log('|---:|---:|---:|');
  const mm: Record<string, unknown>[] = [];
  for (const n of matmulSizes) {
    const s = await matmulGflops(n, reps + 2);
    console.log(`| ${n} | ${fmt(s.median, 1)} | ${fmt(s.min, 1)}–${fmt(s.max, 1)} |`);
    mm.push({ n, gflops: s });
  }
  if (torch?.matmul) console.log(`\nPyTorch CUDA float32 matmul GFLOP/s: ${JSON.stringify(torch.matmul)}`);
  report.matmul = mm;
  const d = await dispatchMicros(reps + 2);
  console.log(
    `\nOne dispatch (a 16-element add, 1,000 in a row, synchronised once): ${fmt(d.total.median, 1)} µs (${fmt(d.total.min, 1)}–${fmt(d.total.max, 1)}), of which ${fmt(d.encode.median, 1)} µs on the CPU encoding it (the op, its bind group, the dispatch)\n`,
  );
  report.dispatchMicros = d;
  report.stats = await deviceStats();

  const dir = process.env.TSGRAD_BENCH_RESULTS ?? fileURLToPath(new URL('../results/', import.meta.url));
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}webgpu-latest.json`, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Wrote ${dir}webgpu-latest.json`);
}
