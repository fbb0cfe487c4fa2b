/** Registry entries of the normalization layers as functions: layerNorm, groupNorm, rmsNorm. */
import type { Tensor } from '@tsgrad/core';
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { smallShape } from './samples.js';

type AffineArgs = { k: number; weight: boolean; bias: boolean };

/** x, then the weight and bias (when drawn) of x's last k dims. */
const affine = (options: { avoid0: boolean; bias: boolean }) =>
  smallShape(1, 3).chain((shape) =>
    fc
      .record({
        k: fc.integer({ min: 1, max: shape.length }),
        weight: fc.boolean(),
        bias: options.bias ? fc.boolean() : fc.constant(false),
      })
      .chain((args) => {
        const tail = shape.slice(shape.length - args.k);
        return fc
          .tuple(
            tensors({
              shape,
              unique: true,
              margin: 0.1,
              ...(options.avoid0 ? { avoid: [0] } : {}),
            }),
            tensors({ shape: tail }),
            tensors({ shape: tail }),
          )
          .map(([x, w, b]) => sampleOf([x, ...(args.weight ? [w] : []), ...(args.bias ? [b] : [])], args));
      }),
  );

/** The optional weight and bias among the inputs after x. */
function weightBias(inputs: readonly Tensor[], args: { weight: boolean; bias: boolean }) {
  let i = 1;
  const weight = args.weight ? inputs[i++] : undefined;
  const bias = args.bias ? inputs[i++] : undefined;
  return { weight, bias };
}

export const normalizationOps: OpInfo[] = [
  defineOp({
    name: 'layerNorm',
    apply: (xs, args: AffineArgs) => {
      const x = xs[0]!;
      const { weight, bias } = weightBias(xs, args);
      return core.layerNorm(x, x.shape.slice(x.ndim - args.k), weight, bias);
    },
    sample: affine({ avoid0: false, bias: true }),
    domain: 'distinct values at least 0.1 apart (variance well above eps); optional weight and bias',
  }),
  defineOp({
    name: 'groupNorm',
    apply: (xs, args: { groups: number; weight: boolean; bias: boolean }) => {
      const { weight, bias } = weightBias(xs, args);
      return core.groupNorm(xs[0]!, args.groups, weight, bias);
    },
    sample: fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        groups: fc.integer({ min: 1, max: 2 }),
        perGroup: fc.integer({ min: 1, max: 2 }),
        spatial: smallShape(0, 1),
        weight: fc.boolean(),
        bias: fc.boolean(),
      })
      .chain(({ n, groups, perGroup, spatial, weight, bias }) => {
        const c = groups * perGroup;
        return fc
          .tuple(
            tensors({ shape: [n, c, ...spatial], unique: true, margin: 0.05 }),
            tensors({ shape: [c] }),
            tensors({ shape: [c] }),
          )
          .map(([x, w, b]) =>
            sampleOf([x, ...(weight ? [w] : []), ...(bias ? [b] : [])], { groups, weight, bias }),
          );
      }),
    domain: 'x [N, C, *] with distinct values; C divisible by numGroups; optional weight and bias [C]',
  }),
  defineOp({
    name: 'rmsNorm',
    apply: (xs, args: AffineArgs) => {
      const x = xs[0]!;
      const { weight } = weightBias(xs, args);
      return core.rmsNorm(x, x.shape.slice(x.ndim - args.k), weight);
    },
    sample: affine({ avoid0: true, bias: false }),
    domain: 'x kept 0.01 away from 0 (root mean square well above eps); optional weight',
  }),
];
