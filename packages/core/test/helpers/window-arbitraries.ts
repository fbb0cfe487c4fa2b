/**
 * Random sliding-window geometries for convolution and pooling tests: batch, spatial size, kernel,
 * stride, padding, dilation and a seed, filtered so that the dilated kernel fits the padded input
 * (and, for pooling, padding is at most half the kernel, as PyTorch requires).
 */
import fc from 'fast-check';

/** One window geometry (the channel counts are the test's own). */
export interface WindowGeometry {
  n: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  seed: number;
}

/** Inclusive upper bounds of the geometry's draws (all lower bounds are 1, padding's 0). */
export interface WindowLimits {
  n: number;
  size: number;
  kernel: number;
  stride: [number, number];
  padding: number;
  /** Pooling: padding at most half the kernel. */
  halfKernelPadding?: boolean;
}

/** Geometries within `limits` whose dilated kernel fits the padded input. */
export function windowGeometry(limits: WindowLimits): fc.Arbitrary<WindowGeometry> {
  const upTo = (max: number, min = 1) => fc.integer({ min, max });
  return fc
    .record({
      n: upTo(limits.n),
      h: upTo(limits.size),
      w: upTo(limits.size),
      kh: upTo(limits.kernel),
      kw: upTo(limits.kernel),
      stride: fc.tuple(upTo(limits.stride[0]), upTo(limits.stride[1])),
      padding: fc.tuple(upTo(limits.padding, 0), upTo(limits.padding, 0)),
      dilation: fc.tuple(upTo(2), upTo(2)),
      seed: fc.integer({ min: 0, max: 1 << 30 }),
    })
    .filter(
      (r) =>
        (!limits.halfKernelPadding || (2 * r.padding[0] <= r.kh && 2 * r.padding[1] <= r.kw)) &&
        r.h + 2 * r.padding[0] >= r.dilation[0] * (r.kh - 1) + 1 &&
        r.w + 2 * r.padding[1] >= r.dilation[1] * (r.kw - 1) + 1,
    );
}

/** `geometry` joined with the test's own fields. */
export function withWindow<T>(
  geometry: fc.Arbitrary<WindowGeometry>,
  own: fc.Arbitrary<T>,
): fc.Arbitrary<WindowGeometry & T> {
  return fc.tuple(geometry, own).map(([g, o]) => ({ ...g, ...o }));
}
