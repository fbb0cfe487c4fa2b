/**
 * The tensor side of the backward pass: seeds the outputs' gradients, runs the shared engine
 * (`engine.ts`) and, at each node, calls the op's vector–Jacobian product for the inputs that need
 * a gradient, sums broadcast gradients back to each input's shape and accumulates them.
 */

import { backendOf } from '../backends/backend.js';
import { AnomalyError, AutogradError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { firstNonFinite } from '../kernels/checks.js';
import { add } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { clone, reshape } from '../ops/shape.js';
import { ones, zeros } from '../tensor/create.js';
import { sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { backpropagate } from './engine.js';
import { type GradFn, RegionGradient } from './function.js';
import { setGradEnabled } from './grad-mode.js';

/** Options of `backward` and `grad`. */
export interface GradOptions {
  /** Keep the saved tensors so that backward can run through this graph again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for gradients of gradients (implies `retainGraph`). */
  createGraph?: boolean;
}

/**
 * Sums a gradient back to the shape of the operand it belongs to, undoing broadcasting: leading
 * dims are summed away and dims of size 1 are summed with keepdim. The one place this rule lives.
 * `op` names the op whose gradient it is, for the error when the shapes cannot match.
 *
 * @example
 * sumToShape(ones([4, 2, 3]), [2, 1]); // [[12], [12]]: the leading dim and the size-1 dim summed
 */
export function sumToShape(grad: Tensor, shape: readonly number[], op = 'backward'): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  const fail = () =>
    new ShapeError(
      `${op}: backward returned a gradient of shape ${fmtShape(grad.shape)} for an input of shape ${fmtShape(shape)}`,
    );
  if (lead < 0) throw fail();
  const dims: number[] = [];
  for (let i = 0; i < grad.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && grad.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== grad.shape[i]) throw fail();
  }
  return reshape(sum(grad, dims, true), shape);
}

/**
 * Runs the engine from `outputs` with upstream `gradients` (ones for scalars). With `capture`,
 * gradients of those tensors are returned instead of accumulated into `.grad` (for `grad()`).
 */
function propagate(
  outputs: readonly Tensor[],
  gradients: readonly (Tensor | undefined)[],
  options: GradOptions,
  capture: readonly Tensor[] | null,
): Map<Tensor, Tensor> {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const pending = new Map<Tensor, Tensor>();
  outputs.forEach((out, i) => {
    if (!out.requiresGrad) {
      throw new AutogradError(
        'backward: tensor does not require grad and has no grad_fn (nothing to differentiate)',
      );
    }
    let g = gradients[i];
    if (g === undefined) {
      if (out.size !== 1) {
        throw new AutogradError(
          `backward: a gradient is required for a non-scalar output of shape ${fmtShape(out.shape)}; pass one of the same shape`,
        );
      }
      g = ones(out.shape, { dtype: out.dtype, device: out.device });
    } else if (!sameShape(g.shape, out.shape)) {
      throw new ShapeError(
        `backward: gradient shape ${fmtShape(g.shape)} does not match output shape ${fmtShape(out.shape)}`,
      );
    } else if (g.dtype !== out.dtype) {
      throw new DTypeError(`backward: gradient dtype ${g.dtype} does not match output dtype ${out.dtype}`);
    }
    accumulate(pending, out, g);
  });

  // Gradients the engine allocated itself and nobody else has seen yet: safe to add into in place
  // (only without createGraph, when nothing records the additions).
  const owned = new Set<Tensor>();
  const captured = new Map<Tensor, Tensor>();
  const wanted = capture === null ? null : new Set(capture);
  const visit = (node: Tensor): void => {
    let g = pending.get(node);
    if (g === undefined) return;
    pending.delete(node);
    // From here on the gradient is handed to the op's backward, which may return it (or a view of it)
    // for other inputs: it is no longer the engine's to add into.
    owned.delete(g);
    if (node.hooks !== null) g = runHooks(node, g);
    if (wanted !== null) {
      if (wanted.has(node)) captured.set(node, g);
    } else if ((node.gradFn === null || node.retainsGrad) && node.requiresGrad) {
      node.grad = node.grad === null ? detachUnlessGraph(g, createGraph) : add(node.grad, g);
    }
    const fn = node.gradFn;
    if (fn === null) return;
    const backwardFn = fn.backwardFn;
    if (backwardFn === null) {
      throw new AutogradError(
        `backward: the graph through '${fn.name}' was already freed; pass { retainGraph: true } to the first backward to run it twice`,
      );
    }
    const grads = backwardFn(g, fn.needsInputGrad);
    const inputs = fn.inputs;
    for (let i = 0; i < inputs.length; i++) {
      const gi = grads[i];
      const input = inputs[i]!;
      if (gi === null || gi === undefined || !input.requiresGrad) continue;
      if (gi instanceof RegionGradient) {
        if (fn.creationStack !== null) checkFinite(fn, i, gi.grad);
        addRegion(pending, owned, input, checkedRegion(fn, i, gi, input));
        continue;
      }
      if (fn.creationStack !== null) checkFinite(fn, i, gi);
      const checked = checkedGradient(fn, i, gi, input);
      if (createGraph) accumulate(pending, input, checked);
      else accumulateInPlace(pending, owned, input, checked);
    }
    if (!retainGraph) fn.release();
  };
  const previous = setGradEnabled(createGraph);
  try {
    backpropagate(outputs, visit);
  } finally {
    setGradEnabled(previous);
  }
  return captured;
}

