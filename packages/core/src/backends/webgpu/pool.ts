/**
 * Pooling on the GPU, deterministic (no float atomics): max pooling writes values and int32
 * argmax indices, one thread per output; its backward runs one thread per input element, which
 * gathers the gradients of the windows that picked it, in output order (as the CPU adds them).
 * Window averaging and its adjoint likewise; the windows' bounds travel in the meta words.
 */
import { DeviceError } from '../../errors.js';
import type { ConvGeometry } from '../../kernels/conv.js';
import type { AverageWindows } from '../../kernels/pool.js';
import { sizeOf } from '../../tensor/shape.js';
import type { PoolKernels } from '../pool.js';
import { f32bits, header } from './codegen.js';
import { FLOAT_HELPERS } from './elementwise.js';
import { gpu, type Kernel } from './runtime.js';
import { contiguous } from './views.js';

/** Meta words of a pooling window: [count, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow]. */
function poolMeta(count: number, geo: ConvGeometry): number[] {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geo;
  return [count, n * c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow];
}

const GEOMETRY = `
  let H = prm[2]; let W = prm[3]; let KH = prm[4]; let KW = prm[5];
  let SH = prm[6]; let SW = prm[7]; let PH = prm[8]; let PW = prm[9];
  let DH = prm[10]; let DW = prm[11]; let OH = prm[12]; let OW = prm[13];`;

const maxPoolKernel: Kernel = {
  key: 'maxPool2d',
  wgsl: () => `${FLOAT_HELPERS}
${header(`@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<i32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;`)}
  if (i >= prm[0]) { return; }
${GEOMETRY}
  let ox = i % OW;
  var r = i / OW;
  let oy = r % OH;
  let p = r / OH;
  let src = p * H * W;
  var best = 0.0;
  var at = -1;
  for (var ki = 0; ki < KH; ki++) {
    let y = oy * SH - PH + ki * DH;
    if (y < 0 || y >= H) { continue; }
    for (var kj = 0; kj < KW; kj++) {
      let xx = ox * SW - PW + kj * DW;
      if (xx < 0 || xx >= W) { continue; }
      let v = x[src + y * W + xx];
      if (at < 0 || (!is_nan(best) && (is_nan(v) || v > best))) {
        best = v;
        at = y * W + xx;
      }
    }
  }
  values[i] = best;
  indices[i] = at;
}`,
};

/** One thread per input element: the sum of g over the windows whose argmax is this element. */
const maxPoolBackwardKernel: Kernel = {
  key: 'maxPool2dBackward',
  wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;`)}
  if (i >= prm[0]) { return; }
${GEOMETRY}
  let xx = i % W;
  var r = i / W;
  let y = r % H;
  let p = r / H;
  let at = y * W + xx;
  // Windows oy with oy·SH − PH ≤ y ≤ oy·SH − PH + (KH − 1)·DH, in increasing order.
  let ly = y + PH - (KH - 1) * DH;
  let oy0 = select(0, (ly + SH - 1) / SH, ly > 0);
  let oy1 = min(OH - 1, (y + PH) / SH);
  let lx = xx + PW - (KW - 1) * DW;
  let ox0 = select(0, (lx + SW - 1) / SW, lx > 0);
  let ox1 = min(OW - 1, (xx + PW) / SW);
  let base = p * OH * OW;
  var acc = 0.0;
  for (var oy = oy0; oy <= oy1; oy++) {
    for (var ox = ox0; ox <= ox1; ox++) {
      let k = base + oy * OW + ox;
      if (idx[k] == at) { acc += g[k]; }
    }
  }
  out[i] = acc;
}`,
};

const gatherKernel: Kernel = {
  key: 'maxPool2dGather',
  wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;`)}
  if (i >= prm[0]) { return; }
  out[i] = x[(i / prm[2]) * prm[1] + idx[i]];
}`,
};

/**
 * Meta words of window averaging: [count, h, w, oh, ow, divisor mode, fixed divisor bits,
 * rowStart…, rowEnd…, colStart…, colEnd…]. Mode 0 divides by the window's element count, mode 1
 * by the fixed divisor (the two kinds `windowDivisors` makes).
 */
function averageMeta(op: string, count: number, win: AverageWindows): { meta: number[]; mode: number } {
  const oh = win.rows.start.length;
  const ow = win.cols.start.length;
  const { divisor } = win;
  let counts = true;
  let fixed = true;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const d = divisor[oy * ow + ox]!;
      if (d !== (win.rows.end[oy]! - win.rows.start[oy]!) * (win.cols.end[ox]! - win.cols.start[ox]!))
        counts = false;
      if (d !== divisor[0]) fixed = false;
    }
  }
  if (!counts && !fixed) {
    throw new DeviceError(
      `${op}: no webgpu kernel for windows with per-window divisors other than their size yet`,
    );
  }
  const mode = counts ? 0 : 1;
  const meta = [count, win.h, win.w, oh, ow, mode, f32bits(mode === 1 ? divisor[0]! : 0)];
  meta.push(...win.rows.start, ...win.rows.end, ...win.cols.start, ...win.cols.end);
  return { meta, mode };
}

