/** The CPU's indexing and embedding kernels: the loops of `kernels/indexing.ts` and `kernels/embedding.ts`. */
import { toContiguous } from '../../kernels/copy.js';
import { lookupRowsKernel, renormRowsKernel, scatterRowsKernel } from '../../kernels/embedding.js';
import { gatherKernel, oneHotKernel, scatterAddKernel, wrapIndexKernel } from '../../kernels/indexing.js';
import type { StridedArray } from '../../kernels/strided.js';
import { allocate } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import {
  embeddingOutOfRange,
  flatIndexOutOfRange,
  type IndexingKernels,
  labelOutOfRange,
} from '../indexing.js';
import { arr } from './view.js';

type IndexArray = StridedArray & { data: Int32Array };

function ints(x: View): IndexArray {
  return arr(x) as IndexArray;
}

/** The CPU indexing kernels. */
export const cpuIndexing: IndexingKernels = {
  gather: (op, x, d, index, shape) => {
    const out = allocate(x.dtype, sizeOf(shape));
    gatherKernel(op, arr(x), d, ints(index), shape, out);
    return out;
  },
  scatterAdd: (op, base, d, index, src, shape) => {
    const out = toContiguous(arr(base));
    scatterAddKernel(op, out, base.shape, d, ints(index), arr(src), shape);
    return out;
  },
  wrapIndex: (op, index, size, shape) => {
    const idx = toContiguous(arr(index), true) as Int32Array;
    const { data, bad } = wrapIndexKernel(idx, size);
    if (bad >= 0) throw flatIndexOutOfRange(op, idx[bad]!, size, shape);
    return data;
  },
  oneHot: (labels, numClasses, dtype) => {
    const idx = toContiguous(arr(labels), true) as Int32Array;
    const out = allocate(dtype, idx.length * numClasses);
    const bad = oneHotKernel(idx, numClasses, out);
    if (bad >= 0) throw labelOutOfRange('oneHot', idx[bad]!, bad, numClasses);
    return out;
  },
  lookupRows: (indices, table, zeroRow) => {
    const idx = ints(indices).data;
    const out = allocate(table.dtype, idx.length * table.shape[1]!, 'embedding');
    const bad = lookupRowsKernel(idx, arr(table), zeroRow, out);
    if (bad >= 0) throw embeddingOutOfRange(idx[bad]!, bad, table.shape[0]!);
    return out;
  },
  scatterRows: (indices, grad, rows, skipRow) => {
    const dim = grad.shape[grad.shape.length - 1]!;
    const out = allocate(grad.dtype, rows * dim, 'embedding');
    scatterRowsKernel(ints(indices).data, toContiguous(arr(grad), true), dim, skipRow, out);
    return out;
  },
  renormRows: (indices, table, maxNorm, normType) => {
    const idx = ints(indices).data;
    const rows = table.shape[0]!;
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i]!;
      if (v < 0 || v >= rows) throw embeddingOutOfRange(v, i, rows);
    }
    renormRowsKernel(idx, arr(table), maxNorm, normType);
  },
};