/** Runs a tensor's gradient hooks in order; each may replace the gradient (same shape and dtype). */
function runHooks(node: Tensor, g: Tensor): Tensor {
  for (const hook of [...node.hooks!]) {
    const r = hook(g);
    if (r === undefined || r === null) continue;
    if (!sameShape(r.shape, g.shape) || r.dtype !== g.dtype) {
      throw new AutogradError(
        `registerHook: a hook returned a ${r.dtype} gradient of shape ${fmtShape(r.shape)} for a ${g.dtype} gradient of shape ${fmtShape(g.shape)}`,
      );
    }
    g = r;
  }
  return g;
}

/** Under anomaly detection: a gradient holding NaN or ±Infinity stops the pass, naming the op. */
function checkFinite(fn: GradFn, i: number, g: Tensor): void {
  const bad = firstNonFinite(g);
  if (bad === null) return;
  throw new AnomalyError(
    `${fn.name}: backward returned a gradient with non-finite values (${bad}) for input ${i}; the op was created at\n  ${fn.creationStack}`,
  );
}

/** The gradient an op returned for input `i`, summed to the input's shape; its dtype must match. */
function checkedGradient(fn: GradFn, i: number, g: Tensor, input: Tensor): Tensor {
  if (g.dtype !== input.dtype) {
    throw new DTypeError(
      `${fn.name}: backward returned a ${g.dtype} gradient for input ${i}, which is ${input.dtype}`,
    );
  }
  return sumToShape(g, input.shape, fn.name);
}

function accumulate(pending: Map<Tensor, Tensor>, t: Tensor, g: Tensor): void {
  const prev = pending.get(t);
  pending.set(t, prev === undefined ? g : add(prev, g));
}

/**
 * Without createGraph: the first contribution is kept as it is; a second one allocates a sum the
 * engine owns, and later ones are added into that sum in place (no allocation per contribution).
 */
function accumulateInPlace(pending: Map<Tensor, Tensor>, owned: Set<Tensor>, t: Tensor, g: Tensor): void {
  const prev = pending.get(t);
  if (prev === undefined) pending.set(t, g);
  else if (owned.has(prev))
    backendOf('backward', prev, g).addStrided(prev.storage, prev.shape, prev.strides, prev.offset, g);
  else {
    const sum = add(prev, g);
    owned.add(sum);
    pending.set(t, sum);
  }
}

/** Adds a region gradient into `t`'s pending gradient, which becomes (or already is) one the engine owns. */
function addRegion(pending: Map<Tensor, Tensor>, owned: Set<Tensor>, t: Tensor, r: RegionGradient): void {
  let acc = pending.get(t);
  if (acc === undefined || !owned.has(acc)) {
    const fresh = zeros(t.shape, { dtype: t.dtype, device: t.device });
    if (acc !== undefined)
      backendOf('backward', fresh, acc).addStrided(fresh.storage, fresh.shape, fresh.strides, 0, acc);
    owned.add(fresh);
    pending.set(t, fresh);
    acc = fresh;
  }
  backendOf('backward', acc, r.grad).addStrided(acc.storage, r.grad.shape, r.strides, r.offset, r.grad);
}

/** A region gradient's dtype must be the input's, and the region must lie inside it. */
function checkedRegion(fn: GradFn, i: number, r: RegionGradient, input: Tensor): RegionGradient {
  if (r.grad.dtype !== input.dtype) {
    throw new DTypeError(
      `${fn.name}: backward returned a ${r.grad.dtype} gradient for input ${i}, which is ${input.dtype}`,
    );
  }
  return r;
}

/**
 * What a leaf's `.grad` starts as: without `createGraph`, a contiguous copy of its own, so it is
 * never a stride-0 view (the backward of sum/expand) nor shares a buffer with another leaf's
 * gradient or the caller's upstream gradient, and in-place updates of `.grad.data` are safe.
 */
function detachUnlessGraph(g: Tensor, createGraph: boolean): Tensor {
  return createGraph ? g : clone(g.detach());
}

/**
 * Accumulates d(outputs)/d(leaf) into `.grad` of every leaf that requires gradients.
 *
 * @example
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * backward([x.mul(x).sum()]);
 * x.grad; // 2x: [2, 4, 6]
 */
export function backward(
  outputs: readonly Tensor[],
  gradients?: readonly (Tensor | undefined)[],
  options: GradOptions = {},
): void {
  propagate(outputs, gradients ?? [], options, null);
}

/** Options of `grad`. */
export interface GradFunctionOptions extends GradOptions {
  /** Upstream gradients, one per output (ones for scalar outputs). */
  gradOutputs?: readonly (Tensor | undefined)[];
  /** Return zeros for an input the outputs do not depend on, instead of raising (default false). */
  allowUnused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned rather than accumulated into
 * `.grad` (like `torch.autograd.grad`). An input the outputs do not depend on is an error unless
 * `allowUnused` is true; then it gets a zero tensor.
 *
 * @example
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const [dx] = grad(x.mul(x).sum(), x); // 2x: [2, 4, 6]
 * x.grad; // null: grad returns the gradient instead of accumulating it
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradFunctionOptions = {},
): Tensor[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  ins.forEach((x, i) => {
    if (!x.requiresGrad) throw new AutogradError(`grad: input ${i} does not require grad`);
  });
  const captured = propagate(outs, options.gradOutputs ?? [], options, ins);
  return ins.map((x, i) => {
    const g = captured.get(x);
    if (g !== undefined) return g;
    if (options.allowUnused !== true) {
      throw new AutogradError(
        `grad: input ${i} (shape ${fmtShape(x.shape)}) was not used to compute the outputs; pass { allowUnused: true } to get zeros for it`,
      );
    }
    return zeros(x.shape, { dtype: x.dtype, device: x.device });
  });
}
