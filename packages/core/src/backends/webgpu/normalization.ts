/**
 * Normalisation on the GPU: one workgroup per row, its statistics by a tree in shared memory
 * (the mean first, then the centred sum of squares, as the CPU does), one kernel for the forward
 * and one for the input's gradient (which also writes g·x̂ for the weight's).
 */
import { DeviceError } from '../../errors.js';
import { sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import type { NormalizationKernels } from '../normalization.js';
import { f32bits } from './codegen.js';
import { gpu, type Kernel, type WebGPUBuffer, WORKGROUP } from './runtime.js';
import { contiguous } from './views.js';

/** WGSL: reduces the shared arrays `names` into their element 0 (every thread then reads it). */
function treeReduce(names: readonly string[]): string {
  return `  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}; s > 0; s = s / 2) {
    if (t < s) { ${names.map((n) => `${n}[t] = ${n}[t] + ${n}[t + s];`).join(' ')} }
    workgroupBarrier();
  }`;
}

function shared(names: readonly string[]): string {
  return names.map((n) => `var<workgroup> ${n}: array<f32, ${WORKGROUP}>;`).join('\n');
}

const ENTRY = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = i32(wid.y * nwg.x + wid.x);
  if (row >= prm[0]) { return; }
  let t = i32(lid);
  let n = prm[1];
  let base = row * n;`;

function bindings(list: readonly [string, boolean][]): string {
  return [
    '@group(0) @binding(0) var<storage, read> prm: array<i32>;',
    ...list.map(
      ([name, write], k) =>
        `@group(0) @binding(${k + 1}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<f32>;`,
    ),
  ].join('\n');
}

/** One workgroup per row over `rows` rows. */
function perRow(op: string, kernel: Kernel, meta: number[], buffers: WebGPUBuffer[], rows: number): void {
  const gx = Math.min(rows, 65535);
  gpu(op).dispatch(kernel, meta, buffers, [gx, Math.ceil(rows / gx)]);
}

function requireFloat32(x: View): void {
  if (x.dtype !== 'float32') throw new DeviceError(`normalize: no webgpu kernel for ${x.dtype} tensors yet`);
}

/** The WebGPU normalisation kernels. */
export const webgpuNormalization: NormalizationKernels = {
  normalize: (x, dims, weight, bias, eps, center) => {
    requireFloat32(x);
    const rt = gpu('normalize');
    const size = sizeOf(x.shape);
    const n = sizeOf(x.shape.slice(x.shape.length - dims));
    const rows = sizeOf(x.shape.slice(0, x.shape.length - dims));
    const y = rt.alloc('float32', size, 'normalize');
    const mean = center ? rt.alloc('float32', rows, 'normalize') : null;
    const rstd = rt.alloc('float32', rows, 'normalize');
    if (rows === 0) return { y, mean, rstd };
    const hasW = weight !== null;
    const hasB = bias !== null;
    const list: [string, boolean][] = [['y', true]];
    if (center) list.push(['meanOut', true]);
    list.push(['rstdOut', true], ['x', false]);
    if (hasW) list.push(['w', false]);
    if (hasB) list.push(['b', false]);
    const kernel: Kernel = {
      key: `normalize:${center}:${hasW}:${hasB}`,
      wgsl: () => `${bindings(list)}
${shared(['s1'])}
${ENTRY}
  var m = 0.0;
${
  center
    ? `  var acc = 0.0;
  for (var j = t; j < n; j += ${WORKGROUP}) { acc += x[base + j]; }
  s1[t] = acc;
${treeReduce(['s1'])}
  m = s1[0] / f32(n);
  workgroupBarrier();`
    : ''
}
  var sq = 0.0;
  for (var j = t; j < n; j += ${WORKGROUP}) { let d = x[base + j] - m; sq += d * d; }
  s1[t] = sq;
${treeReduce(['s1'])}
  let sd = sqrt(s1[0] / f32(n) + bitcast<f32>(prm[2]));
  for (var j = t; j < n; j += ${WORKGROUP}) {
    var v = (x[base + j] - m) / sd;
    ${hasW ? 'v = v * w[j];' : ''}
    ${hasB ? 'v = v + b[j];' : ''}
    y[base + j] = v;
  }
  if (t == 0) {
    ${center ? 'meanOut[row] = m;' : ''}
    rstdOut[row] = 1.0 / sd;
  }
}`,
    };
    const buffers = [y];
    if (mean !== null) buffers.push(mean);
    buffers.push(rstd, contiguous(x, true));
    if (weight !== null) buffers.push(contiguous(weight, true));
    if (bias !== null) buffers.push(contiguous(bias, true));
    perRow('normalize', kernel, [rows, n, f32bits(eps)], buffers, rows);
    return { y, mean, rstd };
  },
  normalizeBackward: (g, x, mean, rstd, weight, dims, center, weightGrad) => {
    requireFloat32(x);
    const rt = gpu('normalize');
    const size = sizeOf(x.shape);
    const n = sizeOf(x.shape.slice(x.shape.length - dims));
    const rows = sizeOf(x.shape.slice(0, x.shape.length - dims));
    const dx = rt.alloc('float32', size, 'normalize');
    const gxhat = weightGrad ? rt.alloc('float32', size, 'normalize') : null;
    if (rows === 0) return { dx, gxhat };
    const hasW = weight !== null;
    const list: [string, boolean][] = [['dx', true]];
    if (weightGrad) list.push(['gx', true]);
    list.push(['g', false], ['x', false]);
    if (center) list.push(['meanIn', false]);
    list.push(['rstdIn', false]);
    if (hasW) list.push(['w', false]);
    const gy = hasW ? 'g[base + j] * w[j]' : 'g[base + j]';
    const kernel: Kernel = {
      key: `normalizeBackward:${center}:${hasW}:${weightGrad}`,
      wgsl: () => `${bindings(list)}
${shared(['s1', 's2'])}
${ENTRY}
  let r = rstdIn[row];
  let m = ${center ? 'meanIn[row]' : '0.0'};
  var a = 0.0;
  var p = 0.0;
  for (var j = t; j < n; j += ${WORKGROUP}) { let xh = (x[base + j] - m) * r; let gy = ${gy}; a += gy; p += gy * xh; }
  s1[t] = a;
  s2[t] = p;
${treeReduce(['s1', 's2'])}
  let ma = ${center ? 's1[0] / f32(n)' : '0.0'};
  let mp = s2[0] / f32(n);
  for (var j = t; j < n; j += ${WORKGROUP}) {
    let xh = (x[base + j] - m) * r;
    let gy = ${gy};
    dx[base + j] = (gy - ma - xh * mp) * r;
    ${weightGrad ? 'gx[base + j] = g[base + j] * xh;' : ''}
  }
}`,
    };
    const buffers = [dx];
    if (gxhat !== null) buffers.push(gxhat);
    buffers.push(contiguous(g, true), contiguous(x, true));
    if (center) buffers.push(contiguous(mean!, true));
    buffers.push(contiguous(rstd, true));
    if (weight !== null) buffers.push(contiguous(weight, true));
    perRow('normalize', kernel, [rows, n], buffers, rows);
    return { dx, gxhat };
  },
};
