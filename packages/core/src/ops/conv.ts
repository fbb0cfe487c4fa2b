/**
 * Convolution, pooling and padding on NCHW tensors. Each op's forward is a kernel call
 * (kernels/conv.ts) and its backward is written with ops that have backwards of their own:
 * conv2d, conv2dInputGrad and conv2dWeightGrad are each other's adjoints, as are max pooling's
 * gather/scatter and window averaging's forward/adjoint, so gradients of gradients work.
 */
import { record, sameDType } from '../autograd/function.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import {
  type AverageWindows,
  type ConvGeometry,
  conv2dInputGradKernel,
  conv2dKernel,
  conv2dWeightGradKernel,
  convOutputSize,
  maxPool2dKernel,
  planeGatherKernel,
  planeScatterAddKernel,
  windowAverageAdjointKernel,
  windowAverageKernel,
} from '../kernels/conv.js';
import { toContiguous } from '../kernels/copy.js';
import { allocate, requireFloating } from '../tensor/dtype.js';
import { contiguousStrides, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { expand, reshape, slice } from './shape.js';

/** A size given for both spatial dims at once, or as [height, width]. */
export type Size2 = number | readonly [number, number];

/** Options of `conv2d` (and of its adjoints, which take numeric padding only). */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zero padding on each side (default 0); 'valid' is 0, 'same' keeps the size (stride 1 only). */
  padding?: Size2 | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2;
  /** Input and output channels are split into this many independent groups (default 1). */
  groups?: number;
}

/** Options of `conv2dInputGrad` and `conv2dWeightGrad`: as conv2d, with numeric padding. */
export interface Conv2dAdjointOptions extends Omit<Conv2dOptions, 'padding'> {
  padding?: Size2;
}

interface ConvParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

function pair(op: string, name: string, v: Size2, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!Number.isInteger(p[0]) || !Number.isInteger(p[1]) || p[0] < min || p[1] < min) {
    throw new ValueError(
      `${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or pair, got ${fmtSize(v)}`,
    );
  }
  return p;
}

function fmtSize(v: Size2): string {
  return typeof v === 'number' ? String(v) : `[${v[0]},${v[1]}]`;
}

function fmtPair(p: readonly [number, number]): string {
  return p[0] === p[1] ? String(p[0]) : `[${p[0]},${p[1]}]`;
}

function params(op: string, o: Conv2dAdjointOptions): ConvParams {
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
  return {
    stride: pair(op, 'stride', o.stride ?? 1, 1),
    padding: pair(op, 'padding', o.padding ?? 0, 0),
    dilation: pair(op, 'dilation', o.dilation ?? 1, 1),
    groups,
  };
}

function require4d(op: string, what: string, t: Tensor | readonly number[]): readonly number[] {
  const shape = t instanceof Tensor ? t.shape : t;
  if (shape.length !== 4)
    throw new ShapeError(`${op}: expected a 4-D ${what} [N,C,H,W], got shape ${fmtShape(shape)}`);
  return shape;
}

/** Checks input/weight compatibility and returns the geometry of the convolution. */
function convGeometry(
  op: string,
  xShape: readonly number[],
  wShape: readonly number[],
  p: ConvParams,
): ConvGeometry {
  require4d(op, 'input', xShape);
  if (wShape.length !== 4)
    throw new ShapeError(`${op}: expected a 4-D weight [O,C/groups,kh,kw], got shape ${fmtShape(wShape)}`);
  const c = xShape[1]!;
  const [o, cg, kh, kw] = wShape as [number, number, number, number];
  const g = p.groups;
  if (c % g !== 0)
    throw new ShapeError(
      `${op}: input channels ${c} (input ${fmtShape(xShape)}) are not divisible by groups ${g}`,
    );
  if (o % g !== 0)
    throw new ShapeError(
      `${op}: output channels ${o} (weight ${fmtShape(wShape)}) are not divisible by groups ${g}`,
    );
  if (cg * g !== c) {
    throw new ShapeError(
      `${op}: weight of shape ${fmtShape(wShape)} expects ${cg * g} input channels (${cg} per group, groups ${g}), ` +
        `but the input of shape ${fmtShape(xShape)} has ${c}`,
    );
  }
  return geometry(op, xShape, kh, kw, p);
}

