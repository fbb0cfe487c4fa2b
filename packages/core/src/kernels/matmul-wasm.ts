/**
 * The fast float32 matrix product: A is copied into the memory of a small WebAssembly SIMD
 * module as it lies (row-major, or column-major for transposed views, so a transpose costs no
 * extra pass), B is packed into 8-column panels (by the module after a plain copy when its rows
 * are contiguous), and the module's 4 × 8 register-tiled kernels (wasm/gemm-module.ts) multiply
 * them block by block, storing each tile straight into C.
 * The module is compiled once, synchronously, when this file is imported; where WebAssembly or
 * its SIMD extension is missing, `wasmMatmulAvailable` is false and callers use the JS kernel.
 *
 * Its memory is shared (WebAssembly threads) where the platform allows: large products are then
 * split by rectangles of whole C tiles between the calling thread and the worker pool
 * (threads/pool.ts). Every tile is computed by the same code over the same k blocks in the same
 * order whoever computes it, so results are bit-identical whatever the thread count.
 */
import type { MatrixOperand } from './matmul.js';
import { compileRunBlocks, JOB } from './threads/gemm-blocks.js';
import { ensureWorkers, getNumThreads, jobArray, runJob } from './threads/pool.js';
import { TILE_M as GEMM_TILE_M, TILE_N as GEMM_TILE_N, gemmModuleBytes } from './wasm/gemm-module.js';

// Local copies of the tile size: an imported binding can compile to a getter call (tsx, vitest),
// which costs more than the copy loops that read it.
const TILE_M = GEMM_TILE_M;
const TILE_N = GEMM_TILE_N;

/** gemmCols(pa, aPanel, aStep, pb, bPanel, bStep, pc, ldc, mPanels, nPanels, kc, accumulate) */
type GemmCols = (
  ...args: [number, number, number, number, number, number, number, number, number, number, number, number]
) => void;
/** gemmRows(pa, lda, pb, bPanel, bStep, pc, ldc, mPanels, nPanels, kc, accumulate) */
type GemmRows = (
  ...args: [number, number, number, number, number, number, number, number, number, number, number]
) => void;
/** packB(src, ldb, dst, k, nPanels) */
type PackB = (...args: [number, number, number, number, number]) => void;
/** copyBlocks/addBlocks(src, dst, len, vecLen, rows, srcRow, dstRow, outer, srcOuter, dstOuter) */
type Blocks = (
  ...args: [number, number, number, number, number, number, number, number, number, number]
) => void;

/** Largest depth of one block of the k loop: an 8-column B panel block is then 8 KiB, in L1. */
const KC = 256;
/**
 * A row-major B with at least this many columns is packed into panels (in WebAssembly) first, so
 * that the kernel streams each panel linearly instead of striding by whole rows of B (a row
 * length of 2 KiB or 4 KiB maps every row to the same few L1 sets).
 */
const PACK_B_MIN_N = 16;

/**
 * Products with fewer multiply-adds than this per thread stay on fewer threads (on the calling
 * thread alone below twice this): waking a worker and sharing the result costs some tens of
 * microseconds. On the 2-core bench machine (bench/src/profile-threads.ts) 2 threads lose below
 * about 0.5 M multiply-adds (64³, 80³, 100·64·64) and win from about 1 M (100³, 100·784·50).
 */
export const MIN_MACS_PER_THREAD = 1 << 19;

/** Maximum size of the shared memory: 4 GiB, all of wasm32 (reserved as address space only). */
const MAX_PAGES = 65536;

