/**
 * Every error tsgrad throws is a `TsgradError`. Messages name the operation and the offending
 * shapes or values, e.g. `matmul: shapes [2,3] and [4,5] do not align (3 ≠ 4)`.
 *
 * @example
 * try {
 *   matmul(ones([2, 3]), ones([4, 5]));
 * } catch (e) {
 *   console.log(e instanceof TsgradError); // true (a ShapeError)
 * }
 */
export class TsgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Shapes that do not fit the operation: broadcasting, matmul, reshape, concatenation.
 *
 * @example
 * try {
 *   add(ones([2]), ones([3]));
 * } catch (e) {
 *   console.log(e instanceof ShapeError); // true
 * }
 */
export class ShapeError extends TsgradError {}

/**
 * Mixed or unsupported dtypes.
 *
 * @example
 * try {
 *   div(ones([2], { dtype: 'int32' }), 2);
 * } catch (e) {
 *   console.log(e instanceof DTypeError); // true
 * }
 */
export class DTypeError extends TsgradError {}

/**
 * A value outside what the operation accepts: a dim out of range, a bad argument, ragged data.
 *
 * @example
 * try {
 *   clamp(ones([2]));
 * } catch (e) {
 *   console.log(e instanceof ValueError); // true: clamp needs a min or a max
 * }
 */
export class ValueError extends TsgradError {}

/**
 * A tensor on the wrong device: operands on different devices, a device that is not available
 * (no `webgpu` package, no adapter, not initialised), an op without a kernel on that device, or
 * a synchronous read of a GPU tensor (which must be awaited: `toArrayAsync`, `itemAsync`).
 *
 * @example
 * try {
 *   ones([2], { device: 'cuda' as Device }); // not a device tsgrad has
 * } catch (e) {
 *   console.log(e instanceof DeviceError); // true
 * }
 */
export class DeviceError extends TsgradError {}

/**
 * Misuse of autograd: backward without a gradient, a freed graph, grad of an integer tensor.
 *
 * @example
 * try {
 *   ones([2], { requiresGrad: true }).mul(2).backward();
 * } catch (e) {
 *   console.log(e instanceof AutogradError); // true: a non-scalar output needs a gradient
 * }
 */
export class AutogradError extends TsgradError {}

/**
 * A backward produced NaN or ±Infinity while anomaly detection was on (see `detectAnomaly`).
 *
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * try {
 *   withDetectAnomaly(() => x.sub(x).log().sum().backward());
 * } catch (e) {
 *   console.log(e instanceof AnomalyError); // true: log's gradient at 0 is infinite
 * }
 */
export class AnomalyError extends AutogradError {}

/**
 * Malformed bytes in a file format (IDX, safetensors).
 *
 * @example
 * const e = new FormatError('idx: bad magic number 0x0803');
 * e.name; // 'FormatError'
 * e instanceof TsgradError; // true
 */
export class FormatError extends TsgradError {}

/**
 * Formats a shape the way error messages print it: `[2,3]`.
 *
 * @example
 * fmtShape([2, 3]); // '[2,3]'
 */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
