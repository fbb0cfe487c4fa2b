/**
 * Convolution on the GPU, direct (implicit GEMM, no column buffer) and deterministic: the forward
 * and the input gradient run one thread per pixel and block of four channels of what they write,
 * each gathering its own sums (no float atomics); the weight gradient sums fixed chunks of the
 * batch × output plane per weight element, then sums the chunks in order. Any stride, padding,
 * dilation and groups.
 */
import type { ConvGeometry } from '../../kernels/conv.js';
import type { ConvKernels } from '../conv.js';
import { header } from './codegen.js';
import { reduceKernel } from './reduce.js';
import { gpu, type Kernel, type WebGPUBuffer } from './runtime.js';
import { contiguous } from './views.js';

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

/** Channels each forward (output) or input-gradient (input) thread computes, sharing every load. */
const OC_BLOCK = 4;

/**
 * The forward, one thread per output pixel and block of `OC_BLOCK` output channels of one group
 * (meta words 18, 19: blocks per group, groups); lanes past the group's end load a valid weight
 * and store nothing.
 */
function forwardKernel(bias: boolean): Kernel {
  return {
    key: `conv2d:${bias}`,
    wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> wt: array<f32>;
${bias ? '@group(0) @binding(4) var<storage, read> bias: array<f32>;' : ''}`)}
  if (i >= prm[0]) { return; }
${GEOMETRY}
  let blocks = prm[18];
  let ox = i % OW;
  var r = i / OW;
  let oy = r % OH;
  r = r / OH;
  let b = r % (prm[19] * blocks);
  let nn = r / (prm[19] * blocks);
  let grp = b / blocks;
  let local0 = (b % blocks) * ${OC_BLOCK};
  let lanes = min(${OC_BLOCK}, OG - local0);
  let oc0 = grp * OG + local0;
  let kArea = KH * KW;
  let wStep = CG * kArea;
  let w0 = oc0 * wStep;
  let w1 = (oc0 + min(1, lanes - 1)) * wStep;
  let w2 = (oc0 + min(2, lanes - 1)) * wStep;
  let w3 = (oc0 + min(3, lanes - 1)) * wStep;
  let y0 = oy * SH - PH;
  let x0 = ox * SW - PW;
  var acc = vec4<f32>(0.0);
  for (var ci = 0; ci < CG; ci++) {
    let xb = (nn * C + grp * CG + ci) * H;
    let wc = ci * kArea;
    for (var ki = 0; ki < KH; ki++) {
      let y = y0 + ki * DH;
      if (y < 0 || y >= H) { continue; }
      let xr = (xb + y) * W;
      let wr = wc + ki * KW;
      for (var kj = 0; kj < KW; kj++) {
        let xx = x0 + kj * DW;
        if (xx < 0 || xx >= W) { continue; }
        let k = wr + kj;
        acc += x[xr + xx] * vec4<f32>(wt[w0 + k], wt[w1 + k], wt[w2 + k], wt[w3 + k]);
      }
    }
  }
  let plane = OH * OW;
  let o0 = (nn * O + oc0) * plane + oy * OW + ox;
  for (var j = 0; j < lanes; j++) {
    out[o0 + j * plane] = acc[j]${bias ? ' + bias[oc0 + j]' : ''};
  }
}`,
  };
}

/**
 * The input gradient, one thread per input pixel and block of `OC_BLOCK` input channels of one
 * group (meta words 18, 19: blocks per group, groups), sharing each output-gradient load; `unit`:
 * stride 1 (no divisibility tests).
 */
