/**
 * Convolution kernels on contiguous NCHW buffers: im2col/col2im, the three conv products
 * (forward, input gradient, weight gradient) built on `matmulKernel`, and the bias gradient.
 * Plain loops, no autograd. Pooling kernels are in pool.ts.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { matmulKernel } from './matmul.js';
import {
  matmulWasmStaged,
  stagedBlocks,
  stagedPackColumns,
  stagedUnpackRows,
  wasmMatmulAvailable,
  wasmStaging,
} from './matmul-wasm.js';

/**
 * The geometry of a 2-d convolution or pooling window: batch n, channels c, input h×w, kernel
 * kh×kw, stride sh×sw, zero padding ph×pw, dilation dh×dw, and output oh×ow.
 */
export interface ConvGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  oh: number;
  ow: number;
}

/** PyTorch's output size: ⌊(size + 2·pad − dilation·(kernel − 1) − 1) / stride⌋ + 1. */
export function convOutputSize(
  size: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

// Column buffers are big (C·kh·kw × N·OH·OW); the batch is processed in chunks whose columns
// stay under this many elements, and the buffers are reused from call to call.
const COLUMN_BUDGET = 1 << 22;
const scratch32: Float32Array[] = [];
const scratch64: Float64Array[] = [];

/** A reusable buffer of at least `length` elements of `like`'s type (contents undefined). */
function scratch(slot: number, like: TypedArray, length: number): TypedArray {
  if (like instanceof Float64Array) {
    const b = scratch64[slot];
    if (b !== undefined && b.length >= length) return b;
    const fresh = new Float64Array(length);
    scratch64[slot] = fresh;
    return fresh;
  }
  const b = scratch32[slot];
  if (b !== undefined && b.length >= length) return b;
  const fresh = new Float32Array(length);
  scratch32[slot] = fresh;
  return fresh;
}

// Columns kept from a forward for the weight gradient (see `conv2dKernel`'s `keep`): at most this
// many elements, and a few freed buffers per size wait here for the next step's forward.
const KEPT_COLUMN_BUDGET = 1 << 24;
const POOLED_PER_SIZE = 4;
const columnPool = new Map<string, TypedArray[]>();

/**
 * The length of the columns `conv2dKernel` unfolds for a whole batch ([c·kh·kw, n·oh·ow], plus a
 * row of ones when it carries a bias without groups), or −1 when over the budget for keeping them.
 */
export function keptColumnsLength(geo: ConvGeometry, bias: boolean, groups: number): number {
  // The WebAssembly path unfolds the input again inside the module's memory, faster than copying
  // kept columns in.
  if (stagedConv(geo, groups)) return -1;
  const rows = geo.c * geo.kh * geo.kw + (bias && groups === 1 ? 1 : 0);
  const len = rows * geo.n * geo.oh * geo.ow;
  return len > 0 && len <= KEPT_COLUMN_BUDGET ? len : -1;
}

/**
 * A buffer of exactly `length` elements of `like`'s type for kept columns (contents undefined):
 * one given back by `giveColumns` when there is one, else a new one.
 */
export function takeColumns(like: TypedArray, length: number): TypedArray {
  const f64 = like instanceof Float64Array;
  const free = columnPool.get(`${f64 ? 'f64' : 'f32'}:${length}`);
  const reused = free?.pop();
  if (reused !== undefined) return reused;
  return f64 ? new Float64Array(length) : new Float32Array(length);
}

/** Hands back a buffer from `takeColumns` that nothing references any more, for reuse. */
export function giveColumns(buffer: TypedArray): void {
  const key = `${buffer instanceof Float64Array ? 'f64' : 'f32'}:${buffer.length}`;
  let free = columnPool.get(key);
  if (free === undefined) {
    free = [];
    columnPool.set(key, free);
  }
  if (free.length < POOLED_PER_SIZE && !free.includes(buffer)) free.push(buffer);
}

/** How many images fit in one chunk of columns. */
function chunkImages(geo: ConvGeometry): number {
  const perImage = geo.c * geo.kh * geo.kw * geo.oh * geo.ow;
  return Math.max(1, Math.min(geo.n, Math.floor(COLUMN_BUDGET / Math.max(perImage, 1))));
}

/** The output columns [lo, hi) of a row whose input column ox·stride + start falls inside [0, size). */
function validRange(start: number, stride: number, size: number, count: number): [number, number] {
  const lo = start >= 0 ? 0 : Math.ceil(-start / stride);
  const hi = size - 1 - start < 0 ? 0 : Math.min(count, Math.floor((size - 1 - start) / stride) + 1);
  return [Math.min(lo, hi), hi];
}

/**
 * Unfolds `x` (n images of geometry `geo`, from `xOff`) into columns [c·kh·kw, n·oh·ow]: row
 * (ci·kh + i)·kw + j, column img·oh·ow + oy·ow + ox holds the input pixel under kernel tap (i, j)
 * of output (oy, ox), or 0 in the padding. Every element of `cols` is written.
 */
export function im2col(x: TypedArray, xOff: number, geo: ConvGeometry, n: number, cols: TypedArray): void {
  const { c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geo;
  if (useWasmBlocks(x, cols, geo)) {
    foldWasm(false, x, xOff, geo, n, cols);
    return;
  }
  if (sh === 1 && sw === 1 && ow === w) {
    im2colSameWidth(x, xOff, geo, n, cols);
    return;
  }
  const plane = oh * ow;
  const rowLen = n * plane;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((ci * kh + i) * kw + j) * rowLen;
        const x0 = j * dw - pw;
        const [lo, hi] = validRange(x0, sw, w, ow);
        for (let img = 0; img < n; img++) {
          const src = xOff + (img * c + ci) * h * w;
          for (let oy = 0; oy < oh; oy++) {
            const dst = row + img * plane + oy * ow;
            const y = oy * sh - ph + i * dh;
            if (y < 0 || y >= h) {
              cols.fill(0, dst, dst + ow);
              continue;
            }
            const s = src + y * w + x0;
            for (let ox = 0; ox < lo; ox++) cols[dst + ox] = 0;
            if (sw === 1) for (let ox = lo; ox < hi; ox++) cols[dst + ox] = x[s + ox]!;
            else for (let ox = lo; ox < hi; ox++) cols[dst + ox] = x[s + ox * sw]!;
            for (let ox = hi; ox < ow; ox++) cols[dst + ox] = 0;
          }
        }
      }
    }
  }
}

