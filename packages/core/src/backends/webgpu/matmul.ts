/**
 * Matrix products on the GPU: a tiled GEMM. Each workgroup computes a BM×BN tile of the output,
 * stepping through k in BK-deep slices of A and B staged in workgroup (shared) memory; each
 * thread keeps a TM×TN block of outputs in registers (vec4 accumulators). A and B are read
 * through their strides (transposed views need no copy), the batch dims through batch strides
 * (a broadcast batch has stride 0), edge tiles are zero-padded on load and masked on store, and
 * the linear layer's bias is added as the tile is written.
 */
import { DeviceError } from '../../errors.js';
import type { Storage } from '../../tensor/device.js';
import type { DType } from '../../tensor/dtype.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import type { MatmulKernels } from '../matmul.js';
import { collapse, wgslType } from './codegen.js';
import { gpu, type Kernel, type WebGPUBuffer } from './runtime.js';
import { buf, contiguous } from './views.js';

/** A tile shape: BM×BN outputs per workgroup, BK-deep k slices, TM×TN outputs per thread. */
export interface MatmulTile {
  bm: number;
  bn: number;
  bk: number;
  tm: number;
  tn: number;
}

/** The tile of small and medium products: 256 threads of 4×4 outputs. */
export const SMALL_TILE: MatmulTile = { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 };
/** The tile of large products: 256 threads of 8×8 outputs (more reuse per load, fewer workgroups). */
export const LARGE_TILE: MatmulTile = { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 };
/** Between the two on a GPU: 256 threads of 8×4 outputs. */
export const MEDIUM_TILE: MatmulTile = { bm: 128, bn: 64, bk: 16, tm: 8, tn: 4 };

/**
 * On a GPU, products with at least this many large tiles (over all batches; n ≥ 2817 square)
 * use LARGE_TILE, and those with at least MEDIUM_TILE_MIN_GROUPS medium tiles MEDIUM_TILE: fewer
 * workgroups would leave a big GPU's units idle. Measured on an H100 (square float32, GFLOP/s):
 * n = 1024: small 12,617, medium 16,020, large 10,148; n = 4096: small 11,937, medium 28,938,
 * large 31,149.
 */
const LARGE_TILE_MIN_GROUPS = 512;
const MEDIUM_TILE_MIN_GROUPS = 64;

/**
 * The tile for an m×n product over `batches` matrices. TSGRAD_WEBGPU_MATMUL_TILE forces one:
 * `small`, `large`, or `BMxBNxBK/TMxTN` (e.g. `128x64x16/8x4`; the bench compares them).
 */
function pickTile(m: number, n: number, batches: number): MatmulTile {
  const forced = process.env.TSGRAD_WEBGPU_MATMUL_TILE;
  if (forced !== undefined && forced !== '' && forced !== 'auto') return parseTile(forced);
  // A software adapter runs workgroups on CPU threads, where each barrier is costly: the large
  // tile (half the barriers per multiply-add) is faster there once both sides exceed a small tile.
  if (cpuAdapter()) return m > SMALL_TILE.bm && n > SMALL_TILE.bn ? LARGE_TILE : SMALL_TILE;
  const groups = (t: MatmulTile) => Math.ceil(m / t.bm) * Math.ceil(n / t.bn) * batches;
  if (groups(LARGE_TILE) >= LARGE_TILE_MIN_GROUPS) return LARGE_TILE;
  return m >= MEDIUM_TILE.bm && n >= MEDIUM_TILE.bn && groups(MEDIUM_TILE) >= MEDIUM_TILE_MIN_GROUPS
    ? MEDIUM_TILE
    : SMALL_TILE;
}

let softwareAdapter: boolean | null = null;

/** Whether the adapter is a software one (lavapipe/llvmpipe, SwiftShader) running on the CPU. */
function cpuAdapter(): boolean {
  softwareAdapter ??= /llvmpipe|lavapipe|swiftshader/i.test(gpu('matmul').description);
  return softwareAdapter;
}

/** A tile named `small`, `large` or `BMxBNxBK/TMxTN` (a DeviceError if it cannot run). */
export function parseTile(name: string): MatmulTile {
  if (name === 'small') return SMALL_TILE;
  if (name === 'large') return LARGE_TILE;
  if (name === 'medium') return MEDIUM_TILE;
  const p = /^(\d+)x(\d+)x(\d+)\/(\d+)x(\d+)$/.exec(name);
  const [bm, bn, bk, tm, tn] = p === null ? [] : p.slice(1).map(Number);
  if (bm === undefined || bn === undefined || bk === undefined || tm === undefined || tn === undefined) {
    throw new DeviceError(`matmul: tile '${name}' should be small, medium, large or BMxBNxBK/TMxTN`);
  }
  const threads = (bm / tm) * (bn / tn);
  if (
    tm % 4 !== 0 ||
    tn % 4 !== 0 ||
    bm % tm !== 0 ||
    bn % tn !== 0 ||
    threads > 256 ||
    (bm * bk) % threads !== 0 ||
    (bn * bk) % threads !== 0
  ) {
    throw new DeviceError(
      `matmul: tile '${name}' needs TM, TN multiples of 4 dividing BM, BN, at most 256 threads, and BM·BK, BN·BK multiples of the thread count`,
    );
  }
  return { bm, bn, bk, tm, tn };
}

