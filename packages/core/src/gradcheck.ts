/**
 * Gradient checking against central finite differences: the machinery shared by `gradcheck`,
 * `gradgradcheck` and `@tsgrad/testing`'s `checkGrads`.
 *
 * The numerical Jacobian costs two evaluations of the function per input element; the analytical
 * side is first checked cheaply through one random projection of the outputs (one backward pass in
 * reverse mode, one jvp in forward mode). Only when that disagrees is the full analytical Jacobian
 * computed, so that the report shows the true derivatives of the failing elements.
 */
import { grad } from './autograd/backward.js';
import { jvp } from './autograd/functional.js';
import { enableGrad } from './autograd/grad-mode.js';
import { DTypeError, fmtShape, ShapeError, TsgradError, ValueError } from './errors.js';
import { Generator } from './random.js';
import { sameShape } from './tensor/shape.js';
import { Tensor } from './tensor/tensor.js';

/** How the analytical derivative is computed: reverse mode (vjp, backward) or forward mode (jvp). */
export type GradcheckMode = 'rev' | 'fwd';

/** A function checked by the gradient checkers: tensors in, one tensor or a list of tensors out. */
export type CheckedFunction = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

/** Options shared by `gradcheck`, `gradgradcheck` and `checkGradients`. */
export interface GradcheckOptions {
  /** Finite-difference step, a finite positive number (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, relative to the numerical derivative (default 1e-3). */
  rtol?: number;
  /** Throw a GradcheckError on disagreement (default true); otherwise return false. */
  raiseException?: boolean;
  /** Seed of the random projections. */
  seed?: number;
}

/** Options of `checkGradients`. */
export interface CheckGradientsOptions extends Omit<GradcheckOptions, 'raiseException'> {
  /** 1 checks first derivatives; 2 checks first and second derivatives (default 1). */
  order?: 1 | 2;
  /** Modes in which the analytical derivative is computed (default ['rev']). */
  modes?: readonly GradcheckMode[];
  /** A name for each input, used in the report (default `input 0`, `input 1`, …). */
  names?: readonly (string | undefined)[];
  /** The name of the checker, which starts the report's message (default `gradcheck`). */
  caller?: string;
  /** Upstream gradients for the second-order check (default: seeded random values). */
  gradOutputs?: readonly Tensor[];
}

/** One element of an input whose analytical derivative disagrees with the numerical one. */
export interface GradientMismatch {
  /** Position of the input in the inputs list. */
  input: number;
  /** The input's name. */
  name: string;
  /** The element's index in the input. */
  index: number[];
  /** The input's value at that element. */
  value: number;
  /** Which output (when the function returns several) and the index of its element. */
  output: number;
  /** The index of the element within that output. */
  outputIndex: number[];
  /** For a second-order check: the input whose gradient is the output. */
  gradientOf?: string;
  /** d output[outputIndex] / d input[index], analytically and by finite differences. */
  analytical: number;
  /** The same derivative by central finite differences. */
  numerical: number;
  /** |analytical − numerical|, and the tolerance it exceeds: atol + rtol·|numerical|. */
  difference: number;
  /** The tolerance exceeded: atol + rtol·|numerical|. */
  tolerance: number;
}

/** The failures of one input in one check. */
export interface InputFailure {
  /** 1 for first derivatives, 2 for second. */
  order: 1 | 2;
  /** 'rev' (vector-Jacobian products, the backward) or 'fwd' (Jacobian-vector products). */
  mode: GradcheckMode;
  /** The position of the input in the list given to the check. */
  input: number;
  /** The input's name ('' when none was given). */
  name: string;
  /** The input's shape. */
  shape: number[];
  /** Number of elements of the input with at least one wrong derivative, and the input's size. */
  failing: number;
  /** The number of elements of the input. */
  total: number;
  /** The element whose difference exceeds its tolerance the most. */
  worst: GradientMismatch;
}

