import type { TypedArray } from '../tensor/dtype.js';
import { matmulWasm, wasmMatmulAvailable } from './matmul-wasm.js';

/**
 * A 2-d operand of a matrix product: element (r, c) is at `data[offset + r·rowStride + c·colStride]`,
 * so transposed views are read in place, without copies.
 */
export interface MatrixOperand {
  data: TypedArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

/** Which kernel computed matrix products: the JS reference, or WebAssembly on one or several threads. */
export type MatmulPath = 'reference' | 'wasm' | 'wasmThreads';

const pathCounts: Record<MatmulPath, number> = { reference: 0, wasm: 0, wasmThreads: 0 };

/** How many products each kernel has computed since the process started (a copy; for tests and profiling). */
export function matmulPathCounts(): Record<MatmulPath, number> {
  return { ...pathCounts };
}

/**
 * C[m×n] = A[m×k] · B[k×n], written into the contiguous `out` at `outOffset` (overwritten).
 * float32 products run on the WebAssembly SIMD kernel (matmul-wasm.ts) where it is available,
 * split across `getNumThreads()` threads when large; float64 and int32 products, and platforms
 * without WebAssembly SIMD, use `matmulReference`. `threads` forces the thread count of the
 * WebAssembly kernel (tests); the result is bit-identical whatever it is.
 */
export function matmulKernel(
  m: number,
  n: number,
  k: number,
  a: MatrixOperand,
  b: MatrixOperand,
  out: TypedArray,
  outOffset: number,
  threads?: number,
): void {
  if (
    wasmMatmulAvailable &&
    out instanceof Float32Array &&
    a.data instanceof Float32Array &&
    b.data instanceof Float32Array
  ) {
    const used = matmulWasm(m, n, k, a, b, out, outOffset, threads);
    pathCounts[used > 1 ? 'wasmThreads' : 'wasm']++;
  } else {
    matmulReference(m, n, k, a, b, out, outOffset);
    pathCounts.reference++;
  }
}

/**
 * The reference kernel, C[m×n] = A[m×k] · B[k×n] into `out` at `outOffset`: plain loops in a
 * cache-friendly order chosen by how B is laid out. The fast kernels are tested against it.
 */
export function matmulReference(
  m: number,
  n: number,
  k: number,
  a: MatrixOperand,
  b: MatrixOperand,
  out: TypedArray,
  outOffset: number,
): void {
  if (b.colStride === 1 || n === 1) gemmRowsOfB(m, n, k, a, b, out, outOffset);
  else if (b.rowStride === 1) gemmColumnsOfB(m, n, k, a, b, out, outOffset);
  else {
    // A general strided B: copy it to rows once.
    const copy = new Float64Array(k * n);
    for (let p = 0; p < k; p++)
      for (let j = 0; j < n; j++) copy[p * n + j] = b.data[b.offset + p * b.rowStride + j * b.colStride]!;
    gemmRowsOfB(m, n, k, a, { data: copy, offset: 0, rowStride: n, colStride: 1 }, out, outOffset);
  }
}

/** i-k-j order: each output row accumulates scaled rows of B (contiguous), four rows of B at a time. */
function gemmRowsOfB(
  m: number,
  n: number,
  k: number,
  a: MatrixOperand,
  b: MatrixOperand,
  c: TypedArray,
  cOff: number,
): void {
  const A = a.data;
  const B = b.data;
  const ars = a.rowStride;
  const acs = a.colStride;
  const brs = b.rowStride;
  const bcs = n === 1 ? 1 : b.colStride;
  const k4 = k - (k % 4);
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    c.fill(0, ci, ci + n);
    const ai = a.offset + i * ars;
    let p = 0;
    for (; p < k4; p += 4) {
      const a0 = A[ai + p * acs]!;
      const a1 = A[ai + (p + 1) * acs]!;
      const a2 = A[ai + (p + 2) * acs]!;
      const a3 = A[ai + (p + 3) * acs]!;
      const b0 = b.offset + p * brs;
      const b1 = b0 + brs;
      const b2 = b1 + brs;
      const b3 = b2 + brs;
      if (bcs === 1) {
        for (let j = 0; j < n; j++)
          c[ci + j]! += a0 * B[b0 + j]! + a1 * B[b1 + j]! + a2 * B[b2 + j]! + a3 * B[b3 + j]!;
      } else {
        for (let j = 0; j < n; j++) {
          const o = j * bcs;
          c[ci + j]! += a0 * B[b0 + o]! + a1 * B[b1 + o]! + a2 * B[b2 + o]! + a3 * B[b3 + o]!;
        }
      }
    }
    for (; p < k; p++) {
      const ap = A[ai + p * acs]!;
      const bp = b.offset + p * brs;
      for (let j = 0; j < n; j++) c[ci + j]! += ap * B[bp + j * bcs]!;
    }
  }
}

/** i-j order with dot products: B's columns are contiguous (B is a transposed view). */
function gemmColumnsOfB(
  m: number,
  n: number,
  k: number,
  a: MatrixOperand,
  b: MatrixOperand,
  c: TypedArray,
  cOff: number,
): void {
  const A = a.data;
  const B = b.data;
  const ars = a.rowStride;
  const acs = a.colStride;
  const bcs = b.colStride;
  for (let i = 0; i < m; i++) {
    const ai = a.offset + i * ars;
    const ci = cOff + i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = b.offset + j * bcs;
      const b1 = b0 + bcs;
      const b2 = b1 + bcs;
      const b3 = b2 + bcs;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = A[ai + p * acs]!;
        s0 += av * B[b0 + p]!;
        s1 += av * B[b1 + p]!;
        s2 += av * B[b2 + p]!;
        s3 += av * B[b3 + p]!;
      }
      c[ci + j] = s0;
      c[ci + j + 1] = s1;
      c[ci + j + 2] = s2;
      c[ci + j + 3] = s3;
    }
    for (; j < n; j++) {
      const bj = b.offset + j * bcs;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[ai + p * acs]! * B[bj + p]!;
      c[ci + j] = s;
    }
  }
}
