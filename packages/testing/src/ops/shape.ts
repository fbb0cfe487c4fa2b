/** Registry entries of the shape ops: views, copies, concatenation, splitting and padding. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { oneTensor, SMALL } from './samples.js';

/** A tensor of rank ≥ 1 and one of its dims. */
const withDim = (minRank = 1) =>
  tensors({ shape: { ...SMALL, minRank } }).chain((x) =>
    fc.integer({ min: -x.ndim, max: x.ndim - 1 }).map((dim) => sampleOf([x], { dim })),
  );

/** One to three tensors for `cat` (agreeing on every dim but `dim`) or `stack` (of one shape). */
const concatenable = (stack: boolean) =>
  fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: stack ? 0 : 1, maxLength: 3 }),
      count: fc.integer({ min: 1, max: 3 }),
    })
    .chain(({ shape, count }) => {
      const rank = shape.length + (stack ? 1 : 0);
      return fc
        .record({
          dim: fc.integer({ min: -rank, max: rank - 1 }),
          sides: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: count, maxLength: count }),
        })
        .chain(({ dim, sides }) => {
          const d = dim < 0 ? dim + rank : dim;
          const shapes = sides.map((side) => shape.map((v, i) => (i === d && !stack ? side : v)));
          return fc.tuple(...shapes.map((s) => tensors({ shape: s }))).map((xs) => sampleOf(xs, { dim }));
        });
    });

