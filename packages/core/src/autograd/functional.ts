/**
 * Autograd's functional tools, like `torch.autograd.functional`: vector–Jacobian and
 * Jacobian–vector products, full Jacobians and Hessians of a function of tensors. Built on `grad`;
 * `jvp` uses the double-vjp trick (the vjp is linear in its upstream vector, so differentiating it
 * with respect to that vector gives J·v).
 */
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { cat, reshape } from '../ops/shape.js';
import { zeros } from '../tensor/create.js';
import { sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { grad } from './backward.js';
import { enableGrad } from './grad-mode.js';

/** Options of the functional tools. */
export interface FunctionalOptions {
  /** Record the computation of the result, so that it can be differentiated again (default false). */
  createGraph?: boolean;
}

/** One tensor or a list of tensors: the functional tools answer in the same form they were given. */
export type Tensors = Tensor | readonly Tensor[];

/** A tensor or list of tensors of the same form as `T`. */
export type Like<T extends Tensors> = T extends Tensor ? Tensor : Tensor[];

/** A function of tensors returning one tensor. */
export type TensorFunction = (...inputs: Tensor[]) => Tensor;

function asList(x: Tensors): readonly Tensor[] {
  return Array.isArray(x) ? (x as readonly Tensor[]) : [x as Tensor];
}

function asForm<T extends Tensors>(form: T, list: Tensor[]): Like<T> {
  return (Array.isArray(form) ? list : list[0]!) as Like<T>;
}

/**
 * The inputs the computation runs on: the caller's own tensors when a graph is created through them
 * (so the result stays connected to them), otherwise detached leaves that require gradients.
 */
function prepare(inputs: readonly Tensor[], createGraph: boolean): Tensor[] {
  return inputs.map((x) => {
    if (createGraph && x.requiresGrad) return x;
    const leaf = x.detach();
    leaf.requiresGrad = true;
    return leaf;
  });
}

/** Detaches results unless a graph was asked for. */
function finish(ts: Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? ts : ts.map((t) => t.detach());
}

function checkVectors(op: string, what: string, vs: readonly Tensor[], refs: readonly Tensor[]): void {
  if (vs.length !== refs.length) {
    throw new ValueError(`${op}: expected ${refs.length} tensor(s) in v, got ${vs.length}`);
  }
  vs.forEach((v, i) => {
    if (!sameShape(v.shape, refs[i]!.shape)) {
      throw new ShapeError(
        `${op}: v[${i}] has shape ${fmtShape(v.shape)} but ${what} ${i} has shape ${fmtShape(refs[i]!.shape)}`,
      );
    }
  });
}

/** Gradients of `outputs` w.r.t. `inputs`, zeros where nothing flows (outputs without history included). */
function gradOrZeros(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  gradOutputs: readonly Tensor[],
  createGraph: boolean,
): Tensor[] {
  const keep = outputs.map((o, i) => [o, gradOutputs[i]!] as const).filter(([o]) => o.requiresGrad);
  if (keep.length === 0) return inputs.map((x) => zeros(x.shape, { dtype: x.dtype }));
  return grad(
    keep.map(([o]) => o),
    inputs,
    { gradOutputs: keep.map(([, g]) => g), createGraph, retainGraph: true, allowUnused: true },
  );
}

/**
 * The vector–Jacobian product vᵀ·J of `fn` at `inputs`, returned as `[output, vjp]`. `v` has the
 * output's shape (it may be left out for a scalar output).
 *
 * @example
 * const x = tensor([1, 2, 3]);
 * const [y, g] = vjp((x) => x.mul(x), x, onesLike(x)); // y = x², g = 2x
 */
export function vjp<T extends Tensors>(
  fn: TensorFunction,
  inputs: T,
  v?: Tensor,
  options: FunctionalOptions = {},
): [Tensor, Like<T>] {
  const createGraph = options.createGraph ?? false;
  const xs = prepare(asList(inputs), createGraph);
  const out = enableGrad(() => fn(...xs));
  let upstream = v;
  if (upstream === undefined) {
    if (out.size !== 1) {
      throw new ValueError(`vjp: v is required for a non-scalar output of shape ${fmtShape(out.shape)}`);
    }
    upstream = zeros(out.shape, { dtype: out.dtype }).add(1);
  }
  checkVectors('vjp', 'the output', [upstream], [out]);
  const g = enableGrad(() => gradOrZeros([out], xs, [upstream], createGraph));
  return [createGraph ? out : out.detach(), asForm(inputs, finish(g, createGraph))];
}

/**
 * The Jacobian–vector product J·v of `fn` at `inputs`, returned as `[output, jvp]`; `v` has the
 * inputs' form and shapes. Computed by the double-vjp trick, so every op's backward must itself be
 * differentiable (tsgrad's are).
 *
 * @example
 * const x = tensor([0, 1, 2]);
 * const [y, d] = jvp((x) => x.sin(), x, onesLike(x)); // y = sin(x), d = cos(x)
 */
export function jvp<T extends Tensors>(
  fn: TensorFunction,
  inputs: T,
  v: T,
  options: FunctionalOptions = {},
): [Tensor, Tensor] {
  const createGraph = options.createGraph ?? false;
  const list = asList(inputs);
  const vs = asList(v);
  checkVectors('jvp', 'input', vs, list);
  const xs = prepare(list, createGraph);
  return enableGrad(() => {
    const out = fn(...xs);
    if (!out.requiresGrad) {
      return [createGraph ? out : out.detach(), zeros(out.shape, { dtype: out.dtype })];
    }
    // g(u) = Jᵀu is linear in u; its vjp with v is (Jᵀ)ᵀv = J·v.
    const u = zeros(out.shape, { dtype: out.dtype });
    u.requiresGrad = true;
    const gu = grad(out, xs, { gradOutputs: [u], createGraph: true, retainGraph: true, allowUnused: true });
    const [jv] = gradOrZeros(gu, [u], vs, createGraph);
    return [createGraph ? out : out.detach(), createGraph ? jv! : jv!.detach()];
  });
}

/**
 * The Jacobian of `fn` at `inputs`: for one input a tensor of shape output.shape ++ input.shape,
 * for a list of inputs a list of such tensors (one per input).
 *
 * @example
 * jacobian((x) => x.exp(), tensor([0, 1])); // diag(exp(x)) for a 1-d x
 */
export function jacobian<T extends Tensors>(
  fn: TensorFunction,
  inputs: T,
  options: FunctionalOptions = {},
): Like<T> {
  const createGraph = options.createGraph ?? false;
  const list = asList(inputs);
  const xs = prepare(list, createGraph);
  const jac = enableGrad(() => {
    const out = fn(...xs);
    const m = out.size;
    const rows: Tensor[][] = xs.map(() => []);
    for (let o = 0; o < m; o++) {
      const e = new Float64Array(m);
      e[o] = 1;
      const onehot = new Tensor(e, out.shape).to(out.dtype);
      const g = gradOrZeros([out], xs, [onehot], createGraph);
      g.forEach((gi, k) => {
        rows[k]!.push(reshape(gi, [1, ...xs[k]!.shape]));
      });
    }
    return xs.map((x, k) => {
      if (m === 0) return zeros([...out.shape, ...x.shape], { dtype: x.dtype });
      const stacked = rows[k]!.length === 1 ? rows[k]![0]! : cat(rows[k]!, 0);
      return reshape(stacked, [...out.shape, ...x.shape]);
    });
  });
  return asForm(inputs, finish(jac, createGraph));
}

/**
 * The Hessian of a scalar-valued `fn` at `inputs`: for one input a tensor of shape
 * input.shape ++ input.shape; for a list of inputs, `H[i][j]` of shape inputs[i].shape ++ inputs[j].shape.
 *
 * @example
 * hessian((x) => x.pow(3).sum(), tensor([1, 2])); // diag(6x)
 */
export function hessian<T extends Tensors>(
  fn: TensorFunction,
  inputs: T,
  options: FunctionalOptions = {},
): T extends Tensor ? Tensor : Tensor[][] {
  const list = asList(inputs);
  const createGraph = options.createGraph ?? false;
  const xs = prepare(list, createGraph);
  const rows = enableGrad(() => {
    const out = fn(...xs);
    if (out.size !== 1) {
      throw new ValueError(
        `hessian: fn must return a single-element tensor, got shape ${fmtShape(out.shape)}`,
      );
    }
    const gs = gradOrZeros([out], xs, [zeros(out.shape, { dtype: out.dtype }).add(1)], true);
    return xs.map((xi, i) => {
      const gi = gs[i]!;
      const blocks: Tensor[][] = xs.map(() => []);
      for (let e = 0; e < xi.size; e++) {
        const d = new Float64Array(xi.size);
        d[e] = 1;
        const onehot = new Tensor(d, xi.shape).to(gi.dtype);
        const h = gradOrZeros([gi], xs, [onehot], createGraph);
        h.forEach((hj, j) => {
          blocks[j]!.push(reshape(hj, [1, ...xs[j]!.shape]));
        });
      }
      return xs.map((xj, j) => {
        if (xi.size === 0) return zeros([...xi.shape, ...xj.shape], { dtype: xj.dtype });
        const stacked = blocks[j]!.length === 1 ? blocks[j]![0]! : cat(blocks[j]!, 0);
        const block = reshape(stacked, [...xi.shape, ...xj.shape]);
        return createGraph ? block : block.detach();
      });
    });
  });
  return (Array.isArray(inputs) ? rows : rows[0]![0]!) as T extends Tensor ? Tensor : Tensor[][];
}

/**
 * The vector–Hessian product vᵀ·H of a scalar-valued `fn`, returned as `[output, vhp]`.
 *
 * @example
 * const [x, v] = [tensor([1, 2]), tensor([1, 0])];
 * const [y, r] = vhp((x) => x.pow(3).sum(), x, v); // r = 6x·v
 */
export function vhp<T extends Tensors>(
  fn: TensorFunction,
  inputs: T,
  v: T,
  options: FunctionalOptions = {},
): [Tensor, Like<T>] {
  const createGraph = options.createGraph ?? false;
  const list = asList(inputs);
  const vs = asList(v);
  checkVectors('vhp', 'input', vs, list);
  const xs = prepare(list, createGraph);
  return enableGrad(() => {
    const out = scalarOutput('vhp', fn(...xs));
    const gs = gradOrZeros([out], xs, [zeros(out.shape, { dtype: out.dtype }).add(1)], true);
    const r = gradOrZeros(gs, xs, vs, createGraph);
    return [createGraph ? out : out.detach(), asForm(inputs, finish(r, createGraph))];
  });
}

/**
 * The Hessian–vector product H·v of a scalar-valued `fn`, returned as `[output, hvp]`, by the
 * double-backward trick (equal to `vhp` for a twice continuously differentiable `fn`).
 *
 * @example
 * const [x, v] = [tensor([1, 2]), tensor([1, 0])];
 * const [y, r] = hvp((x) => x.pow(3).sum(), x, v); // r = 6x·v
 */
export function hvp<T extends Tensors>(
  fn: TensorFunction,
  inputs: T,
  v: T,
  options: FunctionalOptions = {},
): [Tensor, Like<T>] {
  const createGraph = options.createGraph ?? false;
  const list = asList(inputs);
  const vs = asList(v);
  checkVectors('hvp', 'input', vs, list);
  const xs = prepare(list, createGraph);
  return enableGrad(() => {
    const out = scalarOutput('hvp', fn(...xs));
    const gs = gradOrZeros([out], xs, [zeros(out.shape, { dtype: out.dtype }).add(1)], true);
    // u ↦ Hᵀu is linear in u; its vjp with v is H·v.
    const us = xs.map((x) => {
      const u = zeros(x.shape, { dtype: x.dtype });
      u.requiresGrad = true;
      return u;
    });
    const back = gradOrZeros(gs, xs, us, true);
    const r = gradOrZeros(back, us, vs, createGraph);
    return [createGraph ? out : out.detach(), asForm(inputs, finish(r, createGraph))];
  });
}

function scalarOutput(op: string, out: Tensor): Tensor {
  if (out.size !== 1) {
    throw new ValueError(`${op}: fn must return a single-element tensor, got shape ${fmtShape(out.shape)}`);
  }
  return out;
}