function inputGradKernel(unit: boolean): Kernel {
  return {
    key: `conv2dInputGrad:${unit}`,
    wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> wt: array<f32>;`)}
  if (i >= prm[0]) { return; }
${GEOMETRY}
  let blocks = prm[18];
  let xx = i % W;
  var r = i / W;
  let y = r % H;
  r = r / H;
  let b = r % (prm[19] * blocks);
  let nn = r / (prm[19] * blocks);
  let grp = b / blocks;
  let cl0 = (b % blocks) * ${OC_BLOCK};
  let lanes = min(${OC_BLOCK}, CG - cl0);
  let kArea = KH * KW;
  let gPlane = OH * OW;
  let wStep = CG * kArea;
  let g0 = (nn * O + grp * OG) * gPlane;
  let w0 = (grp * OG * CG + cl0) * kArea;
  let l1 = min(1, lanes - 1) * kArea;
  let l2 = min(2, lanes - 1) * kArea;
  let l3 = min(3, lanes - 1) * kArea;
  var acc = vec4<f32>(0.0);
  for (var ki = 0; ki < KH; ki++) {
    let ty = y + PH - ki * DH;
    if (ty < 0) { break; }
${unit ? '    let oy = ty;' : '    if (ty % SH != 0) { continue; }\n    let oy = ty / SH;'}
    if (oy >= OH) { continue; }
    for (var kj = 0; kj < KW; kj++) {
      let tx = xx + PW - kj * DW;
      if (tx < 0) { break; }
${unit ? '      let ox = tx;' : '      if (tx % SW != 0) { continue; }\n      let ox = tx / SW;'}
      if (ox >= OW) { continue; }
      var gi = g0 + oy * OW + ox;
      var wi = w0 + ki * KW + kj;
      for (var q = 0; q < OG; q++) {
        acc += g[gi] * vec4<f32>(wt[wi], wt[wi + l1], wt[wi + l2], wt[wi + l3]);
        gi += gPlane;
        wi += wStep;
      }
    }
  }
  let plane = H * W;
  let o0 = (nn * C + grp * CG + cl0) * plane + y * W + xx;
  for (var j = 0; j < lanes; j++) {
    out[o0 + j * plane] = acc[j];
  }
}`,
  };
}

/**
 * The weight gradient in two deterministic passes: each thread sums, for one (input channel, tap)
 * and block of `OC_BLOCK` output channels, the products over a fixed run of `prm[18]` positions
 * of the batch × output plane into partial[chunk, weight]; a reduction over chunks (or nothing,
 * for one chunk) finishes. Meta words 19–21: threads per chunk, blocks per group, weight
 * elements. No barriers and no atomics, and enough threads whichever of the weight and the batch
 * is big.
 */
const weightGradKernel: Kernel = {
  key: 'conv2dWeightGrad',
  wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> part: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;`)}
  if (i >= prm[0]) { return; }
${GEOMETRY}
  let N = prm[1];
  let count = prm[19];
  let blocks = prm[20];
  let e = i % count;
  let chunk = i / count;
  let kj = e % KW;
  var r = e / KW;
  let ki = r % KH;
  r = r / KH;
  let cl = r % CG;
  let b = r / CG;
  let grp = b / blocks;
  let local0 = (b % blocks) * ${OC_BLOCK};
  let lanes = min(${OC_BLOCK}, OG - local0);
  let oc = grp * OG + local0;
  let ci = grp * CG + cl;
  let plane = OH * OW;
  let m0 = chunk * prm[18];
  let m1 = min(m0 + prm[18], N * plane);
  let dy = ki * DH - PH;
  let dx = kj * DW - PW;
  let nn = m0 / plane;
  let p0 = m0 % plane;
  var oy = p0 / OW;
  var ox = p0 % OW;
  var gb = (nn * O + oc) * plane;
  let l1 = min(1, lanes - 1) * plane;
  let l2 = min(2, lanes - 1) * plane;
  let l3 = min(3, lanes - 1) * plane;
  var xb = (nn * C + ci) * H * W;
  var acc = vec4<f32>(0.0);
  for (var m = m0; m < m1; m++) {
    let y = oy * SH + dy;
    let xx = ox * SW + dx;
    if (y >= 0 && y < H && xx >= 0 && xx < W) {
      let gi = gb + oy * OW + ox;
      acc += x[xb + y * W + xx] * vec4<f32>(g[gi], g[gi + l1], g[gi + l2], g[gi + l3]);
    }
    ox++;
    if (ox == OW) {
      ox = 0;
      oy++;
      if (oy == OH) {
        oy = 0;
        gb += O * plane;
        xb += C * H * W;
      }
    }
  }
  // Weight element (oc + j, cl, ki, kj) of this chunk, in partial[chunk, weight].
  let kArea = KH * KW;
  let p1 = chunk * prm[21] + ((oc * CG + cl) * KH + ki) * KW + kj;
  for (var j = 0; j < lanes; j++) {
    part[p1 + j * CG * kArea] = acc[j];
  }
}`,
};