/**
 * `im2col` for stride 1 with as many output columns as input columns ('same' padding along the
 * width): each tap's rows for one image are then one run of the input plane, shifted, so they are
 * copied as a block, and only the padding columns at the row ends are zeroed afterwards.
 */
function im2colSameWidth(x: TypedArray, xOff: number, geo: ConvGeometry, n: number, cols: TypedArray): void {
  const { c, h, w, kh, kw, ph, pw, dh, dw, oh, ow } = geo;
  const plane = oh * ow;
  const rowLen = n * plane;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      // Output rows [yLo, yHi) read input rows oy − ph + i·dh inside [0, h).
      const shiftY = i * dh - ph;
      const yLo = Math.min(oh, Math.max(0, -shiftY));
      const yHi = Math.max(yLo, Math.min(oh, h - shiftY));
      for (let j = 0; j < kw; j++) {
        const row = ((ci * kh + i) * kw + j) * rowLen;
        const x0 = j * dw - pw;
        const [lo, hi] = validRange(x0, 1, w, ow);
        for (let img = 0; img < n; img++) {
          const base = row + img * plane;
          // cols[base + p] = x[from + p] for p in [yLo·ow, yHi·ow), clipped to the input buffer;
          // what the clipping skips lies in the padding columns zeroed below.
          const from = xOff + (img * c + ci) * h * w + shiftY * w + x0;
          const p0 = Math.max(yLo * ow, -from);
          const p1 = Math.min(yHi * ow, x.length - from);
          if (yLo > 0) cols.fill(0, base, base + yLo * ow);
          if (p1 > p0) cols.set(x.subarray(from + p0, from + p1), base + p0);
          if (yHi < oh) cols.fill(0, base + yHi * ow, base + plane);
          if (lo > 0 || hi < ow) {
            for (let oy = yLo; oy < yHi; oy++) {
              const d = base + oy * ow;
              for (let ox = 0; ox < lo; ox++) cols[d + ox] = 0;
              for (let ox = hi; ox < ow; ox++) cols[d + ox] = 0;
            }
          }
        }
      }
    }
  }
}

