/** Registry entries of the elementwise ops: arithmetic, unary functions, comparisons, where, cast. */

import type { Tensor } from '@tsgrad/core';
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { mutuallyBroadcastableShapes, tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import {
  broadcastTensors,
  gridPair,
  gridTensor,
  oneTensor,
  SMALL,
  smallShape,
  tensorOfValues,
  WITH_INT32,
  withSpecials,
} from './samples.js';

type Binary = (a: Tensor, b: Tensor) => Tensor;

/** The entry with int32 added to its dtypes. */
const withInt32 = (info: OpInfo): OpInfo => ({ ...info, dtypes: WITH_INT32 });

const INTEGERS = [-3, -2, -1, 0, 1, 2, 3];
const HALVES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5];

/** a and b of broadcastable shapes, b in {±1, ±2} and a away from the integers (a/b too). */
const remainderSample = mutuallyBroadcastableShapes(2, SMALL).chain(({ inputShapes }) =>
  fc
    .tuple(
      tensors({ shape: inputShapes[0]!, min: -3, max: 3, avoid: INTEGERS, margin: 0.05 }),
      tensorOfValues(inputShapes[1]!, fc.constantFrom(1, -1, 2, -2)),
    )
    .map((xs) => sampleOf(xs, null)),
);

/** A predicate on values (NaN, ±∞ included): no gradient, a bool output. */
function predicate(name: string, op: (x: Tensor) => Tensor): OpInfo {
  return defineOp({
    name,
    apply: ([x]) => op(x!),
    sample: smallShape().chain((shape) =>
      tensorOfValues(shape, withSpecials, false).map((x) => sampleOf([x], null)),
    ),
    domain: 'reals mixed with NaN and ±∞',
    differentiable: false,
    outputDtype: 'bool',
  });
}
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

