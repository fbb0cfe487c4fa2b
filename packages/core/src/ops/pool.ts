/**
 * Pooling on NCHW tensors. Each forward is a kernel call (kernels/pool.ts) and each backward an
 * op with a backward of its own: max pooling's gather and scatter are each other's adjoints, as
 * are window averaging's forward and adjoint, so gradients of gradients work.
 */
import { record } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import type { ConvGeometry } from '../kernels/conv.js';
import {
  type AverageWindows,
  adaptiveWindows,
  firstEmptyWindow,
  slidingWindows,
  windowDivisors,
} from '../kernels/pool.js';
import { requireFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { type ConvParams, fmtPair, geometry, pair, require4d, type Size2 } from './conv-options.js';

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
  requireFloating(op, x.dtype);
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
 *
 * @example
 * const x = tensor([[[[1, 5], [3, 2]]]]); // [1, 1, 2, 2]
 * const { values, indices } = maxPool2dWithIndices(x, 2); // values [[[[5]]]], indices [[[[1]]]]
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
  const pooled = backendOf('maxPool2d', x).maxPool2d(x, geo);
  const values = new Tensor(pooled.values, shape);
  const indices = new Tensor(pooled.indices, shape);
  const picked = record('maxPool2d', [x], values, (g) => [planeScatterAdd(g, indices, x.shape, geo)]);
  return { values: picked, indices };
}

/**
 * Max pooling over kh×kw windows of an [N,C,H,W] input (stride defaults to the kernel size).
 * The gradient goes to each window's maximum (the first one at ties).
 *
 * @example
 * maxPool2d(tensor([[[[1, 5, 0, 1], [3, 2, 4, 2]]]]), 2); // [[[[5, 4]]]]
 * maxPool2d(randn([8, 16, 28, 28]), 3, { stride: 2, padding: 1 }); // [8, 16, 14, 14]
 */
export function maxPool2d(x: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): Tensor {
  return maxPool2dWithIndices(x, kernelSize, options).values;
}

/** out[n,c,k] = x[n,c, indices[n,c,k]] over flattened planes; the adjoint of `planeScatterAdd`. */
function planeGather(x: Tensor, indices: Tensor, geo: ConvGeometry): Tensor {
  const out = new Tensor(backendOf('maxPool2dGather', x, indices).maxPool2dGather(x, indices, geo), [
    ...indices.shape,
  ]);
  return record('maxPool2dGather', [x], out, (g) => [planeScatterAdd(g, indices, x.shape, geo)]);
}

/** A zero tensor of `shape` with g[n,c,k] added at plane position indices[n,c,k]. */
function planeScatterAdd(g: Tensor, indices: Tensor, shape: readonly number[], geo: ConvGeometry): Tensor {
  const backend = backendOf('maxPool2dBackward', g, indices);
  const out = new Tensor(backend.maxPool2dBackward(g, indices, geo), [...shape]);
  return record('maxPool2dBackward', [g], out, (h2) => [planeGather(h2, indices, geo)]);
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
 *
 * @example
 * avgPool2d(tensor([[[[1, 5, 0, 1], [3, 3, 4, 3]]]]), 2); // [[[[3, 2]]]]
 */
export function avgPool2d(x: Tensor, kernelSize: Size2, options: AvgPool2dOptions = {}): Tensor {
  const geo = poolGeometry('avgPool2d', x, kernelSize, { stride: options.stride, padding: options.padding });
  const includePad = options.countIncludePad ?? true;
  const rows = slidingWindows(geo.oh, geo.sh, geo.ph, geo.kh, geo.h);
  const cols = slidingWindows(geo.ow, geo.sw, geo.pw, geo.kw, geo.w);
  const divisor = windowDivisors(rows, cols, includePad ? geo.kh * geo.kw : undefined);
  return windowAverage('avgPool2d', x, { h: geo.h, w: geo.w, rows, cols, divisor });
}

/**
 * Adaptive average pooling to an outH×outW output (a number gives a square; null keeps that dim):
 * output row i averages input rows ⌊i·H/outH⌋ … ⌈(i+1)·H/outH⌉ − 1, as PyTorch.
 *
 * @example
 * adaptiveAvgPool2d(randn([8, 64, 7, 7]), 1); // global average pooling, [8, 64, 1, 1]
 * adaptiveAvgPool2d(tensor([[[[1, 2, 3, 4]]]]), [1, 2]); // [[[[1.5, 3.5]]]]
 */
export function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly [number | null, number | null],
): Tensor {
  requireFloating('adaptiveAvgPool2d', x.dtype);
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
  const rows = adaptiveWindows(oh, h);
  const cols = adaptiveWindows(ow, w);
  return windowAverage('adaptiveAvgPool2d', x, { h, w, rows, cols, divisor: windowDivisors(rows, cols) });
}

function windowAverage(op: string, x: Tensor, win: AverageWindows): Tensor {
  const [n, c] = x.shape as [number, number];
  const shape = [n, c, win.rows.start.length, win.cols.start.length];
  const out = new Tensor(backendOf(op, x).windowAverage(x, win), shape);
  return record(op, [x], out, (g) => [windowAverageAdjoint(op, g, win, x.shape)]);
}

function windowAverageAdjoint(op: string, g: Tensor, win: AverageWindows, shape: readonly number[]): Tensor {
  const out = new Tensor(backendOf(`${op}Backward`, g).windowAverageAdjoint(g, win), [...shape]);
  return record(`${op}Backward`, [g], out, (h) => [windowAverage(op, h, win)]);
}