/** Whether the unfold and fold of `geo` run on the WebAssembly block copies (float32, unit stride along the width). */
function useWasmBlocks(a: TypedArray, b: TypedArray, geo: ConvGeometry): boolean {
  return wasmMatmulAvailable && geo.sw === 1 && a instanceof Float32Array && b instanceof Float32Array;
}

/**
 * `im2col` (unfold) or, with `fold`, `col2im` on the WebAssembly block copies: the image and the
 * columns are staged in the module's memory, and each kernel tap (ci, i, j) is one call that
 * copies (adds) the rectangle of rows its valid outputs read, for every image. The additions of
 * the fold happen in the same order as in `col2im`'s loops (taps in order, one add per element
 * and tap), so the bits are the same.
 */
function foldWasm(
  fold: boolean,
  x: TypedArray,
  xOff: number,
  geo: ConvGeometry,
  n: number,
  cols: TypedArray,
): void {
  const { c, h, w, kh, kw, oh, ow } = geo;
  const rowLen = n * oh * ow;
  const colsLen = c * kh * kw * rowLen;
  const xLen = n * c * h * w;
  const colsBase = 0;
  const xBase = (colsLen + 3) & ~3;
  const heap = wasmStaging(xBase + xLen + oh * ow + 4);
  heap.set(x.subarray(xOff, xOff + xLen), xBase);
  if (fold) heap.set(cols.subarray(0, colsLen), colsBase);
  unfoldStaged(fold, heap, xBase, colsBase, rowLen, geo, n);
  if (fold) x.set(heap.subarray(xBase, xBase + xLen), xOff);
  else cols.set(heap.subarray(colsBase, colsBase + colsLen));
}

/**
 * The unfold (or, with `fold`, its adjoint) inside the module's memory: n images [n, c, h, w] at
 * float offset `xBase`, columns at `colsBase` with `ld` floats from one tap's row to the next
 * (image img's outputs from img·oh·ow on). Each tap (ci, i, j) is one call that copies (adds) the
 * rectangle of rows its valid outputs read, for every image; the unfold zeroes the columns first
 * where there is padding.
 */