/** A logical op on 0/1-valued (and other) inputs of any float dtype: non-zero is true; bool output. */
function logical(name: string, op: Binary): OpInfo {
  return defineOp({
    name,
    apply: ([a, b]) => op(a!, b!),
    sample: broadcastTensors(2, [
      { dtype: 'int32', min: -1, max: 1 },
      { dtype: 'int32', min: -1, max: 1 },
    ]).map((s) =>
      sampleOf(
        s.inputs.map((x) => x.to('float64')),
        null,
      ),
    ),
    domain: 'any reals (non-zero is true)',
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
  logical('logicalAnd', core.logicalAnd),
  logical('logicalOr', core.logicalOr),
  logical('logicalXor', core.logicalXor),
  defineOp({
    name: 'logicalNot',
    apply: ([x]) => core.logicalNot(x!),
    sample: tensors({ dtype: 'int32', min: -1, max: 1, shape: SMALL }).map((x) =>
      sampleOf([x.to('float64')], null),
    ),
    domain: 'any reals (non-zero is true)',
    differentiable: false,
    outputDtype: 'bool',
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
  withInt32(unary('square', core.square, 'any reals')),
  unary('erf', core.erf, 'any reals'),
  unary('erfinv', core.erfinv, 'x in [-0.9, 0.9]', oneTensor({ min: -0.9, max: 0.9 })),
  unary('log1p', core.log1p, 'x in [-0.8, 2]', oneTensor({ min: -0.8, max: 2 })),
  unary('expm1', core.expm1, 'any reals'),
  unary('rsqrt', core.rsqrt, 'x in [0.2, 3]', oneTensor({ min: 0.2, max: 3 })),
  unary('reciprocal', core.reciprocal, 'x kept 0.5 away from 0', oneTensor({ avoid: [0], margin: 0.5 })),
  withInt32(
    unary(
      'floor',
      core.floor,
      'x kept 0.05 away from the integers (gradient 0)',
      oneTensor({ avoid: INTEGERS, margin: 0.05 }),
    ),
  ),
  withInt32(
    unary(
      'ceil',
      core.ceil,
      'x kept 0.05 away from the integers (gradient 0)',
      oneTensor({ avoid: INTEGERS, margin: 0.05 }),
    ),
  ),
  withInt32(
    unary(
      'round',
      core.round,
      'x kept 0.05 away from the half-integers (gradient 0)',
      oneTensor({ avoid: HALVES, margin: 0.05 }),
    ),
  ),
  defineOp({
    name: 'gelu',
    apply: ([x], { approximate }: { approximate: 'none' | 'tanh' }) => core.gelu(x!, { approximate }),
    sample: tensors({ shape: SMALL }).chain((x) =>
      fc.constantFrom('none' as const, 'tanh' as const).map((approximate) => sampleOf([x], { approximate })),
    ),
    domain: "any reals; approximate 'none' or 'tanh'",
  }),
  unary('silu', core.silu, 'any reals'),
  unary('mish', core.mish, 'any reals'),
  defineOp({
    name: 'leakyRelu',
    apply: ([x], { slope }: { slope: number }) => core.leakyRelu(x!, slope),
    sample: tensors({ shape: SMALL, exclude0: true }).chain((x) =>
      fc.constantFrom(0.01, 0.2).map((slope) => sampleOf([x], { slope })),
    ),
    domain: 'x kept 0.01 away from the kink at 0; slope 0.01 or 0.2',
  }),
  defineOp({
    name: 'elu',
    apply: ([x], { alpha }: { alpha: number }) => core.elu(x!, alpha),
    sample: tensors({ shape: SMALL, exclude0: true }).chain((x) =>
      fc.constantFrom(1, 0.5).map((alpha) => sampleOf([x], { alpha })),
    ),
    domain: 'x kept 0.01 away from the kink at 0; alpha 1 or 0.5',
  }),
  defineOp({
    name: 'hardtanh',
    apply: ([x], { lo, hi }: { lo: number; hi: number }) => core.hardtanh(x!, lo, hi),
    sample: fc
      .constantFrom([-1, 1], [-0.5, 1.5])
      .chain(([lo, hi]) =>
        tensors({ shape: SMALL, avoid: [lo!, hi!], margin: 0.05 }).map((x) =>
          sampleOf([x], { lo: lo!, hi: hi! }),
        ),
      ),
    domain: 'x kept 0.05 away from the bounds (the kinks)',
  }),
  defineOp({
    name: 'softplus',
    apply: ([x], { beta }: { beta: number }) => core.softplus(x!, { beta }),
    sample: tensors({ shape: SMALL }).chain((x) =>
      fc.constantFrom(1, 2).map((beta) => sampleOf([x], { beta })),
    ),
    domain: 'any reals; beta 1 or 2 (below the linear threshold)',
  }),
  defineOp({
    name: 'remainder',
    apply: ([a, b]) => core.remainder(a!, b!),
    sample: remainderSample,
    domain: 'b in {±1, ±2}; a kept 0.05 away from the integers (a/b never an integer: no jumps)',
    broadcasting: true,
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'floorDivide',
    apply: ([a, b]) => core.floorDivide(a!, b!),
    sample: remainderSample,
    domain: 'b in {±1, ±2}; a kept 0.05 away from the integers',
    broadcasting: true,
    differentiable: false,
    dtypes: WITH_INT32,
  }),
  binary(
    'atan2',
    core.atan2,
    'a kept 0.1 away from 0 (the branch cut and the origin)',
    broadcastTensors(2, [{ avoid: [0], margin: 0.1 }, {}]),
  ),
  predicate('isnan', core.isnan),
  predicate('isfinite', core.isfinite),
  predicate('isinf', core.isinf),
  defineOp({
    name: 'nanToNum',
    apply: ([x], o: { nan: number; posinf: number; neginf: number }) => core.nanToNum(x!, o),
    sample: smallShape().chain((shape) =>
      tensorOfValues(shape, withSpecials).map((x) => sampleOf([x], { nan: 0.5, posinf: 3, neginf: -3 })),
    ),
    domain: 'reals mixed with NaN and ±∞ (gradient 1 where finite, 0 elsewhere)',
  }),
];
