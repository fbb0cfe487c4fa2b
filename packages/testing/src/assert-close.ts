/**
 * `assertClose`, after `torch.testing.assert_close`: shapes and dtypes must match, and every
 * element must satisfy |actual − expected| ≤ atol + rtol·|expected|; the failure message counts the
 * mismatched elements and gives the greatest absolute and relative differences and where they are.
 */
import { type DType, fmtShape, type NestedArray, type Tensor, TsgradError, tensor } from '@tsgrad/core';

/**
 * Raised by `assertClose` when two tensors are not close.
 *
 * @example
 * try {
 *   assertClose(tensor([1, 2]), tensor([1, 3]));
 * } catch (e) {
 *   e instanceof AssertCloseError; // true: 1 of 2 elements mismatched
 * }
 */
export class AssertCloseError extends TsgradError {}

/** Options of `assertClose`. */
export interface AssertCloseOptions {
  /** Absolute tolerance (PyTorch's default for the dtype: float64 1e-7, float32 1e-5, int32 0). */
  atol?: number;
  /** Relative tolerance (float64 1e-7, float32 1.3e-6, int32 0). */
  rtol?: number;
  /** NaN equals NaN (default false). */
  equalNaN?: boolean;
  /** Require equal dtypes (default true). */
  checkDtype?: boolean;
}

const DEFAULT_TOLERANCES: Record<DType, { atol: number; rtol: number }> = {
  float64: { atol: 1e-7, rtol: 1e-7 },
  float32: { atol: 1e-5, rtol: 1.3e-6 },
  int32: { atol: 0, rtol: 0 },
  bool: { atol: 0, rtol: 0 },
};

/** A tensor, a number or nested arrays of numbers. */
export type TensorInput = Tensor | number | NestedArray;

/** A Tensor (by shape rather than instanceof, so that two copies of @tsgrad/core still agree). */
function isTensor(x: TensorInput): x is Tensor {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'shape' in x;
}

function toTensor(x: TensorInput, dtype: DType): Tensor {
  return isTensor(x) ? x : tensor(x as NestedArray, { dtype });
}

function fmtTolerance(v: number): string {
  return String(v);
}

function fmtDiff(v: number): string {
  return String(v);
}

function indexOf(e: number, shape: readonly number[]): string {
  const c = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = e % shape[d]!;
    e = Math.floor(e / shape[d]!);
  }
  return `[${c.join(',')}]`;
}

/**
 * The message `assertClose` would throw for `actual` and `expected`, or null when they are close.
 *
 * @example
 * closeMismatch(tensor([1, 2]), tensor([1, 2])); // null
 * closeMismatch(tensor([1, 2]), tensor([1, 3])); // the message, counting 1 mismatched element of 2
 */
export function closeMismatch(
  actual: TensorInput,
  expected: TensorInput,
  options: AssertCloseOptions = {},
): string | null {
  const e = toTensor(expected, isTensor(actual) ? actual.dtype : 'float64');
  const a = toTensor(actual, e.dtype);
  if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i])) {
    return `The values for attribute 'shape' do not match: ${fmtShape(a.shape)} != ${fmtShape(e.shape)}.`;
  }
  if ((options.checkDtype ?? true) && a.dtype !== e.dtype) {
    return `The values for attribute 'dtype' do not match: ${a.dtype} != ${e.dtype}.`;
  }
  const defaults = DEFAULT_TOLERANCES[e.dtype];
  const atol = options.atol ?? defaults.atol;
  const rtol = options.rtol ?? defaults.rtol;
  const equalNaN = options.equalNaN ?? false;
  const av = a.toTypedArray();
  const ev = e.toTypedArray();
  let mismatched = 0;
  let maxAbs = -1;
  let maxAbsAt = 0;
  let maxRel = -1;
  let maxRelAt = 0;
  for (let i = 0; i < av.length; i++) {
    const x = av[i]!;
    const y = ev[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (equalNaN && Number.isNaN(x) && Number.isNaN(y)) continue;
    } else if (x === y) {
      continue;
    }
    const abs = Math.abs(x - y);
    const rel = abs / Math.abs(y);
    const close = abs <= atol + rtol * Math.abs(y);
    if (!close) mismatched++;
    // NaN differences rank above every number, as PyTorch reports them.
    const absKey = Number.isNaN(abs) ? Infinity : abs;
    const relKey = Number.isNaN(rel) ? Infinity : rel;
    if (absKey > maxAbs) {
      maxAbs = absKey;
      maxAbsAt = i;
    }
    if (relKey > maxRel) {
      maxRel = relKey;
      maxRelAt = i;
    }
  }
  if (mismatched === 0) return null;
  const total = av.length;
  const percent = ((100 * mismatched) / total).toFixed(1);
  const absValue = Math.abs(av[maxAbsAt]! - ev[maxAbsAt]!);
  const relValue = Math.abs(av[maxRelAt]! - ev[maxRelAt]!) / Math.abs(ev[maxRelAt]!);
  return [
    'Tensor-likes are not close!',
    '',
    `Mismatched elements: ${mismatched} / ${total} (${percent}%)`,
    `Greatest absolute difference: ${fmtDiff(absValue)} at index ${indexOf(maxAbsAt, e.shape)} (up to ${fmtTolerance(atol)} allowed)`,
    `Greatest relative difference: ${fmtDiff(relValue)} at index ${indexOf(maxRelAt, e.shape)} (up to ${fmtTolerance(rtol)} allowed)`,
  ].join('\n');
}

/**
 * Throws an AssertCloseError unless `actual` and `expected` have the same shape and dtype and
 * every element satisfies |actual − expected| ≤ atol + rtol·|expected|, with PyTorch's message.
 *
 * @example
 * const x = randn([3], { dtype: 'float64' });
 * assertClose(x.exp().log(), x); // passes within float64's default tolerances
 */
export function assertClose(
  actual: TensorInput,
  expected: TensorInput,
  options: AssertCloseOptions = {},
): void {
  const message = closeMismatch(actual, expected, options);
  if (message !== null) throw new AssertCloseError(message);
}
