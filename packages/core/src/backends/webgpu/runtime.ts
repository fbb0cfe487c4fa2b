/// <reference types="@webgpu/types" />
/**
 * The WebGPU runtime: device start-up, the buffer pool, the pipeline cache and the command
 * batching that every WGSL kernel runs through.
 *
 * Dispatches are encoded into one compute pass and submitted in batches (at a read, an upload or
 * every `BATCH` dispatches), so a training step costs no round trip to the GPU until a value is
 * read. Each dispatch's small integer parameters (sizes, strides, offsets) go into one "meta"
 * arena written once per batch and bound at binding 0 with an offset. Buffers come from a pool by
 * size class and go back to it when the tensor storage holding them is garbage-collected.
 */
import { DeviceError } from '../../errors.js';
import { DeviceBuffer } from '../../tensor/device.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';

/** The storage of a WebGPU tensor: a pooled GPU buffer of 4-byte elements (bool is stored as u32). */
export class WebGPUBuffer extends DeviceBuffer {
  readonly device = 'webgpu' as const;
  constructor(
    /** The GPU buffer (possibly larger than needed: pool size classes). */
    readonly gpu: GPUBuffer,
    readonly dtype: DType,
    readonly length: number,
  ) {
    super();
  }
}

/** A WGSL compute kernel: a cache key and its source, generated on first use. */
export interface Kernel {
  readonly key: string;
  readonly wgsl: () => string;
}

/** Counters of the runtime, for tests and the bench. */
export interface WebGPUStats {
  /** Bytes of GPU buffers created so far (the pool's high-water mark). */
  createdBytes: number;
  /** Bytes held by live tensors. */
  liveBytes: number;
  /** Compute dispatches encoded. */
  dispatches: number;
  /** Command buffers submitted. */
  submits: number;
  /** Pipelines compiled. */
  pipelines: number;
}

/** Dispatches per submitted command buffer. */
const BATCH = 512;
/** Bytes of the meta arena (each dispatch's parameters start on a 256-byte boundary). */
const META_BYTES = 1 << 20;
const META_ALIGN_WORDS = 64;
/** The widest 1-D dispatch (WebGPU's limit on workgroups per dimension). */
const MAX_GROUPS = 65535;

/** Threads per workgroup of the 1-D kernels. */
export const WORKGROUP = 256;

interface Held {
  buffer: GPUBuffer;
  bytes: number;
}

