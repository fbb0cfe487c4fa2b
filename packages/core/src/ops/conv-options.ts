/**
 * The option and geometry checks shared by convolution and pooling: sizes given as one number or
 * a pair, NCHW shape checks, and the output geometry of a window sliding over a plane. Errors name
 * the op the user called.
 */
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { type ConvGeometry, convOutputSize } from '../kernels/conv.js';
import { toContiguous } from '../kernels/copy.js';
import { Tensor } from '../tensor/tensor.js';

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
  /** Zero padding of the forward convolution: one number or [ph, pw] (no `same`/`valid`). */
  padding?: Size2;
}

export interface ConvParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export function pair(op: string, name: string, v: Size2, min: number): [number, number] {
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

export function fmtPair(p: readonly [number, number]): string {
  return p[0] === p[1] ? String(p[0]) : `[${p[0]},${p[1]}]`;
}

export function params(op: string, o: Conv2dAdjointOptions): ConvParams {
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

export function require4d(op: string, what: string, t: Tensor | readonly number[]): readonly number[] {
  const shape = t instanceof Tensor ? t.shape : t;
  if (shape.length !== 4)
    throw new ShapeError(`${op}: expected a 4-D ${what} [N,C,H,W], got shape ${fmtShape(shape)}`);
  return shape;
}

/** Checks input/weight compatibility and returns the geometry of the convolution. */
export function convGeometry(
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

export function geometry(
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

/** The contiguous elements of `t` (shared when already contiguous), as the NCHW kernels read them. */
export function flat(t: Tensor): Tensor['data'] {
  return toContiguous(t, true);
}

export function checkGradShape(op: string, g: Tensor, expected: readonly number[]): void {
  if (g.ndim !== expected.length || g.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: gradOutput of shape ${fmtShape(g.shape)} should be ${fmtShape(expected)}`);
  }
}
