/**
 * Runs one function on the CPU and on WebGPU and compares the results (forward values and the
 * gradients of every float input), for the WebGPU tests of each op family.
 */
import { expect } from 'vitest';
import { grad, randn, type Tensor } from '../../src/index.js';

/** Asserts |a − b| ≤ tol·(1 + |a|) elementwise (NaN matches NaN, ±∞ must match exactly). */
export function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x)) expect(Number.isNaN(y), `element ${i}: ${y} for NaN`).toBe(true);
    else if (!Number.isFinite(x)) expect(y, `element ${i}`).toBe(x);
    else
      expect(Math.abs(x - y), `element ${i}: cpu ${x}, webgpu ${y}`).toBeLessThanOrEqual(
        tol * (1 + Math.abs(x)),
      );
  }
}

/** The forward result of `f` on the CPU and on WebGPU (inputs moved there), compared. */
export async function sameForward(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  tol = 1e-5,
): Promise<void> {
  const cpu = f(...xs);
  const gpu = f(...xs.map((x) => x.to('webgpu')));
  expect(gpu.device).toBe('webgpu');
  expect(gpu.shape).toEqual(cpu.shape);
  expect(gpu.dtype).toBe(cpu.dtype);
  close(cpu.toFlatArray(), await gpu.toTypedArrayAsync(), tol);
}

/**
 * The forward result of `f` and the gradients of Σ f·w (w a fixed random weight) with respect
 * to the float inputs, on the CPU and on WebGPU, compared.
 */
export async function sameGradients(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  tol = 1e-5,
): Promise<void> {
  const run = (inputs: readonly Tensor[], w: Tensor | null) => {
    const leaves = inputs.map((x) => (x.dtype === 'float32' ? x.detach().requiresGrad_() : x));
    const out = f(...leaves);
    const weight = w ?? randn(out.shape);
    const target = leaves.filter((x) => x.requiresGrad);
    const grads = grad(out.mul(weight.to(out.device)).sum(), target, { allowUnused: true });
    return { out, weight, grads };
  };
  const cpu = run(xs, null);
  const gpu = run(
    xs.map((x) => x.to('webgpu')),
    cpu.weight,
  );
  close(cpu.out.toFlatArray(), await gpu.out.toTypedArrayAsync(), tol);
  expect(gpu.grads.length).toBe(cpu.grads.length);
  for (let i = 0; i < cpu.grads.length; i++) {
    const c = cpu.grads[i]!;
    const g = gpu.grads[i]!;
    expect(g.device).toBe('webgpu');
    close(c.toFlatArray(), await g.toTypedArrayAsync(), tol);
  }
}
