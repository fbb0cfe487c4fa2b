/** The kernels of the scans along one dim (`cumsum`, `cumprod` and cumprod's gradient). */
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** The kernels behind `cumsum` and `cumprod`; results are contiguous with x's shape. */
export interface ScanKernels {
  /**
   * Running sum of x along `d`, from the end with `reverse` (float32 accumulates in float64 on the
   * CPU, compensated on a GPU).
   */
  cumsum(x: View, d: number, reverse: boolean): Storage;
  /**
   * Running product of x along `d`, and whether x holds a zero: null where knowing it would need
   * a read from the device.
   */
  cumprod(x: View, d: number): { storage: Storage; hasZero: boolean | null };
  /** The gradient of cumprod along `d` for the incoming gradient `g`, exact with zeros in x. */
  cumprodGrad(x: View, g: View, d: number): Storage;
}
