/** Filling, and writing or adding a view into a region of another buffer, on the GPU. */
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import { collapse, f32bits, header, stridedMeta, stridedPositions, wgslType } from './codegen.js';
import { gpu, type WebGPUBuffer } from './runtime.js';

/** Sets elements [start, end) of `dst` to `value`. */
export function fillKernel(dst: WebGPUBuffer, value: number, start: number, end: number): void {
  const t = wgslType(dst.dtype);
  const word = t === 'f32' ? f32bits(value) : value | 0;
  gpu('fill').run(
    {
      key: `fill:${t}`,
      wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> out: array<${t}>;`)}
  if (i >= prm[0]) { return; }
  out[prm[1] + i] = ${t === 'f32' ? 'bitcast<f32>(prm[2])' : `${t}(prm[2])`};
}`,
    },
    [end - start, start, word],
    [dst],
    end - start,
  );
}

/**
 * dst[region] = src (or += src with `accumulate`), the region given by `shape`, `strides` and
 * `offset` into `dst`; `src` broadcasts to `shape`. `src` must not share `dst`'s buffer.
 */
export function regionKernel(
  accumulate: boolean,
  dst: WebGPUBuffer,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  src: View,
): void {
  const size = sizeOf(shape);
  if (size === 0) return;
  const t = wgslType(dst.dtype);
  const c = collapse(shape, [strides, broadcastStrides(src.shape, src.strides, shape)]);
  const rank = c.shape.length;
  const meta = stridedMeta(size, c.shape, [offset, src.offset], c.strides);
  const name = accumulate ? 'addStrided' : 'copyStrided';
  gpu(name).run(
    {
      key: `${name}:${t}:${wgslType(src.dtype)}:${rank}`,
      wgsl: () => `${header(`@group(0) @binding(1) var<storage, read_write> dst: array<${t}>;
@group(0) @binding(2) var<storage, read> src: array<${wgslType(src.dtype)}>;`)}
  if (i >= prm[0]) { return; }
${stridedPositions(rank, 2)}
  dst[p0] = ${accumulate ? 'dst[p0] + ' : ''}${t}(src[p1]);
}`,
    },
    meta,
    [dst, src.storage as WebGPUBuffer],
    size,
  );
}
