/**
 * Scans on the GPU: one thread walks one line along the scanned dim (lines are independent; a
 * line is short next to the number of lines in the models this serves). float32 running sums are
 * compensated (Neumaier), to stay close to the CPU, which accumulates in float64.
 */
import { DeviceError } from '../../errors.js';
import { contiguousStrides, sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import type { ScanKernels } from '../scan.js';
import { header, wgslType } from './codegen.js';
import { FLOAT_HELPERS } from './elementwise.js';
import { gpu, type WebGPUBuffer } from './runtime.js';

/**
 * Runs `body` once per line of x along `d` with `px`, `pg`, `po` (the line's start in x, g and
 * out) and `n`, `xs`, `gs`, `os` (the steps along `d`) defined; `g` is bound only when given.
 */
function lineKernel(name: string, body: string, x: View, g: View | null, d: number, out: WebGPUBuffer): void {
  const n = x.shape[d]!;
  const size = sizeOf(x.shape);
  if (size === 0) return;
  const lines = size / n;
  const other = x.shape.map((_, k) => k).filter((k) => k !== d);
  const r = other.length;
  const os = contiguousStrides(x.shape);
  const gv = g ?? x;
  const meta = [
    lines,
    n,
    x.offset,
    x.strides[d]!,
    gv.offset,
    gv.strides[d]!,
    os[d]!,
    ...other.map((k) => x.shape[k]!),
    ...other.map((k) => x.strides[k]!),
    ...other.map((k) => gv.strides[k]!),
    ...other.map((k) => os[k]!),
  ];
  const starts: string[] = [];
  for (let k = r - 1; k >= 0; k--) {
    starts.push(
      `  { let m = prm[${7 + k}]; let c = rem % m; rem = rem / m; px += c * prm[${7 + r + k}]; pg += c * prm[${7 + 2 * r + k}]; po += c * prm[${7 + 3 * r + k}]; }`,
    );
  }
  const t = wgslType(x.dtype);
  const bindings = [
    `@group(0) @binding(1) var<storage, read_write> out: array<${t}>;`,
    `@group(0) @binding(2) var<storage, read> x: array<${t}>;`,
  ];
  if (g !== null) bindings.push(`@group(0) @binding(3) var<storage, read> g: array<${wgslType(g.dtype)}>;`);
  gpu(name).run(
    {
      key: `scan:${name}:${t}:${g === null ? '' : wgslType(g.dtype)}:${r}`,
      wgsl: () => `${t === 'f32' ? FLOAT_HELPERS : ''}
${header(bindings.join('\n'))}
  if (i >= prm[0]) { return; }
  var px = prm[2];
  var pg = prm[4];
  var po = 0;
  var rem = i;
${starts.join('\n')}
  let n = prm[1];
  let xs = prm[3];
  let gs = prm[5];
  let os = prm[6];
${body}
}`,
    },
    meta,
    g === null
      ? [out, x.storage as WebGPUBuffer]
      : [out, x.storage as WebGPUBuffer, g.storage as WebGPUBuffer],
    lines,
  );
}

/** The WebGPU scan kernels. */
export const webgpuScan: ScanKernels = {
  cumsum: (x, d, reverse) => {
    const out = gpu('cumsum').alloc(x.dtype, sizeOf(x.shape), 'cumsum');
    const t = wgslType(x.dtype);
    const loop = reverse ? 'var k = n - 1; k >= 0; k--' : 'var k = 0; k < n; k++';
    const body =
      t === 'f32'
        ? `  var s = 0.0;
  var c = 0.0;
  for (${loop}) {
    let v = x[px + k * xs];
    let u = s + v;
    if (abs(s) >= abs(v)) { c += (s - u) + v; } else { c += (v - u) + s; }
    s = u;
    out[po + k * os] = select(s + c, s, is_nan(s) || is_inf(s));
  }`
        : `  var s = ${t}(0);
  for (${loop}) { s += x[px + k * xs]; out[po + k * os] = s; }`;
    lineKernel(reverse ? 'cumsumReverse' : 'cumsum', body, x, null, d, out);
    return out;
  },
  cumprod: (x, d) => {
    const out = gpu('cumprod').alloc(x.dtype, sizeOf(x.shape), 'cumprod');
    const t = wgslType(x.dtype);
    lineKernel(
      'cumprod',
      `  var s = ${t}(1);
  for (var k = 0; k < n; k++) { s *= x[px + k * xs]; out[po + k * os] = s; }`,
      x,
      null,
      d,
      out,
    );
    return { storage: out, hasZero: null };
  },
  cumprodGrad: (x, g, d) => {
    if (x.dtype !== 'float32') throw new DeviceError(`cumprod: no webgpu gradient kernel for ${x.dtype} yet`);
    const out = gpu('cumprod').alloc(x.dtype, sizeOf(x.shape), 'cumprod');
    // The CPU's algorithm (kernels/scan.ts), with the prefix products kept in `out` until the
    // reverse pass overwrites each one after reading it.
    lineKernel(
      'cumprodGrad',
      `  var z = n;
  var prefix = 1.0;
  for (var k = 0; k < n; k++) {
    let v = x[px + k * xs];
    if (v == 0.0) { z = k; break; }
    prefix *= v;
    out[po + k * os] = prefix;
  }
  let before = prefix;
  var acc = 0.0;
  for (var k = z - 1; k >= 0; k--) {
    acc += g[pg + k * gs] * out[po + k * os];
    out[po + k * os] = acc / x[px + k * xs];
  }
  if (z < n) {
    var run = before;
    var total = g[pg + z * gs] * run;
    for (var j = z + 1; j < n; j++) {
      run *= x[px + j * xs];
      total += g[pg + j * gs] * run;
    }
    out[po + z * os] = total;
    for (var k = z + 1; k < n; k++) { out[po + k * os] = 0.0; }
  }`,
      x,
      g,
      d,
      out,
    );
    return out;
  },
};