// Meta words: the matrix geometry, then the batch dims' shape and the operands' batch strides.
const M = 0;
const N = 1;
const K = 2;
const A_OFF = 3;
const A_RS = 4;
const A_CS = 5;
const B_OFF = 6;
const B_RS = 7;
const B_CS = 8;
const BATCH0 = 9;
const BIAS_OFF = 10;
const BIAS_STRIDE = 11;
const FLAGS = 12;
const RANK = 13;
const BATCH_DIMS = 14;

/** FLAGS bits: A is walked along k, B along n (their contiguous dims), a bias is added. */
const A_ALONG_K = 1;
const B_ALONG_N = 2;
const WITH_BIAS = 4;

/** The most workgroups along one grid dimension. */
const MAX_GROUPS = 65535;

/**
 * The WGSL of the GEMM for one element type and tile shape. Everything else is read from the
 * meta words at run time (one pipeline per tile: compiling a GEMM costs lavapipe seconds): the
 * sizes and strides, the batch dims, which way threads walk each operand when loading a tile
 * (along its contiguous dim, so loads coalesce), and whether a bias is added.
 *
 * Each k step stages A's bm×bk slice k-major in `As` and B's bk×bn slice in `Bs` (rows padded by
 * one vec4 against bank conflicts); the next slice's elements are fetched into registers before
 * the current one is multiplied, so global loads overlap the arithmetic.
 */