function unfoldStaged(
  fold: boolean,
  heap: Float32Array<ArrayBufferLike>,
  xBase: number,
  colsBase: number,
  ld: number,
  geo: ConvGeometry,
  n: number,
): void {
  const { c, h, w, kh, kw, sh, ph, pw, dh, dw, oh, ow } = geo;
  const plane = oh * ow;
  // The unfold writes the padding's zeros too, copied from a plane of zeros after the images
  // (only the parts each tap's rectangle leaves out).
  const zeros = (xBase + n * c * h * w + 3) & ~3;
  const padded = !fold && (ph > 0 || pw > 0);
  if (padded) heap.fill(0, zeros, zeros + plane);
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      // Output rows [yLo, yHi) read input rows oy·sh − ph + i·dh inside [0, h).
      const y0 = i * dh - ph;
      const yLo = Math.min(oh, y0 >= 0 ? 0 : Math.ceil(-y0 / sh));
      const yHi = h - 1 - y0 < 0 ? 0 : Math.min(oh, Math.floor((h - 1 - y0) / sh) + 1);
      for (let j = 0; j < kw; j++) {
        const row = ((ci * kh + i) * kw + j) * ld;
        const x0 = j * dw - pw;
        const [lo, hi] = validRange(x0, 1, w, ow);
        if (padded) {
          const d = colsBase + row;
          if (hi <= lo || yHi <= yLo) {
            stagedBlocks(false, zeros, d, plane, 1, 0, 0, n, 0, plane);
            continue;
          }
          if (yLo > 0) stagedBlocks(false, zeros, d, yLo * ow, 1, 0, 0, n, 0, plane);
          if (yHi < oh) stagedBlocks(false, zeros, d + yHi * ow, (oh - yHi) * ow, 1, 0, 0, n, 0, plane);
          const rows = yHi - yLo;
          if (lo > 0) stagedBlocks(false, zeros, d + yLo * ow, lo, rows, 0, ow, n, 0, plane);
          if (hi < ow) stagedBlocks(false, zeros, d + yLo * ow + hi, ow - hi, rows, 0, ow, n, 0, plane);
        }
        if (hi <= lo || yHi <= yLo) continue;
        const src = xBase + ci * h * w + (yLo * sh + y0) * w + x0 + lo;
        const dst = colsBase + row + yLo * ow + lo;
        if (fold) stagedBlocks(true, dst, src, hi - lo, yHi - yLo, ow, sh * w, n, plane, c * h * w);
        else stagedBlocks(false, src, dst, hi - lo, yHi - yLo, sh * w, ow, n, c * h * w, plane);
      }
    }
  }
}

/** Whether a float32 convolution of `geo` runs on `matmulWasmStaged` with its columns unfolded in the module's memory. */
function stagedConv(geo: ConvGeometry, groups: number): boolean {
  return wasmMatmulAvailable && geo.sw === 1 && groups === 1;
}

const f32 = (...arrays: TypedArray[]): boolean => arrays.every((a) => a instanceof Float32Array);

/**
 * `conv2dKernel` without groups on float32, in the WebAssembly module's memory, computed
 * transposed: each chunk's columns [K(+1), nb·oh·ow] are unfolded where the product reads A
 * column-major (so they are never packed), times the weight (with the bias as a last column
 * when `onesRow`) transposed, [K(+1), o]; the [nb·plane, o] result is turned into [nb, o, plane]
 * by the module and copied out at once. Each output is the same dot product over the same k
 * order as [o, K] · [K, nb·plane], so the bits do not depend on the orientation.
 */
function conv2dStaged(
  x: Float32Array,
  a: Float32Array,
  aStride: number,
  onesRow: boolean,
  geo: ConvGeometry,
  o: number,
  out: Float32Array,
): void {
  const { c, h, w, kh, kw } = geo;
  const plane = geo.oh * geo.ow;
  const kTaps = c * kh * kw;
  const image = c * h * w;
  const chunk = chunkImages(geo);
  const groupsOf8 = Math.ceil(o / 8);
  for (let n0 = 0; n0 < geo.n; n0 += chunk) {
    const nb = Math.min(chunk, geo.n - n0);
    const rowLen = nb * plane;
    // The columns' rows are `ld` floats apart, with ld ≡ 16 (mod 32): the product reads one
    // 16-byte piece of every row in turn, and rows 64·odd bytes apart spread over all the cache
    // sets (6400 floats apart they would share 4 of L1's 64 sets and evict each other). The rows
    // past rowLen of the product are computed from whatever lies there and dropped.
    const ld = rowLen + ((48 - (rowLen % 32)) % 32);
    matmulWasmStaged(
      ld,
      o,
      kTaps + (onesRow ? 1 : 0),
      {
        columns: (heap, base, scratch) => {
          heap.set(x.subarray(n0 * image, (n0 + nb) * image), scratch);
          unfoldStaged(false, heap, scratch, base, ld, geo, nb);
          if (onesRow) heap.fill(1, base + kTaps * ld, base + (kTaps + 1) * ld);
        },
      },
      { data: a, offset: 0, rowStride: 1, colStride: aStride },
      Math.max(nb * image + plane + 4, (nb * o + 8) * plane),
      (heap, base, ld, scratch) => {
        // Image by image, [plane, o] rows to [o, plane]; the columns past o (zero) land in the
        // next image's place, rewritten after, or in the slack.
        for (let img = 0; img < nb; img++)
          stagedUnpackRows(base + img * plane * ld, plane, scratch + img * o * plane, groupsOf8, ld, plane);
        out.set(heap.subarray(scratch, scratch + nb * o * plane), n0 * o * plane);
      },
      0,
    );
  }
}

