/**
 * Indexing and embedding kernels on the GPU, and the checking of indices that live there.
 *
 * Index checks: a kernel cannot throw, and reading an index back would cost a round trip per op,
 * so every op that reads a GPU index runs a check (`rangeCheck`, or inline), which records the first bad
 * position in an error slot (atomicMin); the slots are read together with the next read of any
 * tensor on the device (`checkIndexErrors`, one extra small copy in the same round trip), which
 * then throws the op's ValueError (the CPU's message). Out-of-range entries read as 0 meanwhile.
 *
 * Accumulation is deterministic, without float atomics (WGSL has none for f32): each output
 * element is one thread that scans the index entries that can land on it, in index order, so the
 * sums are the same on every run. That is O(index entries along dim) per output element for
 * scatterAdd/indexAdd and O(indices) per (row, column) for the embedding backward: fine for the
 * vocabularies of small models, slow for very large ones.
 */
import { toContiguous } from '../../kernels/copy.js';
import type { StridedArray } from '../../kernels/strided.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import {
  embeddingOutOfRange,
  flatIndexOutOfRange,
  type IndexingKernels,
  indexOutOfRange,
  labelOutOfRange,
} from '../indexing.js';
import { collapse, f32bits, header, stridedMeta, stridedPositions, wgslType } from './codegen.js';
import { fillKernel } from './copy.js';
import { gpu, type WebGPUBuffer } from './runtime.js';
import { buf, contiguous } from './views.js';

/** Error slots per buffer; a slot holds the first bad position a check found (NONE if none). */
const SLOTS = 1024;
const NONE = 0x7fffffff;

interface Check {
  /** The index view checked, its shape (positions are row-major over it) and strides. */
  index: WebGPUBuffer;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  /** The error for bad value `v` at position `pos`. */
  error: (v: number, pos: number) => Error;
}

interface Segment {
  buffer: WebGPUBuffer;
  checks: Check[];
}

let segments: Segment[] = [];

/** An error slot for a check (a new slot buffer every SLOTS checks). */
function slotFor(check: Check): { buffer: WebGPUBuffer; slot: number } {
  let seg = segments[segments.length - 1];
  if (seg === undefined || seg.checks.length === SLOTS) {
    const buffer = gpu('index check').alloc('int32', SLOTS, 'index check');
    fillKernel(buffer, NONE, 0, SLOTS);
    seg = { buffer, checks: [] };
    segments.push(seg);
  }
  seg.checks.push(check);
  return { buffer: seg.buffer, slot: seg.checks.length - 1 };
}

/**
 * Throws the ValueError of the first out-of-range index found by the checks run since the last
 * call (reading their slots back; nothing to read when no check ran).
 */
export async function checkIndexErrors(): Promise<void> {
  if (segments.length === 0) return;
  const taken = segments;
  segments = [];
  const rt = gpu('read');
  const words = await Promise.all(taken.map((s) => rt.read(s.buffer, 0, s.checks.length)));
  for (let k = 0; k < taken.length; k++) {
    const w = words[k]!;
    for (let j = 0; j < w.length; j++) {
      const pos = w[j]!;
      if (pos === NONE) continue;
      const c = taken[k]!.checks[j]!;
      let at = c.offset;
      let rem = pos;
      for (let d = c.shape.length - 1; d >= 0; d--) {
        at += (rem % c.shape[d]!) * c.strides[d]!;
        rem = Math.floor(rem / c.shape[d]!);
      }
      const v = (await rt.read(c.index, at, 1))[0]!;
      throw c.error(v, pos);
    }
  }
}

/** A view on the GPU (a 0-d CPU tensor, which dispatch lets through as a scalar, is uploaded). */
function onDevice(x: View): View {
  if (!ArrayBuffer.isView(x.storage)) return x;
  const data = toContiguous(x as unknown as StridedArray, true) as TypedArray;
  const strides = x.shape.map(() => 0);
  return { storage: gpu('index').upload(data, x.dtype), shape: x.shape, strides, offset: 0, dtype: x.dtype };
}

