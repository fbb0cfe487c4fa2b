/**
 * The multithreaded float32 matmul: bit-identical to the single-threaded kernel for any shape,
 * layout and thread count; training gives the same weights on 1 and 2 threads; the worker pool
 * starts from TypeScript sources (vitest, tsx) and from compiled JavaScript, and never keeps a
 * process alive.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import {
  add,
  conv2d,
  gather,
  getNumThreads,
  logSoftmax,
  matmul,
  mean,
  neg,
  noGrad,
  relu,
  setNumThreads,
  type Tensor,
  tensor,
  ValueError,
} from '../src/index.js';
import { type MatrixOperand, matmulKernel, matmulPathCounts } from '../src/kernels/matmul.js';
import { MIN_MACS_PER_THREAD, wasmMatmulShared } from '../src/kernels/matmul-wasm.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const coreSrc = join(root, 'packages/core/src');

/** Deterministic float32 values in [-2, 2). */
function values(count: number, seed: number): Float32Array {
  let s = seed | 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    out[i] = ((s >>> 8) / 2 ** 24) * 4 - 2;
  }
  return out;
}

type Layout = 'rows' | 'transposed' | 'strided';

/** A rows × cols operand with random values in the given layout. */
function operand(rows: number, cols: number, layout: Layout, seed: number): MatrixOperand {
  switch (layout) {
    case 'rows':
      return { data: values(rows * cols, seed), offset: 0, rowStride: cols, colStride: 1 };
    case 'transposed':
      return { data: values(rows * cols, seed), offset: 0, rowStride: 1, colStride: rows };
    case 'strided':
      return {
        data: values(3 + rows * (2 * cols + 1), seed),
        offset: 3,
        rowStride: 2 * cols + 1,
        colStride: 2,
      };
  }
}

function product(m: number, n: number, k: number, a: MatrixOperand, b: MatrixOperand, threads: number) {
  const out = new Float32Array(m * n + 2).fill(99);
  matmulKernel(m, n, k, a, b, out, 1, threads);
  return out;
}

const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

describe('multithreaded float32 matmul', () => {
  it('runs on a shared WebAssembly memory here', () => {
    expect(wasmMatmulShared).toBe(true);
  });

  it('equals the single-threaded kernel bit for bit for 1–4 threads, any shape and layout', () => {
    const dim = fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1, 3, 7, 9, 31, 33, 65, 129));
    const layout = fc.constantFrom<Layout>('rows', 'transposed', 'strided');
    let threaded = 0;
    fc.assert(
      fc.property(
        dim,
        dim,
        fc.oneof(dim, fc.integer({ min: 250, max: 600 })),
        layout,
        layout,
        fc.integer({ min: 2, max: 4 }),
        fc.integer(),
        (m, n, k, aLayout, bLayout, threads, seed) => {
          const a = operand(m, k, aLayout, seed);
          const b = operand(k, n, bLayout, seed ^ 0x2545f491);
          const one = product(m, n, k, a, b, 1);
          const before = matmulPathCounts().wasmThreads;
          const many = product(m, n, k, a, b, threads);
          if (Math.max(Math.ceil(m / 4), Math.ceil(n / 8)) >= 2) {
            expect(matmulPathCounts().wasmThreads).toBe(before + 1);
            threaded++;
          }
          expect(many).toEqual(one);
          expect([many[0], many[m * n + 1]]).toEqual([99, 99]);
        },
      ),
      { numRuns: 120 },
    );
    expect(threaded).toBeGreaterThan(50);
  });

  it('splits large products by default and keeps small ones on the calling thread', () => {
    setNumThreads(2);
    const big = 160; // 160³ multiply-adds: more than two threads' minimum share
    expect(big ** 3).toBeGreaterThanOrEqual(2 * MIN_MACS_PER_THREAD);
    const a = operand(big, big, 'rows', 1);
    const b = operand(big, big, 'rows', 2);
    let counts = matmulPathCounts();
    const twoThreads = new Float32Array(big * big);
    matmulKernel(big, big, big, a, b, twoThreads, 0);
    expect(matmulPathCounts().wasmThreads).toBe(counts.wasmThreads + 1);
    counts = matmulPathCounts();
    matmulKernel(8, 8, 8, a, b, new Float32Array(64), 0);
    expect(matmulPathCounts()).toEqual({ ...counts, wasm: counts.wasm + 1 });
    setNumThreads(1);
    const oneThread = new Float32Array(big * big);
    counts = matmulPathCounts();
    matmulKernel(big, big, big, a, b, oneThread, 0);
    expect(matmulPathCounts()).toEqual({ ...counts, wasm: counts.wasm + 1 });
    expect(oneThread).toEqual(twoThreads);
  });

  it('setNumThreads takes integers from 1 to 64 and getNumThreads reads it back', () => {
    setNumThreads(3);
    expect(getNumThreads()).toBe(3);
    for (const bad of [0, -1, 1.5, 65, Number.NaN]) {
      expect(() => setNumThreads(bad)).toThrow(ValueError);
      expect(() => setNumThreads(bad)).toThrow(/setNumThreads/);
    }
    expect(getNumThreads()).toBe(3);
  });
});