/** The size class of a request: powers of two from 256 B, then 1/8 steps above 1 MiB. */
function sizeClass(bytes: number): number {
  const b = Math.max(bytes, 16);
  if (b <= 1 << 20) return Math.max(256, 2 ** Math.ceil(Math.log2(b)));
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

/** The running WebGPU device and everything that encodes work for it. */
export class Runtime {
  readonly stats: WebGPUStats = { createdBytes: 0, liveBytes: 0, dispatches: 0, submits: 0, pipelines: 0 };
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private readonly registry = new FinalizationRegistry<Held>((h) => this.release(h));
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  private readonly meta = new Int32Array(META_BYTES / 4);
  private metaUsed = 0;
  private readonly metaGpu: GPUBuffer;
  private error: string | null = null;

  constructor(
    /** The WebGPU instance (kept so that it lives as long as the device). */
    readonly instance: GPU,
    readonly device: GPUDevice,
    /** A one-line description of the adapter (vendor, architecture, driver). */
    readonly description: string,
  ) {
    this.metaGpu = device.createBuffer({
      size: META_BYTES,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.onuncapturederror = (e) => {
      this.error ??= (e as GPUUncapturedErrorEvent).error.message;
    };
  }

  /** A new buffer for `length` elements of `dtype` (contents undefined: kernels overwrite it). */
  alloc(dtype: DType, length: number, op = 'webgpu'): WebGPUBuffer {
    if (dtype === 'float64') {
      throw new DeviceError(`${op}: webgpu has no float64; cast to float32 first (t.to('float32'))`);
    }
    const need = length * 4;
    const bytes = sizeClass(need);
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new DeviceError(
        `${op}: ${length} ${dtype} elements (${need} bytes) exceed this adapter's largest storage buffer (${this.device.limits.maxStorageBufferBindingSize} bytes)`,
      );
    }
    let buffer = this.free.get(bytes)?.pop();
    if (buffer === undefined) {
      buffer = this.device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      this.stats.createdBytes += bytes;
    }
    this.stats.liveBytes += bytes;
    const out = new WebGPUBuffer(buffer, dtype, length);
    this.registry.register(out, { buffer, bytes });
    return out;
  }

  private release(h: Held): void {
    this.stats.liveBytes -= h.bytes;
    let list = this.free.get(h.bytes);
    if (list === undefined) {
      list = [];
      this.free.set(h.bytes, list);
    }
    list.push(h.buffer);
  }

  /** The compute pipeline of `kernel` and its bind group layout, compiled once. */
  private pipeline(kernel: Kernel): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    let p = this.pipelines.get(kernel.key);
    if (p === undefined) {
      const code = kernel.wgsl();
      if (process.env.TSGRAD_WEBGPU_DEBUG) console.error(`--- ${kernel.key}\n${code}`);
      const module = this.device.createShaderModule({ code, label: kernel.key });
      const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      p = { pipeline, layout: pipeline.getBindGroupLayout(0) };
      this.pipelines.set(kernel.key, p);
      this.stats.pipelines++;
    }
    return p;
  }

  /**
   * Encodes one dispatch of `kernel` over `groups` workgroups, with `meta` (i32 words) at binding
   * 0 and `buffers` at bindings 1, 2, … in order.
   */
  dispatch(
    kernel: Kernel,
    meta: ArrayLike<number>,
    buffers: readonly WebGPUBuffer[],
    groups: readonly [number, number?, number?],
  ): void {
    const { pipeline, layout } = this.pipeline(kernel);
    const words = Math.max(meta.length, 1);
    if (this.metaUsed + words > this.meta.length || this.pending >= BATCH) this.flush();
    if (this.pass === null) {
      this.encoder = this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    const at = this.metaUsed;
    this.meta.set(meta, at);
    this.metaUsed += Math.ceil(words / META_ALIGN_WORDS) * META_ALIGN_WORDS;
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.metaGpu, offset: at * 4, size: words * 4 } },
    ];
    for (let i = 0; i < buffers.length; i++)
      entries.push({ binding: i + 1, resource: { buffer: buffers[i]!.gpu } });
    const bindGroup = this.device.createBindGroup({ layout, entries });
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.pending++;
    this.stats.dispatches++;
  }

  /**
   * Dispatches a 1-D kernel over `count` threads of `WORKGROUP` (split over two grid dimensions
   * past 65,535 workgroups; the WGSL computes the thread index with `threadIndex`).
   */
  run(kernel: Kernel, meta: ArrayLike<number>, buffers: readonly WebGPUBuffer[], count: number): void {
    if (count === 0) return;
    const groups = Math.ceil(count / WORKGROUP);
    const x = Math.min(groups, MAX_GROUPS);
    this.dispatch(kernel, meta, buffers, [x, Math.ceil(groups / x)]);
  }

  /** Submits the encoded work (with its meta arena) to the GPU. */
  flush(): void {
    if (this.pass === null) return;
    this.pass.end();
    if (this.metaUsed > 0) this.device.queue.writeBuffer(this.metaGpu, 0, this.meta, 0, this.metaUsed);
    this.device.queue.submit([(this.encoder as GPUCommandEncoder).finish()]);
    this.stats.submits++;
    this.pass = null;
    this.encoder = null;
    this.pending = 0;
    this.metaUsed = 0;
    this.throwIfFailed();
  }

  /** Throws the first validation or out-of-memory error the device reported, as a DeviceError. */
  throwIfFailed(): void {
    if (this.error !== null) {
      const message = this.error;
      this.error = null;
      throw new DeviceError(`webgpu: ${message}`);
    }
  }

  /** A buffer holding `data` (bool as u32 words; float64 refused). */
  upload(data: TypedArray, dtype: DType, op = 'to'): WebGPUBuffer {
    const out = this.alloc(dtype, data.length, op);
    if (data.length === 0) return out;
    this.flush(); // earlier encoded work may still use this pooled buffer's old contents
    const words = data instanceof Uint8Array ? Uint32Array.from(data) : data;
    this.device.queue.writeBuffer(out.gpu, 0, words.buffer, words.byteOffset, data.length * 4);
    return out;
  }

  /** Copies `length` elements from element `offset` of `buf` to the CPU. */
  async read(buf: WebGPUBuffer, offset: number, length: number): Promise<TypedArray> {
    const dtype = buf.dtype;
    const out: TypedArray =
      dtype === 'int32'
        ? new Int32Array(length)
        : dtype === 'bool'
          ? new Uint8Array(length)
          : new Float32Array(length);
    if (length === 0) return out;
    this.flush();
    const bytes = length * 4;
    const staging = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buf.gpu, offset * 4, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    this.stats.submits++;
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      this.throwIfFailed();
      throw new DeviceError(`webgpu: reading ${length} elements failed: ${(e as Error).message}`);
    }
    this.throwIfFailed();
    const mapped = staging.getMappedRange();
    if (dtype === 'bool') {
      const words = new Uint32Array(mapped);
      for (let i = 0; i < length; i++) out[i] = words[i]! === 0 ? 0 : 1;
    } else if (dtype === 'int32') (out as Int32Array).set(new Int32Array(mapped));
    else (out as Float32Array).set(new Float32Array(mapped));
    staging.unmap();
    staging.destroy();
    return out;
  }

  /** Waits until the GPU has finished everything submitted (for timing). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfFailed();
  }
}

let runtime: Runtime | null = null;

/** The running runtime, or the DeviceError that says to start it. */
export function gpu(op = 'webgpu'): Runtime {
  if (runtime === null) {
    throw new DeviceError(
      `${op}: the webgpu device is not initialised; call await initDevice('webgpu') first`,
    );
  }
  return runtime;
}

/** The runtime if started, else null. */
export function currentRuntime(): Runtime | null {
  return runtime;
}

interface WebGPUModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Loads the optional npm package `webgpu`, finds an adapter and opens a device with the
 * adapter's largest buffer limits. Every failure is one DeviceError saying what to install.
 */
export async function startRuntime(): Promise<Runtime> {
  if (runtime !== null) return runtime;
  let mod: WebGPUModule;
  try {
    mod = (await import('webgpu')) as unknown as WebGPUModule;
  } catch (e) {
    throw new DeviceError(
      `initDevice: the webgpu device needs the optional npm package 'webgpu' (pnpm add webgpu): ${(e as Error).message}`,
    );
  }
  Object.assign(globalThis, mod.globals);
  // The instance must outlive the device: if it is collected, Dawn tears down under the device.
  const instance = mod.create([]);
  const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new DeviceError(
      'initDevice: no WebGPU adapter found; install a Vulkan driver (a GPU driver, or the software one: ' +
        'scripts/install-lavapipe.sh installs Mesa 25 lavapipe)',
    );
  }
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    },
  });
  const info = adapter.info;
  const description = [info.vendor, info.architecture, info.device, info.description]
    .filter((s) => s !== '')
    .join(' ');
  runtime = new Runtime(instance, device, description);
  return runtime;
}