function geometry(
  op: string,
  xShape: readonly number[],
  kh: number,
  kw: number,
  p: ConvParams,
): ConvGeometry {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const ekh = dh * (kh - 1) + 1;
  const ekw = dw * (kw - 1) + 1;
  if (kh < 1 || kw < 1) throw new ShapeError(`${op}: kernel size ${kh}×${kw} must be positive`);
  if (h + 2 * ph < ekh || w + 2 * pw < ekw) {
    const dilated = dh === 1 && dw === 1 ? '' : ` (dilated to ${ekh}×${ekw})`;
    throw new ShapeError(
      `${op}: input of shape ${fmtShape(xShape)} with padding ${fmtPair(p.padding)} is smaller than the kernel ${kh}×${kw}${dilated}`,
    );
  }
  const oh = convOutputSize(h, kh, sh, ph, dh);
  const ow = convOutputSize(w, kw, sw, pw, dw);
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

function floatInput(op: string, t: Tensor): void {
  requireFloating(op, t.dtype);
}

/** The contiguous elements of `t` (shared when already contiguous). */
function flat(t: Tensor): Tensor['data'] {
  return toContiguous(t, true);
}

function checkGradShape(op: string, g: Tensor, expected: readonly number[]): void {
  if (g.ndim !== expected.length || g.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: gradOutput of shape ${fmtShape(g.shape)} should be ${fmtShape(expected)}`);
  }
}

/**
 * 2-d convolution (cross-correlation, as PyTorch) of input [N,C,H,W] with weight
 * [O, C/groups, kh, kw] and optional bias [O]; output [N, O, OH, OW] with
 * OH = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1.
 *
 * @example
 * const y = conv2d(x, w, b, { stride: 1, padding: 2 }); // x [64,1,28,28], w [8,1,5,5] → [64,8,28,28]
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv2dOptions = {},
): Tensor {
  const padding = options.padding ?? 0;
  if (padding === 'valid') return conv2d(input, weight, bias, { ...options, padding: 0 });
  if (padding !== 'same')
    return convForward(input, weight, bias ?? null, params('conv2d', { ...options, padding }));
  const p = params('conv2d', { ...options, padding: 0 });
  if (p.stride[0] !== 1 || p.stride[1] !== 1) {
    throw new ValueError(`conv2d: padding 'same' needs stride 1, got stride ${fmtPair(p.stride)}`);
  }
  require4d('conv2d', 'input', input);
  if (weight.ndim !== 4)
    throw new ShapeError(
      `conv2d: expected a 4-D weight [O,C/groups,kh,kw], got shape ${fmtShape(weight.shape)}`,
    );
  const totalH = p.dilation[0] * (weight.shape[2]! - 1);
  const totalW = p.dilation[1] * (weight.shape[3]! - 1);
  if (totalH % 2 === 0 && totalW % 2 === 0) {
    return convForward(input, weight, bias ?? null, { ...p, padding: [totalH / 2, totalW / 2] });
  }
  // An odd total padding is asymmetric (the extra row/column at the end, as PyTorch): pad first.
  const padded = pad(input, [
    Math.floor(totalW / 2),
    Math.ceil(totalW / 2),
    Math.floor(totalH / 2),
    Math.ceil(totalH / 2),
  ]);
  return convForward(padded, weight, bias ?? null, p);
}

function convForward(x: Tensor, w: Tensor, b: Tensor | null, p: ConvParams): Tensor {
  floatInput('conv2d', x);
  sameDType('conv2d', x, w);
  const geo = convGeometry('conv2d', x.shape, w.shape, p);
  const o = w.shape[0]!;
  if (b !== null) {
    sameDType('conv2d', x, b);
    if (b.ndim !== 1 || b.shape[0] !== o) {
      throw new ShapeError(
        `conv2d: bias of shape ${fmtShape(b.shape)} should be [${o}] for weight ${fmtShape(w.shape)}`,
      );
    }
  }
  const out = new Tensor(allocate(x.dtype, geo.n * o * geo.oh * geo.ow), [geo.n, o, geo.oh, geo.ow]);
  conv2dKernel(flat(x), flat(w), b === null ? null : flat(b), geo, o, p.groups, out.data);
  const inputs = b === null ? [x, w] : [x, w, b];
  return record('conv2d', inputs, out, (g) => [
    x.requiresGrad ? inputGrad(x.shape, w, g, p) : null,
    w.requiresGrad ? weightGrad(x, w.shape, g, p) : null,
    b?.requiresGrad ? channelSum(g) : null,
  ]);
}

/** Σ over N, H, W of an [N,C,H,W] tensor: the bias gradient, in one pass over contiguous planes. */
function channelSum(g: Tensor): Tensor {
  const [n, c, h, w] = g.shape as [number, number, number, number];
  const src = flat(g);
  const out = new Tensor(allocate(g.dtype, c), [c]);
  const plane = h * w;
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      const base = (img * c + ch) * plane;
      for (let k = 0; k < plane; k++) s += src[base + k]!;
      out.data[ch]! += s;
    }
  }
  return record('channelSum', [g], out, (h2) => [expand(reshape(h2, [1, c, 1, 1]), g.shape)]);
}

/**
 * The gradient of `conv2d` with respect to its input, given the input's shape, the weight and the
 * output's gradient: a transposed convolution (as `torch.nn.grad.conv2d_input`). Differentiable.
 */
export function conv2dInputGrad(
  inputShape: readonly number[],
  weight: Tensor,
  gradOutput: Tensor,
  options: Conv2dAdjointOptions = {},
): Tensor {
  return inputGrad(inputShape, weight, gradOutput, params('conv2dInputGrad', options));
}

function inputGrad(xShape: readonly number[], w: Tensor, g: Tensor, p: ConvParams): Tensor {
  floatInput('conv2dInputGrad', g);
  sameDType('conv2dInputGrad', w, g);
  const geo = convGeometry('conv2dInputGrad', xShape, w.shape, p);
  const o = w.shape[0]!;
  checkGradShape('conv2dInputGrad', g, [geo.n, o, geo.oh, geo.ow]);
  const out = new Tensor(allocate(g.dtype, sizeOf(xShape)), [...xShape]);
  conv2dInputGradKernel(flat(g), flat(w), geo, o, p.groups, out.data);
  // Bilinear in (w, g): ⟨h, convᵀ(g, w)⟩ = ⟨conv(h, w), g⟩.
  return record('conv2dInputGrad', [w, g], out, (h) => [
    w.requiresGrad ? weightGrad(h, w.shape, g, p) : null,
    g.requiresGrad ? convForward(h, w, null, p) : null,
  ]);
}

/**
 * The gradient of `conv2d` with respect to its weight, given the input, the weight's shape and
 * the output's gradient (as `torch.nn.grad.conv2d_weight`). Differentiable.
 */
export function conv2dWeightGrad(
  input: Tensor,
  weightShape: readonly number[],
  gradOutput: Tensor,
  options: Conv2dAdjointOptions = {},
): Tensor {
  return weightGrad(input, weightShape, gradOutput, params('conv2dWeightGrad', options));
}

function weightGrad(x: Tensor, wShape: readonly number[], g: Tensor, p: ConvParams): Tensor {
  floatInput('conv2dWeightGrad', x);
  sameDType('conv2dWeightGrad', x, g);
  const geo = convGeometry('conv2dWeightGrad', x.shape, wShape, p);
  const o = wShape[0]!;
  checkGradShape('conv2dWeightGrad', g, [geo.n, o, geo.oh, geo.ow]);
  const out = new Tensor(allocate(x.dtype, sizeOf(wShape)), [...wShape]);
  conv2dWeightGradKernel(flat(x), flat(g), geo, o, p.groups, out.data);
  // Bilinear in (x, g): ⟨h, ∇w(x, g)⟩ = ⟨conv(x, h), g⟩.
  return record('conv2dWeightGrad', [x, g], out, (h) => [
    x.requiresGrad ? inputGrad(x.shape, h, g, p) : null,
    g.requiresGrad ? convForward(x, h, null, p) : null,
  ]);
}

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2;
  /** Implicit −∞ padding on each side, at most half the kernel (default 0). */
  padding?: Size2;
  /** Spacing between window taps (default 1). */
  dilation?: Size2;
}

function poolGeometry(op: string, x: Tensor, kernelSize: Size2, o: MaxPool2dOptions): ConvGeometry {
  floatInput(op, x);
  require4d(op, 'input', x);
  const [kh, kw] = pair(op, 'kernelSize', kernelSize, 1);
  const p: ConvParams = {
    stride: pair(op, 'stride', o.stride ?? [kh, kw], 1),
    padding: pair(op, 'padding', o.padding ?? 0, 0),
    dilation: pair(op, 'dilation', o.dilation ?? 1, 1),
    groups: 1,
  };
  if (2 * p.padding[0] > kh || 2 * p.padding[1] > kw) {
    throw new ValueError(
      `${op}: padding ${fmtPair(p.padding)} must be at most half the kernel size ${kh}×${kw}`,
    );
  }
  return geometry(op, x.shape, kh, kw, p);
}

/**
 * Max pooling over kh×kw windows of an [N,C,H,W] input; also returns the int32 position of
 * each maximum in its input plane (y·W + x), as PyTorch's `return_indices`.
 */
export function maxPool2dWithIndices(
  x: Tensor,
  kernelSize: Size2,
  options: MaxPool2dOptions = {},
): { values: Tensor; indices: Tensor } {
  const geo = poolGeometry('maxPool2d', x, kernelSize, options);
  const emptyRow = firstEmptyWindow(geo.oh, geo.sh, geo.ph, geo.kh, geo.dh, geo.h);
  const emptyCol = firstEmptyWindow(geo.ow, geo.sw, geo.pw, geo.kw, geo.dw, geo.w);
  if (emptyRow >= 0 || emptyCol >= 0) {
    throw new ShapeError(
      `maxPool2d: with input ${fmtShape(x.shape)}, kernel ${geo.kh}×${geo.kw}, padding ${fmtPair([geo.ph, geo.pw])} ` +
        `and dilation ${fmtPair([geo.dh, geo.dw])}, the window of output ${emptyRow >= 0 ? `row ${emptyRow}` : `column ${emptyCol}`} covers only padding`,
    );
  }
  const shape = [geo.n, geo.c, geo.oh, geo.ow];
  const planes = geo.n * geo.c;
  const values = new Tensor(allocate(x.dtype, sizeOf(shape)), shape);
  const indices = new Tensor(new Int32Array(sizeOf(shape)), shape);
  maxPool2dKernel(flat(x), planes, geo, values.data, indices.data as Int32Array);
  const picked = record('maxPool2d', [x], values, (g) => [planeScatterAdd(g, indices, x.shape)]);
  return { values: picked, indices };
}

/** The first output position whose dilated window has no tap inside [0, size), or −1. */
function firstEmptyWindow(
  count: number,
  stride: number,
  pad: number,
  kernel: number,
  dilation: number,
  size: number,
): number {
  for (let o = 0; o < count; o++) {
    let any = false;
    for (let i = 0; i < kernel && !any; i++) {
      const at = o * stride - pad + i * dilation;
      any = at >= 0 && at < size;
    }
    if (!any) return o;
  }
  return -1;
}

/**
 * Max pooling over kh×kw windows of an [N,C,H,W] input (stride defaults to the kernel size).
 * The gradient goes to each window's maximum (the first one at ties).
 */
export function maxPool2d(x: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): Tensor {
  return maxPool2dWithIndices(x, kernelSize, options).values;
}

/** out[n,c,k] = x[n,c, indices[n,c,k]] over flattened planes; the adjoint of `planeScatterAdd`. */
function planeGather(x: Tensor, indices: Tensor): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const out = new Tensor(allocate(x.dtype, indices.size), [...indices.shape]);
  planeGatherKernel(flat(x), indices.data as Int32Array, n * c, h * w, indices.size / (n * c), out.data);
  return record('maxPool2dGather', [x], out, (g) => [planeScatterAdd(g, indices, x.shape)]);
}

/** A zero tensor of `shape` with g[n,c,k] added at plane position indices[n,c,k]. */
function planeScatterAdd(g: Tensor, indices: Tensor, shape: readonly number[]): Tensor {
  const [n, c, h, w] = shape as [number, number, number, number];
  const out = new Tensor(allocate(g.dtype, sizeOf(shape)), [...shape]);
  planeScatterAddKernel(flat(g), indices.data as Int32Array, n * c, h * w, indices.size / (n * c), out.data);
  return record('maxPool2dBackward', [g], out, (h2) => [planeGather(h2, indices)]);
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2;
  /** Implicit zero padding on each side, at most half the kernel (default 0). */
  padding?: Size2;
  /** Whether padded zeros count in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/**
 * Average pooling over kh×kw windows of an [N,C,H,W] input (stride defaults to the kernel size).
 * With `countIncludePad` (the default) every window divides by kh·kw; without, by the number of
 * real input elements it covers.
 */
export function avgPool2d(x: Tensor, kernelSize: Size2, options: AvgPool2dOptions = {}): Tensor {
  const geo = poolGeometry('avgPool2d', x, kernelSize, { stride: options.stride, padding: options.padding });
  const includePad = options.countIncludePad ?? true;
  const rows = ranges(geo.oh, (i) => i * geo.sh - geo.ph, geo.kh, geo.h);
  const cols = ranges(geo.ow, (i) => i * geo.sw - geo.pw, geo.kw, geo.w);
  const divisor = new Float64Array(geo.oh * geo.ow);
  for (let oy = 0; oy < geo.oh; oy++) {
    for (let ox = 0; ox < geo.ow; ox++) {
      divisor[oy * geo.ow + ox] = includePad
        ? geo.kh * geo.kw
        : (rows.end[oy]! - rows.start[oy]!) * (cols.end[ox]! - cols.start[ox]!);
    }
  }
  const win = {
    h: geo.h,
    w: geo.w,
    rowStart: rows.start,
    rowEnd: rows.end,
    colStart: cols.start,
    colEnd: cols.end,
    divisor,
  };
  return windowAverage('avgPool2d', x, win);
}

/** Windows [first(i), first(i) + kernel) clipped to [0, size). */
function ranges(
  count: number,
  first: (i: number) => number,
  kernel: number,
  size: number,
): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(count);
  const end = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const s = first(i);
    start[i] = Math.max(s, 0);
    end[i] = Math.min(s + kernel, size);
  }
  return { start, end };
}

/**
 * Adaptive average pooling to an outH×outW output (a number gives a square; null keeps that dim):
 * output row i averages input rows ⌊i·H/outH⌋ … ⌈(i+1)·H/outH⌉ − 1, as PyTorch.
 */
export function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly [number | null, number | null],
): Tensor {
  floatInput('adaptiveAvgPool2d', x);
  require4d('adaptiveAvgPool2d', 'input', x);
  const h = x.shape[2]!;
  const w = x.shape[3]!;
  const [oh, ow] =
    typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0] ?? h, outputSize[1] ?? w];
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
    throw new ValueError(
      `adaptiveAvgPool2d: outputSize must be positive integers, got ${JSON.stringify(outputSize)}`,
    );
  }
  if (h === 0 || w === 0)
    throw new ShapeError(`adaptiveAvgPool2d: input of shape ${fmtShape(x.shape)} has an empty plane`);
  const adaptive = (count: number, size: number) => {
    const start = new Int32Array(count);
    const end = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      start[i] = Math.floor((i * size) / count);
      end[i] = Math.ceil(((i + 1) * size) / count);
    }
    return { start, end };
  };
  const rows = adaptive(oh, h);
  const cols = adaptive(ow, w);
  const divisor = new Float64Array(oh * ow);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++)
      divisor[oy * ow + ox] = (rows.end[oy]! - rows.start[oy]!) * (cols.end[ox]! - cols.start[ox]!);
  }
  const win = {
    h,
    w,
    rowStart: rows.start,
    rowEnd: rows.end,
    colStart: cols.start,
    colEnd: cols.end,
    divisor,
  };
  return windowAverage('adaptiveAvgPool2d', x, win);
}

function windowAverage(op: string, x: Tensor, win: AverageWindows): Tensor {
  const [n, c] = x.shape as [number, number];
  const shape = [n, c, win.rowStart.length, win.colStart.length];
  const out = new Tensor(allocate(x.dtype, sizeOf(shape)), shape);
  windowAverageKernel(flat(x), n * c, win, out.data);
  return record(op, [x], out, (g) => [windowAverageAdjoint(op, g, win, x.shape)]);
}

function windowAverageAdjoint(op: string, g: Tensor, win: AverageWindows, shape: readonly number[]): Tensor {
  const out = new Tensor(allocate(g.dtype, sizeOf(shape)), [...shape]);
  windowAverageAdjointKernel(flat(g), shape[0]! * shape[1]!, win, out.data);
  return record(`${op}Backward`, [g], out, (h) => [windowAverage(op, h, win)]);
}

/** Options of `pad`. */
export interface PadOptions {
  /** Only 'constant' is supported. */
  mode?: 'constant';
  /** The fill value (default 0). */
  value?: number;
}

/**
 * Pads the last dims of `x`: `padding` lists (before, after) pairs starting from the last dim,
 * as PyTorch's `F.pad` ([left, right, top, bottom] pads W then H). Negative amounts crop.
 *
 * @example
 * pad(x, [1, 1, 2, 0]); // [N,C,H,W] → [N,C,H+2,W+2], two rows on top, one column each side
 */
export function pad(x: Tensor, padding: readonly number[], options: PadOptions = {}): Tensor {
  const mode = options.mode ?? 'constant';
  if (mode !== 'constant')
    throw new ValueError(`pad: mode '${String(mode)}' is not supported (only 'constant')`);
  const value = options.value ?? 0;
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw new ValueError(
      `pad: padding [${padding.join(',')}] must have an even length of at most 2·${x.ndim} for input of shape ${fmtShape(x.shape)}`,
    );
  }
  for (const p of padding)
    if (!Number.isInteger(p)) throw new ValueError(`pad: padding [${padding.join(',')}] must be integers`);
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    before[x.ndim - 1 - i] = padding[2 * i]!;
    after[x.ndim - 1 - i] = padding[2 * i + 1]!;
  }
  const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  if (shape.some((d) => d < 0)) {
    throw new ShapeError(
      `pad: padding [${padding.join(',')}] of input ${fmtShape(x.shape)} gives a negative size ${fmtShape(shape)}`,
    );
  }
  // Negative amounts crop first (a slice, with its own gradient); what is left pads outward.
  let src = x;
  for (let d = 0; d < x.ndim; d++) {
    if (before[d]! < 0 || after[d]! < 0) {
      const lo = Math.max(-before[d]!, 0);
      src = slice(src, d, lo, Math.max(x.shape[d]! - Math.max(-after[d]!, 0), lo));
      before[d] = Math.max(before[d]!, 0);
      after[d] = Math.max(after[d]!, 0);
    }
  }
  return padConstant(src, before, shape, value);
}

function padConstant(x: Tensor, before: readonly number[], shape: number[], value: number): Tensor {
  const out = new Tensor(allocate(x.dtype, sizeOf(shape)), shape);
  if (value !== 0) out.data.fill(value);
  const strides = contiguousStrides(shape);
  let offset = 0;
  for (let d = 0; d < shape.length; d++) offset += before[d]! * strides[d]!;
  const interior = new Tensor(out.data, x.shape, strides, offset);
  writeInto(interior, x);
  return record('pad', [x], out, (g) => [cropTo(g, before, x.shape)]);
}

/** The region of `g` that `pad` copied its input to. */
function cropTo(g: Tensor, before: readonly number[], shape: readonly number[]): Tensor {
  let r = g;
  for (let d = 0; d < shape.length; d++) {
    if (before[d] !== 0 || shape[d] !== g.shape[d]) r = slice(r, d, before[d]!, before[d]! + shape[d]!);
  }
  return r;
}

/** Copies the elements of `src` into the strided view `dst` (same shape). */
function writeInto(dst: Tensor, src: Tensor): void {
  const values = flat(src);
  const rank = dst.ndim;
  if (rank === 0) {
    dst.data[dst.offset] = values[0]!;
    return;
  }
  const inner = dst.shape[rank - 1]!;
  const outer = sizeOf(dst.shape) / Math.max(inner, 1);
  if (inner === 0 || outer === 0) return;
  const index = new Array<number>(rank - 1).fill(0);
  let base = dst.offset;
  for (let r = 0; r < outer; r++) {
    dst.data.set(values.subarray(r * inner, (r + 1) * inner), base);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d]! < dst.shape[d]!) {
        base += dst.strides[d]!;
        break;
      }
      index[d] = 0;
      base -= dst.strides[d]! * (dst.shape[d]! - 1);
    }
  }
}