/** `conv2dInputGradKernel` without groups on float32: Wᵀ · gradOut per chunk, folded back inside the module's memory. */
function conv2dInputGradStaged(
  gradOut: Float32Array,
  weight: Float32Array,
  geo: ConvGeometry,
  o: number,
  out: Float32Array,
): void {
  const plane = geo.oh * geo.ow;
  const kTaps = geo.c * geo.kh * geo.kw;
  const image = geo.c * geo.h * geo.w;
  const chunk = chunkImages(geo);
  for (let n0 = 0; n0 < geo.n; n0 += chunk) {
    const nb = Math.min(chunk, geo.n - n0);
    const rowLen = nb * plane;
    matmulWasmStaged(
      kTaps,
      rowLen,
      o,
      { data: weight, offset: 0, rowStride: 1, colStride: kTaps },
      (heap, base, scratch) => {
        // gradOut [nb, o, plane] copied in at once, then reordered to [o, nb·plane] in the module's memory.
        heap.set(gradOut.subarray(n0 * o * plane, (n0 + nb) * o * plane), scratch);
        for (let oc = 0; oc < o; oc++)
          stagedBlocks(false, scratch + oc * plane, base + oc * rowLen, plane, nb, o * plane, plane, 1, 0, 0);
      },
      Math.max(nb * image + plane + 4, nb * o * plane),
      (heap, base, ld, scratch) => {
        const at = n0 * image;
        heap.set(out.subarray(at, at + nb * image), scratch);
        unfoldStaged(true, heap, scratch, base, ld, geo, nb);
        out.set(heap.subarray(scratch, scratch + nb * image), at);
      },
      0,
    );
  }
}

/**
 * `conv2dWeightGradKernel` without groups on float32: per chunk, columns [K, nb·plane] unfolded
 * where the product reads A, times gradOutᵀ [nb·plane, o] written there row-major, and the
 * [K, o] result added transposed into out [o, K].
 */
function conv2dWeightGradStaged(
  x: Float32Array,
  gradOut: Float32Array,
  geo: ConvGeometry,
  o: number,
  out: Float32Array,
): void {
  const plane = geo.oh * geo.ow;
  const kTaps = geo.c * geo.kh * geo.kw;
  const image = geo.c * geo.h * geo.w;
  const chunk = chunkImages(geo);
  out.fill(0);
  for (let n0 = 0; n0 < geo.n; n0 += chunk) {
    const nb = Math.min(chunk, geo.n - n0);
    const rowLen = nb * plane;
    matmulWasmStaged(
      kTaps,
      o,
      rowLen,
      (heap, base, scratch) => {
        heap.set(x.subarray(n0 * image, (n0 + nb) * image), scratch);
        unfoldStaged(false, heap, scratch, base, rowLen, geo, nb);
      },
      {
        // gradOut [nb, o, plane] as B = [nb·plane, o], packed into panels image by image (the
        // columns past o read the next image or slack; they land in dropped columns of C).
        packed: (heap, base, scratch) => {
          heap.set(gradOut.subarray(n0 * o * plane, (n0 + nb) * o * plane), scratch);
          const panels = Math.ceil(o / 8);
          for (let img = 0; img < nb; img++)
            stagedPackColumns(
              scratch + img * o * plane,
              plane,
              base + img * plane * 8,
              panels,
              plane,
              8 * rowLen,
            );
        },
      },
      Math.max(nb * image + plane + 4, (nb * o + 8) * plane),
      (heap, base, ld) => {
        for (let oc = 0; oc < o; oc++)
          for (let t = 0; t < kTaps; t++) out[oc * kTaps + t]! += heap[base + t * ld + oc]!;
      },
      0,
    );
  }
}

