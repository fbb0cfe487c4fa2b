import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpu, type Kernel, WebGPUBuffer } from '../../src/backends/webgpu/runtime.js';
import { DeviceError, randn, type Tensor, tensor } from '../../src/index.js';
import { hasWebGPU } from './device.js';
import { close } from './helpers.js';

function block(t: Tensor): WebGPUBuffer {
  expect(t.storage).toBeInstanceOf(WebGPUBuffer);
  return t.storage as WebGPUBuffer;
}

/** Writes a + b and a * b into two outputs (both bindings read_write). */
const sumAndProduct: Kernel = {
  key: 'test-sum-and-product',
  wgsl: () => `@group(0) @binding(0) var<storage, read> prm: array<i32>;
@group(0) @binding(1) var<storage, read_write> sum: array<f32>;
@group(0) @binding(2) var<storage, read_write> product: array<f32>;
@group(0) @binding(3) var<storage, read> a: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = i32(g.x);
  if (i >= prm[0]) { return; }
  sum[i] = a[i] + b[i];
  product[i] = a[i] * b[i];
}`,
};

async function read(b: WebGPUBuffer): Promise<number[]> {
  return Array.from(await gpu().read(b, 0, b.length));
}

for (const dynamic of [true, false]) {
  describe.skipIf(!hasWebGPU)(
    `webgpu runtime: ${dynamic ? 'slabs and cached bind groups (dynamic offsets)' : 'a buffer per tensor and a bind group per dispatch'}`,
    () => {
      let saved = true;
      beforeAll(() => {
        saved = gpu().dynamicOffsets;
        gpu().dynamicOffsets = dynamic;
      });
      afterAll(() => {
        gpu().dynamicOffsets = saved;
      });

      it('tensors cut from one slab give correct results in one dispatch', async () => {
        const a = randn([37]);
        const b = randn([37]);
        const [ga, gb] = [a.to('webgpu'), b.to('webgpu')];
        const sum = ga.add(gb);
        const offsets = [ga, gb, sum].map((t) => block(t).byteOffset);
        for (const o of offsets) expect(o % 256).toBe(0);
        if (dynamic) {
          // Inputs and output share one GPU buffer (a slab) at different offsets.
          expect(block(gb).gpu).toBe(block(ga).gpu);
          expect(block(sum).gpu).toBe(block(ga).gpu);
          expect(new Set(offsets).size).toBe(3);
        }
        close(a.add(b).toFlatArray(), await sum.toTypedArrayAsync());
        // One block bound twice (x + x, x * x) beside an output in the same slab.
        close(a.add(a).toFlatArray(), await ga.add(ga).toTypedArrayAsync());
        close(a.mul(a).sub(b).toFlatArray(), await ga.mul(ga).sub(gb).toTypedArrayAsync());
        // A strided view of a tensor combined with the tensor itself.
        const m = randn([6, 6]);
        const gm = m.to('webgpu');
        close(m.add(m.t()).toFlatArray(), await gm.add(gm.t()).toTypedArrayAsync());
      });

      it('runs a kernel with two writable outputs and a block read twice, all in one slab', async () => {
        const rt = gpu();
        const a = randn([100]);
        const b = randn([100]);
        const ga = rt.upload(a.toTypedArray(), 'float32');
        const gb = rt.upload(b.toTypedArray(), 'float32');
        const sum = rt.alloc('float32', 100);
        const product = rt.alloc('float32', 100);
        // (Without slabs, blocks freed by the slab tests above may still be reused: no identity check.)
        if (dynamic) expect(new Set([ga, gb, sum, product].map((x) => x.gpu)).size).toBe(1);
        rt.dispatch(sumAndProduct, [100], [sum, product, ga, gb], [2]);
        close(a.add(b).toFlatArray(), await read(sum));
        close(a.mul(b).toFlatArray(), await read(product));
        rt.dispatch(sumAndProduct, [100], [sum, product, ga, ga], [2]);
        close(a.add(a).toFlatArray(), await read(sum));
        close(a.mul(a).toFlatArray(), await read(product));
        await rt.sync();
      });

      it(
        dynamic
          ? 'reuses bind groups: a loop of dispatches creates almost none'
          : 'makes one bind group per dispatch',
        async () => {
          const rt = gpu();
          const x = randn([16], { device: 'webgpu' });
          let y = x.add(x).add(x);
          await rt.sync();
          const before = { ...rt.stats };
          for (let i = 0; i < 300; i++) y = y.add(x);
          await rt.sync();
          expect(rt.stats.dispatches - before.dispatches).toBe(300);
          if (dynamic) expect(rt.stats.bindGroups - before.bindGroups).toBeLessThanOrEqual(3);
          else expect(rt.stats.bindGroups - before.bindGroups).toBe(300);
          close(
            [...(await x.toTypedArrayAsync())].map((v) => 303 * v),
            await y.toTypedArrayAsync(),
            1e-4,
          );
        },
      );

      it('gives a large tensor a buffer of its own', async () => {
        const n = 4_500_000; // 18 MB: above the 16 MiB slab threshold
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++) a[i] = (i % 1000) - 500;
        const ga = tensor(a).to('webgpu');
        expect(block(ga).byteOffset).toBe(0);
        expect(block(ga).gpu.size).toBe(block(ga).bytes);
        const got = await ga.mul(2).add(ga).toTypedArrayAsync();
        expect(got.length).toBe(n);
        let wrong = 0;
        for (let i = 0; i < n; i++) if (got[i] !== 3 * a[i]!) wrong++;
        expect(wrong).toBe(0);
        const created = gpu().stats.createdBytes;
        expect(created).toBeGreaterThanOrEqual(2 * n * 4);
      });

      it('refuses a dispatch whose meta exceeds the window', () => {
        const rt = gpu();
        const out = rt.alloc('float32', 4);
        const x = rt.alloc('float32', 4);
        const kernel: Kernel = { key: `test-copy-${dynamic}`, wgsl: sumAndProduct.wgsl };
        expect(() => rt.dispatch(kernel, new Array(5000).fill(0), [out, out, x, x], [1])).toThrow(
          DeviceError,
        );
        expect(() => rt.dispatch(kernel, [4], [out, x], [1])).toThrow(/declares 4 buffers but 2 were passed/);
      });
    },
  );
}
