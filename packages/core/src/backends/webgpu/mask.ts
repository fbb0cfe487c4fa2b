/** The mask kernels on the GPU: triangles of strided matrices and masked fills. */
import { sizeOf } from '../../tensor/shape.js';
import type { MaskKernels } from '../mask.js';
import { collapse, header, stridedMeta, stridedPositions, wgslType } from './codegen.js';
import { mapKernel } from './elementwise.js';
import { gpu, type WebGPUBuffer } from './runtime.js';

/** The WGSL zero of a dtype's storage type. */
function zeroOf(t: 'f32' | 'i32' | 'u32'): string {
  return t === 'f32' ? '0.0' : t === 'i32' ? '0' : '0u';
}

/** The WebGPU mask kernels. */
export const webgpuMask: MaskKernels = {
  triangle: (x, diagonal, upper) => {
    const rt = gpu(upper ? 'triu' : 'tril');
    const size = sizeOf(x.shape);
    const out = rt.alloc(x.dtype, size, upper ? 'triu' : 'tril');
    if (size === 0) return out;
    const rank = x.shape.length;
    const rows = x.shape[rank - 2]!;
    const cols = x.shape[rank - 1]!;
    const c = collapse(x.shape, [x.strides]);
    const r = c.shape.length;
    const meta = stridedMeta(size, c.shape, [x.offset], c.strides);
    const at = meta.length;
    // A diagonal past every column keeps (or drops) everything: clamp it so j − i never overflows.
    const diag = Math.max(-rows - 1, Math.min(cols + 1, diagonal));
    meta.push(rows, cols, diag);
    const t = wgslType(x.dtype);
    rt.run(
      {
        key: `triangle:${t}:${r}:${upper}`,
        wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<storage, read> x: array<${t}>;`)}
  if (i >= prm[0]) { return; }
${stridedPositions(r, 1)}
  let cols = prm[${at + 1}];
  let col = i % cols;
  let row = (i / cols) % prm[${at}];
  let keep = col - row ${upper ? '>=' : '<='} prm[${at + 2}];
  out[i] = select(${zeroOf(t)}, x[p0], keep);
}`,
      },
      meta,
      [out, x.storage as WebGPUBuffer],
      size,
    );
    return out;
  },
  maskedFill: (x, mask, value, shape, dtype) =>
    mapKernel('maskedFill', `select(a, P, b != ${zeroOf(wgslType(mask.dtype))})`, [x, mask], shape, dtype, [
      value,
    ]),
};
