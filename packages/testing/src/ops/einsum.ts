/** Registry entry of einsum, over a set of equations covering its lowering paths. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { WITH_INT32 } from './samples.js';

type Sizes = [number, number, number];

/** Equations and the operand shapes for sizes a, b, c. */
const EQUATIONS: readonly { eq: string; shapes: (s: Sizes) => number[][] }[] = [
  {
    eq: 'ij,jk->ik',
    shapes: ([a, b, c]) => [
      [a, b],
      [b, c],
    ],
  },
  {
    eq: 'bij,bjk->bik',
    shapes: ([a, b, c]) => [
      [2, a, b],
      [2, b, c],
    ],
  },
  { eq: 'ii->i', shapes: ([a]) => [[a, a]] },
  { eq: 'ii', shapes: ([a]) => [[a, a]] },
  { eq: 'ij->ji', shapes: ([a, b]) => [[a, b]] },
  { eq: 'ij->', shapes: ([a, b]) => [[a, b]] },
  { eq: 'i,i->', shapes: ([a]) => [[a], [a]] },
  { eq: 'i,j->ij', shapes: ([a, b]) => [[a], [b]] },
  {
    eq: 'ij,kj->ik',
    shapes: ([a, b, c]) => [
      [a, b],
      [c, b],
    ],
  },
  { eq: '...ij->...ji', shapes: ([a, b, c]) => [[c, a, b]] },
  {
    eq: 'ij,jk,kl->il',
    shapes: ([a, b, c]) => [
      [a, b],
      [b, c],
      [c, a],
    ],
  },
];

export const einsumOps: OpInfo[] = [
  defineOp({
    name: 'einsum',
    apply: (xs, { eq }: { eq: string }) => core.einsum(eq, ...xs),
    sample: fc
      .record({
        pick: fc.constantFrom(...EQUATIONS),
        sizes: fc.tuple(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }),
        ),
      })
      .chain(({ pick, sizes }) =>
        fc
          .tuple(...pick.shapes(sizes).map((shape) => tensors({ shape })))
          .map((xs) => sampleOf(xs, { eq: pick.eq })),
      ),
    domain: 'any reals; matmul, batched, diagonal, trace, transpose, sums, outer, ellipsis and chains',
    dtypes: WITH_INT32,
  }),
];