/** What a gradient check found. */
export interface GradcheckReport {
  /** True when every checked derivative is within tolerance. */
  ok: boolean;
  /** The finite-difference step used. */
  eps: number;
  /** The absolute tolerance used. */
  atol: number;
  /** The relative tolerance used. */
  rtol: number;
  /** One entry per input (and order and mode) with a wrong derivative; empty when ok. */
  failures: InputFailure[];
  /** A readable account of the failures ('' when ok). */
  message: string;
}

/**
 * Raised by `gradcheck` when an analytical gradient disagrees with finite differences.
 *
 * @example
 * const x = randn([2], { dtype: 'float64', requiresGrad: true });
 * const wrong = (a: Tensor) => record('wrong', [a], a.detach().mul(2), (g) => [g]); // claims d/da = 1
 * try {
 *   gradcheck(wrong, [x]);
 * } catch (e) {
 *   console.log(e instanceof GradcheckError); // true
 * }
 */
export class GradcheckError extends TsgradError {
  /** The report behind the message, when the check ran to the end. */
  readonly report: GradcheckReport | undefined;
  constructor(message: string, report?: GradcheckReport) {
    super(message);
    this.report = report;
  }
}

function outputList(out: Tensor | readonly Tensor[]): readonly Tensor[] {
  // Array.isArray rather than instanceof: a second copy of the package must not break the check.
  return Array.isArray(out) ? (out as readonly Tensor[]) : [out as Tensor];
}

/** Row-major coordinates of flat index `e` in `shape`. */
function coordsOf(e: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = e % shape[d]!;
    e = Math.floor(e / shape[d]!);
  }
  return c;
}

/** Buffer position of each element of `x`, row-major. */
function positions(x: Tensor): Int32Array {
  const pos = new Int32Array(x.size);
  for (let e = 0; e < x.size; e++) {
    const c = coordsOf(e, x.shape);
    let p = x.offset;
    for (let d = 0; d < x.ndim; d++) p += c[d]! * x.strides[d]!;
    pos[e] = p;
  }
  return pos;
}

function flatValues(ts: readonly Tensor[]): Float64Array {
  let n = 0;
  for (const t of ts) n += t.size;
  const out = new Float64Array(n);
  let k = 0;
  for (const t of ts) {
    const a = t.toTypedArray();
    for (let i = 0; i < a.length; i++) out[k++] = a[i]!;
  }
  return out;
}

function checkOptions(
  caller: string,
  options: GradcheckOptions,
): { eps: number; atol: number; rtol: number } {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0) {
    throw new ValueError(`${caller}: eps must be a finite positive number, got ${eps}`);
  }
  for (const [key, v] of [
    ['atol', atol],
    ['rtol', rtol],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0)) {
      throw new ValueError(`${caller}: ${key} must be a non-negative number, got ${v}`);
    }
  }
  return { eps, atol, rtol };
}

/**
 * Prints a number for a report: six significant digits, as short as they allow.
 *
 * @example
 * fmtNumber(1 / 3); // '0.333333'
 * fmtNumber(1e-12); // '1e-12'
 */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/**
 * The numerical Jacobian of `fn` at `inputs` for the input at `k`: row e (input element e) holds
 * the central differences of every output element. The input is restored even when `fn` throws.
 */
function numericalJacobian(evaluate: () => Float64Array, x: Tensor, eps: number, m: number): Float64Array[] {
  const pos = positions(x);
  const rows: Float64Array[] = [];
  const data = x.data;
  for (let e = 0; e < x.size; e++) {
    const p = pos[e]!;
    const saved = data[p]!;
    let plus: Float64Array;
    let minus: Float64Array;
    try {
      data[p] = saved + eps;
      plus = evaluate();
      data[p] = saved - eps;
      minus = evaluate();
    } finally {
      data[p] = saved;
    }
    const row = new Float64Array(m);
    for (let o = 0; o < m; o++) row[o] = (plus[o]! - minus[o]!) / (2 * eps);
    rows.push(row);
  }
  return rows;
}

interface OutputLayout {
  shapes: number[][];
  dtypes: Tensor['dtype'][];
  starts: number[];
  size: number;
}

