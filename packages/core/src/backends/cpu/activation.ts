/**
 * The CPU's softmax and logSoftmax: the same elementwise and reduction kernels, in the same order,
 * as the composition of ops they replace (max, sub, exp, sum, div; logsumexp's shift), without
 * the autograd bookkeeping of the intermediate results.
 */
import * as ew from '../../kernels/elementwise.js';
import { reduce } from '../../kernels/reduce.js';
import type { StridedArray } from '../../kernels/strided.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { ActivationKernels } from '../activation.js';
import { arr } from './view.js';

/** A contiguous buffer of `shape` as a strided array. */
function view(data: TypedArray, shape: readonly number[]): StridedArray {
  const strides: number[] = [];
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return { data, shape, strides, offset: 0 };
}

/** `shape` with dim `d` kept as size 1. */
function keptShape(shape: readonly number[], d: number): number[] {
  return shape.map((n, i) => (i === d ? 1 : n));
}

/** Σ over dim d of `x`, as a keepdim view. */
function sumOver(x: StridedArray, d: number, dtype: DType): StridedArray {
  return view(reduce('sum', x, [d], dtype), keptShape(x.shape, d));
}

/** The CPU activation kernels. */
export const cpuActivation: ActivationKernels = {
  softmax: (xView, d, log) => {
    const x = arr(xView);
    const dt = xView.dtype;
    const shape = x.shape;
    const kept = keptShape(shape, d);
    const m = reduce('max', x, [d], dt);
    if (!log) {
      const e = view(ew.unary('exp', view(ew.binary('sub', x, view(m, kept), shape, dt), shape), dt), shape);
      return { out: ew.binary('div', e, sumOver(e, d, dt), shape, dt), saved: [] };
    }
    // logsumexp's shift: the maximum where it is finite, else 0.
    for (let i = 0; i < m.length; i++) if (!(Math.abs(m[i]!) < Number.POSITIVE_INFINITY)) m[i] = 0;
    const shift = view(m, kept);
    const e = view(ew.unary('exp', view(ew.binary('sub', x, shift, shape, dt), shape), dt), shape);
    const s = sumOver(e, d, dt);
    const lse = ew.binary('add', view(ew.unary('log', s, dt), kept), shift, kept, dt);
    // exp(out) = e / s: kept for the backward instead of a second pass of exp.
    return { out: ew.binary('sub', x, view(lse, kept), shape, dt), saved: [e.data, s.data] };
  },
  softmaxBackward: (yView, gView, d, log, saved) => {
    const y = arr(yView);
    const g = arr(gView);
    const dt = yView.dtype;
    const shape = y.shape;
    if (!log) {
      const s = sumOver(view(ew.binary('mul', g, y, shape, dt), shape), d, dt);
      return ew.binary('mul', y, view(ew.binary('sub', g, s, shape, dt), shape), shape, dt);
    }
    const kept = keptShape(shape, d);
    // exp(y)·Σg = e·(Σg / s) with the forward's e = exp(x − shift) and s = Σ e.
    const [e, s] = saved.length === 2 ? saved : [ew.unary('exp', y, dt), null];
    const total = sumOver(g, d, dt);
    const scale =
      s === null ? total : view(ew.binary('div', total, view(s as TypedArray, kept), kept, dt), kept);
    const es = ew.binary('mul', view(e as TypedArray, shape), scale, shape, dt);
    return ew.binary('sub', g, view(es, shape), shape, dt);
  },
};