/** The adjoint of `im2col`: adds each column entry back onto its input pixel of `out` (from `outOff`). */
export function col2im(
  cols: TypedArray,
  geo: ConvGeometry,
  n: number,
  out: TypedArray,
  outOff: number,
): void {
  const { c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geo;
  if (useWasmBlocks(out, cols, geo)) {
    foldWasm(true, out, outOff, geo, n, cols);
    return;
  }
  const plane = oh * ow;
  const rowLen = n * plane;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((ci * kh + i) * kw + j) * rowLen;
        const x0 = j * dw - pw;
        const [lo, hi] = validRange(x0, sw, w, ow);
        for (let img = 0; img < n; img++) {
          const dstBase = outOff + (img * c + ci) * h * w;
          for (let oy = 0; oy < oh; oy++) {
            const y = oy * sh - ph + i * dh;
            if (y < 0 || y >= h) continue;
            const src = row + img * plane + oy * ow;
            const d = dstBase + y * w + x0;
            if (sw === 1) for (let ox = lo; ox < hi; ox++) out[d + ox]! += cols[src + ox]!;
            else for (let ox = lo; ox < hi; ox++) out[d + ox * sw]! += cols[src + ox]!;
          }
        }
      }
    }
  }
}

/** Copies rows [n, rows, len] of `src` (from `srcOff`) to [rows, n, len] in `dst`. */
function swapLeadingDims(
  src: TypedArray,
  srcOff: number,
  n: number,
  rows: number,
  len: number,
  dst: TypedArray,
  dstOff = 0,
): void {
  for (let img = 0; img < n; img++) {
    for (let r = 0; r < rows; r++) {
      const s = srcOff + (img * rows + r) * len;
      const d = dstOff + (r * n + img) * len;
      for (let k = 0; k < len; k++) dst[d + k] = src[s + k]!;
    }
  }
}

/** Adds bias[oc] to every element of the planes out[n0 + img, oc] for img in [0, nb). */
function addChannelBias(
  out: TypedArray,
  bias: TypedArray,
  n0: number,
  nb: number,
  o: number,
  plane: number,
): void {
  for (let img = 0; img < nb; img++) {
    for (let oc = 0; oc < o; oc++) {
      const b = bias[oc]!;
      const d = ((n0 + img) * o + oc) * plane;
      for (let k = 0; k < plane; k++) out[d + k]! += b;
    }
  }
}

/**
 * Grouped convolution: out [n, o, oh, ow] (contiguous, overwritten) from x [n, c, h, w] and
 * weight [o, c/groups, kh, kw], plus `bias` [o] when given. Columns [K, n·oh·ow] for a chunk of
 * images are unfolded once; each image's output [o/g, oh·ow] is then one product
 * [o/g, K] · [K, oh·ow] written in place, so no pass reorders the result. Without groups the bias
 * rides in the product (the epilogue): the columns get a last row of ones and the weight a last
 * column holding the bias. With `keep` (`keptColumnsLength(geo, bias, groups)` elements) the
 * whole batch is one chunk and its columns stay in `keep`, for `conv2dWeightGradKernel` to reuse
 * instead of unfolding the input again.
 */