/**
 * Checks that the int32 `index` (broadcast to `shape`) lies in [0, size), recording the first
 * bad position for `checkIndexErrors`; `error` makes the op's ValueError from (value, position).
 */
export function rangeCheck(
  index: View,
  shape: readonly number[],
  size: number,
  error: (v: number, pos: number) => Error,
  ignore?: number,
): void {
  const count = sizeOf(shape);
  if (count === 0) return;
  const strides = broadcastStrides(index.shape, index.strides, shape);
  const ib = buf(index.storage, 'index check');
  const { buffer, slot } = slotFor({ index: ib, shape, strides, offset: index.offset, error });
  const c = collapse(shape, [strides]);
  const rank = c.shape.length;
  gpu('index check').run(
    {
      key: `rangeCheck:${rank}`,
      wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> err: array<atomic<i32>>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;`)}
  if (i >= prm[4]) { return; }
${stridedPositions(rank, 1, 4)}
  let v = idx[p0];
  if ((prm[2] == 0 || v != prm[3]) && (v < 0 || v >= prm[0])) { atomicMin(&err[prm[1]], i); }
}`,
    },
    [
      size,
      slot,
      ignore === undefined ? 0 : 1,
      ignore ?? 0,
      ...stridedMeta(count, c.shape, [index.offset], c.strides),
    ],
    [buffer, ib],
    count,
  );
}

/** out[p] = x[p with coordinate d replaced by index[p]] (0 where the index is out of range). */
function gather(op: string, xView: View, d: number, indexView: View, shape: readonly number[]): WebGPUBuffer {
  const rt = gpu(op);
  const x = onDevice(xView);
  const index = onDevice(indexView);
  const out = rt.alloc(x.dtype, sizeOf(shape), op);
  const count = sizeOf(shape);
  if (count === 0) return out;
  const size = x.shape.length === 0 ? 1 : x.shape[d]!;
  const step = x.shape.length === 0 ? 0 : x.strides[d]!;
  rangeCheck(index, shape, size, (v) => indexOutOfRange(op, v, d, size));
  const xs = x.shape.length === 0 ? [] : x.strides.map((s, j) => (j === d ? 0 : s));
  const c = collapse(shape, [xs, broadcastStrides(index.shape, index.strides, shape)]);
  const rank = c.shape.length;
  const t = wgslType(x.dtype);
  rt.run(
    {
      key: `gather:${t}:${rank}`,
      wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<storage, read> x: array<${t}>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;`)}
  if (i >= prm[2]) { return; }
${stridedPositions(rank, 2, 2)}
  let v = idx[p1];
  if (v < 0 || v >= prm[0]) { out[i] = ${t}(0); return; }
  out[i] = x[p0 + v * prm[1]];
}`,
    },
    [size, step, ...stridedMeta(count, c.shape, [x.offset, index.offset], c.strides)],
    [out, buf(x.storage, op), buf(index.storage, op)],
    count,
  );
  return out;
}

/**
 * A contiguous copy of base with src[p] added at p with coordinate d replaced by index[p], for
 * every position p of `shape`: one thread per output element scans the index along d.
 */