/** The parts of the WebAssembly JS API used here (core's tsconfig has no DOM or WebAssembly lib). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

let memory: WasmMemory | null = null;
let wasmModule: object | null = null;
let shared = false;
let gemmCols: GemmCols | null = null;
let gemmRows: GemmRows | null = null;
let packBWasm: PackB | null = null;
let copyBlocks: Blocks | null = null;
let packBTWasm: ((...args: [number, number, number, number, number, number]) => void) | null = null;
let unpackRowsWasm: ((...args: [number, number, number, number, number, number]) => void) | null = null;
let addBlocks: Blocks | null = null;
let heap: Float32Array<ArrayBufferLike> = new Float32Array(0);

/** Compiles the module on a shared memory, or on its own memory where threads are unavailable. */
function instantiate(wasm: WasmApi, share: boolean): void {
  const bytes = gemmModuleBytes(GEMM_TILE_M, GEMM_TILE_N / 4, {
    imported: true,
    shared: share,
    maxPages: MAX_PAGES,
  });
  if (!wasm.validate(bytes)) throw new Error('invalid module');
  const mem = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: share });
  // Compiled synchronously at import: the module is about 3 KB.
  const module = new wasm.Module(bytes);
  const instance = new wasm.Instance(module, { env: { memory: mem } });
  gemmCols = instance.exports.gemmCols as GemmCols;
  gemmRows = instance.exports.gemmRows as GemmRows;
  packBWasm = instance.exports.packB as PackB;
  copyBlocks = instance.exports.copyBlocks as Blocks;
  packBTWasm = instance.exports.packBT as typeof packBTWasm;
  unpackRowsWasm = instance.exports.unpackRows as typeof unpackRowsWasm;
  addBlocks = instance.exports.addBlocks as Blocks;
  memory = mem;
  wasmModule = module;
  shared = share;
  heap = new Float32Array(mem.buffer);
}

{
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  for (const share of [true, false]) {
    if (wasm === undefined || memory !== null) break;
    try {
      instantiate(wasm, share);
    } catch {
      memory = null;
      gemmCols = null;
      gemmRows = null;
      packBWasm = null;
      copyBlocks = null;
      addBlocks = null;
      packBTWasm = null;
      unpackRowsWasm = null;
    }
  }
}

const runBlocks = compileRunBlocks();

/** True when the WebAssembly SIMD kernel compiled on this platform. */
export const wasmMatmulAvailable: boolean =
  gemmCols !== null &&
  gemmRows !== null &&
  packBWasm !== null &&
  copyBlocks !== null &&
  addBlocks !== null &&
  packBTWasm !== null;

/** True when the kernel's memory is shared, so that products can be split across worker threads. */
export const wasmMatmulShared: boolean = wasmMatmulAvailable && shared;

/** Makes the module's memory at least `bytes` long and refreshes the Float32Array view. */
function reserve(bytes: number): Float32Array<ArrayBufferLike> {
  const mem = memory!;
  if (heap.byteLength < bytes) {
    if (mem.buffer.byteLength < bytes) mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / 65536));
    heap = new Float32Array(mem.buffer);
  }
  return heap;
}

/**
 * The module's memory as float32, at least `floats` long, for a caller to stage data in (its
 * contents are undefined and are overwritten by the next product; the view is valid until then).
 */
export function wasmStaging(floats: number): Float32Array<ArrayBufferLike> {
  return reserve(floats * 4);
}

/**
 * Copies (or, with `add`, adds) blocks of float32 rows inside the module's memory: for each of
 * `outer` blocks and each of its `rows` rows, `len` floats from `src` to `dst` (float offsets);
 * src and dst advance by srcRow/dstRow floats per row and srcOuter/dstOuter per block. With
 * `add`, the rows of one call must not overlap in dst. Requires `wasmMatmulAvailable`.
 */
export function stagedBlocks(
  add: boolean,
  src: number,
  dst: number,
  len: number,
  rows: number,
  srcRow: number,
  dstRow: number,
  outer: number,
  srcOuter: number,
  dstOuter: number,
): void {
  (add ? addBlocks! : copyBlocks!)(
    src * 4,
    dst * 4,
    len * 4,
    (len & ~3) * 4,
    rows,
    srcRow * 4,
    dstRow * 4,
    outer,
    srcOuter * 4,
    dstOuter * 4,
  );
}

/**
 * Packs columns inside the module's memory into 8-column panels (float offsets and strides):
 * B(p, j) at src + j·colStride + p, for p < k and j < 8·nPanels, goes to
 * dst + (j/8)·panelStride + 8p + j%8. Requires `wasmMatmulAvailable`.
 */
export function stagedPackColumns(
  src: number,
  k: number,
  dst: number,
  nPanels: number,
  colStride: number,
  panelStride: number,
): void {
  packBTWasm!(src * 4, k, dst * 4, nPanels, colStride * 4, panelStride * 4);
}

/**
 * Turns rows into columns inside the module's memory (float offsets and strides): element
 * (p, j) at src + p·srcRow + j, for p < k and j < 8·nGroups, goes to dst + j·dstCol + p.
 * Requires `wasmMatmulAvailable`.
 */
