/**
 * The op registry, after PyTorch's OpInfo: an op declares once how to call it, how to draw valid
 * sample inputs and which properties apply; `opProperties(info)` turns that into the standard
 * fast-check properties (gradient by finite differences, second order, broadcasting, dtype
 * preservation, non-contiguous inputs, determinism), and `testOp` (from `@tsgrad/testing/vitest`)
 * runs them as vitest tests.
 */
import { type DType, expand, grad, noGrad, onesLike, type Tensor } from '@tsgrad/core';
import fc from 'fast-check';
import { asGenerated, broadcastShape, nonContiguous } from './arbitraries.js';
import { assertClose } from './assert-close.js';
import { checkGrads } from './check-grads.js';

/** One draw of an op's sample inputs: the tensors and the op's other arguments. */
export interface OpSample<A = unknown> {
  /** Tensor inputs; float inputs that require grad are differentiated, int32 ones pass through. */
  inputs: Tensor[];
  /** The op's non-tensor arguments (dims, options), printed with a counterexample. */
  args: A;
}

/** The standard properties `opProperties` can generate. */
export type PropertyKind =
  | 'gradient'
  | 'secondOrder'
  | 'broadcasting'
  | 'dtype'
  | 'nonContiguous'
  | 'determinism';

/** What an op declares about itself for the generated tests. */
export interface OpInfo<A = unknown> {
  /** The name exported by the library, e.g. `logSoftmax`. */
  name: string;
  /** The op family (core's ops/ file it lives in, e.g. `elementwise`); set by the registry. */
  family?: string;
  /** Calls the op on sample inputs. */
  apply(inputs: readonly Tensor[], args: A): Tensor | readonly Tensor[];
  /** Valid float64 sample inputs (float inputs require grad). */
  sample: fc.Arbitrary<OpSample<A>>;
  /** The valid domain in words, e.g. `x > 0` (documentation of the sample generator). */
  domain: string;
  /** Whether gradients flow (default true). */
  differentiable?: boolean;
  /** Whether second derivatives are checked (default: same as differentiable). */
  secondOrder?: boolean;
  /** Whether the tensor inputs broadcast together (NumPy's rules). */
  broadcasting?: boolean;
  /** Output dtype: 'same' as the float inputs (default) or a fixed dtype. */
  outputDtype?: 'same' | DType;
  /** Float dtypes the op supports (default float32 and float64). */
  dtypes?: readonly DType[];
  /**
   * Whether the op draws random numbers: its `apply` must build a fresh `Generator` from a seed in
   * its arguments, so that the determinism property holds (default false).
   */
  random?: boolean;
  /** Properties left out, each with the reason (a known bug or limitation, reported upstream). */
  skip?: Partial<Record<PropertyKind, string>>;
  /** Tolerances and step of the gradient checks (checkGrads' defaults otherwise). */
  atol?: number;
  rtol?: number;
  eps?: number;
}

/** One generated property of an op, with the share of the suite's numRuns it gets. */
export interface OpProperty {
  name: string;
  kind: PropertyKind;
  property: fc.IPropertyWithHooks<[OpSample]>;
  runsScale: number;
}

/**
 * Declares an op for the registry (keeps the argument type of `apply` and `sample` together).
 *
 * @example
 * const expOp = defineOp({
 *   name: 'exp',
 *   apply: ([x]) => x!.exp(),
 *   sample: tensors({ shape: [3] }).map((x) => sampleOf([x], {})),
 *   domain: 'any reals',
 * });
 */
export function defineOp<A>(info: OpInfo<A>): OpInfo {
  return info as unknown as OpInfo;
}

function outputs(out: Tensor | readonly Tensor[]): readonly Tensor[] {
  return Array.isArray(out) ? (out as readonly Tensor[]) : [out as Tensor];
}

const isFloat = (t: Tensor) => t.dtype === 'float32' || t.dtype === 'float64';

function differentiate(outs: readonly Tensor[], inputs: readonly Tensor[]): Tensor[] {
  const diff = inputs.filter((x) => x.requiresGrad);
  const keep = outs.filter((o) => o.requiresGrad);
  if (diff.length === 0 || keep.length === 0) return [];
  return grad(keep, diff, { gradOutputs: keep.map((o) => onesLike(o)), allowUnused: true });
}

/**
 * The kinds of standard property that apply to `info` (before its `skip` list).
 *
 * @example
 * applicableProperties(findOp('softmax')); // ['gradient', 'secondOrder', 'dtype', 'nonContiguous', 'determinism']
 */
export function applicableProperties(info: OpInfo): PropertyKind[] {
  const differentiable = info.differentiable ?? true;
  const kinds: PropertyKind[] = [];
  if (differentiable) kinds.push('gradient');
  if (info.secondOrder ?? differentiable) kinds.push('secondOrder');
  if (info.broadcasting) kinds.push('broadcasting');
  kinds.push('dtype', 'nonContiguous', 'determinism');
  return kinds;
}