function scatterAdd(
  op: string,
  baseView: View,
  d0: number,
  indexView: View,
  srcView: View,
  shape0: readonly number[],
): WebGPUBuffer {
  const rt = gpu(op);
  const base = onDevice(baseView);
  const index = onDevice(indexView);
  const src = onDevice(srcView);
  const out = contiguous(base);
  const size = base.shape.length === 0 ? 1 : base.shape[d0]!;
  rangeCheck(index, shape0, size, (v) => indexOutOfRange(op, v, d0, size));
  if (sizeOf(shape0) === 0 || sizeOf(base.shape) === 0) return out;
  // A 0-d tensor is handled as rank 1 of size 1.
  const scalar = base.shape.length === 0;
  const outShape = scalar ? [1] : base.shape;
  const shape = scalar ? [1] : shape0;
  const d = scalar ? 0 : d0;
  const rank = outShape.length;
  const is = scalar ? [0] : broadcastStrides(index.shape, index.strides, shape);
  const ss = scalar ? [0] : broadcastStrides(src.shape, src.strides, shape);
  // meta: [outSize, K, ...outShape, ...shape, idxOff, ...is, srcOff, ...ss]
  const meta = [sizeOf(outShape), shape[d]!, ...outShape, ...shape, index.offset, ...is, src.offset, ...ss];
  const OS = 2;
  const SH = 2 + rank;
  const IO = 2 + 2 * rank;
  const SO = 3 + 3 * rank;
  const t = wgslType(base.dtype);
  const lines: string[] = [];
  for (let j = rank - 1; j >= 0; j--) {
    lines.push(`  { let n = prm[${OS + j}]; let c = rem % n; rem = rem / n;`);
    if (j === d) lines.push('    cd = c; }');
    else
      lines.push(
        `    if (c >= prm[${SH + j}]) { inside = false; } ip += c * prm[${IO + 1 + j}]; sp += c * prm[${SO + 1 + j}]; }`,
      );
  }
  rt.run(
    {
      key: `scatterAdd:${t}:${wgslType(src.dtype)}:${rank}:${d}`,
      wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read> src: array<${wgslType(src.dtype)}>;`)}
  if (i >= prm[0]) { return; }
  var rem = i;
  var cd = 0;
  var inside = true;
  var ip = prm[${IO}];
  var sp = prm[${SO}];
${lines.join('\n')}
  if (!inside) { return; }
  var acc = out[i];
  let is = prm[${IO + 1 + d}];
  let ss = prm[${SO + 1 + d}];
  for (var k = 0; k < prm[1]; k++) {
    if (idx[ip + k * is] == cd) { acc += ${t}(src[sp + k * ss]); }
  }
  out[i] = acc;
}`,
    },
    meta,
    [out, buf(index.storage, op), buf(src.storage, op)],
    sizeOf(outShape),
  );
  return out;
}

