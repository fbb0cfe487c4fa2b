/**
 * Sample-input generators shared by the op registry: one tensor in a domain, tensors of
 * mutually broadcastable shapes, a tensor with a valid dim, and tie-free grids.
 */
import { type Tensor, tensor } from '@tsgrad/core';
import fc from 'fast-check';
import {
  asGenerated,
  mutuallyBroadcastableShapes,
  type ShapeOptions,
  type TensorOptions,
  tensors,
} from '../arbitraries.js';
import { type OpSample, sampleOf } from '../op-info.js';

/** Small shapes keep the finite-difference checks fast: rank ≤ 3, sides ≤ 3. */
export const SMALL: ShapeOptions = { maxRank: 3, maxSide: 3 };

/** One float64 tensor of a small shape with values as in `options`. */
export function oneTensor(options: TensorOptions = {}): fc.Arbitrary<OpSample<null>> {
  return tensors({ shape: SMALL, ...options }).map((x) => sampleOf([x], null));
}

/** `n` float64 tensors of mutually broadcastable small shapes, each with its value options. */
export function broadcastTensors(
  n: number,
  options: readonly TensorOptions[] = [],
): fc.Arbitrary<OpSample<null>> {
  return mutuallyBroadcastableShapes(n, SMALL).chain(({ inputShapes }) =>
    fc
      .tuple(...inputShapes.map((shape, i) => tensors({ ...options[i], shape })))
      .map((xs) => sampleOf(xs, null)),
  );
}

/** A tensor of rank ≥ minRank with one valid dim of it (negative half the time) and a keepdim flag. */
export function tensorWithDim(
  options: TensorOptions = {},
  minRank = 1,
): fc.Arbitrary<OpSample<{ dim: number; keepdim: boolean }>> {
  return tensors({ shape: { ...SMALL, minRank }, ...options }).chain((x) =>
    fc
      .record({ dim: fc.integer({ min: -x.ndim, max: x.ndim - 1 }), keepdim: fc.boolean() })
      .map((args) => sampleOf([x], args)),
  );
}

/**
 * A float64 tensor of `shape` with values 0.2·i + offset + [0, 0.02], i in [−8, 8]: two grids with
 * offsets 0 and 0.1 are never closer than 0.08 (maximum, minimum and clamp without ties).
 */
export function gridTensor(shape: readonly number[], offset: number): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc
    .array(fc.tuple(fc.integer({ min: -8, max: 8 }), fc.double({ min: 0, max: 0.02, noNaN: true })), {
      minLength: n,
      maxLength: n,
    })
    .map((vs) => {
      const t = tensor(
        vs.map(([i, f]) => 0.2 * i + offset + f),
        { dtype: 'float64', shape: [...shape] },
      );
      t.requiresGrad = true;
      return asGenerated(t);
    });
}

/** Two tie-free grid tensors of broadcastable shapes. */
export function gridPair(): fc.Arbitrary<OpSample<null>> {
  return mutuallyBroadcastableShapes(2, SMALL).chain(({ inputShapes }) =>
    fc
      .tuple(gridTensor(inputShapes[0]!, 0), gridTensor(inputShapes[1]!, 0.1))
      .map((xs) => sampleOf(xs, null)),
  );
}

/** A float64 tensor of `shape` with each value drawn from `value` (requires grad unless told). */
export function tensorOfValues(
  shape: readonly number[],
  value: fc.Arbitrary<number>,
  requiresGrad = true,
): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(value, { minLength: n, maxLength: n }).map((vs) => {
    const t = tensor(vs, { dtype: 'float64', shape: [...shape] });
    t.requiresGrad = requiresGrad;
    return asGenerated(t);
  });
}

/** Reals in [-2, 2] mixed with NaN, ±∞ and 0, for the predicates and nanToNum. */
export const withSpecials: fc.Arbitrary<number> = fc.oneof(
  fc.double({ min: -2, max: 2, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0),
);

/** A bool tensor of `shape` (true about half the time). */
export function boolTensor(shape: readonly number[]): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc
    .array(fc.boolean(), { minLength: n, maxLength: n })
    .map((bs) => asGenerated(tensor(bs.map(Number), { dtype: 'bool', shape: [...shape] })));
}

/** A small shape of rank in [minRank, maxRank] (sides 1–3). */
export function smallShape(minRank = 0, maxRank = 3, maxSide = 3): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxSide }), { minLength: minRank, maxLength: maxRank });
}

/** A seed for the generator of a random op (its apply builds a fresh Generator from it). */
export const seedArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** The dtypes of ops that also take int32 tensors (float inputs are cast for the dtype property). */
export const WITH_INT32 = ['float32', 'float64', 'int32'] as const;
