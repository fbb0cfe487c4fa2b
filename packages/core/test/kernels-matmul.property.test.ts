/**
 * The fast matmul kernel (WebAssembly SIMD, float32) against the plain reference kernel and a
 * naive float64 definition, over random shapes (odd sizes included) and operand layouts
 * (contiguous, transposed, strided with an offset, broadcast).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type MatrixOperand,
  matmulKernel,
  matmulPathCounts,
  matmulReference,
} from '../src/kernels/matmul.js';
import { matmulWasm, wasmMatmulAvailable } from '../src/kernels/matmul-wasm.js';
import { gemmModuleBytes } from '../src/kernels/wasm/gemm-module.js';

type Layout = 'rows' | 'transposed' | 'strided' | 'broadcastRows' | 'paddedRows';

/** Lays out a rows × cols matrix (values in row-major order) in a buffer of the given kind. */
function layOut(
  values: Float64Array,
  rows: number,
  cols: number,
  layout: Layout,
  f32: boolean,
): MatrixOperand {
  const make = (n: number) => (f32 ? new Float32Array(n) : new Float64Array(n));
  switch (layout) {
    case 'rows': {
      const data = make(rows * cols);
      data.set(values);
      return { data, offset: 0, rowStride: cols, colStride: 1 };
    }
    case 'transposed': {
      // Stored as the transpose: element (r, c) at c·rows + r, as `x.t()` is read.
      const data = make(rows * cols);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) data[c * rows + r] = values[r * cols + c]!;
      return { data, offset: 0, rowStride: 1, colStride: rows };
    }
    case 'strided': {
      // Every other column of rows padded by 3, starting at offset 5 (as a slice with step 2).
      const rowStride = 2 * cols + 3;
      const data = make(5 + rows * rowStride).fill(Number.NaN);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) data[5 + r * rowStride + 2 * c] = values[r * cols + c]!;
      return { data, offset: 5, rowStride, colStride: 2 };
    }
    case 'paddedRows': {
      // Contiguous rows with a gap of 3 between them, at offset 2 (a column slice of a wider matrix).
      const rowStride = cols + 3;
      const data = make(2 + rows * rowStride).fill(Number.NaN);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) data[2 + r * rowStride + c] = values[r * cols + c]!;
      return { data, offset: 2, rowStride, colStride: 1 };
    }
    case 'broadcastRows': {
      // Every row is row 0 (an expanded view, row stride 0).
      const data = make(cols + 1).fill(Number.NaN);
      for (let c = 0; c < cols; c++) data[1 + c] = values[c]!;
      for (let r = 1; r < rows; r++) for (let c = 0; c < cols; c++) values[r * cols + c] = values[c]!;
      return { data, offset: 1, rowStride: 0, colStride: 1 };
    }
  }
}

/** Naive float64 product and, per element, Σ|a||b| (the scale of the rounding error). */
function naive(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  b: Float64Array,
): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        s += a[i * k + p]! * b[p * n + j]!;
        t += Math.abs(a[i * k + p]! * b[p * n + j]!);
      }
      c[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { c, scale };
}

const dim = fc.oneof(fc.constantFrom(1, 3, 4, 5, 7, 8, 9, 16, 17, 33), fc.integer({ min: 1, max: 40 }));
const layout = fc.constantFrom<Layout>('rows', 'transposed', 'strided', 'broadcastRows', 'paddedRows');

interface Case {
  m: number;
  n: number;
  k: number;
  aLayout: Layout;
  bLayout: Layout;
  seed: number;
}

const cases = fc.record({
  m: dim,
  n: dim,
  k: fc.oneof(dim, fc.constant(0)),
  aLayout: layout,
  bLayout: layout,
  seed: fc.integer(),
});

/** float32 values of a random rows × cols matrix (as float64, exactly representable in float32). */
function values(rows: number, cols: number, seed: number): Float64Array {
  let s = seed | 0;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    out[i] = Math.fround(((s >>> 8) / 2 ** 24) * 4 - 2);
  }
  return out;
}

function check(
  fast: (
    m: number,
    n: number,
    k: number,
    a: MatrixOperand,
    b: MatrixOperand,
    out: Float32Array,
    o: number,
  ) => void,
  c: Case,
): void {
  const av = values(c.m, c.k, c.seed);
  const bv = values(c.k, c.n, c.seed ^ 0x5bd1e995);
  const a = layOut(av, c.m, c.k, c.aLayout, true);
  const b = layOut(bv, c.k, c.n, c.bLayout, true);
  const { c: want, scale } = naive(c.m, c.n, c.k, av, bv);
  // Stale values and guard cells around the output: the kernel must overwrite the former only.
  const out = new Float32Array(c.m * c.n + 6).fill(123);
  fast(c.m, c.n, c.k, a, b, out, 3);
  const eps = 2 ** -24;
  for (let e = 0; e < c.m * c.n; e++) {
    const tol = (c.k + 2) * eps * scale[e]! + 1e-30;
    const got = out[3 + e]!;
    if (!(Math.abs(got - want[e]!) <= tol)) {
      throw new Error(`element ${e}: got ${got}, want ${want[e]} (tol ${tol}) for ${JSON.stringify(c)}`);
    }
  }
  expect([...out.subarray(0, 3), ...out.subarray(3 + c.m * c.n)]).toEqual([123, 123, 123, 123, 123, 123]);
}

