/** Section 2: float32 matrix product throughput, n × n · n × n, in GFLOP/s (2n³ flops per product). */
import { Generator, matmul, noGrad, setNumThreads, tensor } from '@tsgrad/core';
import { now, type Summary, summarize } from './stats.js';
import { type TfBackend, tf, useBackend } from './tfjs.js';

/** One library's matmul timings at one size. */
export interface MatmulResult {
  name: string;
  n: number;
  /** Milliseconds per product. */
  ms: Summary;
  /** 2n³ / median time. */
  gflops: number;
  /** Largest |difference| from tsgrad's product, relative to the largest |element|. */
  relDiff: number;
}

interface Runner {
  name: string;
  activate(): Promise<void>;
  /** Runs `iters` products and returns the last one's elements. */
  run(iters: number): Float32Array;
}

function tsgradRunner(a: Float32Array, b: Float32Array, n: number, threads: number, name: string): Runner {
  const ta = tensor(a, { shape: [n, n] });
  const tb = tensor(b, { shape: [n, n] });
  return {
    name,
    activate: async () => setNumThreads(threads),
    run(iters) {
      let out: Float32Array = new Float32Array(0);
      noGrad(() => {
        for (let i = 0; i < iters; i++) out = matmul(ta, tb).data as Float32Array;
      });
      return out;
    },
  };
}

function tfjsRunner(backend: TfBackend, a: Float32Array, b: Float32Array, n: number): Runner {
  let ta: tf.Tensor2D | null = null;
  let tb: tf.Tensor2D | null = null;
  return {
    name: `tfjs-${backend}`,
    async activate() {
      await useBackend(backend);
      if (ta === null) {
        ta = tf.tensor2d(a, [n, n]);
        tb = tf.tensor2d(b, [n, n]);
      }
    },
    run(iters) {
      let out: Float32Array = new Float32Array(0);
      for (let i = 0; i < iters; i++) {
        const c = tf.matMul(ta!, tb!);
        out = c.dataSync() as Float32Array;
        c.dispose();
      }
      return out;
    },
  };
}

/**
 * Times n × n products for each library and size, interleaved rep by rep. Each rep runs enough
 * products to last about `repMs`; `skip(name, n)` leaves out slow combinations (quick mode).
 */
export async function benchMatmul(
  sizes: readonly number[],
  options: {
    warmup: number;
    reps: number;
    repMs: number;
    backends: readonly TfBackend[];
    /** tsgrad's runs: a name per thread count, the first one the reference product. */
    tsgradThreads: readonly { threads: number; name: string }[];
    skip?: (name: string, n: number) => boolean;
  },
): Promise<MatmulResult[]> {
  const results: MatmulResult[] = [];
  const g = new Generator(7);
  for (const n of sizes) {
    const a = new Float32Array(n * n);
    const b = new Float32Array(n * n);
    for (let i = 0; i < a.length; i++) a[i] = g.uniform(-1, 1);
    for (let i = 0; i < b.length; i++) b[i] = g.uniform(-1, 1);
    const runners = [
      ...options.tsgradThreads.map((t) => tsgradRunner(a, b, n, t.threads, t.name)),
      ...options.backends.map((be) => tfjsRunner(be, a, b, n)),
    ].filter((r) => !(options.skip?.(r.name, n) ?? false));
    // Calibrate: products per rep, and the reference product for the agreement check.
    const iters: number[] = [];
    const outs: Float32Array[] = [];
    for (const r of runners) {
      await r.activate();
      const t0 = now();
      outs.push(r.run(1).slice());
      const ms = Math.max(now() - t0, 0.001);
      iters.push(Math.max(1, Math.round(options.repMs / ms)));
    }
    const samples = runners.map(() => [] as number[]);
    for (let rep = 0; rep < options.warmup + options.reps; rep++) {
      for (let j = 0; j < runners.length; j++) {
        const i = (j + rep) % runners.length;
        const r = runners[i]!;
        await r.activate();
        const t0 = now();
        r.run(iters[i]!);
        const ms = (now() - t0) / iters[i]!;
        if (rep >= options.warmup) samples[i]!.push(ms);
      }
    }
    const ref = outs[0]!;
    let scale = 0;
    for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
    runners.forEach((r, i) => {
      const ms = summarize(samples[i]!);
      let diff = 0;
      const o = outs[i]!;
      for (let e = 0; e < ref.length; e++) diff = Math.max(diff, Math.abs(o[e]! - ref[e]!));
      results.push({
        name: r.name,
        n,
        ms,
        gflops: (2 * n ** 3) / (ms.median * 1e6),
        relDiff: diff / (scale || 1),
      });
    });
  }
  return results;
}
