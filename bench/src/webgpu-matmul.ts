/**
 * WebGPU float32 matmul throughput and per-op dispatch overhead, standalone:
 *
 *   npx tsx --conditions=source bench/src/webgpu-matmul.ts [--sizes 256,512,1024,4096]
 *     [--tiles auto,small,large] [--repeats 5] [--seconds 0.2]
 *
 * For each tile configuration (auto: the kernel's own choice by size and adapter; small: 64×64×16 tiles of 4×4 per
 * thread; large: 128×128×8 tiles of 8×8 per thread; or BMxBNxBK/TMxTN) and each n: a warm-up product (compiles the
 * pipeline), then `repeats` timed runs of R back-to-back n×n products between two
 * `synchronize('webgpu')` calls (R sized so a run lasts about `seconds`); GFLOP/s is 2n³/time per
 * product, median over the runs. A few elements are checked against float64 dot products. The
 * dispatch overhead is the time of 1000 chained tiny adds and one synchronize, over 1000. The
 * last line is JSON with every number. Each product's output goes back to the buffer pool only
 * when V8 collects it: run with NODE_OPTIONS=--expose-gc to collect between runs (large n).
 */
import { add, deviceStats, initDevice, matmul, randn, synchronize, type Tensor } from '@tsgrad/core';
import { summarize } from './stats.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

/** V8's collector when node runs with --expose-gc (outputs return to the GPU pool when collected). */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});

const sizes = option('sizes', '256,512,1024,4096').split(',').map(Number);
const tiles = option('tiles', 'auto,small,large,128x64x16/8x4,128x128x16/8x8').split(',');
const repeats = Number(option('repeats', '5'));
const seconds = Number(option('seconds', '0.2'));

interface MatmulResult {
  n: number;
  tile: string;
  gflops: number;
  msPerProduct: number;
  productsPerRun: number;
  maxRelError: number;
}

function setTile(tile: string): void {
  if (tile === 'auto') delete process.env.TSGRAD_WEBGPU_MATMUL_TILE;
  else process.env.TSGRAD_WEBGPU_MATMUL_TILE = tile;
}

/** The largest relative error of a few elements of c = a·b against float64 dot products. */
async function check(a: Float32Array, b: Float32Array, c: Tensor, n: number): Promise<number> {
  const got = await c.toTypedArrayAsync();
  let worst = 0;
  for (const [i, j] of [
    [0, 0],
    [n - 1, n - 1],
    [n >> 1, n >> 2],
    [(n * 7) >> 3, 1],
  ] as const) {
    let s = 0;
    let abs = 0;
    for (let p = 0; p < n; p++) {
      s += a[i * n + p]! * b[p * n + j]!;
      abs += Math.abs(a[i * n + p]! * b[p * n + j]!);
    }
    worst = Math.max(worst, Math.abs(got[i * n + j]! - s) / (abs + 1e-30));
  }
  return worst;
}

async function benchMatmul(n: number, tile: string): Promise<MatmulResult> {
  setTile(tile);
  const ac = randn([n, n]);
  const bc = randn([n, n]);
  const a = ac.to('webgpu');
  const b = bc.to('webgpu');
  await synchronize('webgpu');
  let t0 = performance.now();
  const first = matmul(a, b);
  await synchronize('webgpu');
  const maxRelError = await check(
    ac.toTypedArray() as Float32Array,
    bc.toTypedArray() as Float32Array,
    first,
    n,
  );
  // A second warm-up product, timed, to size the runs.
  t0 = performance.now();
  matmul(a, b);
  await synchronize('webgpu');
  const once = performance.now() - t0;
  const perRun = Math.max(1, Math.min(200, Math.round((seconds * 1000) / Math.max(once, 1e-3))));
  const ms: number[] = [];
  for (let r = 0; r < repeats; r++) {
    collect();
    await synchronize('webgpu');
    const start = performance.now();
    for (let i = 0; i < perRun; i++) matmul(a, b);
    await synchronize('webgpu');
    ms.push((performance.now() - start) / perRun);
  }
  const median = summarize(ms).median;
  setTile('auto');
  return {
    n,
    tile,
    gflops: (2 * n ** 3) / (median * 1e6),
    msPerProduct: median,
    productsPerRun: perRun,
    maxRelError,
  };
}

/** Microseconds per op of 1000 chained adds of 4-element tensors, synchronised once. */
async function dispatchOverhead(): Promise<number> {
  const x = randn([4]).to('webgpu');
  let y = randn([4]).to('webgpu');
  for (let i = 0; i < 100; i++) y = add(y, x);
  await synchronize('webgpu');
  const us: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let i = 0; i < 1000; i++) y = add(y, x);
    await synchronize('webgpu');
    us.push(performance.now() - start); // ms per 1000 ops = µs per op
  }
  await y.toTypedArrayAsync();
  return summarize(us).median;
}

const info = await initDevice('webgpu');
console.log(`adapter: ${info.description}`);
const results: MatmulResult[] = [];
const failed: { n: number; tile: string; error: string }[] = [];
console.log('    n  tile            GFLOP/s   ms/product  products/run  max rel err');
for (const tile of tiles) {
  for (const n of sizes) {
    try {
      const r = await benchMatmul(n, tile);
      results.push(r);
      console.log(
        `${String(n).padStart(5)}  ${tile.padEnd(14)} ${r.gflops.toFixed(1).padStart(9)}  ${r.msPerProduct
          .toFixed(3)
          .padStart(11)}  ${String(r.productsPerRun).padStart(12)}  ${r.maxRelError.toExponential(1)}`,
      );
    } catch (e) {
      // A tile this adapter cannot run (e.g. too much workgroup memory): report it and go on.
      setTile('auto');
      const error = (e as Error).message.split('\n')[0]!;
      failed.push({ n, tile, error });
      console.log(`${String(n).padStart(5)}  ${tile.padEnd(14)} failed: ${error}`);
    }
  }
}
const dispatchUs = await dispatchOverhead();
console.log(`dispatch overhead: ${dispatchUs.toFixed(1)} µs per op (1000 chained tiny adds + sync)`);
console.log(
  JSON.stringify({
    adapter: info.description,
    matmul: results,
    failed,
    dispatchUsPerOp: dispatchUs,
    gpuBytesCreated: (await deviceStats())?.createdBytes,
  }),
);
