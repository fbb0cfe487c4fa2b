/** The WebGPU start-or-skip helper of core's tests (one device start per test file). */
export { hasWebGPU, webgpuReason } from '../../core/test/webgpu/device.js';
