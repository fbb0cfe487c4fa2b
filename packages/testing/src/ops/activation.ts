/** Registry entries of softmax and logSoftmax. */
import * as core from '@tsgrad/core';
import { defineOp, type OpInfo } from '../op-info.js';
import { tensorWithDim } from './samples.js';

type DimArgs = { dim: number; keepdim: boolean };

export const activationOps: OpInfo[] = [
  defineOp({
    name: 'softmax',
    apply: ([x], { dim }: DimArgs) => core.softmax(x!, dim),
    sample: tensorWithDim(),
    domain: 'any reals',
  }),
  defineOp({
    name: 'logSoftmax',
    apply: ([x], { dim }: DimArgs) => core.logSoftmax(x!, dim),
    sample: tensorWithDim(),
    domain: 'any reals',
  }),
];