/** The WebGPU indexing kernels. */
export const webgpuIndexing: IndexingKernels = {
  gather,
  scatterAdd,
  wrapIndex: (op, indexView, size, xShape) => {
    const rt = gpu(op);
    const index = onDevice(indexView);
    const count = sizeOf(index.shape);
    const out = rt.alloc('int32', count, op);
    if (count === 0) return out;
    const ib = buf(index.storage, op);
    const { buffer, slot } = slotFor({
      index: ib,
      shape: index.shape,
      strides: index.strides,
      offset: index.offset,
      error: (v) => flatIndexOutOfRange(op, v, size, xShape),
    });
    const c = collapse(index.shape, [index.strides]);
    const rank = c.shape.length;
    rt.run(
      {
        key: `wrapIndex:${rank}`,
        wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@group(0) @binding(2) var<storage, read_write> err: array<atomic<i32>>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;`)}
  if (i >= prm[2]) { return; }
${stridedPositions(rank, 1, 2)}
  let v = idx[p0];
  if (v < -prm[0] || v >= prm[0]) { atomicMin(&err[prm[1]], i); out[i] = 0; return; }
  out[i] = select(v, v + prm[0], v < 0);
}`,
      },
      [size, slot, ...stridedMeta(count, c.shape, [index.offset], c.strides)],
      [out, buffer, ib],
      count,
    );
    return out;
  },
  oneHot: (labelsView, numClasses, dtype) => {
    const rt = gpu('oneHot');
    const labels = onDevice(labelsView);
    const n = sizeOf(labels.shape);
    rangeCheck(labels, labels.shape, numClasses, (v, pos) => labelOutOfRange('oneHot', v, pos, numClasses));
    const lab = contiguous(labels, true);
    const out = rt.alloc(dtype, n * numClasses, 'oneHot');
    const t = wgslType(dtype);
    rt.run(
      {
        key: `oneHot:${t}`,
        wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<storage, read> lab: array<i32>;`)}
  if (i >= prm[0]) { return; }
  out[i] = select(${t}(0), ${t}(1), lab[i / prm[1]] == i % prm[1]);
}`,
      },
      [n * numClasses, numClasses],
      [out, lab],
      n * numClasses,
    );
    return out;
  },
  lookupRows: (indices, table, zeroRow) => {
    const rt = gpu('embedding');
    const rows = table.shape[0]!;
    const dim = table.shape[1]!;
    const n = sizeOf(indices.shape);
    rangeCheck(indices, indices.shape, rows, (v, pos) => embeddingOutOfRange(v, pos, rows));
    const out = rt.alloc(table.dtype, n * dim, 'embedding');
    const t = wgslType(table.dtype);
    rt.run(
      {
        key: `lookupRows:${t}`,
        wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<storage, read> table: array<${t}>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;`)}
  if (i >= prm[0]) { return; }
  let r = i / prm[1];
  let j = i % prm[1];
  let v = idx[prm[6] + r];
  if (v < 0 || v >= prm[2] || v == prm[7]) { out[i] = ${t}(0); return; }
  out[i] = table[prm[3] + v * prm[4] + j * prm[5]];
}`,
      },
      [n * dim, dim, rows, table.offset, table.strides[0]!, table.strides[1]!, indices.offset, zeroRow],
      [out, buf(table.storage, 'embedding'), buf(indices.storage, 'embedding')],
      n * dim,
    );
    return out;
  },
  scatterRows: (indices, gradView, rows, skipRow) => {
    const rt = gpu('embedding');
    const dim = gradView.shape[gradView.shape.length - 1]!;
    const n = sizeOf(indices.shape);
    const grad = contiguous(gradView, true);
    const out = rt.alloc(gradView.dtype, rows * dim, 'embedding');
    const t = wgslType(gradView.dtype);
    rt.run(
      {
        key: `scatterRows:${t}`,
        wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<storage, read> grad: array<${t}>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;`)}
  if (i >= prm[0]) { return; }
  let r = i / prm[1];
  let j = i % prm[1];
  var acc = ${t}(0);
  if (r != prm[3]) {
    for (var k = 0; k < prm[2]; k++) {
      if (idx[prm[4] + k] == r) { acc += grad[k * prm[1] + j]; }
    }
  }
  out[i] = acc;
}`,
      },
      [rows * dim, dim, n, skipRow, indices.offset],
      [out, grad, buf(indices.storage, 'embedding')],
      rows * dim,
    );
    return out;
  },
  renormRows: (indices, table, maxNorm, normType) => {
    // One thread per table row: it scans the indices for its row, so each named row is rescaled
    // once and no two threads touch the same row.
    const rt = gpu('embedding');
    const rows = table.shape[0]!;
    const n = sizeOf(indices.shape);
    rangeCheck(indices, indices.shape, rows, (v, pos) => embeddingOutOfRange(v, pos, rows));
    const mode = normType === Number.POSITIVE_INFINITY ? 0 : normType === 1 ? 1 : normType === 2 ? 2 : 3;
    rt.run(
      {
        key: 'renormRows',
        wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> table: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;`)}
  if (i >= prm[0]) { return; }
  var found = false;
  for (var k = 0; k < prm[2]; k++) { if (idx[prm[6] + k] == i) { found = true; break; } }
  if (!found) { return; }
  let start = prm[3] + i * prm[4];
  let mode = prm[7];
  let p = bitcast<f32>(prm[9]);
  var norm = 0.0;
  for (var j = 0; j < prm[1]; j++) {
    let a = abs(table[start + j * prm[5]]);
    if (mode == 0) { norm = max(norm, a); } else if (mode == 1) { norm += a; } else if (mode == 2) { norm += a * a; } else { norm += pow(a, p); }
  }
  if (mode == 2) { norm = sqrt(norm); } else if (mode == 3) { norm = pow(norm, 1.0 / p); }
  let maxNorm = bitcast<f32>(prm[8]);
  if (norm > maxNorm) {
    let scale = maxNorm / (norm + 1e-7);
    for (var j = 0; j < prm[1]; j++) { table[start + j * prm[5]] *= scale; }
  }
}`,
      },
      [
        rows,
        table.shape[1]!,
        n,
        table.offset,
        table.strides[0]!,
        table.strides[1]!,
        indices.offset,
        mode,
        f32bits(maxNorm),
        f32bits(mode === 3 ? normType : 0),
      ],
      [buf(table.storage, 'embedding'), buf(indices.storage, 'embedding')],
      rows,
    );
  },
};
