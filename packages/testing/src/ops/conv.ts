/** Registry entries of the convolution and its two adjoints. */
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
];
