/**
 * Convolution on the GPU, direct (implicit GEMM, no column buffer) and deterministic: the forward
 * and the input gradient run one thread per output element, each gathering its own sum (no float
 * atomics); the weight gradient runs one workgroup per weight element, a fixed tree over the
 * batch and output plane. Any stride, padding, dilation and groups.
 */
import type { ConvGeometry } from '../../kernels/conv.js';
import type { ConvKernels } from '../conv.js';
import { header } from './codegen.js';
import { reduceKernel } from './reduce.js';
import { gpu, type Kernel, type WebGPUBuffer, WORKGROUP } from './runtime.js';
import { contiguous } from './views.js';

/** The widest dispatch dimension (WebGPU's limit on workgroups per dimension). */
const MAX_GROUPS = 65535;

/**
 * Meta words of a convolution: [count, n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow,
 * c/groups, o/groups], read in WGSL through the `let` names of `GEOMETRY`.
 */
function convMeta(count: number, geo: ConvGeometry, o: number, groups: number): number[] {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geo;
  return [count, n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, c / groups, o / groups];
}

const GEOMETRY = `
  let C = prm[2]; let H = prm[3]; let W = prm[4]; let O = prm[5];
  let KH = prm[6]; let KW = prm[7]; let SH = prm[8]; let SW = prm[9];
  let PH = prm[10]; let PW = prm[11]; let DH = prm[12]; let DW = prm[13];
  let OH = prm[14]; let OW = prm[15]; let CG = prm[16]; let OG = prm[17];`;

function forwardKernel(bias: boolean): Kernel {
  return {
    key: `conv2d:${bias}`,
    wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> wt: array<f32>;
${bias ? '@group(0) @binding(4) var<storage, read> bias: array<f32>;' : ''}`)}
  if (i >= prm[0]) { return; }
${GEOMETRY}
  let ox = i % OW;
  var r = i / OW;
  let oy = r % OH;
  r = r / OH;
  let oc = r % O;
  let nn = r / O;
  let grp = oc / OG;
  let y0 = oy * SH - PH;
  let x0 = ox * SW - PW;
  var acc = ${bias ? 'bias[oc]' : '0.0'};
  for (var ci = 0; ci < CG; ci++) {
    let xb = (nn * C + grp * CG + ci) * H;
    let wb = (oc * CG + ci) * KH;
    for (var ki = 0; ki < KH; ki++) {
      let y = y0 + ki * DH;
      if (y < 0 || y >= H) { continue; }
      let xr = (xb + y) * W;
      let wr = (wb + ki) * KW;
      for (var kj = 0; kj < KW; kj++) {
        let xx = x0 + kj * DW;
        if (xx < 0 || xx >= W) { continue; }
        acc += x[xr + xx] * wt[wr + kj];
      }
    }
  }
  out[i] = acc;
}`,
  };
}

const inputGradKernel: Kernel = {
  key: 'conv2dInputGrad',
  wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> wt: array<f32>;`)}
  if (i >= prm[0]) { return; }
${GEOMETRY}
  let xx = i % W;
  var r = i / W;
  let y = r % H;
  r = r / H;
  let ci = r % C;
  let nn = r / C;
  let grp = ci / CG;
  let cl = ci % CG;
  var acc = 0.0;
  for (var ki = 0; ki < KH; ki++) {
    let ty = y + PH - ki * DH;
    if (ty < 0) { break; }
    if (ty % SH != 0) { continue; }
    let oy = ty / SH;
    if (oy >= OH) { continue; }
    for (var kj = 0; kj < KW; kj++) {
      let tx = xx + PW - kj * DW;
      if (tx < 0) { break; }
      if (tx % SW != 0) { continue; }
      let ox = tx / SW;
      if (ox >= OW) { continue; }
      for (var q = 0; q < OG; q++) {
        let oc = grp * OG + q;
        acc += g[((nn * O + oc) * OH + oy) * OW + ox] * wt[((oc * CG + cl) * KH + ki) * KW + kj];
      }
    }
  }
  out[i] = acc;
}`,
};

const weightGradKernel: Kernel = {
  key: 'conv2dWeightGrad',
  wgsl: () => `@group(0) @binding(0) var<storage, read> prm: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
var<workgroup> part: array<f32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let e = i32(wid.y * nwg.x + wid.x);
  if (e >= prm[0]) { return; }
  let t = i32(lid);
${GEOMETRY}
  let N = prm[1];
  let kj = e % KW;
  var r = e / KW;
  let ki = r % KH;
  r = r / KH;
  let cl = r % CG;
  let oc = r / CG;
  let ci = (oc / OG) * CG + cl;
  let plane = OH * OW;
  let total = N * plane;
  let dy = ki * DH - PH;
  let dx = kj * DW - PW;
  var acc = 0.0;
  for (var m = t; m < total; m += ${WORKGROUP}) {
    let nn = m / plane;
    let p = m % plane;
    let oy = p / OW;
    let ox = p % OW;
    let y = oy * SH + dy;
    let xx = ox * SW + dx;
    if (y >= 0 && y < H && xx >= 0 && xx < W) {
      acc += g[(nn * O + oc) * plane + p] * x[((nn * C + ci) * H + y) * W + xx];
    }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}; s > 0; s = s / 2) {
    if (t < s) { part[t] = part[t] + part[t + s]; }
    workgroupBarrier();
  }
  if (t == 0) { out[e] = part[0]; }
}`,
};

/** The WebGPU convolution kernels. */
export const webgpuConv: ConvKernels = {
  conv2dKeptColumnsLength: () => -1,
  conv2d: (x, weight, bias, geo, o, groups) => {
    const rt = gpu('conv2d');
    const count = geo.n * o * geo.oh * geo.ow;
    const out = rt.alloc(x.dtype, count, 'conv2d');
    const buffers: WebGPUBuffer[] = [out, contiguous(x, true), contiguous(weight, true)];
    if (bias !== null) buffers.push(contiguous(bias, true));
    rt.run(forwardKernel(bias !== null), convMeta(count, geo, o, groups), buffers, count);
    return out;
  },
  conv2dInputGrad: (gradOut, weight, geo, o, groups) => {
    const rt = gpu('conv2dInputGrad');
    const count = geo.n * geo.c * geo.h * geo.w;
    const out = rt.alloc(gradOut.dtype, count, 'conv2dInputGrad');
    const buffers = [out, contiguous(gradOut, true), contiguous(weight, true)];
    rt.run(inputGradKernel, convMeta(count, geo, o, groups), buffers, count);
    return out;
  },
  conv2dWeightGrad: (x, gradOut, geo, o, groups) => {
    const rt = gpu('conv2dWeightGrad');
    const count = o * (geo.c / groups) * geo.kh * geo.kw;
    const out = rt.alloc(x.dtype, count, 'conv2dWeightGrad');
    if (count === 0) return out;
    const meta = convMeta(count, geo, o, groups);
    const gx = Math.min(count, MAX_GROUPS);
    rt.dispatch(
      weightGradKernel,
      meta,
      [out, contiguous(x, true), contiguous(gradOut, true)],
      [gx, Math.ceil(count / gx)],
    );
    return out;
  },
  conv2dBiasGrad: (gradOut) => reduceKernel('sum', gradOut, [0, 2, 3], gradOut.dtype),
};
