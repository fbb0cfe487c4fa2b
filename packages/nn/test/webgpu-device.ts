/**
 * Starts the WebGPU device once for a test file. Where there is no `webgpu` package or no adapter,
 * `webgpuReason` says why and the WebGPU suites skip with that one line (so the README's test
 * command passes anywhere); `.ci/run` installs lavapipe, so CI runs them for real. Set
 * TSGRAD_REQUIRE_WEBGPU=1 to turn a missing adapter into a failure instead.
 */
import { initDevice } from '@tsgrad/core';

let reason: string | null = null;
try {
  await initDevice('webgpu');
} catch (e) {
  reason = (e as Error).message;
  if (process.env.TSGRAD_REQUIRE_WEBGPU === '1') throw e;
  console.warn(`webgpu tests skipped: ${reason}`);
}

/** Why the WebGPU tests cannot run here, or null when they can. */
export const webgpuReason: string | null = reason;
/** True when a WebGPU device is available. */
export const hasWebGPU = reason === null;
