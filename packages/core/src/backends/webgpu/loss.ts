/**
 * The fused softmax cross-entropy on the GPU: one workgroup per row (max, then the shifted sum of
 * exponentials, as trees in shared memory) writes the row's softmax, its loss and whether it
 * counts; one more workgroup reduces the losses for `sum`/`mean`. Labels are checked by the row
 * kernel (see `checkIndexErrors`: a bad label is a ValueError at the next read).
 */
import { labelOutOfRange } from '../indexing.js';
import type { LossKernels } from '../loss.js';
import { header } from './codegen.js';
import { FLOAT_HELPERS } from './elementwise.js';
import { rangeCheck } from './indexing.js';
import { gpu, type WebGPUBuffer } from './runtime.js';
import { buf, contiguous } from './views.js';

/** Threads per row of the forward. */
const ROW = 64;

const rowKernel = {
  key: 'softmaxCrossEntropy',
  wgsl: () => `@group(0) @binding(0) var<storage, read> prm: array<i32>;
@group(0) @binding(1) var<storage, read_write> losses: array<f32>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var<storage, read_write> valid: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> labels: array<i32>;
${FLOAT_HELPERS}
var<workgroup> red: array<f32, ${ROW}>;
@compute @workgroup_size(${ROW})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = i32(wid.y * nwg.x + wid.x);
  if (row >= prm[0]) { return; }
  let c = prm[1];
  let base = row * c;
  let t = i32(lid);
  var m = bitcast<f32>(NINF_BITS);
  for (var j = t; j < c; j += ${ROW}) { let v = x[base + j]; if (!is_nan(m) && (is_nan(v) || v > m)) { m = v; } }
  red[t] = m;
  workgroupBarrier();
  for (var s = ${ROW / 2}; s > 0; s = s / 2) {
    if (t < s) { let a = red[t]; let b = red[t + s]; if (!is_nan(a) && (is_nan(b) || b > a)) { red[t] = b; } }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  let shift = select(mx, 0.0, is_inf(mx));
  var sum = 0.0;
  for (var j = t; j < c; j += ${ROW}) { sum += exp(x[base + j] - shift); }
  red[t] = sum;
  workgroupBarrier();
  for (var s = ${ROW / 2}; s > 0; s = s / 2) {
    if (t < s) { red[t] = red[t] + red[t + s]; }
    workgroupBarrier();
  }
  let lse = log(red[0]) + shift;
  for (var j = t; j < c; j += ${ROW}) { probs[base + j] = exp(x[base + j] - lse); }
  if (t == 0) {
    let lab = labels[row];
    if (lab == prm[2]) { losses[row] = 0.0; valid[row] = 0.0; }
    else if (lab < 0 || lab >= c) { losses[row] = bitcast<f32>(NAN_BITS); valid[row] = 1.0; }
    else { losses[row] = lse - x[base + lab]; valid[row] = 1.0; }
  }
}`,
};

const WG = 256;
const totalKernel = {
  key: 'softmaxCrossEntropyTotal',
  wgsl: () => `@group(0) @binding(0) var<storage, read> prm: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> counted: array<f32>;
@group(0) @binding(3) var<storage, read> losses: array<f32>;
@group(0) @binding(4) var<storage, read> valid: array<f32>;
var<workgroup> ls: array<f32, ${WG}>;
var<workgroup> vs: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) lid: u32) {
  let t = i32(lid);
  var l = 0.0;
  var v = 0.0;
  for (var i = t; i < prm[0]; i += ${WG}) { l += losses[i]; v += valid[i]; }
  ls[t] = l;
  vs[t] = v;
  workgroupBarrier();
  for (var s = ${WG / 2}; s > 0; s = s / 2) {
    if (t < s) { ls[t] = ls[t] + ls[t + s]; vs[t] = vs[t] + vs[t + s]; }
    workgroupBarrier();
  }
  if (t == 0) {
    counted[0] = vs[0];
    out[0] = select(ls[0], ls[0] / vs[0], prm[1] == 1);
  }
}`,
};

const backwardKernel = {
  key: 'softmaxCrossEntropyBackward',
  wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> probs: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;
@group(0) @binding(4) var<storage, read> g: array<f32>;`)}
  if (i >= prm[0]) { return; }
  let row = i / prm[1];
  let j = i % prm[1];
  let lab = labels[prm[3] + row * prm[6]];
  if (lab == prm[2]) { out[i] = 0.0; return; }
  let s = g[prm[4] + row * prm[5]];
  out[i] = s * (probs[i] - select(0.0, 1.0, j == lab));
}`,
};

/** The WebGPU loss kernels. */
export const webgpuLoss: LossKernels = {
  softmaxCrossEntropy: (op, logits, labelsView, ignoreIndex, reduction) => {
    const rt = gpu(op);
    const [n, c] = logits.shape as [number, number];
    const x = contiguous(logits, true);
    const labels = contiguous(labelsView, true);
    // Ignored labels pass the check as 0 would; the row kernel writes NaN for the rest meanwhile.
    rangeCheck(
      { ...labelsView, storage: labels, shape: [n], strides: [1], offset: 0 },
      [n],
      c,
      (v, pos) => labelOutOfRange(op, v, pos, c),
      ignoreIndex,
    );
    const losses = rt.alloc('float32', n, op);
    const probs = rt.alloc('float32', n * c, op);
    const valid = rt.alloc('float32', n, op);
    if (n > 0) {
      const gx = Math.min(n, 65535);
      rt.dispatch(rowKernel, [n, c, ignoreIndex], [losses, probs, valid, x, labels], [gx, Math.ceil(n / gx)]);
    }
    if (reduction === 'none') return { loss: losses, probs, counted: null };
    const loss = rt.alloc('float32', 1, op);
    const counted: WebGPUBuffer = rt.alloc('float32', 1, op);
    rt.dispatch(totalKernel, [n, reduction === 'mean' ? 1 : 0], [loss, counted, losses, valid], [1]);
    return { loss, probs, counted: reduction === 'mean' ? counted : null };
  },
  softmaxCrossEntropyBackward: (probs, labelsView, rowGrad, n, c, ignoreIndex) => {
    const rt = gpu('softmaxCrossEntropyBackward');
    const out = rt.alloc('float32', n * c, 'softmaxCrossEntropyBackward');
    rt.run(
      backwardKernel,
      [
        n * c,
        c,
        ignoreIndex,
        labelsView.offset,
        rowGrad.offset,
        rowGrad.strides[0] ?? 0,
        labelsView.strides[0] ?? 0,
      ],
      [
        out,
        buf(probs, 'softmaxCrossEntropyBackward'),
        buf(labelsView.storage, 'softmaxCrossEntropyBackward'),
        buf(rowGrad.storage, 'softmaxCrossEntropyBackward'),
      ],
      n * c,
    );
    return out;
  },
};