function layoutOf(outs: readonly Tensor[]): OutputLayout {
  const starts: number[] = [];
  let size = 0;
  for (const o of outs) {
    starts.push(size);
    size += o.size;
  }
  return { shapes: outs.map((o) => [...o.shape]), dtypes: outs.map((o) => o.dtype), starts, size };
}

/** Splits a flat vector over the outputs into tensors of their shapes and dtypes. */
function splitTensors(flatVec: Float64Array, layout: OutputLayout): Tensor[] {
  return layout.shapes.map((s, i) => {
    const start = layout.starts[i]!;
    const size = s.reduce((a, b) => a * b, 1);
    return new Tensor(flatVec.slice(start, start + size), s).to(layout.dtypes[i]!);
  });
}

/** Checks that an analytical gradient has its input's dtype and shape. */
function checkGradient(caller: string, g: Tensor, x: Tensor, name: string): void {
  if (g.dtype !== x.dtype) {
    throw new DTypeError(
      `${caller}: the gradient of ${name} has dtype ${g.dtype}, but ${name} is ${x.dtype} (a backward returned a gradient of the wrong dtype)`,
    );
  }
  if (!sameShape(g.shape, x.shape)) {
    throw new ShapeError(
      `${caller}: the gradient of ${name} has shape ${fmtShape(g.shape)}, but ${name} has shape ${fmtShape(x.shape)}`,
    );
  }
}

/** vᵀ·J for every differentiable input (zeros where no gradient flows). */
function reverseProducts(
  caller: string,
  fn: () => readonly Tensor[],
  diff: readonly Tensor[],
  names: readonly string[],
  vectors: (layout: OutputLayout) => Float64Array,
): Float64Array[] {
  return enableGrad(() => {
    const outs = fn();
    const layout = layoutOf(outs);
    const vs = splitTensors(vectors(layout), layout);
    const keep = outs.map((o, i) => [o, vs[i]!] as const).filter(([o]) => o.requiresGrad);
    if (keep.length === 0) return diff.map((x) => new Float64Array(x.size));
    const gs = grad(
      keep.map(([o]) => o),
      diff,
      { gradOutputs: keep.map(([, v]) => v), allowUnused: true },
    );
    return gs.map((g, k) => {
      checkGradient(caller, g, diff[k]!, names[k]!);
      return Float64Array.from(g.toTypedArray());
    });
  });
}

/** J·u (flattened over the outputs) for directions `us`, one per differentiable input. */
function forwardProduct(
  run: (...diff: Tensor[]) => readonly Tensor[],
  diff: readonly Tensor[],
  us: readonly Tensor[],
): Float64Array {
  // jvp takes a single-output function; several outputs are checked one at a time.
  const outs = enableGrad(() => run(...diff));
  const parts = outs.map((_, i) => {
    // createGraph keeps the inputs themselves (not detached copies) in the computation, so a
    // function that reads them by reference (a module's parameters) is differentiated too.
    const [, d] = jvp((...xs: Tensor[]) => run(...xs)[i]!, [...diff], [...us], { createGraph: true });
    return d.detach();
  });
  return flatValues(parts);
}

interface CheckContext {
  caller: string;
  order: 1 | 2;
  eps: number;
  atol: number;
  rtol: number;
}

/**
 * Compares the analytical derivatives of `run` (a function of the differentiable inputs, which it
 * also reads by reference) with finite differences, in each of `modes`.
 */