/**
 * The standard properties that apply to `info`, less those it skips.
 *
 * @example
 * const props = opProperties(findOp('softmax'));
 * const dtype = props.find((p) => p.kind === 'dtype')!;
 * fc.assert(dtype.property, { numRuns: 5 }); // softmax keeps its input's dtype
 */
export function opProperties(info: OpInfo): OpProperty[] {
  return allProperties(info).filter((p) => info.skip?.[p.kind] === undefined);
}

function allProperties(info: OpInfo): OpProperty[] {
  const call = (s: OpSample, inputs: readonly Tensor[] = s.inputs) => outputs(info.apply(inputs, s.args));
  const differentiable = info.differentiable ?? true;
  const props: OpProperty[] = [];
  const gradOptions = { atol: info.atol, rtol: info.rtol, eps: info.eps };

  const kinds = applicableProperties(info);
  if (kinds.includes('gradient')) {
    props.push({
      name: 'gradient matches finite differences',
      kind: 'gradient',
      runsScale: 1,
      property: fc.property(info.sample, (s) => {
        if (!s.inputs.some((x) => x.requiresGrad)) return;
        checkGrads((...xs) => call(s, xs), s.inputs, gradOptions);
      }),
    });
  }
  if (kinds.includes('secondOrder')) {
    props.push({
      name: 'second derivative matches finite differences',
      kind: 'secondOrder',
      runsScale: 0.5,
      property: fc.property(info.sample, (s) => {
        if (!s.inputs.some((x) => x.requiresGrad)) return;
        checkGrads((...xs) => call(s, xs), s.inputs, { ...gradOptions, order: 2 });
      }),
    });
  }
  if (info.broadcasting) {
    props.push({
      name: 'broadcasting equals explicit expansion',
      kind: 'broadcasting',
      runsScale: 1,
      property: fc.property(info.sample, (s) => {
        const target = broadcastShape(s.inputs.map((x) => x.shape));
        const expanded = s.inputs.map((x) => noGrad(() => expand(x, target).contiguous()));
        const a = noGrad(() => call(s));
        const b = noGrad(() => call(s, expanded));
        a.forEach((o, i) => {
          assertClose(o, b[i]!, { atol: 1e-12, rtol: 1e-12, equalNaN: true });
        });
      }),
    });
  }
  props.push({
    name: 'gives the declared output dtype for each float dtype',
    kind: 'dtype',
    runsScale: 0.5,
    property: fc.property(info.sample, (s) => {
      for (const dtype of info.dtypes ?? (['float32', 'float64'] as const)) {
        const inputs = s.inputs.map((x) => (isFloat(x) ? noGrad(() => x.detach().to(dtype)) : x));
        const outs = noGrad(() => call(s, inputs));
        const expected = (info.outputDtype ?? 'same') === 'same' ? dtype : (info.outputDtype as DType);
        for (const o of outs) {
          if (o.dtype !== expected) {
            throw new Error(`${info.name}: ${dtype} inputs gave a ${o.dtype} output (expected ${expected})`);
          }
        }
      }
    }),
  });
  props.push({
    name: 'non-contiguous inputs give the same values and gradients',
    kind: 'nonContiguous',
    runsScale: 0.5,
    property: fc.property(info.sample, (s) => {
      const strided = s.inputs.map((x) => nonContiguous(x));
      const a = call(s);
      const b = call(s, strided);
      a.forEach((o, i) => {
        assertClose(b[i]!, o, { atol: 1e-12, rtol: 1e-12, equalNaN: true });
      });
      if (!differentiable) return;
      const ga = differentiate(a, s.inputs);
      const gb = differentiate(b, strided);
      ga.forEach((g, i) => {
        assertClose(gb[i]!, g, { atol: 1e-12, rtol: 1e-12, equalNaN: true });
      });
    }),
  });
  props.push({
    name: 'is deterministic',
    kind: 'determinism',
    runsScale: 0.5,
    property: fc.property(info.sample, (s) => {
      const a = noGrad(() => call(s));
      const b = noGrad(() => call(s));
      a.forEach((o, i) => {
        assertClose(b[i]!, o, { atol: 0, rtol: 0, equalNaN: true });
      });
    }),
  });
  return props;
}

/**
 * A sample of the given inputs and arguments, each tensor printable at full precision.
 *
 * @example
 * const s = sampleOf([randn([2, 3], { dtype: 'float64' })], { dim: 1 });
 * findOp('softmax').apply(s.inputs, s.args); // shape [2, 3], rows summing to 1
 */
export function sampleOf<A>(inputs: Tensor[], args: A): OpSample<A> {
  return { inputs: inputs.map(asGenerated), args };
}
