/**
 * The CPU normalisation kernels: the same sequence of elementwise and reduction kernels the
 * composed op ran (sum, divide, subtract, square, sum, add eps, sqrt, divide), without the graph.
 */
import * as ew from '../../kernels/elementwise.js';
import { reduce } from '../../kernels/reduce.js';
import type { StridedArray } from '../../kernels/strided.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { contiguousStrides } from '../../tensor/shape.js';
import type { NormalizationKernels } from '../normalization.js';
import { arr } from './view.js';

function view(data: TypedArray, shape: readonly number[]): StridedArray {
  return { data, shape, strides: contiguousStrides(shape), offset: 0 };
}

function scalar(value: number, dtype: DType): StridedArray {
  const data = allocate(dtype, 1);
  data[0] = value;
  return { data, shape: [], strides: [], offset: 0 };
}

/** The rows' shape (leading dims, then ones), their dims, and the number of elements per row. */
function rowsOf(shape: readonly number[], dims: number) {
  const lead = shape.length - dims;
  const keep = shape.map((s, i) => (i < lead ? s : 1));
  const reduced = shape.map((_, i) => i).filter((i) => i >= lead);
  let count = 1;
  for (const d of reduced) count *= shape[d]!;
  return { keep, reduced, count };
}

/** Σ over the row dims / count, as a keep-shaped view. */
function rowMean(
  x: StridedArray,
  reduced: readonly number[],
  keep: readonly number[],
  count: number,
  dtype: DType,
) {
  const s = reduce('sum', x, reduced, dtype);
  return view(ew.binary('div', view(s, keep), scalar(count, dtype), keep, dtype), keep);
}

/** The CPU's normalisation kernels. */
export const cpuNormalization: NormalizationKernels = {
  normalize: (xv, dims, weight, bias, eps, center) => {
    const x = arr(xv);
    const dtype = xv.dtype;
    const shape = xv.shape;
    const { keep, reduced, count } = rowsOf(shape, dims);
    let mean: StridedArray | null = null;
    let c = x;
    if (center) {
      mean = rowMean(x, reduced, keep, count, dtype);
      c = view(ew.binary('sub', x, mean, shape, dtype), shape);
    }
    const variance = rowMean(view(ew.binary('mul', c, c, shape, dtype), shape), reduced, keep, count, dtype);
    const std = view(
      ew.unary('sqrt', view(ew.binary('add', variance, scalar(eps, dtype), keep, dtype), keep), dtype),
      keep,
    );
    let y = ew.binary('div', c, std, shape, dtype);
    if (weight !== null) y = ew.binary('mul', view(y, shape), arr(weight), shape, dtype);
    if (bias !== null) y = ew.binary('add', view(y, shape), arr(bias), shape, dtype);
    return { y, mean: mean === null ? null : mean.data, rstd: ew.unary('reciprocal', std, dtype) };
  },
  normalizeBackward: (gv, xv, meanv, rstdv, weight, dims, center, weightGrad) => {
    const dtype = xv.dtype;
    const shape = xv.shape;
    const { keep, reduced, count } = rowsOf(shape, dims);
    const rstd = arr(rstdv);
    const g = arr(gv);
    const c = meanv === null ? arr(xv) : view(ew.binary('sub', arr(xv), arr(meanv), shape, dtype), shape);
    const xhat = view(ew.binary('mul', c, rstd, shape, dtype), shape);
    const gy = weight === null ? g : view(ew.binary('mul', g, arr(weight), shape, dtype), shape);
    // dx = rstd·(gy − mean(gy) − x̂·mean(gy·x̂)); without centring the mean(gy) term drops.
    const proj = rowMean(view(ew.binary('mul', gy, xhat, shape, dtype), shape), reduced, keep, count, dtype);
    let u = gy;
    if (center) u = view(ew.binary('sub', gy, rowMean(gy, reduced, keep, count, dtype), shape, dtype), shape);
    const t = view(ew.binary('mul', xhat, proj, shape, dtype), shape);
    const dx = ew.binary('mul', view(ew.binary('sub', u, t, shape, dtype), shape), rstd, shape, dtype);
    return { dx, gxhat: weightGrad ? ew.binary('mul', g, xhat, shape, dtype) : null };
  },
};