/** Sums partial[chunk, e] over chunks in order, one thread per weight element e. */
const chunkSumKernel: Kernel = {
  key: 'conv2dWeightGradChunks',
  wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> part: array<f32>;`)}
  if (i >= prm[0]) { return; }
  var acc = 0.0;
  for (var c = 0; c < prm[1]; c++) { acc += part[c * prm[0] + i]; }
  out[i] = acc;
}`,
};

/** Up to this many chunks are summed one thread per weight element; more, by a reduction tree. */
const SEQUENTIAL_CHUNKS = 512;

/** Threads the weight gradient aims for (chunks × weight elements), and the shortest chunk. */
const WEIGHT_GRAD_THREADS = 1 << 18;
const MIN_CHUNK = 64;

/** The WebGPU convolution kernels. */
export const webgpuConv: ConvKernels = {
  conv2dKeptColumnsLength: () => -1,
  conv2d: (x, weight, bias, geo, o, groups) => {
    const rt = gpu('conv2d');
    const out = rt.alloc(x.dtype, geo.n * o * geo.oh * geo.ow, 'conv2d');
    const blocks = Math.ceil(o / groups / OC_BLOCK);
    const threads = geo.n * groups * blocks * geo.oh * geo.ow;
    const buffers: WebGPUBuffer[] = [out, contiguous(x, true), contiguous(weight, true)];
    if (bias !== null) buffers.push(contiguous(bias, true));
    const meta = [...convMeta(threads, geo, o, groups), blocks, groups];
    rt.run(forwardKernel(bias !== null), meta, buffers, threads);
    return out;
  },
  conv2dInputGrad: (gradOut, weight, geo, o, groups) => {
    const rt = gpu('conv2dInputGrad');
    const out = rt.alloc(gradOut.dtype, geo.n * geo.c * geo.h * geo.w, 'conv2dInputGrad');
    const blocks = Math.ceil(geo.c / groups / OC_BLOCK);
    const threads = geo.n * groups * blocks * geo.h * geo.w;
    const buffers = [out, contiguous(gradOut, true), contiguous(weight, true)];
    const meta = [...convMeta(threads, geo, o, groups), blocks, groups];
    rt.run(inputGradKernel(geo.sh === 1 && geo.sw === 1), meta, buffers, threads);
    return out;
  },
  conv2dWeightGrad: (x, gradOut, geo, o, groups) => {
    const rt = gpu('conv2dWeightGrad');
    const count = o * (geo.c / groups) * geo.kh * geo.kw;
    const blocks = Math.ceil(o / groups / OC_BLOCK);
    // Threads per chunk: one per block of output channels and (input channel, tap).
    const perChunk = groups * blocks * (geo.c / groups) * geo.kh * geo.kw;
    const total = geo.n * geo.oh * geo.ow;
    const wanted = Math.ceil(WEIGHT_GRAD_THREADS / Math.max(perChunk, 1));
    const chunks0 = Math.max(1, Math.min(wanted, Math.ceil(total / MIN_CHUNK)));
    const chunkLen = Math.max(1, Math.ceil(total / chunks0));
    const chunks = Math.max(1, Math.ceil(total / chunkLen));
    const part = rt.alloc(x.dtype, chunks * count, 'conv2dWeightGrad');
    const meta = [...convMeta(chunks * perChunk, geo, o, groups), chunkLen, perChunk, blocks, count];
    rt.run(weightGradKernel, meta, [part, contiguous(x, true), contiguous(gradOut, true)], chunks * perChunk);
    if (chunks === 1) return part;
    if (chunks <= SEQUENTIAL_CHUNKS) {
      const out = rt.alloc(x.dtype, count, 'conv2dWeightGrad');
      rt.run(chunkSumKernel, [count, chunks], [out, part], count);
      return out;
    }
    const view = { storage: part, shape: [chunks, count], strides: [count, 1], offset: 0, dtype: x.dtype };
    return reduceKernel('sum', view, [0], x.dtype);
  },
  conv2dBiasGrad: (gradOut) => reduceKernel('sum', gradOut, [0, 2, 3], gradOut.dtype),
};