function compare(
  ctx: CheckContext,
  run: () => readonly Tensor[],
  runWith: (...diff: Tensor[]) => readonly Tensor[],
  diff: readonly Tensor[],
  indices: readonly number[],
  names: readonly string[],
  modes: readonly GradcheckMode[],
  seed: number,
  probe: readonly Tensor[],
): InputFailure[] {
  const { eps, atol, rtol } = ctx;
  const evaluate = (): Float64Array => enableGrad(() => flatValues(run()));
  const layout = layoutOf(probe);
  const m = layout.size;
  const numerical = diff.map((x) => numericalJacobian(evaluate, x, eps, m));
  const g = new Generator(seed);
  const failures: InputFailure[] = [];
  const close = (a: number, n: number): boolean => Math.abs(a - n) <= atol + rtol * Math.abs(n);

  for (const mode of modes) {
    let suspect = false;
    if (mode === 'rev') {
      const w = Float64Array.from({ length: m }, () => g.uniform(0.5, 1.5));
      const a = reverseProducts(ctx.caller, run, diff, names, () => w);
      diff.forEach((x, k) => {
        for (let e = 0; e < x.size; e++) {
          let n = 0;
          const row = numerical[k]![e]!;
          for (let o = 0; o < m; o++) n += w[o]! * row[o]!;
          if (!close(a[k]![e]!, n)) suspect = true;
        }
      });
    } else {
      const us = diff.map(
        (x) =>
          new Tensor(
            Float64Array.from({ length: x.size }, () => g.uniform(0.5, 1.5)),
            [...x.shape],
          ),
      );
      const a = forwardProduct(runWith, diff, us);
      const n = new Float64Array(m);
      diff.forEach((x, k) => {
        const u = us[k]!.data;
        for (let e = 0; e < x.size; e++) {
          const row = numerical[k]![e]!;
          for (let o = 0; o < m; o++) n[o] += u[e]! * row[o]!;
        }
      });
      for (let o = 0; o < m; o++) if (!close(a[o]!, n[o]!)) suspect = true;
    }
    if (!suspect) continue;
    // The projection disagrees: compute the full analytical Jacobian to report the true values.
    const analytical = fullJacobian(ctx.caller, mode, run, runWith, diff, names, m, layout);
    let found = false;
    diff.forEach((x, k) => {
      const pos = positions(x);
      let failing = 0;
      let worst: GradientMismatch | null = null;
      let worstExcess = -Infinity;
      for (let e = 0; e < x.size; e++) {
        let bad = false;
        for (let o = 0; o < m; o++) {
          const av = analytical[k]![e]![o]!;
          const nv = numerical[k]![e]![o]!;
          const difference = Math.abs(av - nv);
          const tolerance = atol + rtol * Math.abs(nv);
          if (difference <= tolerance) continue;
          bad = true;
          const excess = Number.isNaN(difference) ? Infinity : difference - tolerance;
          if (worst === null || excess > worstExcess) {
            worstExcess = excess;
            let out = 0;
            while (out + 1 < layout.starts.length && layout.starts[out + 1]! <= o) out++;
            worst = {
              input: indices[k]!,
              name: names[k]!,
              index: coordsOf(e, x.shape),
              value: x.data[pos[e]!]!,
              output: out,
              outputIndex: coordsOf(o - layout.starts[out]!, layout.shapes[out]!),
              ...(ctx.order === 2 ? { gradientOf: names[out]! } : {}),
              analytical: av,
              numerical: nv,
              difference,
              tolerance,
            };
          }
        }
        if (bad) failing++;
      }
      if (worst !== null) {
        found = true;
        failures.push({
          order: ctx.order,
          mode,
          input: indices[k]!,
          name: names[k]!,
          shape: [...x.shape],
          failing,
          total: x.size,
          worst,
        });
      }
    });
    if (!found) {
      // Only the projection disagreed (rounding at the edge of the tolerance): report it as such.
      throw new GradcheckError(
        `${ctx.caller}: the projected ${mode === 'rev' ? 'vector–Jacobian' : 'Jacobian–vector'} product disagrees with finite differences, but no single derivative does (atol ${atol}, rtol ${rtol}, eps ${eps})`,
      );
    }
  }
  return failures;
}

/** Full analytical Jacobian, [input k][element e][output o], by one-hot vjps or jvps. */
function fullJacobian(
  caller: string,
  mode: GradcheckMode,
  run: () => readonly Tensor[],
  runWith: (...diff: Tensor[]) => readonly Tensor[],
  diff: readonly Tensor[],
  names: readonly string[],
  m: number,
  layout: OutputLayout,
): Float64Array[][] {
  const jac = diff.map((x) => Array.from({ length: x.size }, () => new Float64Array(m)));
  if (mode === 'rev') {
    for (let o = 0; o < m; o++) {
      const rows = reverseProducts(caller, run, diff, names, () => {
        const v = new Float64Array(layout.size);
        v[o] = 1;
        return v;
      });
      rows.forEach((r, k) => {
        for (let e = 0; e < r.length; e++) jac[k]![e]![o] = r[e]!;
      });
    }
  } else {
    diff.forEach((x, k) => {
      for (let e = 0; e < x.size; e++) {
        const us = diff.map((y, j) => {
          const d = new Float64Array(y.size);
          if (j === k) d[e] = 1;
          return new Tensor(d, [...y.shape]);
        });
        jac[k]![e]!.set(forwardProduct(runWith, diff, us));
      }
    });
  }
  return jac;
}

