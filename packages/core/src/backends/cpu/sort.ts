/** The CPU order kernels (`kernels/sort.ts`). */
import { kthKernel, sortKernel } from '../../kernels/sort.js';
import { allocate } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { SortKernels } from '../sort.js';
import { arr } from './view.js';

/** The CPU's order kernels. */
export const cpuSort: SortKernels = {
  sort: (x, d, descending, k) => {
    const size = sizeOf(x.shape.map((s, i) => (i === d ? k : s)));
    const values = allocate(x.dtype, size, 'sort');
    const indices = allocate('int32', size, 'sort') as Int32Array;
    sortKernel(arr(x), d, descending, k, values, indices);
    return { values, indices };
  },
  kth: (x, d, k, propagateNaN) => {
    const size = sizeOf(x.shape.map((s, i) => (i === d ? 1 : s)));
    const values = allocate(x.dtype, size, 'kthvalue');
    const indices = allocate('int32', size, 'kthvalue') as Int32Array;
    kthKernel(arr(x), d, k, propagateNaN, values, indices);
    return { values, indices };
  },
};
