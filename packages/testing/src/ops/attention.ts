/** Registry entry of scaled dot-product attention. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { boolTensor, seedArb, smallShape } from './samples.js';

type AttentionArgs = {
  mask: boolean;
  isCausal: boolean;
  scale: number | undefined;
  dropoutP: number;
  seed: number;
};

export const attentionOps: OpInfo[] = [
  defineOp({
    name: 'scaledDotProductAttention',
    apply: ([q, k, v, mask], a: AttentionArgs) =>
      core.scaledDotProductAttention(q!, k!, v!, {
        attnMask: a.mask ? mask : undefined,
        isCausal: a.isCausal,
        scale: a.scale,
        dropoutP: a.dropoutP,
        generator: new core.Generator(a.seed),
      }),
    sample: fc
      .record({
        batch: smallShape(0, 2, 2),
        l: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 3 }),
        e: fc.integer({ min: 1, max: 3 }),
        ev: fc.integer({ min: 1, max: 3 }),
        mask: fc.boolean(),
        isCausal: fc.boolean(),
        scale: fc.constantFrom(undefined, 0.5),
        dropoutP: fc.constantFrom(0, 0.3),
        seed: seedArb,
      })
      .chain(({ batch, l, s, e, ev, ...args }) =>
        fc
          .tuple(
            tensors({ shape: [...batch, l, e] }),
            tensors({ shape: [...batch, s, e] }),
            tensors({ shape: [...batch, s, ev] }),
            boolTensor([l, s]),
          )
          .map(([q, k, v, m]) =>
            sampleOf(args.mask && !args.isCausal ? [q, k, v, m] : [q, k, v], {
              ...args,
              mask: args.mask && !args.isCausal,
            }),
          ),
      ),
    domain:
      'any reals; q [..., L, E], k [..., S, E], v [..., S, Ev]; a bool mask or causal; dropout 0 or 0.3 from a seeded generator',
    random: true,
  }),
];