function describe(
  f: InputFailure,
  ctx: { eps: number; atol: number; rtol: number },
  single: boolean,
): string {
  const w = f.worst;
  const what = f.order === 1 ? 'first derivative' : 'second derivative';
  const mode = f.mode === 'rev' ? 'reverse mode' : 'forward mode';
  const label = f.name === `input ${f.input}` ? f.name : `input ${f.input} '${f.name}'`;
  const target =
    f.order === 1
      ? single
        ? `output${w.outputIndex.length === 0 ? '' : `[${w.outputIndex.join(',')}]`}`
        : `output ${w.output}[${w.outputIndex.join(',')}]`
      : `grad(${w.gradientOf})[${w.outputIndex.join(',')}]`;
  return (
    `${what} (${mode}) of ${label} (shape ${fmtShape(f.shape)}) disagrees with finite differences ` +
    `at ${f.failing} of ${f.total} elements (eps ${ctx.eps}, atol ${ctx.atol}, rtol ${ctx.rtol}); ` +
    `worst at element [${w.index.join(',')}] (value ${fmtNumber(w.value)}), d ${target}: ` +
    `analytical ${fmtNumber(w.analytical)}, numerical ${fmtNumber(w.numerical)}, ` +
    `|difference| ${fmtNumber(w.difference)} > tolerance ${fmtNumber(w.tolerance)}`
  );
}

/**
 * Checks the first (and with `order: 2`, second) derivatives of `fn` at `inputs` against central
 * finite differences and returns a report; throws only for invalid arguments. Inputs that require
 * gradients must be float64; others (an int32 index, say) are passed through unchanged. `fn` runs
 * with recording on, so it may itself call `grad(..., { createGraph: true })`.
 *
 * @example
 * const x = randn([3], { dtype: 'float64', requiresGrad: true });
 * checkGradients((a) => a.sin().sum(), [x]).ok; // true
 * checkGradients((a) => a.sin().sum(), [x], { order: 2 }).ok; // true: second derivatives too
 */
