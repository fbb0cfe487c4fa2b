import { describe, expect, it } from 'vitest';
import { DeviceError, randn, scaledDotProductAttention, tensor } from '../../src/index.js';
import { hasWebGPU } from './device.js';

// scaledDotProductAttention against the CPU, forward and gradients, needs the webgpu matmul: those
// tests are in transformer-block.test.ts.
describe.skipIf(!hasWebGPU)('webgpu scaledDotProductAttention', () => {
  it('names scaledDotProductAttention and both devices when q, k, v or the mask are on different devices', () => {
    const q = randn([2, 3, 4]);
    const g = q.to('webgpu');
    expect(() => scaledDotProductAttention(g, q, q)).toThrow(DeviceError);
    expect(() => scaledDotProductAttention(g, g, q)).toThrow(
      /scaledDotProductAttention: expected all tensors on one device, got webgpu .* and cpu/,
    );
    expect(() => scaledDotProductAttention(g, g, g, { attnMask: randn([3, 3]).gt(0) })).toThrow(
      /scaledDotProductAttention: expected all tensors on one device/,
    );
    // A 0-d CPU mask acts as a scalar (PyTorch's rule), so it passes the device check.
    expect(() => scaledDotProductAttention(q, q, q, { attnMask: tensor(1).gt(0) })).not.toThrow();
  });
});
