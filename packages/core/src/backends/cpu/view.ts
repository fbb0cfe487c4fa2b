import type { StridedArray } from '../../kernels/strided.js';
import type { View } from '../backend.js';

/** A view as the CPU kernels' strided array (on the CPU every storage is a typed array). */
export function arr(x: View): StridedArray {
  return x as unknown as StridedArray;
}
