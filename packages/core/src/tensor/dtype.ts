import { DTypeError, ValueError } from '../errors.js';

/**
 * Element types: `float32` (default), `float64` (gradient checks, precise work), `int32` (labels,
 * indices), `bool` (masks; comparisons return it; stored as a Uint8Array of 0 and 1).
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The typed array behind a tensor (a bool tensor's is a Uint8Array of 0 and 1). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The most elements one tensor may hold (the typed-array limit of 32-bit lengths). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Allocates a zero-filled typed array of `dtype` with `length` elements. A length past
 * MAX_ELEMENTS, or one the machine cannot hold, is a ValueError naming `op`, never a RangeError.
 */
export function allocate(dtype: DType, length: number, op = 'allocate'): TypedArray {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_ELEMENTS) {
    throw new ValueError(
      `${op}: cannot allocate ${length} ${dtype} elements (at most ${MAX_ELEMENTS} per tensor)`,
    );
  }
  try {
    switch (dtype) {
      case 'float32':
        return new Float32Array(length);
      case 'float64':
        return new Float64Array(length);
      case 'int32':
        return new Int32Array(length);
      case 'bool':
        return new Uint8Array(length);
    }
  } catch (error) {
    throw new ValueError(`${op}: cannot allocate ${length} ${dtype} elements: ${(error as Error).message}`);
  }
}

/** The dtype of a typed array. */
export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Uint8Array) return 'bool';
  return 'int32';
}

/** True for dtypes that can carry gradients. */
export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Throws unless `dtype` is a known dtype name. */
export function checkDType(op: string, dtype: unknown): DType {
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'int32' || dtype === 'bool') return dtype;
  const shown = typeof dtype === 'string' ? `'${dtype}'` : String(dtype);
  throw new DTypeError(`${op}: unknown dtype ${shown} (expected float32, float64, int32 or bool)`);
}

/** Smallest and largest values an int32 tensor holds. */
export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

/**
 * Returns `value` when it is an integer in the int32 range; otherwise a DTypeError naming `op`
 * and the value (`where` adds its position), never a silent wrap, truncation or NaN-to-0.
 */
export function checkInt32(op: string, value: number, where = ''): number {
  if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return value;
  const why = Number.isInteger(value)
    ? 'is out of the int32 range [-2147483648, 2147483647]'
    : 'is not an integer';
  throw new DTypeError(`${op}: ${value}${where} ${why} (dtype int32)`);
}

/**
 * Throws unless `dtype` is a floating dtype.
 *
 * @example
 * requireFloating('myOp', 'float64'); // passes; 'int32' or 'bool' throws a DTypeError naming myOp
 */
export function requireFloating(op: string, dtype: DType): void {
  if (!isFloating(dtype))
    throw new DTypeError(`${op}: expected a floating dtype (float32 or float64), got ${dtype}`);
}