function gemmSource(t: 'f32' | 'i32', tile: MatmulTile): string {
  const { bm, bn, bk, tm, tn } = tile;
  const wx = bn / tn;
  const wy = bm / tm;
  const threads = wx * wy;
  const aLoads = (bm * bk) / threads;
  const bLoads = (bk * bn) / threads;
  const aRow = bm / 4 + 1; // vec4s per k-row of As (padded)
  const bRow = bn / 4 + 1;
  const v = `vec4<${t}>`;
  const lines: string[] = [];
  lines.push(`@group(0) @binding(0) var<storage, read> prm: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<storage, read> a: array<${t}>;
@group(0) @binding(3) var<storage, read> b: array<${t}>;
@group(0) @binding(4) var<storage, read> bias: array<${t}>;
var<workgroup> As: array<${v}, ${bk * aRow}>;
var<workgroup> Bs: array<${v}, ${bk * bRow}>;
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u, @builtin(local_invocation_index) lidx: u32) {
  let m = prm[${M}];
  let n = prm[${N}];
  let kk = prm[${K}];
  let ars = prm[${A_RS}];
  let acs = prm[${A_CS}];
  let brs = prm[${B_RS}];
  let bcs = prm[${B_CS}];
  let flags = prm[${FLAGS}];
  let aK = (flags & 1) != 0;
  let bN = (flags & 2) != 0;
  let tx = i32(lid3.x);
  let ty = i32(lid3.y);
  let tid = i32(lidx);
  let row0 = i32(wid.y) * ${bm};
  let col0 = i32(wid.x) * ${bn};
  let z = i32(wid.z) + prm[${BATCH0}];
  var aBase = prm[${A_OFF}];
  var bBase = prm[${B_OFF}];
  let rank = prm[${RANK}];
  var rem = z;
  for (var d = rank - 1; d >= 0; d--) {
    let s = prm[${BATCH_DIMS} + d];
    let c = rem % s;
    rem = rem / s;
    aBase += c * prm[${BATCH_DIMS} + rank + d];
    bBase += c * prm[${BATCH_DIMS} + 2 * rank + d];
  }`);
  // Where each thread's loads land in the tile (fixed over the k steps).
  for (let s = 0; s < aLoads; s++) {
    const l = `tid + ${s * threads}`;
    lines.push(
      `  let ar${s} = select((${l}) % ${bm}, (${l}) / ${bk}, aK); let ac${s} = select((${l}) / ${bm}, (${l}) % ${bk}, aK);`,
    );
  }
  for (let s = 0; s < bLoads; s++) {
    const l = `tid + ${s * threads}`;
    lines.push(
      `  let br${s} = select((${l}) % ${bk}, (${l}) / ${bn}, bN); let bc${s} = select((${l}) / ${bk}, (${l}) % ${bn}, bN);`,
    );
  }
  const fetch = (k0: string): string[] => {
    const out: string[] = [];
    for (let s = 0; s < aLoads; s++) {
      out.push(
        `{ let gr = row0 + ar${s}; let gc = ${k0} + ac${s}; ra${s} = ${t}(0); if (gr < m && gc < kk) { ra${s} = a[aBase + gr * ars + gc * acs]; } }`,
      );
    }
    for (let s = 0; s < bLoads; s++) {
      out.push(
        `{ let gr = ${k0} + br${s}; let gc = col0 + bc${s}; rb${s} = ${t}(0); if (gr < kk && gc < n) { rb${s} = b[bBase + gr * brs + gc * bcs]; } }`,
      );
    }
    return out;
  };
  for (let s = 0; s < aLoads; s++) lines.push(`  var ra${s}: ${t};`);
  for (let s = 0; s < bLoads; s++) lines.push(`  var rb${s}: ${t};`);
  for (let i = 0; i < tm; i++)
    for (let g = 0; g < tn / 4; g++) lines.push(`  var acc${i}_${g} = ${v}(${t}(0));`);
  lines.push(...fetch('0').map((s) => `  ${s}`));
  lines.push(`  for (var k0 = 0; k0 < kk; k0 += ${bk}) {`);
  for (let s = 0; s < aLoads; s++) lines.push(`    As[ac${s} * ${aRow} + ar${s} / 4][ar${s} % 4] = ra${s};`);
  for (let s = 0; s < bLoads; s++) lines.push(`    Bs[br${s} * ${bRow} + bc${s} / 4][bc${s} % 4] = rb${s};`);
  lines.push('    workgroupBarrier();');
  lines.push(`    if (k0 + ${bk} < kk) {`, ...fetch(`k0 + ${bk}`).map((s) => `      ${s}`), '    }');
  lines.push(`    for (var p = 0; p < ${bk}; p++) {`);
  // Thread (tx, ty) owns rows g·wy·4 + ty·4 + 0..3 and columns g·wx·4 + tx·4 + 0..3 per group g.
  for (let g = 0; g < tm / 4; g++) lines.push(`      let av${g} = As[p * ${aRow} + ${g * wy} + ty];`);
  for (let g = 0; g < tn / 4; g++) lines.push(`      let bv${g} = Bs[p * ${bRow} + ${g * wx} + tx];`);
  for (let i = 0; i < tm; i++) {
    const ai = `av${Math.floor(i / 4)}[${i % 4}]`;
    for (let g = 0; g < tn / 4; g++) lines.push(`      acc${i}_${g} += ${v}(${ai}) * bv${g};`);
  }
  lines.push('    }', '    workgroupBarrier();', '  }');
  lines.push(`  let outBase = z * m * n;
  let hasBias = (flags & 4) != 0;
  let biasOff = prm[${BIAS_OFF}];
  let biasStride = prm[${BIAS_STRIDE}];`);
  // The bias of each of the thread's columns (zero without one, or past n).
  for (let g = 0; g < tn / 4; g++) {
    lines.push(`  var bias${g} = ${v}(${t}(0));`);
    for (let c = 0; c < 4; c++) {
      lines.push(
        `  { let cc = col0 + ${g * wx * 4} + tx * 4 + ${c}; if (hasBias && cc < n) { bias${g}[${c}] = bias[biasOff + cc * biasStride]; } }`,
      );
    }
  }
  for (let i = 0; i < tm; i++) {
    const row = `row0 + ${Math.floor(i / 4) * wy * 4} + ty * 4 + ${i % 4}`;
    lines.push(`  { let r = ${row}; if (r < m) {`);
    for (let g = 0; g < tn / 4; g++) {
      lines.push(`    let y${g} = acc${i}_${g} + bias${g};`);
      for (let c = 0; c < 4; c++) {
        const col = `col0 + ${g * wx * 4} + tx * 4 + ${c}`;
        lines.push(`    { let cc = ${col}; if (cc < n) { out[outBase + r * n + cc] = y${g}[${c}]; } }`);
      }
    }
    lines.push('  } }');
  }
  lines.push('}');
  return lines.join('\n');
}

/** One 2-D operand of a product: offset and the row/column strides of its last two dims. */
interface Operand {
  storage: WebGPUBuffer;
  offset: number;
  rs: number;
  cs: number;
}

/**
 * out[z] = A[z]·B[z] (+ bias) for every batch index z < sizeOf(batch), A m×k and B k×n read
 * through strides, batch offsets through `aBatch`/`bBatch` strides over `batch`.
 */