const WINDOWS = `
  let H = prm[1]; let W = prm[2]; let OH = prm[3]; let OW = prm[4];
  let RS = 7; let RE = 7 + OH; let CS = 7 + 2 * OH; let CE = 7 + 2 * OH + OW;`;

function divisorOf(mode: number): string {
  return mode === 0
    ? 'f32((prm[RE + oy] - prm[RS + oy]) * (prm[CE + ox] - prm[CS + ox]))'
    : 'bitcast<f32>(prm[6])';
}

function averageKernel(mode: number): Kernel {
  return {
    key: `windowAverage:${mode}`,
    wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;`)}
  if (i >= prm[0]) { return; }
${WINDOWS}
  let ox = i % OW;
  var r = i / OW;
  let oy = r % OH;
  let p = r / OH;
  let src = p * H * W;
  var s = 0.0;
  for (var y = prm[RS + oy]; y < prm[RE + oy]; y++) {
    for (var xx = prm[CS + ox]; xx < prm[CE + ox]; xx++) { s += x[src + y * W + xx]; }
  }
  out[i] = s / ${divisorOf(mode)};
}`,
  };
}

/** One thread per input element: Σ g/divisor over the windows that cover it, in output order. */
function averageAdjointKernel(mode: number): Kernel {
  return {
    key: `windowAverageAdjoint:${mode}`,
    wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;`)}
  if (i >= prm[0]) { return; }
${WINDOWS}
  let xx = i % W;
  var r = i / W;
  let y = r % H;
  let p = r / H;
  var ox0 = OW;
  var ox1 = -1;
  for (var ox = 0; ox < OW; ox++) {
    if (prm[CS + ox] <= xx && xx < prm[CE + ox]) { ox0 = min(ox0, ox); ox1 = ox; }
  }
  let base = p * OH * OW;
  var acc = 0.0;
  for (var oy = 0; oy < OH; oy++) {
    if (prm[RS + oy] > y || y >= prm[RE + oy]) { continue; }
    for (var ox = ox0; ox <= ox1; ox++) {
      if (prm[CS + ox] <= xx && xx < prm[CE + ox]) { acc += g[base + oy * OW + ox] / ${divisorOf(mode)}; }
    }
  }
  out[i] = acc;
}`,
  };
}

/** The WebGPU pooling kernels. */
export const webgpuPool: PoolKernels = {
  maxPool2d: (x, geo) => {
    const rt = gpu('maxPool2d');
    const count = geo.n * geo.c * geo.oh * geo.ow;
    const values = rt.alloc(x.dtype, count, 'maxPool2d');
    const indices = rt.alloc('int32', count, 'maxPool2d');
    rt.run(maxPoolKernel, poolMeta(count, geo), [values, indices, contiguous(x, true)], count);
    return { values, indices };
  },
  maxPool2dBackward: (gradOut, indices, geo) => {
    const rt = gpu('maxPool2dBackward');
    const count = geo.n * geo.c * geo.h * geo.w;
    const out = rt.alloc(gradOut.dtype, count, 'maxPool2dBackward');
    const buffers = [out, contiguous(gradOut, true), contiguous(indices, true)];
    rt.run(maxPoolBackwardKernel, poolMeta(count, geo), buffers, count);
    return out;
  },
  maxPool2dGather: (x, indices, geo) => {
    const rt = gpu('maxPool2dGather');
    const count = sizeOf(indices.shape);
    const out = rt.alloc(x.dtype, count, 'maxPool2dGather');
    const meta = [count, geo.h * geo.w, geo.oh * geo.ow];
    rt.run(gatherKernel, meta, [out, contiguous(x, true), contiguous(indices, true)], count);
    return out;
  },
  windowAverage: (x, win) => {
    const rt = gpu('avgPool2d');
    const [n, c] = x.shape as [number, number];
    const count = n * c * win.rows.start.length * win.cols.start.length;
    const out = rt.alloc(x.dtype, count, 'avgPool2d');
    const { meta, mode } = averageMeta('avgPool2d', count, win);
    rt.run(averageKernel(mode), meta, [out, contiguous(x, true)], count);
    return out;
  },
  windowAverageAdjoint: (gradOut, win) => {
    const rt = gpu('avgPool2dBackward');
    const [n, c] = gradOut.shape as [number, number];
    const count = n * c * win.h * win.w;
    const out = rt.alloc(gradOut.dtype, count, 'avgPool2dBackward');
    const { meta, mode } = averageMeta('avgPool2dBackward', count, win);
    rt.run(averageAdjointKernel(mode), meta, [out, contiguous(gradOut, true)], count);
    return out;
  },
};
