/** CPU-versus-WebGPU comparison of a function's values and gradients, for the kernel tests. */
import { expect } from 'vitest';
import { randn, type Tensor } from '../../src/index.js';

/** Asserts b ≈ a elementwise (relative float32 tolerance; NaN matches NaN). */
export function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x)) expect(Number.isNaN(y)).toBe(true);
    else if (!Number.isFinite(x)) expect(y).toBe(x);
    else expect(Math.abs(x - y)).toBeLessThanOrEqual(tol * (1 + Math.abs(x)));
  }
}

/**
 * Runs `f` on the CPU inputs and on copies moved to the GPU, and asserts the values agree, then
 * that the gradients of Σ w·f (w random) with respect to the inputs flagged in `grads` agree.
 */
export async function agree(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  grads: readonly boolean[] = [],
  tol = 1e-5,
): Promise<void> {
  const cpuIn = xs.map((x, k) => (grads[k] ? x.clone().requiresGrad_() : x));
  const gpuIn = xs.map((x, k) => {
    const g = x.to('webgpu');
    return grads[k] ? g.detach().requiresGrad_() : g;
  });
  const outC = f(...cpuIn);
  const outG = f(...gpuIn);
  expect(outG.device).toBe('webgpu');
  expect(outG.shape).toEqual(outC.shape);
  close(outC.toFlatArray(), await outG.toTypedArrayAsync(), tol);
  if (!grads.some((g) => g)) return;
  const w = randn(outC.shape);
  outC.mul(w).sum().backward();
  outG.mul(w.to('webgpu')).sum().backward();
  for (let k = 0; k < xs.length; k++) {
    if (!grads[k]) continue;
    const gc = cpuIn[k]!.grad;
    const gg = gpuIn[k]!.grad;
    expect(gg?.device).toBe('webgpu');
    close(gc!.toFlatArray(), await gg!.toTypedArrayAsync(), tol);
  }
}