export function conv2dKernel(
  x: TypedArray,
  weight: TypedArray,
  bias: TypedArray | null,
  geo: ConvGeometry,
  o: number,
  groups: number,
  out: TypedArray,
  keep: TypedArray | null = null,
): void {
  const plane = geo.oh * geo.ow;
  const kg = (geo.c / groups) * geo.kh * geo.kw;
  const og = o / groups;
  const onesRow = bias !== null && groups === 1;
  const rows = kg * groups + (onesRow ? 1 : 0);
  // The weight with the bias as an extra column: [o, K + 1].
  let a = weight;
  let aStride = kg;
  if (onesRow) {
    aStride = kg + 1;
    a = scratch(3, x, o * aStride);
    for (let oc = 0; oc < o; oc++) {
      a.set(weight.subarray(oc * kg, (oc + 1) * kg), oc * aStride);
      a[oc * aStride + kg] = bias[oc]!;
    }
  }
  if (stagedConv(geo, groups) && f32(x, a, out)) {
    conv2dStaged(x as Float32Array, a as Float32Array, aStride, onesRow, geo, o, out as Float32Array);
    return;
  }
  const chunk = keep === null ? chunkImages(geo) : geo.n;
  for (let n0 = 0; n0 < geo.n; n0 += chunk) {
    const nb = Math.min(chunk, geo.n - n0);
    const rowLen = nb * plane;
    const cols = keep ?? scratch(0, x, rows * rowLen);
    im2col(x, n0 * geo.c * geo.h * geo.w, geo, nb, cols);
    if (onesRow) cols.fill(1, kg * rowLen, (kg + 1) * rowLen);
    if (groups === 1 && nb > 1) {
      // One product for the whole chunk, [o, K] · [K, nb·oh·ow] (long rows, worth splitting
      // across threads), then its [o, nb, plane] result reordered to [nb, o, plane]. Each output
      // is the same dot product as with one product per image, so the bits do not change.
      const prod = scratch(1, x, o * rowLen);
      matmulKernel(
        o,
        rowLen,
        rows,
        { data: a, offset: 0, rowStride: aStride, colStride: 1 },
        { data: cols, offset: 0, rowStride: rowLen, colStride: 1 },
        prod,
        0,
      );
      swapLeadingDims(prod, 0, o, nb, plane, out, n0 * o * plane);
      if (bias !== null && !onesRow) addChannelBias(out, bias, n0, nb, o, plane);
      continue;
    }
    for (let img = 0; img < nb; img++) {
      for (let g = 0; g < groups; g++) {
        matmulKernel(
          og,
          plane,
          onesRow ? kg + 1 : kg,
          { data: a, offset: g * og * aStride, rowStride: aStride, colStride: 1 },
          { data: cols, offset: g * kg * rowLen + img * plane, rowStride: rowLen, colStride: 1 },
          out,
          ((n0 + img) * o + g * og) * plane,
        );
      }
      if (bias !== null && !onesRow) {
        for (let oc = 0; oc < o; oc++) {
          const b = bias[oc]!;
          const d = ((n0 + img) * o + oc) * plane;
          for (let k = 0; k < plane; k++) out[d + k]! += b;
        }
      }
    }
  }
}

/**
 * The gradient of a convolution with respect to its input (a transposed convolution): out
 * [n, c, h, w] (zero-filled by the caller) receives col2im(Wᵀ · gradOut) per group.
 */
export function conv2dInputGradKernel(
  gradOut: TypedArray,
  weight: TypedArray,
  geo: ConvGeometry,
  o: number,
  groups: number,
  out: TypedArray,
): void {
  if (stagedConv(geo, groups) && f32(gradOut, weight, out)) {
    conv2dInputGradStaged(gradOut as Float32Array, weight as Float32Array, geo, o, out as Float32Array);
    return;
  }
  const plane = geo.oh * geo.ow;
  const kg = (geo.c / groups) * geo.kh * geo.kw;
  const og = o / groups;
  const chunk = chunkImages(geo);
  for (let n0 = 0; n0 < geo.n; n0 += chunk) {
    const nb = Math.min(chunk, geo.n - n0);
    const rowLen = nb * plane;
    const cols = scratch(0, gradOut, kg * groups * rowLen);
    const g2 = scratch(1, gradOut, o * rowLen);
    swapLeadingDims(gradOut, n0 * o * plane, nb, o, plane, g2);
    for (let g = 0; g < groups; g++) {
      matmulKernel(
        kg,
        rowLen,
        og,
        { data: weight, offset: g * og * kg, rowStride: 1, colStride: kg },
        { data: g2, offset: g * og * rowLen, rowStride: rowLen, colStride: 1 },
        cols,
        g * kg * rowLen,
      );
    }
    col2im(cols, geo, nb, out, n0 * geo.c * geo.h * geo.w);
  }
}

