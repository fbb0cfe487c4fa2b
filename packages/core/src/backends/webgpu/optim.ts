/**
 * The optimizers' update steps in WGSL: one dispatch per parameter updates the parameter and its
 * state buffers in place. The step's scalars travel in the meta words (as f32 bits), so a
 * training step encodes its updates without reading anything back.
 */
import { sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import { adamConstants, type OptimKernels } from '../optim.js';
import { f32bits, header } from './codegen.js';
import { gpu, type WebGPUBuffer } from './runtime.js';
import { buf, contiguous } from './views.js';

/** A float parameter of the meta words, as WGSL reads it. */
function f(k: number): string {
  return `bitcast<f32>(prm[${k}])`;
}

/** The gradient as a contiguous buffer that does not alias the parameter (bound read-only beside it). */
function gradBuffer(grad: View, param: WebGPUBuffer): { b: WebGPUBuffer; offset: number } {
  const own = buf(grad.storage, 'optimizer step');
  if (own !== param && grad.offset >= 0 && isDense(grad)) return { b: own, offset: grad.offset };
  return { b: contiguous(grad), offset: 0 };
}

/** True when a view's elements are consecutive in row-major order. */
function isDense(x: View): boolean {
  let s = 1;
  for (let d = x.shape.length - 1; d >= 0; d--) {
    if (x.shape[d] !== 1 && x.strides[d] !== s) return false;
    s *= x.shape[d]!;
  }
  return true;
}

/** The WebGPU optimizer kernels. */
export const webgpuOptim: OptimKernels = {
  sgdStep(param, grad, momentumBuffer, o) {
    const n = sizeOf(param.shape);
    if (n === 0) return;
    const p = buf(param.storage, 'SGD.step');
    const g = gradBuffer(grad, p);
    const withBuffer = momentumBuffer !== null && o.momentum !== 0;
    const b = withBuffer ? buf(momentumBuffer!.storage, 'SGD.step') : null;
    const meta = [
      n,
      param.offset,
      g.offset,
      withBuffer ? momentumBuffer!.offset : 0,
      f32bits(o.lr),
      f32bits(o.momentum),
      f32bits(1 - o.dampening),
      f32bits(o.weightDecay),
      o.maximize ? -1 : 1,
      o.first ? 1 : 0,
      o.nesterov ? 1 : 0,
    ];
    const bindings = `@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;${
      withBuffer ? '\n@group(0) @binding(3) var<storage, read_write> b: array<f32>;' : ''
    }`;
    const momentum = withBuffer
      ? `  let bi = prm[3] + i;
  if (prm[9] == 1) { b[bi] = gi; } else { b[bi] = ${f(5)} * b[bi] + ${f(6)} * gi; }
  if (prm[10] == 1) { gi = gi + ${f(5)} * b[bi]; } else { gi = b[bi]; }
`
      : '';
    gpu('SGD.step').run(
      {
        key: `optim:sgd:${withBuffer}`,
        wgsl: () => `${header(bindings)}
  if (i >= prm[0]) { return; }
  let pi = prm[1] + i;
  var gi = f32(prm[8]) * g[prm[2] + i];
  if (${f(7)} != 0.0) { gi = gi + ${f(7)} * p[pi]; }
${momentum}  p[pi] = p[pi] - ${f(4)} * gi;
}`,
      },
      meta,
      b === null ? [p, g.b] : [p, g.b, b],
      n,
    );
  },

  adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, o) {
    const n = sizeOf(param.shape);
    if (n === 0) return;
    const op = 'Adam.step';
    const p = buf(param.storage, op);
    const g = gradBuffer(grad, p);
    const m = buf(expAvg.storage, op);
    const v = buf(expAvgSq.storage, op);
    const x = maxExpAvgSq === null ? null : buf(maxExpAvgSq.storage, op);
    const c = adamConstants(o);
    const meta = [
      n,
      param.offset,
      g.offset,
      expAvg.offset,
      expAvgSq.offset,
      maxExpAvgSq === null ? 0 : maxExpAvgSq.offset,
      f32bits(o.beta1),
      f32bits(o.beta2),
      f32bits(1 - o.beta1),
      f32bits(1 - o.beta2),
      f32bits(c.stepSize),
      f32bits(c.bias2Sqrt),
      f32bits(o.eps),
      f32bits(c.l2),
      f32bits(c.shrink),
      c.sign,
    ];
    const ams = x !== null;
    const bindings = `@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;${
      ams ? '\n@group(0) @binding(5) var<storage, read_write> vmax: array<f32>;' : ''
    }`;
    gpu(op).run(
      {
        key: `optim:adam:${ams}`,
        wgsl: () => `${header(bindings)}
  if (i >= prm[0]) { return; }
  let pi = prm[1] + i;
  var gi = f32(prm[15]) * g[prm[2] + i];
  var w = p[pi];
  if (${f(13)} != 0.0) { gi = gi + ${f(13)} * w; }
  if (${f(14)} != 1.0) { w = w * ${f(14)}; }
  let mi = ${f(6)} * m[prm[3] + i] + ${f(8)} * gi;
  let vi = ${f(7)} * v[prm[4] + i] + ${f(9)} * gi * gi;
  m[prm[3] + i] = mi;
  v[prm[4] + i] = vi;
${
  ams
    ? `  // max() of WGSL may drop a NaN; PyTorch's maximum keeps it.
  let old = vmax[prm[5] + i];
  var vh = vi;
  if (!(vi != vi) && (old != old || old > vi)) { vh = old; }
  vmax[prm[5] + i] = vh;`
    : '  let vh = vi;'
}
  p[pi] = w - (${f(10)} * mi) / (sqrt(vh) / ${f(11)} + ${f(12)});
}`,
      },
      meta,
      x === null ? [p, g.b, m, v] : [p, g.b, m, v, x],
      n,
    );
  },
};
