/** Registry entries of the elementwise ops: arithmetic, unary functions, comparisons, where, cast. */

import type { Tensor } from '@tsgrad/core';
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { broadcastTensors, gridPair, gridTensor, oneTensor, SMALL } from './samples.js';

type Binary = (a: Tensor, b: Tensor) => Tensor;
type Unary = (x: Tensor) => Tensor;

function binary(name: string, op: Binary, domain: string, sample = broadcastTensors(2)): OpInfo {
  return defineOp({
    name,
    apply: ([a, b]) => op(a!, b!),
    sample,
    domain,
    broadcasting: true,
  });
}

function unary(name: string, op: Unary, domain: string, sample = oneTensor()): OpInfo {
  return defineOp({ name, apply: ([x]) => op(x!), sample, domain });
}

function comparison(name: string, op: Binary): OpInfo {
  return defineOp({
    name,
    apply: ([a, b]) => op(a!, b!),
    // Integers in a small range, so that ties (where eq and le differ from lt) are common.
    sample: broadcastTensors(2, [
      { dtype: 'int32', min: -2, max: 2 },
      { dtype: 'int32', min: -2, max: 2 },
    ]).map((s) =>
      sampleOf(
        s.inputs.map((x) => x.to('float64')),
        null,
      ),
    ),
    domain: 'any reals',
    differentiable: false,
    outputDtype: 'bool',
    broadcasting: true,
  });
}

export const elementwiseOps: OpInfo[] = [
  binary('add', core.add, 'any reals'),
  binary('sub', core.sub, 'any reals'),
  binary('mul', core.mul, 'any reals'),
  binary('div', core.div, 'b kept 0.5 away from 0', broadcastTensors(2, [{}, { avoid: [0], margin: 0.5 }])),
  binary('pow', core.pow, 'a in [0.5, 2], b in [-2, 2]', broadcastTensors(2, [{ min: 0.5, max: 2 }, {}])),
  binary('maximum', core.maximum, 'a and b never tie (grids 0.08 apart)', gridPair()),
  binary('minimum', core.minimum, 'a and b never tie (grids 0.08 apart)', gridPair()),
  unary('neg', core.neg, 'any reals'),
  unary('exp', core.exp, 'x in [-2, 2]'),
  unary('log', core.log, 'x in [0.2, 3]', oneTensor({ min: 0.2, max: 3 })),
  unary('sqrt', core.sqrt, 'x in [0.2, 3]', oneTensor({ min: 0.2, max: 3 })),
  unary('abs', core.abs, 'x kept 0.01 away from the kink at 0', oneTensor({ exclude0: true })),
  unary('sign', core.sign, 'x kept away from 0 (derivative 0 elsewhere)', oneTensor({ exclude0: true })),
  unary('tanh', core.tanh, 'any reals'),
  unary('sigmoid', core.sigmoid, 'any reals'),
  unary('relu', core.relu, 'x kept 0.01 away from the kink at 0', oneTensor({ exclude0: true })),
  unary('sin', core.sin, 'any reals'),
  unary('cos', core.cos, 'any reals'),
  defineOp({
    name: 'clamp',
    apply: ([x], { min, max }: { min: number; max: number }) => core.clamp(x!, min, max),
    sample: fc
      .tuple(
        fc
          .integer({ min: 0, max: 2 })
          .chain((r) => fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: r })),
        fc.integer({ min: -3, max: 0 }),
        fc.integer({ min: 1, max: 3 }),
      )
      .chain(([shape, lo, hi]) =>
        gridTensor(shape, 0).map((x) => sampleOf([x], { min: 0.2 * lo + 0.1, max: 0.2 * hi + 0.1 })),
      ),
    domain: 'x never within 0.08 of the bounds',
  }),
  defineOp({
    name: 'where',
    apply: ([c, a, b]) => core.where(c!, a!, b!),
    sample: broadcastTensors(3, [{ dtype: 'int32', min: 0, max: 1 }, {}, {}]),
    domain: 'cond is int32 0/1; a, b any reals',
    broadcasting: true,
  }),
  comparison('eq', core.eq),
  comparison('ne', core.ne),
  comparison('lt', core.lt),
  comparison('le', core.le),
  comparison('gt', core.gt),
  comparison('ge', core.ge),
  defineOp({
    name: 'cast',
    // A round trip through the other float dtype: the gradient is 1, the output keeps the dtype.
    apply: ([x]) => core.cast(core.cast(x!, x!.dtype === 'float64' ? 'float32' : 'float64'), x!.dtype),
    sample: tensors({ shape: SMALL }).map((x) => sampleOf([x], null)),
    domain: 'any reals (float32 rounding needs eps 1e-2)',
    eps: 1e-2,
    atol: 1e-4,
    secondOrder: false,
  }),
];
