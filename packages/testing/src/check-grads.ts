/**
 * `checkGrads`, in the spirit of JAX's `check_grads(f, args, order, modes)`: first and second
 * derivatives of a function of tensors against finite differences, in reverse and forward mode,
 * with a report that names the input (by parameter name for a module), the element, its value,
 * the true analytical and numerical derivatives, the tolerances, and how many elements failed.
 */
import {
  type CheckedFunction,
  checkGradients,
  GradcheckError,
  type GradcheckMode,
  type GradcheckReport,
  type Tensor,
} from '@tsgrad/core';

/** Anything with PyTorch-style named parameters, such as an `@tsgrad/nn` Module. */
export interface NamedParameters {
  namedParameters(): Iterable<readonly [string, Tensor]>;
}

/** Options of `checkGrads`. */
export interface CheckGradsOptions {
  /** 1 checks first derivatives; 2 also checks second derivatives (gradgradcheck). Default 1. */
  order?: 1 | 2;
  /** 'rev' checks vjps (backward), 'fwd' checks jvps. Default ['rev']. */
  modes?: readonly GradcheckMode[];
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Names of the inputs, or a module whose `namedParameters()` names them. */
  names?: readonly string[] | NamedParameters;
  /** Seed of the random projections (default 1234). */
  seed?: number;
  /** Throw a GradcheckError on failure (default true); otherwise return the failing report. */
  throwOnFailure?: boolean;
}

function isNamedParameters(x: unknown): x is NamedParameters {
  return typeof x === 'object' && x !== null && typeof (x as NamedParameters).namedParameters === 'function';
}

/**
 * Checks the derivatives of `fn` at `inputs` (float64 tensors that require grad; other inputs pass
 * through) and returns the report, or throws a GradcheckError whose message is the report. Given a
 * module instead of a list, its parameters are the inputs, named as `namedParameters()` names
 * them; `fn` then usually ignores its arguments and reads the module.
 *
 * @example
 * const myOp = (a: Tensor) => a.tanh().mul(a);
 * fc.assert(fc.property(tensors({ shape: [3] }), (x) => { checkGrads((a) => myOp(a), [x]); }));
 */
export function checkGrads(
  fn: CheckedFunction,
  inputs: readonly Tensor[] | NamedParameters,
  options: CheckGradsOptions = {},
): GradcheckReport {
  let list: readonly Tensor[];
  let names: (string | undefined)[] = [];
  if (isNamedParameters(inputs)) {
    const named = [...inputs.namedParameters()];
    list = named.map(([, p]) => p);
    names = named.map(([n]) => n);
  } else {
    list = inputs;
  }
  const given = options.names;
  if (isNamedParameters(given)) {
    const byTensor = new Map<Tensor, string>();
    for (const [n, p] of given.namedParameters()) byTensor.set(p, n);
    names = list.map((x, i) => byTensor.get(x) ?? names[i]);
  } else if (given !== undefined) {
    names = list.map((_, i) => given[i] ?? names[i]);
  }
  const report = checkGradients(fn, list, {
    order: options.order ?? 1,
    modes: options.modes ?? ['rev'],
    eps: options.eps,
    atol: options.atol,
    rtol: options.rtol,
    seed: options.seed,
    names,
    caller: 'checkGrads',
  });
  if (!report.ok && options.throwOnFailure !== false) throw new GradcheckError(report.message, report);
  return report;
}
