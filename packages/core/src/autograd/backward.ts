import { AutogradError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { sum } from '../ops/reduce.js';
import { clone, reshape } from '../ops/shape.js';
import { ones, zeros } from '../tensor/create.js';
import { sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type GraphNode, topologicalSort } from './engine.js';
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
 */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  if (lead < 0)
    throw new ShapeError(
      `backward: gradient of shape ${fmtShape(grad.shape)} cannot reduce to ${fmtShape(shape)}`,
    );
  const dims: number[] = [];
  for (let i = 0; i < grad.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && grad.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== grad.shape[i]) {
      throw new ShapeError(
        `backward: gradient of shape ${fmtShape(grad.shape)} cannot reduce to ${fmtShape(shape)}`,
      );
    }
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
      g = ones(out.shape, { dtype: out.dtype });
    } else if (!sameShape(g.shape, out.shape)) {
      throw new ShapeError(
        `backward: gradient shape ${fmtShape(g.shape)} does not match output shape ${fmtShape(out.shape)}`,
      );
    } else if (g.dtype !== out.dtype) {
      throw new DTypeError(`backward: gradient dtype ${g.dtype} does not match output dtype ${out.dtype}`);
    }
    accumulate(pending, out, g);
  });

  const captured = new Map<Tensor, Tensor>();
  const wanted = capture === null ? null : new Set(capture);
  const root: GraphNode = { parents: outputs, visitMark: 0 };
  const order = topologicalSort(root);
  const previous = setGradEnabled(createGraph);
  try {
    for (let n = order.length - 2; n >= 0; n--) {
      const node = order[n] as Tensor;
      const g = pending.get(node);
      if (g === undefined) continue;
      pending.delete(node);
      if (wanted !== null) {
        if (wanted.has(node)) captured.set(node, g);
      } else if (node.gradFn === null || node.retainsGrad) {
        if (node.requiresGrad)
          node.grad = node.grad === null ? detachUnlessGraph(g, createGraph) : node.grad.add(g);
      }
      const fn = node.gradFn;
      if (fn === null) continue;
      const backwardFn = fn.backwardFn;
      if (backwardFn === null) {
        throw new AutogradError(
          `backward: the graph through '${fn.name}' was already freed; pass { retainGraph: true } to the first backward to run it twice`,
        );
      }
      const grads = backwardFn(g);
      fn.inputs.forEach((input, i) => {
        const gi = grads[i];
        if (gi === null || gi === undefined || !input.requiresGrad) return;
        accumulate(pending, input, sumToShape(gi, input.shape));
      });
      if (!retainGraph) fn.release();
    }
  } finally {
    setGradEnabled(previous);
  }
  return captured;
}

function accumulate(pending: Map<Tensor, Tensor>, t: Tensor, g: Tensor): void {
  const prev = pending.get(t);
  pending.set(t, prev === undefined ? g : prev.add(g));
}

/**
 * What a leaf's `.grad` starts as: without `createGraph`, a contiguous copy of its own, so it is
 * never a stride-0 view (the backward of sum/expand) nor shares a buffer with another leaf's
 * gradient or the caller's upstream gradient, and in-place updates of `.grad.data` are safe.
 */
function detachUnlessGraph(g: Tensor, createGraph: boolean): Tensor {
  return createGraph ? g : clone(g.detach());
}

/** Accumulates d(outputs)/d(leaf) into `.grad` of every leaf that requires gradients. */
export function backward(
  outputs: readonly Tensor[],
  gradients?: readonly (Tensor | undefined)[],
  options: GradOptions = {},
): void {
  propagate(outputs, gradients ?? [], options, null);
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned rather than accumulated into
 * `.grad` (like `torch.autograd.grad`). An input the outputs do not depend on gets a zero tensor
 * unless `allowUnused` is false, in which case it is an error.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions & { gradOutputs?: readonly (Tensor | undefined)[]; allowUnused?: boolean } = {},
): Tensor[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  for (const x of ins) {
    if (!x.requiresGrad) throw new AutogradError('grad: an input does not require grad');
  }
  const captured = propagate(outs, options.gradOutputs ?? [], options, ins);
  return ins.map((x, i) => {
    const g = captured.get(x);
    if (g !== undefined) return g;
    if (options.allowUnused === false)
      throw new AutogradError(`grad: input ${i} was not used to compute the outputs`);
    return zeros(x.shape, { dtype: x.dtype });
  });
}
