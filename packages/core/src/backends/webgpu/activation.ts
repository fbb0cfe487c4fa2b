/**
 * softmax and logSoftmax on the GPU, forward and backward, along any dim of a strided view: one
 * thread per row for short rows, one workgroup per row (trees in shared memory) for long ones.
 * The maximum is subtracted first (NaN propagates through it, as on the CPU).
 */
import { sizeOf } from '../../tensor/shape.js';
import type { ActivationKernels } from '../activation.js';
import type { View } from '../backend.js';
import { collapse } from './codegen.js';
import { FLOAT_HELPERS } from './elementwise.js';
import { gpu, type Kernel, type WebGPUBuffer } from './runtime.js';
import { buf, contiguous } from './views.js';

/** Rows up to this length run one thread per row. */
const SHORT = 32;
/** Threads per row of the long form. */
const ROW = 64;
/** Threads per workgroup of the short form. */
const WG = 64;

type Kind = 'softmax' | 'logSoftmax' | 'softmaxBackward' | 'logSoftmaxBackward';

/** WGSL of `base_of(o)`: the buffer position of row o's first element, from the kept dims. */
function baseOf(rank: number): string {
  // meta: [rows, n, inner, offset, step, keptShape…, keptStrides…]
  const lines = ['fn base_of(o: i32) -> i32 {', '  var p = prm[3];', '  var rem = o;'];
  for (let d = rank - 1; d >= 0; d--)
    lines.push(`  { let n = prm[${5 + d}]; p += (rem % n) * prm[${5 + rank + d}]; rem = rem / n; }`);
  lines.push('  return p;', '}');
  return lines.join('\n');
}

/**
 * The kernel body for one row: `part(init, expr, combine)` folds expr over the row's elements
 * this thread visits, then across the threads of the row (long form); the result is uniform.
 */
function body(kind: Kind, long: boolean): string {
  const loop = (s: string) => `for (var j = ${long ? 't' : '0'}; j < n; j += ${long ? ROW : 1}) { ${s} }`;
  const tree = (v: string, combine: string) =>
    long
      ? `red[t] = ${v};
  workgroupBarrier();
  for (var s = ${ROW / 2}; s > 0; s = s / 2) {
    if (t < s) { let a = red[t]; let b = red[t + s]; red[t] = ${combine}; }
    workgroupBarrier();
  }
  let ${v}_all = red[0];
  workgroupBarrier();`
      : `let ${v}_all = ${v};`;
  const X = 'x[b + j * st]';
  const O = 'out[ob + j * inner]';
  switch (kind) {
    case 'softmax':
      return `var m = bitcast<f32>(NINF_BITS);
  ${loop(`let v = ${X}; if (!is_nan(m) && (is_nan(v) || v > m)) { m = v; }`)}
  ${tree('m', 'select(select(a, b, b > a), b, is_nan(b) && !is_nan(a))')}
  var s = 0.0;
  ${loop(`s += exp(${X} - m_all);`)}
  ${tree('s', 'a + b')}
  ${loop(`${O} = exp(${X} - m_all) / s_all;`)}`;
    case 'logSoftmax':
      return `var m = bitcast<f32>(NINF_BITS);
  ${loop(`let v = ${X}; if (!is_nan(m) && (is_nan(v) || v > m)) { m = v; }`)}
  ${tree('m', 'select(select(a, b, b > a), b, is_nan(b) && !is_nan(a))')}
  let shift = select(0.0, m_all, abs(m_all) < bitcast<f32>(INF_BITS));
  var s = 0.0;
  ${loop(`s += exp(${X} - shift);`)}
  ${tree('s', 'a + b')}
  let lse = log(s_all) + shift;
  ${loop(`${O} = ${X} - lse;`)}`;
    case 'softmaxBackward':
      return `var s = 0.0;
  ${loop('s += g[ob + j * inner] * y[ob + j * inner];')}
  ${tree('s', 'a + b')}
  ${loop(`${O} = y[ob + j * inner] * (g[ob + j * inner] - s_all);`)}`;
    case 'logSoftmaxBackward':
      return `var s = 0.0;
  ${loop('s += g[ob + j * inner];')}
  ${tree('s', 'a + b')}
  ${loop(`${O} = g[ob + j * inner] - exp(y[ob + j * inner]) * s_all;`)}`;
  }
}

function kernel(kind: Kind, rank: number, long: boolean): Kernel {
  const backward = kind.endsWith('Backward');
  return {
    key: `${kind}:${rank}:${long}`,
    wgsl: () => {
      const inputs = backward
        ? `@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;`
        : '@group(0) @binding(2) var<storage, read> x: array<f32>;';
      const size = long ? ROW : WG;
      const row = long
        ? 'let o = i32(wid.y * nwg.x + wid.x);\n  let t = i32(lid);'
        : `let o = i32((wid.y * nwg.x + wid.x) * ${WG}u + lid);`;
      return `@group(0) @binding(0) var<storage, read> prm: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
${inputs}
${FLOAT_HELPERS}
${backward ? '' : baseOf(rank)}
${long ? `var<workgroup> red: array<f32, ${ROW}>;` : ''}
@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  ${row}
  if (o >= prm[0]) { return; }
  let n = prm[1];
  let inner = prm[2];
  let ob = (o / inner) * n * inner + o % inner;
  ${backward ? '' : 'let b = base_of(o);\n  let st = prm[4];'}
  ${body(kind, long)}
}`;
    },
  };
}

/** Runs `kind` over the rows along dim d of `shape`; `x` is read in place, y and g contiguous. */
function rows(
  kind: Kind,
  shape: readonly number[],
  d: number,
  inputs: WebGPUBuffer[],
  x?: View,
): WebGPUBuffer {
  const rt = gpu(kind);
  const size = sizeOf(shape);
  const out = rt.alloc('float32', size, kind);
  if (size === 0) return out;
  const n = shape[d]!;
  let inner = 1;
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i]!;
  const count = size / n;
  const meta = [count, n, inner];
  let rank = 0;
  if (x !== undefined) {
    const keptDims = shape.map((_, i) => i).filter((i) => i !== d);
    const kept = collapse(
      keptDims.map((i) => shape[i]!),
      [keptDims.map((i) => x.strides[i]!)],
    );
    rank = kept.shape.length;
    meta.push(x.offset, x.strides[d]!, ...kept.shape, ...kept.strides[0]!);
  }
  const long = n > SHORT;
  const k = kernel(kind, rank, long);
  if (long) {
    const gx = Math.min(count, 65535);
    rt.dispatch(k, meta, [out, ...inputs], [gx, Math.ceil(count / gx)]);
  } else {
    const groups = Math.ceil(count / WG);
    const gx = Math.min(groups, 65535);
    rt.dispatch(k, meta, [out, ...inputs], [gx, Math.ceil(groups / gx)]);
  }
  return out;
}

/** The WebGPU activation kernels. */
export const webgpuActivation: ActivationKernels = {
  softmax: (x, d, log) => ({
    out: rows(
      log ? 'logSoftmax' : 'softmax',
      x.shape,
      d,
      [buf(x.storage, log ? 'logSoftmax' : 'softmax')],
      x,
    ),
    saved: [],
  }),
  softmaxBackward: (y, g, d, log) =>
    rows(log ? 'logSoftmaxBackward' : 'softmaxBackward', y.shape, d, [
      contiguous(y, true),
      contiguous(g, true),
    ]),
};