export function stagedUnpackRows(
  src: number,
  k: number,
  dst: number,
  nGroups: number,
  srcRow: number,
  dstCol: number,
): void {
  unpackRowsWasm!(src * 4, k, dst * 4, nGroups, srcRow * 4, dstCol * 4);
}

/** Packs B (k × n) into panels of 8 columns: element (p, j) goes to ((j/8)·k + p)·8 + j%8, zero columns padding. */
function packB(h: Float32Array<ArrayBufferLike>, base: number, n: number, k: number, b: MatrixOperand): void {
  const src = b.data as Float32Array;
  const rs = b.rowStride;
  const cs = n === 1 ? 1 : b.colStride;
  const panels = Math.ceil(n / TILE_N);
  for (let jb = 0; jb < panels; jb++) {
    const dst = base + jb * k * TILE_N;
    const cols = Math.min(TILE_N, n - jb * TILE_N);
    if (cols < TILE_N) h.fill(0, dst, dst + k * TILE_N);
    if (cs <= rs) {
      // Rows of B are contiguous: copy 8-wide row segments.
      let s = b.offset + jb * TILE_N * cs;
      for (let p = 0, d = dst; p < k; p++, d += TILE_N, s += rs) {
        for (let c = 0; c < cols; c++) h[d + c] = src[s + c * cs]!;
      }
    } else {
      // Columns of B are contiguous (B is a transposed view, e.g. Wᵀ): read each column in order.
      for (let c = 0; c < cols; c++) {
        let s = b.offset + (jb * TILE_N + c) * cs;
        for (let p = 0, d = dst + c; p < k; p++, d += TILE_N, s += rs) h[d] = src[s]!;
      }
    }
  }
}

/** Rounds a float index up to a multiple of 4 (16-byte alignment). */
function align4(x: number): number {
  return (x + 3) & ~3;
}

/**
 * Copies the rows × cols matrix at `src` (element (r, c) at off + r·rs + c, rows contiguous) into
 * `h` at `dst` row-major; one `set` when the rows are back to back.
 */
function copyRows(
  h: Float32Array<ArrayBufferLike>,
  dst: number,
  src: Float32Array,
  off: number,
  rows: number,
  cols: number,
  rs: number,
): void {
  if (rs === cols) h.set(src.subarray(off, off + rows * cols), dst);
  else for (let r = 0; r < rows; r++) h.set(src.subarray(off + r * rs, off + r * rs + cols), dst + r * cols);
}

/**
 * C[m×n] = A[m×k] · B[k×n] in float32 with the WebAssembly SIMD kernels, written into the
 * contiguous `out` at `outOffset`. Same contract as `matmulReference`; requires
 * `wasmMatmulAvailable` and float32 operands.
 *
 * A is copied as it lies when its rows or its columns are contiguous (a transposed view such as
 * xᵀ in the backward pass is read column by column by `gemmCols`); B likewise when its rows are
 * contiguous and it is narrow, packed into 8-column panels otherwise (in WebAssembly after a
 * plain copy when its rows are contiguous, in JS for other layouts such as Wᵀ). Rows and columns
 * past m and n in the last tiles read padding or neighbouring data; they land in C's margins and
 * are dropped. The first block of k stores its tiles, later blocks add to them, so C needs no
 * clearing.
 *
 * Large products are shared between up to `getNumThreads()` threads (about MIN_MACS_PER_THREAD
 * multiply-adds each at least); `threads` forces a count (capped by the number of tile panels).
 * Returns the number of threads that computed the product.
 */
export function matmulWasm(
  m: number,
  n: number,
  k: number,
  a: MatrixOperand,
  b: MatrixOperand,
  out: Float32Array,
  outOffset: number,
  threads?: number,
): number {
  return matmulWasmStaged(m, n, k, a, b, 0, out, outOffset, threads);
}

/**
 * Writes an operand of `matmulWasmStaged` straight into the module's memory: row-major at float
 * offset `base` (A: m rows of k; B: k rows of n), with free room from float offset `scratch` on.
 */
export type StageOperand = (heap: Float32Array<ArrayBufferLike>, base: number, scratch: number) => void;

/**
 * A B operand of `matmulWasmStaged` written straight into the kernel's panel layout: `stage`
 * writes B(p, j) at base + (j/8)·8k + 8p + j%8 for j < 8·⌈n/8⌉ (columns past n are ignored).
 */
