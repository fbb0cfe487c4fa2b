/// <reference types="@webgpu/types" />
/**
 * The WebGPU runtime: device start-up, the buffer pool, the pipeline cache and the command
 * batching that every WGSL kernel runs through.
 *
 * Dispatches are encoded into one compute pass and submitted in batches (at a read, an upload or
 * every `BATCH` dispatches), so a training step costs no round trip to the GPU until a value is
 * read. Each dispatch's small integer parameters (sizes, strides, offsets) go into one "meta"
 * arena written once per batch and bound at binding 0 with a dynamic offset. Tensor blocks come from
 * a pool by size class (cut from shared slabs) and go back to it when the tensor storage holding
 * them is garbage-collected; bind groups are cached and reused with each dispatch's offsets.
 */
import { DeviceError } from '../../errors.js';
import { DeviceBuffer } from '../../tensor/device.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';

/** The storage of a WebGPU tensor: a block of 4-byte elements (bool is stored as u32) in a GPU buffer. */
export class WebGPUBuffer extends DeviceBuffer {
  readonly device = 'webgpu' as const;
  constructor(
    /** The GPU buffer holding the block: a slab shared with other tensors, or one of its own. */
    readonly gpu: GPUBuffer,
    readonly dtype: DType,
    readonly length: number,
    /** Where the block starts in `gpu` (a multiple of 256). */
    readonly byteOffset = 0,
    /** The block's bytes (its size class: possibly more than `length` elements). */
    readonly bytes = gpu.size,
    /** Identifies `gpu` in the runtime's bind group cache. */
    readonly bufferId = 0,
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
  /** Bytes of buffer blocks created so far (the pool's high-water mark). */
  createdBytes: number;
  /** Bytes held by live tensors. */
  liveBytes: number;
  /** Bytes of GPU buffers created (slabs the blocks are cut from, large blocks, scratch copies). */
  gpuBytes: number;
  /** Compute dispatches encoded. */
  dispatches: number;
  /** Command buffers submitted. */
  submits: number;
  /** Pipelines compiled. */
  pipelines: number;
  /** Bind groups created (cached ones are reused by later dispatches on the same buffers). */
  bindGroups: number;
}

/** Dispatches per submitted command buffer. */
const BATCH = 512;
/** Bytes of the meta arena (each dispatch's parameters start on a 256-byte boundary). */
const META_BYTES = 1 << 20;
const META_ALIGN_WORDS = 64;
/** The meta words one dispatch may pass (the fixed size of the meta binding). */
const META_WINDOW_WORDS = 1024;
/** Bytes of the slabs that blocks up to `DEDICATED_ABOVE` bytes are cut from. */
const SLAB_BYTES = 64 << 20;
/** Blocks above this many bytes get a GPU buffer of their own. */
const DEDICATED_ABOVE = 16 << 20;
/** Bind groups cached per pipeline before the cache is cleared. */
const MAX_GROUPS_CACHED = 4096;
/** The widest 1-D dispatch (WebGPU's limit on workgroups per dimension). */
const MAX_GROUPS = 65535;

/** Threads per workgroup of the 1-D kernels. */
export const WORKGROUP = 256;

/** A block of a GPU buffer: what the pool hands out and takes back. */
interface Block {
  gpu: GPUBuffer;
  bufferId: number;
  byteOffset: number;
  bytes: number;
}

/** A pipeline of a kernel with an explicit layout, and the bind groups made for it. */
interface Variant {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  groups: Map<string, GPUBindGroup>;
}

/** A kernel's bindings (parsed from its WGSL) and its pipelines, compiled on demand. */
interface Compiled {
  key: string;
  code: string;
  /** Per binding (0 is the meta arena): whether the shader declares it read_write. */
  writable: boolean[];
  /** Whether the kernel's bindings fit the device's limit on dynamic offsets. */
  dynamic: boolean;
  /** Per [fixed offsets, dynamic offsets]: [as declared, every buffer binding read_write] (see `dispatch`). */
  variants: [[Variant | null, Variant | null], [Variant | null, Variant | null]];
}

const BINDING = /@group\((\d+)\)\s*@binding\((\d+)\)\s*var<storage,\s*(read|read_write)>/g;

/** The size class of a request: powers of two from 256 B, then 1/8 steps above 1 MiB. */
function sizeClass(bytes: number): number {
  const b = Math.max(bytes, 16);
  if (b <= 1 << 20) return Math.max(256, 2 ** Math.ceil(Math.log2(b)));
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

/**
 * The running WebGPU device and everything that encodes work for it.
 *
 * Tensor blocks are cut from 64 MiB slabs (large ones get their own buffer), and every kernel's
 * bind group layout uses dynamic offsets (see `dynamicOffsets`), so a bind group depends only on
 * which buffers (slabs) and size classes a dispatch binds: it is made once and reused with each
 * dispatch's offsets.
 * WebGPU forbids one buffer bound read-only and writable in the same dispatch, whatever the
 * ranges; when a written block shares a slab with a read one, the kernel runs as a variant whose
 * buffer bindings are all read_write (valid while no two ranges overlap; a block bound twice is
 * first copied to a scratch buffer).
 */
export class Runtime {
  readonly stats: WebGPUStats = {
    createdBytes: 0,
    liveBytes: 0,
    gpuBytes: 0,
    dispatches: 0,
    submits: 0,
    pipelines: 0,
    bindGroups: 0,
  };
  private readonly free = new Map<number, Block[]>();
  private readonly compiled = new Map<string, Compiled>();
  private readonly registry = new FinalizationRegistry<Block>((b) => this.release(b));
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  private readonly meta = new Int32Array(META_BYTES / 4);
  private metaUsed = 0;
  private readonly metaGpu: GPUBuffer;
  private error: string | null = null;
  private nextBufferId = 1;
  private slab: Block | null = null;
  private slabUsed = 0;
  private readonly slabBytes: number;
  private readonly dedicatedAbove: number;
  private scratch: Block[] = [];
  /**
   * Whether new blocks are cut from slabs and kernels bind with dynamic offsets, reusing cached
   * bind groups, or each block gets a buffer of its own and each dispatch a bind group (the
   * default). Opt-in with TSGRAD_WEBGPU_DYNAMIC_OFFSETS=1: it cuts the CPU's encoding of a
   * dispatch from ~40 to ~15 µs on a 2-core Xeon, but on lavapipe a dispatch with dynamic offsets
   * costs the driver more than the bind group saves, and the read_write variant that shared slabs
   * need runs larger kernels ~20% slower; on a real GPU it has not been measured yet.
   */
  dynamicOffsets: boolean;
  /** Scratch buffers replaced since the last submit (kept until the work using them is submitted). */
  private retired: GPUBuffer[] = [];

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
    this.slabBytes = Math.min(SLAB_BYTES, device.limits.maxBufferSize);
    this.dedicatedAbove = Math.min(DEDICATED_ABOVE, this.slabBytes / 4);
    const forced = process.env.TSGRAD_WEBGPU_DYNAMIC_OFFSETS;
    this.dynamicOffsets = forced === '1';
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
    let block = this.free.get(bytes)?.pop();
    if (block === undefined) {
      block =
        bytes > (this.dynamicOffsets ? this.dedicatedAbove : 0) ? this.newBuffer(bytes) : this.carve(bytes);
      this.stats.createdBytes += bytes;
    }
    this.stats.liveBytes += bytes;
    const out = new WebGPUBuffer(block.gpu, dtype, length, block.byteOffset, bytes, block.bufferId);
    this.registry.register(out, block);
    return out;
  }

  /** A GPU buffer of its own, as one block. */
  private newBuffer(bytes: number): Block {
    const gpu = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.stats.gpuBytes += bytes;
    return { gpu, bufferId: this.nextBufferId++, byteOffset: 0, bytes };
  }

  /** A new block cut from the current slab (a new slab when it is full). */
  private carve(bytes: number): Block {
    if (this.slab === null || this.slabUsed + bytes > this.slab.bytes) {
      this.slab = this.newBuffer(this.slabBytes);
      this.slabUsed = 0;
    }
    const block = { gpu: this.slab.gpu, bufferId: this.slab.bufferId, byteOffset: this.slabUsed, bytes };
    this.slabUsed += bytes;
    return block;
  }

  private release(b: Block): void {
    this.stats.liveBytes -= b.bytes;
    let list = this.free.get(b.bytes);
    if (list === undefined) {
      list = [];
      this.free.set(b.bytes, list);
    }
    list.push(b);
  }

  /** The bindings of `kernel`, parsed from its WGSL once. */
  private kernel(kernel: Kernel): Compiled {
    let c = this.compiled.get(kernel.key);
    if (c === undefined) {
      const code = kernel.wgsl();
      const writable: boolean[] = [];
      for (const m of code.matchAll(BINDING)) {
        if (m[1] !== '0')
          throw new DeviceError(`webgpu: kernel ${kernel.key} uses a bind group other than 0`);
        writable[Number(m[2])] = m[3] === 'read_write';
      }
      const declared = code.split('@binding(').length - 1;
      if (declared !== writable.length || writable.some((w) => w === undefined)) {
        throw new DeviceError(
          `webgpu: kernel ${kernel.key} must declare bindings 0, 1, … as var<storage, read> or var<storage, read_write>`,
        );
      }
      const limits = this.device.limits;
      const dynamic =
        writable.length <= limits.maxDynamicStorageBuffersPerPipelineLayout &&
        writable.length <= limits.maxStorageBuffersPerShaderStage;
      c = {
        key: kernel.key,
        code,
        writable,
        dynamic,
        variants: [
          [null, null],
          [null, null],
        ],
      };
      this.compiled.set(kernel.key, c);
    }
    return c;
  }

  /**
   * The pipeline of `c` as declared (`allWritable` false) or with every buffer binding read_write,
   * its layout with dynamic offsets or not.
   */
  private variant(c: Compiled, allWritable: boolean, dynamic: boolean): Variant {
    const variants = c.variants[dynamic ? 1 : 0];
    const index = allWritable ? 1 : 0;
    let v = variants[index];
    if (v === null) {
      const code = allWritable
        ? c.code.replace(BINDING, (m, _g, k) => (k === '0' ? m : m.replace(/read>$/, 'read_write>')))
        : c.code;
      if (process.env.TSGRAD_WEBGPU_DEBUG)
        console.error(`--- ${c.key}${allWritable ? ' (read_write)' : ''}\n${code}`);
      const module = this.device.createShaderModule({ code, label: c.key });
      const layout = this.device.createBindGroupLayout({
        entries: c.writable.map((w, k) => ({
          binding: k,
          visibility: GPUShaderStage.COMPUTE,
          buffer: {
            type: k > 0 && (w || allWritable) ? ('storage' as const) : ('read-only-storage' as const),
            hasDynamicOffset: dynamic,
          },
        })),
      });
      const pipeline = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      v = { pipeline, layout, groups: new Map() };
      variants[index] = v;
      this.stats.pipelines++;
    }
    return v;
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
    const c = this.kernel(kernel);
    if (buffers.length + 1 !== c.writable.length) {
      throw new DeviceError(
        `webgpu: kernel ${kernel.key} declares ${c.writable.length - 1} buffers but ${buffers.length} were passed`,
      );
    }
    const words = Math.max(meta.length, 1);
    if (words > META_WINDOW_WORDS) {
      throw new DeviceError(
        `webgpu: kernel ${kernel.key} passes ${words} meta words; a dispatch may pass at most ${META_WINDOW_WORDS}`,
      );
    }
    if (this.metaUsed + META_WINDOW_WORDS > this.meta.length || this.pending >= BATCH) this.flush();
    if (this.pass === null) {
      this.encoder = this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    const at = this.metaUsed;
    this.meta.set(meta, at);
    this.metaUsed += Math.ceil(words / META_ALIGN_WORDS) * META_ALIGN_WORDS;
    // One buffer may not be bound read-only and writable in one dispatch (ranges do not matter).
    let bound: readonly Block[] = buffers;
    const allWritable = sharesWrittenBuffer(c.writable, buffers);
    if (allWritable) bound = this.separate(c.writable, buffers);
    const dynamic = c.dynamic && this.dynamicOffsets;
    const v = this.variant(c, allWritable, dynamic);
    const pass = this.pass as GPUComputePassEncoder;
    pass.setPipeline(v.pipeline);
    if (dynamic) {
      let key = '';
      for (const b of bound) key += `${b.bufferId}:${b.bytes},`;
      let group = v.groups.get(key);
      if (group === undefined) {
        if (v.groups.size >= MAX_GROUPS_CACHED) v.groups.clear();
        group = this.bindGroup(v.layout, bound, 0, false);
        v.groups.set(key, group);
      }
      const offsets = [at * 4];
      for (const b of bound) offsets.push(b.byteOffset);
      pass.setBindGroup(0, group, offsets);
    } else {
      pass.setBindGroup(0, this.bindGroup(v.layout, bound, at * 4, true));
    }
    pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.pending++;
    this.stats.dispatches++;
  }

  /** A bind group of the meta window and `bound`, at their offsets (`fixed`) or at 0 (dynamic). */
  private bindGroup(layout: GPUBindGroupLayout, bound: readonly Block[], metaOffset: number, fixed: boolean) {
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.metaGpu, offset: metaOffset, size: META_WINDOW_WORDS * 4 } },
    ];
    for (let i = 0; i < bound.length; i++) {
      const b = bound[i] as Block;
      entries.push({
        binding: i + 1,
        resource: { buffer: b.gpu, offset: fixed ? b.byteOffset : 0, size: b.bytes },
      });
    }
    this.stats.bindGroups++;
    return this.device.createBindGroup({ layout, entries });
  }

  /**
   * `buffers` with every read-only block that is bound again at a later binding copied to a
   * scratch buffer first (bound read_write, two bindings of one block would overlap).
   */
  private separate(writable: readonly boolean[], buffers: readonly WebGPUBuffer[]): readonly Block[] {
    let out: Block[] | null = null;
    let used = 0;
    for (let j = 1; j < buffers.length; j++) {
      if (writable[j + 1]) continue;
      const b = buffers[j] as WebGPUBuffer;
      const first = buffers.indexOf(b);
      // A block bound writable and again is the caller's error: WebGPU reports it.
      if (first === j || writable[first + 1]) continue;
      out ??= buffers.slice();
      let s = this.scratch[used];
      if (s === undefined || s.bytes < b.bytes) {
        if (s !== undefined) this.retired.push(s.gpu);
        s = this.newBuffer(Math.max(b.bytes, (s?.bytes ?? 0) * 2));
        this.scratch[used] = s;
      }
      used++;
      const pass = this.pass as GPUComputePassEncoder;
      pass.end();
      const encoder = this.encoder as GPUCommandEncoder;
      encoder.copyBufferToBuffer(b.gpu, b.byteOffset, s.gpu, 0, b.bytes);
      this.pass = encoder.beginComputePass();
      out[j] = { gpu: s.gpu, bufferId: s.bufferId, byteOffset: 0, bytes: b.bytes };
    }
    return out ?? buffers;
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
    this.retired = [];
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
    this.device.queue.writeBuffer(out.gpu, out.byteOffset, words.buffer, words.byteOffset, data.length * 4);
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
    encoder.copyBufferToBuffer(buf.gpu, buf.byteOffset + offset * 4, staging, 0, bytes);
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
      maxDynamicStorageBuffersPerPipelineLayout: l.maxDynamicStorageBuffersPerPipelineLayout,
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

/**
 * Whether a block bound writable shares a GPU buffer with a read-only binding (then the bindings
 * cannot be split into read-only and writable ones; the kernel's all-read_write variant runs).
 */
function sharesWrittenBuffer(writable: readonly boolean[], buffers: readonly WebGPUBuffer[]): boolean {
  for (let i = 0; i < buffers.length; i++) {
    if (!writable[i + 1]) continue;
    const gpu = (buffers[i] as WebGPUBuffer).gpu;
    for (let j = 0; j < buffers.length; j++)
      if (!writable[j + 1] && (buffers[j] as WebGPUBuffer).gpu === gpu) return true;
  }
  return false;
}