/**
 * The gradient of a convolution with respect to its weight: out [o, c/groups, kh, kw]
 * (overwritten) = gradOut · colsᵀ per group, summed over the batch. It is computed transposed,
 * as cols · gradOutᵀ ([K, n·oh·ow] · [n·oh·ow, o/g]), so that the long n·oh·ow dim is read along
 * rows of the big operand rather than packed from a transposed view. `columns`, when given, are
 * the whole batch's columns of `x` as `conv2dKernel` kept them, and `x` is not unfolded again.
 */
export function conv2dWeightGradKernel(
  x: TypedArray,
  gradOut: TypedArray,
  geo: ConvGeometry,
  o: number,
  groups: number,
  out: TypedArray,
  columns: TypedArray | null = null,
): void {
  const plane = geo.oh * geo.ow;
  const kg = (geo.c / groups) * geo.kh * geo.kw;
  const og = o / groups;
  if (stagedConv(geo, groups) && f32(x, gradOut, out)) {
    conv2dWeightGradStaged(x as Float32Array, gradOut as Float32Array, geo, o, out as Float32Array);
    return;
  }
  const chunk = columns === null ? chunkImages(geo) : geo.n;
  out.fill(0);
  const partial = scratch(2, x, kg * og);
  for (let n0 = 0; n0 < geo.n; n0 += chunk) {
    const nb = Math.min(chunk, geo.n - n0);
    const rowLen = nb * plane;
    const cols = columns ?? scratch(0, x, kg * groups * rowLen);
    if (columns === null) im2col(x, n0 * geo.c * geo.h * geo.w, geo, nb, cols);
    if (plane >= PER_IMAGE_PLANE) {
      // Long planes: one product per image reads gradOut in place, with no reordering pass.
      for (let img = 0; img < nb; img++) {
        for (let g = 0; g < groups; g++) {
          matmulKernel(
            kg,
            og,
            plane,
            { data: cols, offset: g * kg * rowLen + img * plane, rowStride: rowLen, colStride: 1 },
            { data: gradOut, offset: ((n0 + img) * o + g * og) * plane, rowStride: 1, colStride: plane },
            partial,
            0,
          );
          addTransposed(partial, kg, og, out, g * og * kg);
        }
      }
      continue;
    }
    const g2 = scratch(1, x, o * rowLen);
    swapLeadingDims(gradOut, n0 * o * plane, nb, o, plane, g2);
    for (let g = 0; g < groups; g++) {
      matmulKernel(
        kg,
        og,
        rowLen,
        { data: cols, offset: g * kg * rowLen, rowStride: rowLen, colStride: 1 },
        { data: g2, offset: g * og * rowLen, rowStride: 1, colStride: rowLen },
        partial,
        0,
      );
      addTransposed(partial, kg, og, out, g * og * kg);
    }
  }
}

// Planes at least this long make one weight-gradient product per image pay (measured on LeNet's
// 28×28 planes against its 10×10 ones); shorter planes are reordered once and multiplied together.
const PER_IMAGE_PLANE = 256;

/** Adds the transpose of `partial` [rows, cols] into out [cols, rows] from `base`. */
function addTransposed(partial: TypedArray, rows: number, cols: number, out: TypedArray, base: number): void {
  for (let r = 0; r < cols; r++)
    for (let q = 0; q < rows; q++) out[base + r * rows + q]! += partial[q * cols + r]!;
}

/** out[ch] = Σ over n images and the plane of x[img, ch, ·] (contiguous NCHW): conv2d's bias gradient. */
export function channelSumKernel(x: TypedArray, n: number, c: number, plane: number, out: TypedArray): void {
  for (let ch = 0; ch < c; ch++) out[ch] = 0;
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      const base = (img * c + ch) * plane;
      for (let j = 0; j < plane; j++) s += x[base + j]!;
      out[ch]! += s;
    }
  }
}
