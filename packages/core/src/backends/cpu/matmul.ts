/**
 * The CPU's matrix products: the WebAssembly SIMD kernel (threaded when large) behind
 * `batchedMatmulKernel`, and the linear layer's product written straight into its output with
 * the bias added there in place.
 */
import { toContiguous } from '../../kernels/copy.js';
import { addRowVectorInPlace } from '../../kernels/elementwise.js';
import { batchedMatmulKernel } from '../../kernels/matmul-batch.js';
import { isContiguous } from '../../kernels/strided.js';
import { allocate } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { MatmulKernels } from '../matmul.js';
import { arr } from './view.js';

/** The CPU's matrix-product kernels. */
export const cpuMatmul: MatmulKernels = {
  matmul: (a, b, batch) => {
    const m = a.shape[a.shape.length - 2]!;
    const n = b.shape[b.shape.length - 1]!;
    const out = allocate(a.dtype, sizeOf(batch) * m * n);
    batchedMatmulKernel(arr(a), arr(b), batch, out);
    return out;
  },
  linear: (x, weight, bias) => {
    const [outF, inF] = weight.shape as [number, number];
    const rows = sizeOf(x.shape.slice(0, -1));
    const xa = arr(x);
    const contiguous = isContiguous(x.shape, x.strides);
    const xs = contiguous ? xa.data : toContiguous(xa);
    const w = arr(weight);
    const out = allocate(x.dtype, rows * outF);
    batchedMatmulKernel(
      { data: xs, shape: [rows, inF], strides: [inF, 1], offset: contiguous ? x.offset : 0 },
      { data: w.data, shape: [inF, outF], strides: [w.strides[1]!, w.strides[0]!], offset: w.offset },
      [],
      out,
    );
    if (bias !== null) addRowVectorInPlace(out, rows, outF, toContiguous(arr(bias), true));
    return out;
  },
};
