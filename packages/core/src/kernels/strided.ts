import type { TypedArray } from '../tensor/dtype.js';

/** What kernels need to read an N-d array: its buffer, shape, strides and offset. No autograd. */
export interface StridedArray {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** True when the array's elements are its buffer's elements in row-major order (offset allowed). */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/**
 * Calls `row(start0, start1, …, outStart)` once per innermost row of `shape` (row-major order),
 * with each operand's start offset; operands are described by strides already broadcast to `shape`.
 * The inner loop over a row belongs to the caller, so no closure runs per element.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  row: (starts: Int32Array | number[], outStart: number) => void,
): void {
  const rank = shape.length;
  const rowLength = rank === 0 ? 1 : shape[rank - 1]!;
  let total = 1;
  for (let i = 0; i < rank - 1; i++) total *= shape[i]!;
  if (rowLength === 0 || total === 0) return;
  const n = strides.length;
  const starts = offsets.slice();
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0; r < total; r++) {
    row(starts, r * rowLength);
    // Advance the odometer over the outer dims.
    for (let d = rank - 2; d >= 0; d--) {
      const i = ++index[d]!;
      if (i < shape[d]!) {
        for (let k = 0; k < n; k++) starts[k]! += strides[k]![d]!;
        break;
      }
      index[d] = 0;
      for (let k = 0; k < n; k++) starts[k]! -= strides[k]![d]! * (shape[d]! - 1);
    }
  }
}
