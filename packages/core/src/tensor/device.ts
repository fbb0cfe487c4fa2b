import type { DType, TypedArray } from './dtype.js';

/**
 * Where a tensor's elements live: `'cpu'` (a typed array) or `'webgpu'` (a GPU buffer, after
 * `await initDevice('webgpu')`).
 */
export type Device = 'cpu' | 'webgpu';

/** The device names, for checks and messages. */
export const DEVICES: readonly Device[] = ['cpu', 'webgpu'];

/**
 * A buffer on an accelerator (the storage of a non-CPU tensor). A backend subclasses it; views
 * of one tensor share the same object, and the backend frees the memory once no tensor holds it.
 *
 * @example
 * const x = randn([2, 3]);
 * x.deviceBuffer; // null: a CPU tensor's storage is its typed array, x.data
 * x.storage instanceof DeviceBuffer; // false here; true for a tensor moved with .to('webgpu')
 */
export abstract class DeviceBuffer {
  /** The device holding the elements. */
  abstract readonly device: Exclude<Device, 'cpu'>;
  /** The element type. */
  abstract readonly dtype: DType;
  /** Number of elements. */
  abstract readonly length: number;
}

/** A tensor's storage: a typed array on the CPU, a {@link DeviceBuffer} elsewhere. */
export type Storage = TypedArray | DeviceBuffer;

/** True when `s` is a device buffer rather than a typed array. */
export function isDeviceBuffer(s: Storage): s is DeviceBuffer {
  return s instanceof DeviceBuffer;
}
