/**
 * Moving tensors between devices. The move is an op: its gradient moves back, so a graph may
 * cross devices. Reading a GPU tensor on the CPU is asynchronous, hence `toAsync`.
 */
import { record } from '../autograd/function.js';
import { backendFor, backendOf } from '../backends/backend.js';
import { DeviceError } from '../errors.js';
import { toContiguous } from '../kernels/copy.js';
import { DEVICES, type Device } from '../tensor/device.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** Throws unless `device` names a device. */
export function checkDevice(op: string, device: unknown): Device {
  if (DEVICES.includes(device as Device)) return device as Device;
  throw new DeviceError(`${op}: unknown device '${String(device)}' (expected ${DEVICES.join(' or ')})`);
}

/**
 * `x` on `device` (x itself if already there). CPU → GPU is synchronous; GPU → CPU needs a
 * read, so it is `toDeviceAsync` (this throws a DeviceError saying so).
 *
 * @example
 * const device = await initDevice('webgpu').then(() => 'webgpu' as const, () => 'cpu' as const);
 * const w = toDevice(randn([3, 3]), device); // or randn([3, 3]).to(device)
 */
export function toDevice(x: Tensor, device: Device): Tensor {
  checkDevice('to', device);
  if (x.device === device) return x;
  if (device === 'cpu') {
    throw new DeviceError(
      `to: moving a ${x.device} tensor (shape [${x.shape.join(',')}]) to the cpu reads it, which is asynchronous: use await t.toAsync('cpu')`,
    );
  }
  if (x.device !== 'cpu') {
    throw new DeviceError(`to: cannot move a ${x.device} tensor to ${device} directly; go through the cpu`);
  }
  const out = new Tensor(backendFor('to', device).upload(toContiguous(x, true)), x.shape);
  return record('to', [x], out, (g) => [toDevice(g, 'cpu')]);
}

/**
 * `x` on `device`, awaiting the read when it leaves a GPU (a CPU → GPU move resolves at once).
 *
 * @example
 * const x = randn([2, 2]);
 * const y = await toDeviceAsync(x, 'cpu'); // from webgpu: read back; from the cpu: x itself
 */
export async function toDeviceAsync(x: Tensor, device: Device): Promise<Tensor> {
  checkDevice('toAsync', device);
  if (device !== 'cpu' || x.device === 'cpu') return toDevice(x, device);
  const data = await readAsync(x);
  const from = x.device;
  const out = new Tensor(data, x.shape);
  return record('to', [x], out, (g) => [toDevice(g, from)]);
}

/**
 * The elements of `x` in row-major order, as a new CPU typed array, on any device.
 *
 * @example
 * const flat = await readAsync(randn([2, 3])); // a Float32Array, read back from a GPU if it lives there
 */
export function readAsync(x: Tensor): Promise<TypedArray> {
  return backendOf('toArrayAsync', x).read(x);
}