/** A few steps of SGD on a conv + MLP network over fixed data; returns the final weights. */
function train(threads: number): Float32Array[] {
  setNumThreads(threads);
  const param = (shape: number[], seed: number, scale: number) =>
    tensor(
      values(
        shape.reduce((p, d) => p * d, 1),
        seed,
      ).map((v) => v * scale),
      { shape, requiresGrad: true },
    );
  const convW = param([8, 1, 5, 5], 1, 0.2);
  const w1 = param([8 * 24 * 24, 64], 2, 0.01);
  const b1 = param([64], 3, 0.1);
  const w2 = param([64, 10], 4, 0.1);
  const params = [convW, w1, b1, w2];
  const x = tensor(values(32 * 28 * 28, 5), { shape: [32, 1, 28, 28] });
  const y = tensor(
    Int32Array.from({ length: 32 }, (_, i) => (i * 7) % 10),
    { shape: [32, 1] },
  );
  for (let step = 0; step < 3; step++) {
    const h = relu(conv2d(x, convW)).reshape([32, 8 * 24 * 24]);
    const logits = matmul(relu(add(matmul(h, w1), b1)), w2);
    const loss = neg(mean(gather(logSoftmax(logits, 1), 1, y)));
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        const g: Tensor = p.grad!;
        const gd = g.toTypedArray();
        const pd = p.data;
        for (let i = 0; i < pd.length; i++) pd[i]! -= 0.05 * gd[i]!;
        p.grad = null;
      }
    });
  }
  return params.map((p) => Float32Array.from(p.toTypedArray() as Float32Array));
}

describe('training on several threads', () => {
  it('gives bit-identical weights with 1 and 2 threads', () => {
    const one = train(1);
    const before = matmulPathCounts().wasmThreads;
    const two = train(2);
    // The run really used the pool (the 4608 × 64 products are far above the threshold).
    expect(matmulPathCounts().wasmThreads).toBeGreaterThan(before);
    expect(two).toEqual(one);
    expect(one[0]).not.toEqual(values(200, 1).map((v) => v * 0.2));
  });
});

/** Compiles core's sources to plain JavaScript in `dir` (no type checks), as a build would. */
function compileCore(dir: string): void {
  const walk = (from: string): string[] =>
    readdirSync(from).flatMap((name) => {
      const path = join(from, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
    });
  for (const file of walk(coreSrc)) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const target = join(dir, relative(coreSrc, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
}

/** A script that multiplies two 256 × 256 matrices on 2 threads and prints the path counts. */
const script = (core: string) => `
import { setNumThreads, matmul, randn } from ${JSON.stringify(core)};
import { matmulPathCounts } from ${JSON.stringify(core.replace(/index\.(ts|js)$/, 'kernels/matmul.$1'))};
setNumThreads(2);
const y = matmul(randn([256, 256]), randn([256, 256]));
console.log(JSON.stringify({ counts: matmulPathCounts(), finite: Number.isFinite(y.sum().item()) }));
`;

describe('the worker pool outside vitest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgrad-threads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => {
    const started = Date.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000, cwd: root });
    return { ...r, ms: Date.now() - started };
  };
  const expectThreadedAndExited = (r: ReturnType<typeof run>) => {
    // Killed by the timeout, the child would have a signal and no status.
    expect({ signal: r.signal, status: r.status, stderr: r.stderr }).toEqual({
      signal: null,
      status: 0,
      stderr: '',
    });
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.finite).toBe(true);
    expect(out.counts.wasmThreads).toBe(1);
  };

  it('loads from compiled JavaScript, and the process exits by itself', () => {
    const js = join(dir, 'dist');
    compileCore(js);
    const main = join(dir, 'main.mjs');
    writeFileSync(main, script(join(js, 'index.js')));
    expectThreadedAndExited(run([main]));
  });

  it('loads from the TypeScript sources under tsx, and the process exits by itself', () => {
    const main = join(dir, 'main.ts');
    writeFileSync(main, script(join(coreSrc, 'index.ts')));
    expectThreadedAndExited(run(['--import', 'tsx', '--conditions=source', main]));
  });

  it('TSGRAD_NUM_THREADS sets the default thread count', () => {
    const main = join(dir, 'env.mjs');
    compileCore(join(dir, 'dist'));
    writeFileSync(
      main,
      `import { getNumThreads } from ${JSON.stringify(join(dir, 'dist/index.js'))}; console.log(getNumThreads());`,
    );
    const r = spawnSync(process.execPath, [main], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, TSGRAD_NUM_THREADS: '3' },
    });
    expect(r.stdout.trim()).toBe('3');
  });
});