export interface StagePacked {
  packed: StageOperand;
}

/**
 * An A operand of `matmulWasmStaged` written column-major: `stage` writes A(i, p) at
 * base + p·m + i (k rows of m floats), which the kernel reads as it lies.
 */
export interface StageColumns {
  columns: StageOperand;
}

/**
 * Reads the product of `matmulWasmStaged` where it lies in the module's memory: C(i, j) at
 * `heap[base + i·ld + j]`, with free room from float offset `scratch` on.
 */
export type TakeProduct = (
  heap: Float32Array<ArrayBufferLike>,
  base: number,
  ld: number,
  scratch: number,
) => void;

/**
 * `matmulWasm` whose operands may be written straight into the module's memory by a callback
 * (e.g. a convolution's unfolded input, never materialised elsewhere) and whose product may be
 * read from there by a callback (`take`) instead of being copied to `out`; `scratchFloats` floats
 * of free room are reserved for the callbacks. Same products, same bits.
 */
export function matmulWasmStaged(
  m: number,
  n: number,
  k: number,
  a: MatrixOperand | StageOperand | StageColumns,
  b: MatrixOperand | StageOperand | StagePacked,
  scratchFloats: number,
  out: Float32Array | TakeProduct,
  outOffset: number,
  threads?: number,
): number {
  if (m === 0 || n === 0) return 1;
  const mPanels = Math.ceil(m / TILE_M);
  const nPanels = Math.ceil(n / TILE_N);
  const mp = mPanels * TILE_M;
  const np = nPanels * TILE_N;
  const stageA = typeof a === 'function' ? a : null;
  const stageACols = 'columns' in a ? a.columns : null;
  const stageB = typeof b === 'function' ? b : null;
  const stagePacked = 'packed' in b ? b.packed : null;
  const aOp = stageA === null && stageACols === null ? (a as MatrixOperand) : null;
  const bOp = stageB === null && stagePacked === null ? (b as MatrixOperand) : null;
  const bRows = stageB !== null || (bOp !== null && (bOp.colStride === 1 || n === 1));
  // B given by contiguous columns (a transposed view such as Wᵀ): copied as they lie, then
  // packed into panels by the module.
  const bCols = bOp !== null && !bRows && bOp.rowStride === 1;
  const packInWasm = (bRows && n >= PACK_B_MIN_N) || bCols;
  // Float offsets of A, B (as copied), packed B, C and the callbacks' room in the module's
  // memory, 16-byte aligned, each with a tile of slack.
  const aBase = 0;
  const bBase = align4(aBase + mp * k + TILE_M);
  const pBase = packInWasm ? align4(bBase + (bCols ? np * k : k * n + TILE_N)) : bBase;
  const cBase = align4(pBase + np * k + TILE_N);
  const sBase = align4(cBase + mp * np);
  const h = reserve((sBase + scratchFloats) * 4);
  if (k === 0) {
    if (typeof out === 'function') {
      h.fill(0, cBase, cBase + mp * np);
      out(h, cBase, np, sBase);
    } else out.fill(0, outOffset, outOffset + m * n);
    return 1;
  }
  // A: row-major (rows mode) or column-major (cols mode), strided views packed row-major.
  const colsMode = stageACols !== null || (aOp !== null && aOp.colStride !== 1 && aOp.rowStride === 1);
  if (stageACols !== null) {
    stageACols(h, aBase, sBase);
    h.fill(0, aBase + m * k, aBase + m * k + TILE_M);
  } else if (stageA !== null) {
    stageA(h, aBase, sBase);
    h.fill(0, aBase + m * k, aBase + mp * k);
  } else if (colsMode) {
    copyRows(h, aBase, aOp!.data as Float32Array, aOp!.offset, k, m, aOp!.colStride);
    h.fill(0, aBase + m * k, aBase + m * k + TILE_M);
  } else {
    const ad = aOp!.data as Float32Array;
    if (aOp!.colStride === 1) copyRows(h, aBase, ad, aOp!.offset, m, k, aOp!.rowStride);
    else {
      for (let i = 0, d = aBase; i < m; i++) {
        for (let p = 0, s = aOp!.offset + i * aOp!.rowStride; p < k; p++, s += aOp!.colStride)
          h[d++] = ad[s]!;
      }
    }
    h.fill(0, aBase + m * k, aBase + mp * k);
  }
  // B: row-major as it lies, or packed into 8-column panels.
  let packed = true;
  if (bRows) {
    if (stageB !== null) stageB(h, bBase, sBase);
    else copyRows(h, bBase, bOp!.data as Float32Array, bOp!.offset, k, n, bOp!.rowStride);
    h.fill(0, bBase + k * n, bBase + k * n + TILE_N);
    if (packInWasm) packBWasm!(bBase * 4, n * 4, pBase * 4, k, nPanels);
    else packed = false;
  } else if (stagePacked !== null) stagePacked(h, pBase, sBase);
  else if (bCols) {
    copyRows(h, bBase, bOp!.data as Float32Array, bOp!.offset, n, k, bOp!.colStride);
    h.fill(0, bBase + n * k, bBase + np * k);
    packBTWasm!(bBase * 4, k, pBase * 4, nPanels, k * 4, k * TILE_N * 4);
  } else packB(h, pBase, n, k, bOp!);
  const bPanel = packed ? k * TILE_N * 4 : TILE_N * 4;
  const bStep = packed ? TILE_N * 4 : n * 4;
  const aStep = colsMode ? m * 4 : 4;
  const aPanel = colsMode ? TILE_M * 4 : TILE_M * k * 4;
  // Blocks of k of equal depth (at most KC).
  const kBlocks = Math.ceil(k / KC);
  const job = jobArray();
  job[JOB.colsMode] = colsMode ? 1 : 0;
  job[JOB.aBase] = aBase * 4;
  job[JOB.aPanel] = aPanel;
  job[JOB.aStep] = aStep;
  job[JOB.lda] = k * 4;
  job[JOB.pBase] = pBase * 4;
  job[JOB.bPanel] = bPanel;
  job[JOB.bStep] = bStep;
  job[JOB.cBase] = cBase * 4;
  job[JOB.ldc] = np * 4;
  job[JOB.k] = k;
  job[JOB.kcMax] = Math.ceil(k / kBlocks);
  // Split C by whole row panels or whole column panels (whichever has more), in equal shares.
  const byRows = mPanels >= nPanels;
  const panels = byRows ? mPanels : nPanels;
  const parts =
    threads !== undefined
      ? Math.min(threads, panels)
      : Math.min(getNumThreads(), panels, Math.floor((m * n * k) / MIN_MACS_PER_THREAD));
  // C's tiles [r0, r1) × [c0, c1) from the module's memory into `out` (rows and columns past m and n dropped).
  const copyOut = (r0: number, r1: number, c0: number, c1: number) => {
    if (typeof out === 'function') return;
    const i1 = Math.min(m, r1 * TILE_M);
    const j0 = c0 * TILE_N;
    const j1 = Math.min(n, c1 * TILE_N);
    if (j0 === 0 && j1 === n && np === n)
      out.set(h.subarray(cBase + r0 * TILE_M * n, cBase + i1 * n), outOffset + r0 * TILE_M * n);
    else {
      for (let i = r0 * TILE_M; i < i1; i++)
        out.set(h.subarray(cBase + i * np + j0, cBase + i * np + j1), outOffset + i * n + j0);
    }
  };
  let used = 1;
  if (parts >= 2 && shared && ensureWorkers(parts - 1, wasmModule!, memory!)) {
    const ranges: number[] = [];
    for (let p = 0; p < parts; p++) {
      const lo = Math.floor((p * panels) / parts);
      const hi = Math.floor(((p + 1) * panels) / parts);
      if (byRows) ranges.push(lo, hi, 0, nPanels);
      else ranges.push(0, mPanels, lo, hi);
    }
    // The calling thread copies its own part out while the workers finish theirs.
    runJob(ranges, (r0, r1, c0, c1) => {
      runBlocks(gemmCols!, gemmRows!, job, r0, r1, c0, c1);
      copyOut(r0, r1, c0, c1);
    });
    for (let p = 1; p < parts; p++)
      copyOut(ranges[4 * p]!, ranges[4 * p + 1]!, ranges[4 * p + 2]!, ranges[4 * p + 3]!);
    used = parts;
  } else {
    runBlocks(gemmCols!, gemmRows!, job, 0, mPanels, 0, nPanels);
    copyOut(0, mPanels, 0, nPanels);
  }
  if (typeof out === 'function') out(h, cBase, np, sBase);
  return used;
}
