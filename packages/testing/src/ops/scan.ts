/** Registry entries of the scans: cumsum and cumprod. */
import * as core from '@tsgrad/core';
import { defineOp, type OpInfo } from '../op-info.js';
import { tensorWithDim, WITH_INT32 } from './samples.js';

export const scanOps: OpInfo[] = [
  defineOp({
    name: 'cumsum',
    apply: ([x], { dim }: { dim: number }) => core.cumsum(x!, dim),
    sample: tensorWithDim(),
    domain: 'any reals; a dim of a tensor of rank ≥ 1',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'cumprod',
    apply: ([x], { dim }: { dim: number }) => core.cumprod(x!, dim),
    sample: tensorWithDim({ avoid: [0], margin: 0.2 }),
    domain: 'x kept 0.2 away from 0 (second order holds only without zeros)',
    dtypes: WITH_INT32,
  }),
];