/** The permutation of `n` dims drawn by fast-check. */
const permutationOf = (n: number) =>
  fc.array(fc.nat(), { minLength: n, maxLength: n }).map((keys) =>
    keys
      .map((k, i) => [k, i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([, i]) => i),
  );

export const shapeOps: OpInfo[] = [
  defineOp({
    name: 'reshape',
    apply: ([x], { shape }: { shape: number[] }) => core.reshape(x!, shape),
    sample: tensors({ shape: SMALL }).chain((x) =>
      fc.boolean().map((flat) => sampleOf([x], { shape: flat ? [x.size] : [...x.shape].reverse() })),
    ),
    domain: 'any reals; the target has the same number of elements',
  }),
  defineOp({
    name: 'view',
    apply: ([x], { shape }: { shape: number[] }) => core.view(x!.contiguous(), shape),
    sample: tensors({ shape: SMALL }).map((x) => sampleOf([x], { shape: [x.size] })),
    domain: 'any reals (a view of contiguous data)',
  }),
  defineOp({
    name: 'flatten',
    apply: ([x], { start, end }: { start: number; end: number }) => core.flatten(x!, start, end),
    sample: tensors({ shape: { ...SMALL, minRank: 1 } }).chain((x) =>
      fc
        .tuple(fc.nat({ max: x.ndim - 1 }), fc.nat({ max: x.ndim - 1 }))
        .map(([a, b]) => sampleOf([x], { start: Math.min(a, b), end: Math.max(a, b) })),
    ),
    domain: 'any reals; 0 ≤ start ≤ end < rank',
  }),
  defineOp({
    name: 'permute',
    apply: ([x], { dims }: { dims: number[] }) => core.permute(x!, dims),
    sample: tensors({ shape: SMALL }).chain((x) =>
      permutationOf(x.ndim).map((dims) => sampleOf([x], { dims })),
    ),
    domain: 'any reals; a permutation of the dims',
  }),
  defineOp({
    name: 'transpose',
    apply: ([x], { a, b }: { a: number; b: number }) => core.transpose(x!, a, b),
    sample: tensors({ shape: { ...SMALL, minRank: 1 } }).chain((x) =>
      fc
        .record({
          a: fc.integer({ min: -x.ndim, max: x.ndim - 1 }),
          b: fc.integer({ min: -x.ndim, max: x.ndim - 1 }),
        })
        .map((args) => sampleOf([x], args)),
    ),
    domain: 'any reals',
  }),
  defineOp({
    name: 't',
    apply: ([x]) => core.t(x!),
    sample: tensors({ shape: { maxRank: 2, maxSide: 3 } }).map((x) => sampleOf([x], null)),
    domain: 'any reals; rank ≤ 2',
  }),
  defineOp({
    name: 'squeeze',
    apply: ([x], { dim }: { dim: number | undefined }) => core.squeeze(x!, dim),
    sample: tensors({ shape: { ...SMALL, minSide: 1, maxSide: 2 } }).chain((x) =>
      fc
        .option(fc.integer({ min: -Math.max(1, x.ndim), max: Math.max(0, x.ndim - 1) }), { nil: undefined })
        .map((dim) => sampleOf([x], { dim: x.ndim === 0 ? undefined : dim })),
    ),
    domain: 'any reals',
  }),
  defineOp({
    name: 'unsqueeze',
    apply: ([x], { dim }: { dim: number }) => core.unsqueeze(x!, dim),
    sample: tensors({ shape: SMALL }).chain((x) =>
      fc.integer({ min: -x.ndim - 1, max: x.ndim }).map((dim) => sampleOf([x], { dim })),
    ),
    domain: 'any reals',
  }),
  defineOp({
    name: 'expand',
    apply: ([x], { shape }: { shape: number[] }) => core.expand(x!, shape),
    sample: fc
      .tuple(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 3 })), { maxLength: 3 }),
        fc.integer({ min: 0, max: 2 }),
      )
      .chain(([dims, lead]) => {
        const target = [...Array.from({ length: lead }, () => 2), ...dims.map(([, s]) => s)];
        const shape = dims.map(([one, s]) => (one ? 1 : s));
        return tensors({ shape }).map((x) => sampleOf([x], { shape: target }));
      }),
    domain: 'any reals; a shape the input broadcasts to',
  }),
  defineOp({
    name: 'slice',
    apply: ([x], a: { dim: number; start: number; end: number; step: number }) =>
      core.slice(x!, a.dim, a.start, a.end, a.step),
    sample: withDim().chain((s) => {
      const n = s.inputs[0]!.dim(s.args.dim);
      return fc
        .record({
          start: fc.nat({ max: n - 1 }),
          len: fc.integer({ min: 1, max: n }),
          step: fc.integer({ min: 1, max: 2 }),
        })
        .map(({ start, len, step }) =>
          sampleOf(s.inputs, { dim: s.args.dim, start, end: Math.min(n, start + len), step }),
        );
    }),
    domain: 'any reals; 0 ≤ start < end ≤ size, step ≥ 1',
  }),
  defineOp({
    name: 'narrow',
    apply: ([x], a: { dim: number; start: number; length: number }) =>
      core.narrow(x!, a.dim, a.start, a.length),
    sample: withDim().chain((s) => {
      const n = s.inputs[0]!.dim(s.args.dim);
      return fc
        .nat({ max: n - 1 })
        .chain((start) =>
          fc
            .integer({ min: 0, max: n - start })
            .map((length) => sampleOf(s.inputs, { dim: s.args.dim, start, length })),
        );
    }),
    domain: 'any reals; start + length ≤ size',
  }),
  defineOp({
    name: 'split',
    apply: ([x], { size, dim }: { size: number; dim: number }) => core.split(x!, size, dim),
    sample: withDim().chain((s) =>
      fc.integer({ min: 1, max: 3 }).map((size) => sampleOf(s.inputs, { size, dim: s.args.dim })),
    ),
    domain: 'any reals; chunks of a given size',
  }),
  defineOp({
    name: 'chunk',
    apply: ([x], { chunks, dim }: { chunks: number; dim: number }) => core.chunk(x!, chunks, dim),
    sample: withDim().chain((s) =>
      fc.integer({ min: 1, max: 3 }).map((chunks) => sampleOf(s.inputs, { chunks, dim: s.args.dim })),
    ),
    domain: 'any reals',
  }),
  defineOp({
    name: 'cat',
    apply: (xs, { dim }: { dim: number }) => core.cat(xs, dim),
    sample: concatenable(false),
    domain: 'tensors agreeing on every dim but dim',
  }),
  defineOp({
    name: 'stack',
    apply: (xs, { dim }: { dim: number }) => core.stack(xs, dim),
    sample: concatenable(true),
    domain: 'tensors of one shape',
  }),
  defineOp({ name: 'clone', apply: ([x]) => core.clone(x!), sample: oneTensor(), domain: 'any reals' }),
  defineOp({
    name: 'contiguous',
    apply: ([x]) => core.contiguous(x!),
    sample: oneTensor(),
    domain: 'any reals',
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
