/** Registry entries of the convolution, pooling and padding ops. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';

/** A small convolution problem: input [N,C,H,W], weight [O,C,kh,kw], stride and padding. */
const convProblem = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  c: fc.integer({ min: 1, max: 2 }),
  o: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 3, max: 4 }),
  w: fc.integer({ min: 3, max: 4 }),
  kh: fc.integer({ min: 1, max: 2 }),
  kw: fc.integer({ min: 1, max: 2 }),
  stride: fc.integer({ min: 1, max: 2 }),
  padding: fc.integer({ min: 0, max: 1 }),
});

const outSide = (side: number, k: number, stride: number, padding: number) =>
  Math.floor((side + 2 * padding - k) / stride) + 1;

/** A 4-d input for pooling with a window that fits. */
const poolProblem = (unique: boolean) =>
  fc
    .record({
      shape: fc.tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 4 }),
      ),
      k: fc.integer({ min: 1, max: 2 }),
      stride: fc.integer({ min: 1, max: 2 }),
    })
    .chain(({ shape, k, stride }) =>
      tensors({ shape, unique, margin: 0.02 }).map((x) => sampleOf([x], { k, stride })),
    );

type PoolArgs = { k: number; stride: number };

export const convOps: OpInfo[] = [
  defineOp({
    name: 'conv2d',
    apply: ([x, w, b], { stride, padding }: { stride: number; padding: number }) =>
      core.conv2d(x!, w!, b, { stride, padding }),
    sample: convProblem.chain((p) =>
      fc
        .tuple(
          tensors({ shape: [p.n, p.c, p.h, p.w] }),
          tensors({ shape: [p.o, p.c, p.kh, p.kw] }),
          tensors({ shape: [p.o] }),
        )
        .map((xs) => sampleOf(xs, { stride: p.stride, padding: p.padding })),
    ),
    domain: 'any reals; input [N,C,H,W], weight [O,C,kh,kw], bias [O]',
  }),
  defineOp({
    name: 'conv2dInputGrad',
    apply: ([w, g], a: { shape: number[]; stride: number; padding: number }) =>
      core.conv2dInputGrad(a.shape, w!, g!, { stride: a.stride, padding: a.padding }),
    sample: convProblem.chain((p) => {
      const out = [
        p.n,
        p.o,
        outSide(p.h, p.kh, p.stride, p.padding),
        outSide(p.w, p.kw, p.stride, p.padding),
      ];
      return fc
        .tuple(tensors({ shape: [p.o, p.c, p.kh, p.kw] }), tensors({ shape: out }))
        .map((xs) => sampleOf(xs, { shape: [p.n, p.c, p.h, p.w], stride: p.stride, padding: p.padding }));
    }),
    domain: 'any reals; weight [O,C,kh,kw] and an output gradient of the convolution output shape',
  }),
  defineOp({
    name: 'conv2dWeightGrad',
    apply: ([x, g], a: { shape: number[]; stride: number; padding: number }) =>
      core.conv2dWeightGrad(x!, a.shape, g!, { stride: a.stride, padding: a.padding }),
    sample: convProblem.chain((p) => {
      const out = [
        p.n,
        p.o,
        outSide(p.h, p.kh, p.stride, p.padding),
        outSide(p.w, p.kw, p.stride, p.padding),
      ];
      return fc
        .tuple(tensors({ shape: [p.n, p.c, p.h, p.w] }), tensors({ shape: out }))
        .map((xs) => sampleOf(xs, { shape: [p.o, p.c, p.kh, p.kw], stride: p.stride, padding: p.padding }));
    }),
    domain: 'any reals; input [N,C,H,W] and an output gradient of the convolution output shape',
  }),
  defineOp({
    name: 'maxPool2d',
    apply: ([x], { k, stride }: PoolArgs) => core.maxPool2d(x!, k, { stride }),
    sample: poolProblem(true),
    domain: 'distinct values (no ties in a window)',
  }),
  defineOp({
    name: 'maxPool2dWithIndices',
    apply: ([x], { k, stride }: PoolArgs) => core.maxPool2dWithIndices(x!, k, { stride }).values,
    sample: poolProblem(true),
    domain: 'distinct values (no ties in a window)',
  }),
  defineOp({
    name: 'avgPool2d',
    apply: ([x], { k, stride }: PoolArgs) => core.avgPool2d(x!, k, { stride }),
    sample: poolProblem(false),
    domain: 'any reals',
  }),
  defineOp({
    name: 'adaptiveAvgPool2d',
    apply: ([x], { k }: PoolArgs) => core.adaptiveAvgPool2d(x!, k),
    sample: poolProblem(false),
    domain: 'any reals; output size 1 or 2',
  }),
  defineOp({
    name: 'pad',
    apply: ([x], { padding, value }: { padding: number[]; value: number }) =>
      core.pad(x!, padding, { value }),
    sample: tensors({ shape: { minRank: 1, maxRank: 3, maxSide: 3 } }).chain((x) =>
      fc
        .record({
          padding: fc.array(fc.integer({ min: 0, max: 2 }), {
            minLength: 2,
            maxLength: 2 * Math.min(2, x.ndim),
          }),
          value: fc.constantFrom(0, 1.5),
        })
        .map(({ padding, value }) =>
          sampleOf([x], { padding: padding.length % 2 ? padding.slice(1) : padding, value }),
        ),
    ),
    domain: 'any reals; non-negative padding of the last one or two dims',
  }),
];