export function checkGradients(
  fn: CheckedFunction,
  inputs: readonly Tensor[],
  options: CheckGradientsOptions = {},
): GradcheckReport {
  const caller = options.caller ?? 'gradcheck';
  const { eps, atol, rtol } = checkOptions(caller, options);
  const order = options.order ?? 1;
  if (order !== 1 && order !== 2) throw new ValueError(`${caller}: order must be 1 or 2, got ${order}`);
  const modes = options.modes ?? ['rev'];
  if (modes.length === 0) throw new ValueError(`${caller}: modes must name at least one of 'rev', 'fwd'`);
  for (const mode of modes) {
    if (mode !== 'rev' && mode !== 'fwd') {
      throw new ValueError(`${caller}: unknown mode '${String(mode)}' (expected 'rev' or 'fwd')`);
    }
  }
  const names = inputs.map((_, i) => options.names?.[i] ?? `input ${i}`);
  const indices: number[] = [];
  inputs.forEach((x, i) => {
    if (typeof x !== 'object' || x === null || !('shape' in x))
      throw new ValueError(`${caller}: input ${i} is not a Tensor`);
    if (!x.requiresGrad) return;
    if (x.dtype !== 'float64') {
      throw new DTypeError(
        `${caller}: ${names[i] === `input ${i}` ? names[i] : `input ${i} '${names[i]}'`} must be float64 to be checked (it requires grad), got ${x.dtype}`,
      );
    }
    indices.push(i);
  });
  if (indices.length === 0) {
    throw new ValueError(`${caller}: no input requires grad (set requiresGrad on the inputs to check)`);
  }
  const diff = indices.map((i) => inputs[i]!);
  const diffNames = indices.map((i) => names[i]!);
  const seed = options.seed ?? 1234;
  const withDiff = (xs: readonly Tensor[]): Tensor[] => {
    const all = [...inputs];
    indices.forEach((i, k) => {
      all[i] = xs[k]!;
    });
    return all;
  };
  const runWith = (...xs: Tensor[]): readonly Tensor[] => outputList(fn(...withDiff(xs)));
  const run = (): readonly Tensor[] => outputList(fn(...inputs));
  // One run at the unperturbed inputs gives the outputs' layout (and the second order's upstream shapes).
  const probe = enableGrad(run);
  const single = probe.length === 1;
  const ctx: CheckContext = { caller, order: 1, eps, atol, rtol };
  const failures = compare(ctx, run, runWith, diff, indices, diffNames, modes, seed, probe);

  if (order === 2 && failures.length === 0) {
    // Second order: the first derivatives (a vjp with fixed upstream vectors) checked as a function.
    const g = new Generator(seed + 1);
    const vs =
      options.gradOutputs ??
      probe.map((o) =>
        new Tensor(
          // A single scalar output gets upstream 1, so the report shows the true second derivative.
          Float64Array.from({ length: o.size }, () => (single && o.size === 1 ? 1 : g.uniform(0.5, 1.5))),
          [...o.shape],
        ).to(o.dtype),
      );
    const gradsOf = (xs: readonly Tensor[]): Tensor[] => {
      const outs = runWith(...xs);
      const keep = outs.map((o, i) => [o, vs[i]!] as const).filter(([o]) => o.requiresGrad);
      if (keep.length === 0) return xs.map((x) => new Tensor(new Float64Array(x.size), [...x.shape]));
      return grad(
        keep.map(([o]) => o),
        [...xs],
        { gradOutputs: keep.map(([, v]) => v), createGraph: true, allowUnused: true },
      );
    };
    const ctx2: CheckContext = { ...ctx, order: 2 };
    failures.push(
      ...compare(
        ctx2,
        () => gradsOf(diff),
        (...xs) => gradsOf(xs),
        diff,
        indices,
        diffNames,
        modes,
        seed + 2,
        enableGrad(() => gradsOf(diff)),
      ),
    );
  }

  const message =
    failures.length === 0
      ? ''
      : `${caller}: ${failures.map((f) => describe(f, { eps, atol, rtol }, single)).join(`\n${caller}: `)}`;
  return { ok: failures.length === 0, eps, atol, rtol, failures, message };
}

/**
 * Checks the gradients of `fn` at `inputs` (float64 tensors that require grad; other inputs, such
 * as int32 indices, are passed through) against central finite differences. Returns true, or
 * throws a GradcheckError naming the input, the element, its value, both derivatives and the
 * tolerances (or returns false with `raiseException: false`).
 *
 * @example
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * gradcheck((a) => a.sigmoid().sum(), [x]);
 */
export function gradcheck(
  fn: CheckedFunction,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  return finishCheck(checkGradients(fn, inputs, { ...options, caller: 'gradcheck' }), options);
}

/**
 * Checks the second derivatives of `fn` at `inputs` against finite differences of its first
 * derivatives (PyTorch's gradgradcheck), after checking the first derivatives.
 *
 * @example
 * const x = randn([3], { dtype: 'float64', requiresGrad: true });
 * gradgradcheck((a) => a.pow(3).sum(), [x]);
 */
export function gradgradcheck(
  fn: CheckedFunction,
  inputs: readonly Tensor[],
  options: GradcheckOptions & { gradOutputs?: readonly Tensor[] } = {},
): boolean {
  return finishCheck(checkGradients(fn, inputs, { ...options, order: 2, caller: 'gradgradcheck' }), options);
}

function finishCheck(report: GradcheckReport, options: GradcheckOptions): boolean {
  if (report.ok) return true;
  if (options.raiseException === false) return false;
  throw new GradcheckError(report.message, report);
}