function gemm(
  op: string,
  dtype: DType,
  a: Operand,
  b: Operand,
  m: number,
  k: number,
  n: number,
  batch: readonly number[],
  aBatch: readonly number[],
  bBatch: readonly number[],
  bias: View | null,
): WebGPUBuffer {
  const rt = gpu(op);
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new DeviceError(`${op}: no webgpu kernel for ${dtype} matrix products (float32 or int32)`);
  }
  const batches = sizeOf(batch);
  const out = rt.alloc(dtype, batches * m * n, op);
  if (batches * m * n === 0) return out;
  // k = 0 needs no case: the k loop never runs and the zero accumulators (plus the bias) are written.
  const outBatch: number[] = [];
  let s = m * n;
  for (let d = batch.length - 1; d >= 0; d--) {
    outBatch[d] = s;
    s *= batch[d]!;
  }
  const c = collapse(batch, [aBatch, bBatch, outBatch]);
  const rank = c.shape.length;
  const tile = pickTile(m, n, batches);
  const t = wgslType(dtype) as 'f32' | 'i32';
  // Walk an operand along its contiguous dim when loading (transposed views load coalesced too).
  const aK = a.cs === 1 || (a.rs !== 1 && Math.abs(a.cs) <= Math.abs(a.rs));
  const bN = b.cs === 1 || (b.rs !== 1 && Math.abs(b.cs) <= Math.abs(b.rs));
  const flags = (aK ? A_ALONG_K : 0) | (bN ? B_ALONG_N : 0) | (bias !== null ? WITH_BIAS : 0);
  const key = `matmul:${t}:${tile.bm}x${tile.bn}x${tile.bk}/${tile.tm}x${tile.tn}`;
  const kernel: Kernel = { key, wgsl: () => gemmSource(t, tile) };
  // Without a bias, binding 4 holds B again (read-only twice is allowed) and is not read.
  const buffers = [out, a.storage, b.storage, bias === null ? b.storage : buf(bias.storage, op)];
  const gx = Math.ceil(n / tile.bn);
  const gy = Math.ceil(m / tile.bm);
  if (gx > MAX_GROUPS || gy > MAX_GROUPS) {
    throw new DeviceError(`${op}: a ${m}×${n} product has too many tiles for one webgpu dispatch`);
  }
  for (let z0 = 0; z0 < batches; z0 += MAX_GROUPS) {
    const meta = [
      m,
      n,
      k,
      a.offset,
      a.rs,
      a.cs,
      b.offset,
      b.rs,
      b.cs,
      z0,
      bias?.offset ?? 0,
      bias?.strides[0] ?? 0,
      flags,
      rank,
      ...c.shape,
      ...c.strides[0]!,
      ...c.strides[1]!,
    ];
    rt.dispatch(kernel, meta, buffers, [gx, gy, Math.min(MAX_GROUPS, batches - z0)]);
  }
  return out;
}

/** A view's last two dims as a matrix operand. */
function operand(x: View, op: string): Operand {
  const r = x.shape.length;
  return {
    storage: buf(x.storage, op),
    offset: x.offset,
    rs: x.strides[r - 2]!,
    cs: x.strides[r - 1]!,
  };
}

/** The WebGPU matrix-product kernels. */
export const webgpuMatmul: MatmulKernels = {
  matmul: (a, b, batch): Storage => {
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = a.shape[ra - 2]!;
    const k = a.shape[ra - 1]!;
    const n = b.shape[rb - 1]!;
    const aBatch = broadcastStrides(a.shape.slice(0, -2), a.strides.slice(0, -2), batch);
    const bBatch = broadcastStrides(b.shape.slice(0, -2), b.strides.slice(0, -2), batch);
    return gemm(
      'matmul',
      a.dtype,
      operand(a, 'matmul'),
      operand(b, 'matmul'),
      m,
      k,
      n,
      batch,
      aBatch,
      bBatch,
      null,
    );
  },
  linear: (x, weight, bias): Storage => {
    const [outF, inF] = weight.shape as [number, number];
    const rows = sizeOf(x.shape.slice(0, -1));
    // x [*, in] as a rows×in matrix: its leading dims must step as one dim, else copy it.
    const lead = collapse(x.shape.slice(0, -1), [x.strides.slice(0, -1)]);
    let xs: Operand;
    if (lead.shape.length <= 1) {
      xs = {
        storage: buf(x.storage, 'linear'),
        offset: x.offset,
        rs: lead.shape.length === 1 ? lead.strides[0]![0]! : inF,
        cs: x.strides[x.shape.length - 1]!,
      };
    } else xs = { storage: contiguous(x), offset: 0, rs: inF, cs: 1 };
    const w = operand(weight, 'linear');
    // weightᵀ: element (p, j) of the k×n operand is weight[j, p].
    const wt: Operand = { storage: w.storage, offset: w.offset, rs: w.cs, cs: w.rs };
    return gemm('linear', x.dtype, xs, wt, rows, inF, outF, [], [], [], bias);
  },
};
