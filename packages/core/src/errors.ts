/**
 * Every error tsgrad throws is a `TsgradError`. Messages name the operation and the offending
 * shapes or values, e.g. `matmul: shapes [2,3] and [4,5] do not align (3 ≠ 4)`.
 */
export class TsgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the operation: broadcasting, matmul, reshape, concatenation. */
export class ShapeError extends TsgradError {}

/** Mixed or unsupported dtypes. */
export class DTypeError extends TsgradError {}

/** A value outside what the operation accepts: a dim out of range, a bad argument, ragged data. */
export class ValueError extends TsgradError {}

/** Misuse of autograd: backward without a gradient, a freed graph, grad of an integer tensor. */
export class AutogradError extends TsgradError {}

/** A backward produced NaN or ±Infinity while anomaly detection was on (see `detectAnomaly`). */
export class AnomalyError extends AutogradError {}

/** Malformed bytes in a file format (IDX, safetensors). */
export class FormatError extends TsgradError {}

/** Formats a shape the way error messages print it: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
