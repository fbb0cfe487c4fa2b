/** Registry entry of softmaxCrossEntropy: logits [N, C] and int32 labels, each reduction. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';

type Reduction = 'mean' | 'sum' | 'none';

export const lossOps: OpInfo[] = [
  defineOp({
    name: 'softmaxCrossEntropy',
    apply: ([logits, target], { reduction }: { reduction: Reduction }) =>
      core.softmaxCrossEntropy(logits!, target!, { reduction }),
    sample: fc
      .record({
        n: fc.integer({ min: 1, max: 4 }),
        c: fc.integer({ min: 1, max: 5 }),
        reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
      })
      .chain(({ n, c, reduction }) =>
        fc
          .tuple(tensors({ shape: [n, c] }), tensors({ dtype: 'int32', min: 0, max: c - 1, shape: [n] }))
          .map((xs) => sampleOf(xs, { reduction })),
      ),
    domain: 'any real logits [N, C]; int32 labels in [0, C)',
  }),
];
