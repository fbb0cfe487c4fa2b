/**
 * Reads order-reference.json (written by make_order_reference.py with PyTorch 1.13) and checks a
 * case: the op's output against PyTorch's, and the gradient of sum(output · w) for each input.
 */
import { readFileSync } from 'node:fs';
import { grad, type Tensor, tensor } from '@tsgrad/core';
import { expect } from 'vitest';

/** A tensor as the JSON stores it: NaN as null, infinities as strings. */
export interface Encoded {
  shape: number[];
  data: (number | string | null)[];
}

/** One reference case. */
export interface ReferenceCase {
  op: string;
  // biome-ignore lint/suspicious/noExplicitAny: the arguments of each op differ; tests read them per op.
  args: Record<string, any>;
  inputs?: Encoded[];
  input?: Encoded;
  out?: Encoded;
  outs?: Encoded[];
  w?: Encoded;
  grads?: Encoded[];
  values?: Encoded;
  indices?: Encoded;
  inverse?: Encoded;
  counts?: Encoded;
}

const file = new URL('./order-reference.json', import.meta.url);
const all = (JSON.parse(readFileSync(file, 'utf8')) as { cases: ReferenceCase[] }).cases;

/** The reference cases of the given ops. */
export function referenceCases(...ops: string[]): ReferenceCase[] {
  return all.filter((c) => ops.includes(c.op));
}

/** The numbers of an encoded tensor. */
export function decode(e: Encoded): number[] {
  return e.data.map((v) => {
    if (v === null) return Number.NaN;
    if (v === 'inf') return Number.POSITIVE_INFINITY;
    if (v === '-inf') return Number.NEGATIVE_INFINITY;
    return Number(v);
  });
}

/** A float64 tensor (requiring grad if asked) from an encoded one. */
export function toTensor(e: Encoded, requiresGrad = false): Tensor {
  return tensor(decode(e), { shape: e.shape, dtype: 'float64', requiresGrad });
}

/** An int32 tensor from an encoded one (indices are stored as floats). */
export function toIndex(e: Encoded): Tensor {
  return tensor(Int32Array.from(decode(e)), { shape: e.shape });
}

/** Expects a tensor to equal an encoded one in shape and values (NaN matches NaN). */
export function expectMatches(actual: Tensor, expected: Encoded, tol = 1e-10): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.toFlatArray();
  const b = decode(expected);
  a.forEach((v, i) => {
    const w = b[i]!;
    if (Number.isNaN(w) || !Number.isFinite(w)) expect(v).toBe(w);
    else expect(Math.abs(v - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
  });
}

/** Runs `fn` on the case's inputs and checks its output and input gradients against PyTorch's. */
export function checkGradCase(c: ReferenceCase, fn: (...inputs: Tensor[]) => Tensor): void {
  const inputs = c.inputs!.map((e) => toTensor(e, true));
  const out = fn(...inputs);
  expectMatches(out, c.out!);
  const grads = grad(out.mul(toTensor(c.w!)).sum(), inputs, { allowUnused: true });
  grads.forEach((g, i) => {
    expectMatches(g ?? inputs[i]!.mul(0), c.grads![i]!);
  });
}
