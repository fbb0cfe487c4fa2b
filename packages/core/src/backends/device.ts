/**
 * Starting devices. The CPU is always there; `webgpu` is started by `await initDevice('webgpu')`,
 * which loads the optional npm package `webgpu`, finds an adapter and registers the backend.
 */
import { DeviceError } from '../errors.js';
import type { Device } from '../tensor/device.js';
import { registerBackend } from './backend.js';

/** What `initDevice` found. */
export interface DeviceInfo {
  /** The device started. */
  device: Device;
  /** The adapter, as its driver describes it (vendor, architecture, driver). */
  description: string;
}

/** Buffer and dispatch counters of the WebGPU runtime (see `deviceStats`). */
export interface DeviceStats {
  /** Bytes of GPU buffers created so far: the pool's high-water mark. */
  createdBytes: number;
  /** Bytes of GPU buffers held by live tensors. */
  liveBytes: number;
  /** Kernel dispatches encoded so far. */
  dispatches: number;
  /** Command buffers submitted so far. */
  submits: number;
  /** WGSL pipelines compiled so far. */
  pipelines: number;
  /** Bind groups created so far (reused across dispatches with TSGRAD_WEBGPU_DYNAMIC_OFFSETS=1). */
  bindGroups: number;
  /** Bytes of GPU buffers (slabs and dedicated buffers) created so far. */
  gpuBytes: number;
}

let webgpuInfo: DeviceInfo | null = null;

/**
 * Starts `device` (once; later calls return the same info). For `'webgpu'`: a DeviceError with
 * one clear reason when the `webgpu` package or an adapter is missing; the CPU keeps working.
 *
 * @example
 * // A DeviceError (with the reason) where there is no adapter: fall back to the CPU.
 * const device = await initDevice('webgpu').then(() => 'webgpu' as const, () => 'cpu' as const);
 * const x = randn([64, 784]).to(device);
 * console.log(x.device); // 'webgpu' where an adapter was found
 */
export async function initDevice(device: Device = 'webgpu'): Promise<DeviceInfo> {
  if (device === 'cpu') return { device: 'cpu', description: 'cpu' };
  if (device !== 'webgpu')
    throw new DeviceError(`initDevice: unknown device '${String(device)}' (cpu or webgpu)`);
  if (webgpuInfo !== null) return webgpuInfo;
  const backend = await import('./webgpu/index.js');
  const rt = await backend.start();
  registerBackend(backend.webgpu);
  webgpuInfo = { device: 'webgpu', description: rt.description };
  return webgpuInfo;
}

/**
 * Waits until `device` has finished all the work queued so far (GPU work runs asynchronously;
 * time a GPU step with this). Immediate on the CPU.
 *
 * @example
 * const t0 = performance.now();
 * randn([256, 256]).matmul(randn([256, 256]));
 * await synchronize('webgpu'); // GPU work queued above is done (no-op without a device)
 * console.log(performance.now() - t0);
 */
export async function synchronize(device: Device = 'webgpu'): Promise<void> {
  if (device === 'cpu' || webgpuInfo === null) return;
  const { gpu } = await import('./webgpu/runtime.js');
  await gpu('synchronize').sync();
}

/**
 * The WebGPU runtime's counters, or null before `initDevice('webgpu')`: live and created buffer
 * bytes (memory held and the pool's high-water mark), dispatches, submits, pipelines.
 *
 * @example
 * const before = (await deviceStats())?.createdBytes;
 */
export async function deviceStats(): Promise<DeviceStats | null> {
  if (webgpuInfo === null) return null;
  const { gpu } = await import('./webgpu/runtime.js');
  return { ...gpu('deviceStats').stats };
}
