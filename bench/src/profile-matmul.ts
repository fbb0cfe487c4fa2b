/** Profiling aid: GFLOP/s of the float32 kernels on square and training-step shapes. Not part of `pnpm bench`. */

import { type MatrixOperand, matmulReference } from '../../packages/core/src/kernels/matmul.js';
import { matmulWasm } from '../../packages/core/src/kernels/matmul-wasm.js';
import { now, summarize } from './stats.js';

const which = process.argv[2] ?? 'wasm';
const kernel = which === 'ref' ? matmulReference : matmulWasm;
// [m, n, k, A transposed?, B transposed?]: squares, then the training step's products.
const shapes: [number, number, number, boolean, boolean][] = [
  [256, 256, 256, false, false],
  [512, 512, 512, false, false],
  [100, 50, 784, false, false],
  [784, 50, 100, true, false],
  [100, 100, 50, false, false],
  [100, 50, 100, false, true],
  [50, 100, 100, true, false],
];
for (const [m, n, k, ta, tb] of shapes) {
  const a = new Float32Array(m * k).map(() => Math.random());
  const b = new Float32Array(k * n).map(() => Math.random());
  const A: MatrixOperand = ta
    ? { data: a, offset: 0, rowStride: 1, colStride: m }
    : { data: a, offset: 0, rowStride: k, colStride: 1 };
  const B: MatrixOperand = tb
    ? { data: b, offset: 0, rowStride: 1, colStride: k }
    : { data: b, offset: 0, rowStride: n, colStride: 1 };
  const out = new Float32Array(m * n);
  const iters = Math.max(1, Math.round(2e8 / (2 * m * n * k)));
  const times: number[] = [];
  for (let r = 0; r < 9; r++) {
    const t0 = now();
    for (let i = 0; i < iters; i++) kernel(m, n, k, A, B, out, 0);
    times.push((now() - t0) / iters);
  }
  const s = summarize(times.slice(2));
  console.log(
    `${which} ${m}x${k}${ta ? 'ᵀ' : ''} · ${k}x${n}${tb ? 'ᵀ' : ''}: ${s.median.toFixed(3)} ms, ${((2 * m * n * k) / s.median / 1e6).toFixed(2)} GFLOP/s`,
  );
}