describe('matmul kernels', () => {
  it('the WebAssembly SIMD module is valid and compiles on this platform', () => {
    const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } })
      .WebAssembly;
    expect(wasm.validate(gemmModuleBytes())).toBe(true);
    expect(wasmMatmulAvailable).toBe(true);
  });

  it('the reference kernel matches the float64 definition for any layout', () => {
    fc.assert(
      fc.property(cases, (c) => {
        check(matmulReference, c);
      }),
      { numRuns: 60 },
    );
  });

  it('the WebAssembly kernel matches the float64 definition for any layout', () => {
    fc.assert(
      fc.property(cases, (c) => {
        check(matmulWasm, c);
      }),
      { numRuns: 100 },
    );
  });

  it('the WebAssembly kernel agrees with the reference across k blocks and row blocks', () => {
    // k > 256 crosses the kernel's k blocking (in equal blocks), m > 128 its row blocking, n > 256
    // its column blocking; n ≥ 16 with contiguous rows of B takes the WebAssembly packing of B,
    // other layouts the JS packing; odd sizes leave partial tiles.
    for (const [m, n, k] of [
      [70, 17, 530],
      [133, 9, 257],
      [5, 65, 300],
      [131, 40, 513],
      [9, 263, 270],
    ] as const) {
      for (const aLayout of ['rows', 'transposed'] as const) {
        for (const bLayout of ['rows', 'transposed', 'paddedRows'] as const)
          check(matmulWasm, { m, n, k, aLayout, bLayout, seed: m * n + k });
      }
    }
  });

  it('the WebAssembly kernel matches the definition for sizes that cross its blocks and tiles', () => {
    // Modest sizes around the block edges (128 rows, 256-deep k blocks, 8-column panels, 4-row tiles),
    // interleaved with small products so that stale data left in the module's memory would show.
    const edge = (at: number) => fc.integer({ min: Math.max(1, at - 5), max: at + 5 });
    const big = fc.record({
      m: fc.oneof(edge(128), fc.integer({ min: 1, max: 12 })),
      n: fc.oneof(edge(16), edge(32), fc.integer({ min: 1, max: 9 })),
      k: fc.oneof(edge(256), edge(512), fc.integer({ min: 1, max: 20 })),
      aLayout: fc.constantFrom<Layout>('rows', 'transposed', 'strided', 'paddedRows'),
      bLayout: fc.constantFrom<Layout>('rows', 'transposed', 'strided', 'paddedRows'),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(big, cases, (c, small) => {
        check(matmulWasm, c);
        check(matmulWasm, small);
      }),
      { numRuns: 30 },
    );
  });

  it('the WebAssembly kernel agrees bit for bit with itself on a repeated product', () => {
    // Deterministic: the same operands give the same bits whatever ran in between.
    const av = values(37, 300, 1);
    const bv = values(300, 45, 2);
    const a = layOut(av, 37, 300, 'rows', true);
    const b = layOut(bv, 300, 45, 'rows', true);
    const first = new Float32Array(37 * 45);
    const again = new Float32Array(37 * 45);
    matmulWasm(37, 45, 300, a, b, first, 0);
    const other = layOut(values(200, 90, 3), 200, 90, 'transposed', true);
    matmulWasm(
      200,
      90,
      90,
      other,
      layOut(values(90, 90, 4), 90, 90, 'rows', true),
      new Float32Array(200 * 90),
      0,
    );
    matmulWasm(37, 45, 300, a, b, again, 0);
    expect(again).toEqual(first);
  });

  it('matmulKernel sends float32 to the WebAssembly kernel, float64 to the reference, both correct', () => {
    fc.assert(
      fc.property(cases, (c) => {
        // float32: the WebAssembly path runs (and only it), with a correct result.
        const before = matmulPathCounts();
        check(matmulKernel, c);
        const after = matmulPathCounts();
        expect(after.wasm + after.wasmThreads - before.wasm - before.wasmThreads).toBe(1);
        expect(after.reference).toBe(before.reference);
        // float64: the reference path, against a triple loop in float64 written here.
        const av = values(c.m, c.k, c.seed);
        const bv = values(c.k, c.n, c.seed + 1);
        const a = layOut(av, c.m, c.k, c.aLayout, false);
        const b = layOut(bv, c.k, c.n, c.bLayout, false);
        const got = new Float64Array(c.m * c.n + 2).fill(7);
        matmulKernel(c.m, c.n, c.k, a, b, got, 1);
        expect(matmulPathCounts().reference).toBe(after.reference + 1);
        const { c: want, scale } = naive(c.m, c.n, c.k, av, bv);
        for (let e = 0; e < c.m * c.n; e++) {
          const tol = (c.k + 2) * 2 ** -53 * scale[e]! + 1e-300;
          expect(Math.abs(got[1 + e]! - want[e]!)).toBeLessThanOrEqual(tol);
        }
        expect([got[0], got[c.m * c.n + 1]]).toEqual([7, 7]);
      }),
      { numRuns: 40 },
    );
  });
});
