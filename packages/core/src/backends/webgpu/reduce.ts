/**
 * Reductions on the GPU over any set of dims of a strided view: one thread per output element
 * for short reductions, one workgroup (a tree in shared memory) for long ones. NaN propagates
 * through max/min and ties keep the first index, as on the CPU.
 */
import type { ReduceKernel } from '../../kernels/reduce.js';
import type { DType } from '../../tensor/dtype.js';
import type { View } from '../backend.js';
import { collapse, wgslType } from './codegen.js';
import { helpersFor } from './elementwise.js';
import { gpu, type Kernel, type WebGPUBuffer, WORKGROUP } from './runtime.js';

/** Reductions up to this length run one thread per output element. */
const SHORT = 64;

/** WGSL positions: `pos` = the buffer position of output `o`'s block start plus reduced index `r`. */
function positions(keptRank: number, redRank: number): string {
  // meta: [outer, reduced, offset, keptShape…, keptStrides…, redShape…, redStrides…]
  const lines = ['fn base_of(o: i32) -> i32 {', '  var p = prm[2];', '  var rem = o;'];
  for (let d = keptRank - 1; d >= 0; d--) {
    lines.push(`  { let n = prm[${3 + d}]; p += (rem % n) * prm[${3 + keptRank + d}]; rem = rem / n; }`);
  }
  lines.push('  return p;', '}', 'fn step_of(r: i32) -> i32 {', '  var p = 0;', '  var rem = r;');
  const b = 3 + 2 * keptRank;
  for (let d = redRank - 1; d >= 0; d--) {
    lines.push(`  { let n = prm[${b + d}]; p += (rem % n) * prm[${b + redRank + d}]; rem = rem / n; }`);
  }
  lines.push('  return p;', '}');
  return lines.join('\n');
}

/** Reduces `x` over `dims` into a new contiguous buffer of the kept dims. */
export function reduceKernel(
  kind: ReduceKernel,
  x: View,
  dims: readonly number[],
  dtype: DType,
): WebGPUBuffer {
  const rt = gpu(kind);
  const arg = kind === 'argmax' || kind === 'argmin';
  const outDtype: DType = arg ? 'int32' : dtype;
  const keptDims = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  let outer = 1;
  for (const d of keptDims) outer *= x.shape[d]!;
  let reduced = 1;
  for (const d of dims) reduced *= x.shape[d]!;
  const out = rt.alloc(outDtype, outer, kind);
  if (outer === 0) return out;
  const kept = collapse(
    keptDims.map((d) => x.shape[d]!),
    [keptDims.map((d) => x.strides[d]!)],
  );
  // Reduced dims keep their row-major order (arg indices count in it), so they are not collapsed
  // past size-1 dims only.
  const red = collapse(
    dims.map((d) => x.shape[d]!),
    [dims.map((d) => x.strides[d]!)],
  );
  const meta = [
    outer,
    reduced,
    x.offset,
    ...kept.shape,
    ...kept.strides[0]!,
    ...red.shape,
    ...red.strides[0]!,
  ];
  const inT = wgslType(x.dtype);
  const accT = arg ? inT : wgslType(outDtype);
  const long = reduced > SHORT;
  const key = `reduce:${kind}:${inT}:${accT}:${kept.shape.length}:${red.shape.length}:${long}`;
  const isMax = kind === 'max' || kind === 'argmax';
  const nan = inT === 'f32' ? 'is_nan(best)' : 'false';
  const vnan = inT === 'f32' ? 'is_nan(v)' : 'false';
  // Whether candidate (v, j) replaces (best, bi) for j > bi: NaN wins, then strictly better.
  const better = isMax ? `(!${nan} && (${vnan} || v > best))` : `(!${nan} && (${vnan} || v < best))`;
  const kernel: Kernel = {
    key,
    wgsl: () => {
      const decl = `@group(0) @binding(0) var<storage, read> prm: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<${wgslType(outDtype)}>;
@group(0) @binding(2) var<storage, read> x: array<${inT}>;
${inT === 'f32' ? helpersFor(`${better}`) : ''}
${positions(kept.shape.length, red.shape.length)}`;
      const result = arg ? 'bi' : 'best';
      if (!long) {
        const body =
          kind === 'sum'
            ? `var best = ${accT}(0); for (var r = 0; r < prm[1]; r++) { best += ${accT}(x[b + step_of(r)]); }`
            : `var best = x[b]; var bi = 0; for (var r = 1; r < prm[1]; r++) { let v = x[b + step_of(r)]; let j = r; if (${better}) { best = v; bi = j; } }`;
        return `${decl}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = i32((wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid);
  if (o >= prm[0]) { return; }
  let b = base_of(o);
  ${body}
  out[o] = ${wgslType(outDtype)}(${result});
}`;
      }
      const combine =
        kind === 'sum'
          ? '{ sv[t] = sv[t] + sv[t + s]; }'
          : `{ let best = sv[t]; let bi = si[t]; let v = sv[t + s]; let j = si[t + s]; if (${better} || (j < bi && (v == best || (${vnan} && ${nan})))) { sv[t] = v; si[t] = j; } }`;
      return `${decl}
var<workgroup> sv: array<${accT}, ${WORKGROUP}>;
var<workgroup> si: array<i32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = i32(wid.y * nwg.x + wid.x);
  if (o >= prm[0]) { return; }
  let t = i32(lid);
  let b = base_of(o);
  let n = prm[1];
  ${
    kind === 'sum'
      ? `var best = ${accT}(0); for (var r = t; r < n; r += ${WORKGROUP}) { best += ${accT}(x[b + step_of(r)]); } sv[t] = best; si[t] = 0;`
      : `var best = x[b + step_of(min(t, n - 1))]; var bi = min(t, n - 1); for (var r = t + ${WORKGROUP}; r < n; r += ${WORKGROUP}) { let v = x[b + step_of(r)]; let j = r; if (${better}) { best = v; bi = j; } } sv[t] = best; si[t] = bi;`
  }
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}; s > 0; s = s / 2) {
    if (t < s) ${combine}
    workgroupBarrier();
  }
  if (t == 0) { out[o] = ${wgslType(outDtype)}(${kind === 'sum' ? 'sv[0]' : arg ? 'si[0]' : 'sv[0]'}); }
}`;
    },
  };
  const buffers = [out, x.storage as WebGPUBuffer];
  if (long) {
    const gx = Math.min(outer, 65535);
    rt.dispatch(kernel, meta, buffers, [gx, Math.ceil(outer / gx)]);
  } else rt.run(kernel, meta, buffers, outer);
  return out;
}
