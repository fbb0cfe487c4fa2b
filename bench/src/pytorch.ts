/**
 * The PyTorch column: finds a Python whose `import torch` works (Debian's python3-torch lives in
 * /usr/bin/python3), writes the benchmark's inputs (MNIST batches, initial weights) to a temporary
 * directory, and runs bench/python/bench_torch.py on them with 1 thread and with all threads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MnistBatchSource } from './mnist-data.js';
import { type Summary, summarize } from './stats.js';

/** A Python interpreter with PyTorch. */
export interface TorchInfo {
  python: string;
  version: string;
}

/** The first of /usr/bin/python3, python3 that imports torch, or null (with the reason). */
export function findTorch(): TorchInfo | { missing: string } {
  const tried: string[] = [];
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    tried.push(
      `${python}: ${r.error?.message ?? (r.stderr.trim().split('\n').at(-1) || `exit ${r.status}`)}`,
    );
  }
  return { missing: tried.join('; ') };
}

/** Timing blocks of one training workload. */
export interface BlockConfig {
  warmup: number;
  reps: number;
  stepsPerRep: number;
}

/** What PyTorch runs: every section is optional. */
export interface TorchConfig {
  threads: number[];
  mlp?: BlockConfig & { sizes: readonly number[]; lr: number; batch: number; weights: Float32Array[] };
  lenet?: BlockConfig & {
    lr: number;
    batch: number;
    params: { name: string; shape: number[]; data: Float32Array }[];
  };
  matmul?: { sizes: readonly number[]; warmup: number; reps: number; repMs: number };
}

/** One training workload's result at one thread count. */
export interface TorchTraining {
  msPerStep: Summary;
  losses: number[];
}

/** PyTorch's results per thread count. */
export interface TorchResults {
  torch: string;
  python: string;
  /** torch.__config__.show(): the BLAS and CPU capability it runs with. */
  buildConfig: string;
  byThreads: Map<number, { mlp?: TorchTraining; lenet?: TorchTraining; matmul?: Map<number, Summary> }>;
}

/** Thread counts PyTorch is timed at: 1 and all the machine's cores. */
export function torchThreadCounts(): number[] {
  const all = availableParallelism();
  return all > 1 ? [1, all] : [1];
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Runs bench_torch.py with `torch`'s Python on `data` and the config; throws if it fails. */
export function runTorch(torch: TorchInfo, data: MnistBatchSource, config: TorchConfig): TorchResults {
  const dir = mkdtempSync(join(tmpdir(), 'tsgrad-bench-torch-'));
  try {
    writeFileSync(join(dir, 'images.f32'), bytes(data.images));
    writeFileSync(join(dir, 'labels.i32'), bytes(data.labels));
    const json: Record<string, unknown> = { dir, threads: config.threads };
    if (config.mlp) {
      const { weights, ...rest } = config.mlp;
      writeFileSync(join(dir, 'mlp.f32'), bytes(concat(weights)));
      json.mlp = rest;
    }
    if (config.lenet) {
      const { params, ...rest } = config.lenet;
      writeFileSync(join(dir, 'lenet.f32'), bytes(concat(params.map((p) => p.data))));
      json.lenet = { ...rest, params: params.map(({ name, shape }) => ({ name, shape })) };
    }
    if (config.matmul) json.matmul = config.matmul;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(json));
    const script = fileURLToPath(new URL('../python/bench_torch.py', import.meta.url));
    const r = spawnSync(torch.python, [script, join(dir, 'config.json')], {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    });
    if (r.status !== 0) throw new Error(`bench: bench_torch.py failed (${r.status}): ${r.stderr.trim()}`);
    const out = JSON.parse(r.stdout) as {
      torch: string;
      python: string;
      config: string;
      threads: Record<
        string,
        {
          mlp?: { msPerStep: number[]; losses: number[] };
          lenet?: { msPerStep: number[]; losses: number[] };
          matmul?: Record<string, number[]>;
        }
      >;
    };
    const byThreads: TorchResults['byThreads'] = new Map();
    for (const [t, v] of Object.entries(out.threads)) {
      const training = (x?: { msPerStep: number[]; losses: number[] }) =>
        x === undefined ? undefined : { msPerStep: summarize(x.msPerStep), losses: x.losses };
      byThreads.set(Number(t), {
        mlp: training(v.mlp),
        lenet: training(v.lenet),
        matmul:
          v.matmul === undefined
            ? undefined
            : new Map(Object.entries(v.matmul).map(([n, s]) => [Number(n), summarize(s)])),
      });
    }
    return { torch: out.torch, python: out.python, buildConfig: out.config, byThreads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
