/**
 * Where splitting a float32 matmul across threads starts to pay: for square-ish products of
 * growing size, the median time on the calling thread alone and on 2 threads (forced, whatever
 * the threshold), interleaved. The threshold MIN_MACS_PER_THREAD in core's matmul-wasm.ts comes
 * from this table (the smallest m·n·k where 2 threads win clearly).
 *
 * Run: pnpm --filter @tsgrad/bench exec tsx --conditions=source src/profile-threads.ts
 */
import { type MatrixOperand, matmulKernel } from '../../packages/core/src/kernels/matmul.js';
import { fmt, now, summarize } from './stats.js';

const shapes: [number, number, number][] = [
  [32, 32, 32],
  [48, 48, 48],
  [64, 64, 64],
  [80, 80, 80],
  [100, 64, 64],
  [100, 100, 100],
  [128, 128, 128],
  [100, 784, 50],
  [160, 160, 160],
  [256, 256, 256],
];

function operand(rows: number, cols: number): MatrixOperand {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i);
  return { data, offset: 0, rowStride: cols, colStride: 1 };
}

/** ms per product on `threads` threads, median over 9 repetitions of ~30 ms. */
function time(
  m: number,
  n: number,
  k: number,
  threads: number,
  a: MatrixOperand,
  b: MatrixOperand,
): number[] {
  const out = new Float32Array(m * n);
  const samples: number[] = [];
  let reps = 1;
  for (;;) {
    const t0 = now();
    for (let r = 0; r < reps; r++) matmulKernel(m, n, k, a, b, out, 0, threads);
    if (now() - t0 > 10) break;
    reps *= 2;
  }
  for (let s = 0; s < 9; s++) {
    const t0 = now();
    for (let r = 0; r < reps; r++) matmulKernel(m, n, k, a, b, out, 0, threads);
    samples.push((now() - t0) / reps);
  }
  return samples;
}

console.log('| m × n × k | MACs | 1 thread (µs) | 2 threads (µs) | speed-up |');
console.log('|---|---:|---:|---:|---:|');
for (const [m, n, k] of shapes) {
  const a = operand(m, k);
  const b = operand(k, n);
  const one: number[] = [];
  const two: number[] = [];
  for (let round = 0; round < 3; round++) {
    one.push(...time(m, n, k, 1, a, b));
    two.push(...time(m, n, k, 2, a, b));
  }
  const s1 = summarize(one).median * 1000;
  const s2 = summarize(two).median * 1000;
  console.log(`| ${m} × ${n} × ${k} | ${m * n * k} | ${fmt(s1, 1)} | ${fmt(s2, 1)} | ${fmt(s1 / s2)} |`);
}
