import { AutogradError, DTypeError } from '../errors.js';
import { isFloating } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled, noGrad } from './grad-mode.js';

/**
 * The vector–Jacobian product of one op: given the gradient of the output, the gradient of each
 * input (null where an input gets none). Written with Tensor ops, so it can itself be recorded
 * when `createGraph` asks for gradients of gradients. A returned gradient may have a broadcast
 * shape: the engine sums it back to the input's shape (in one place, `sumToShape`).
 */
export type BackwardFn = (grad: Tensor) => readonly (Tensor | null | undefined)[];

/** The node an op leaves on its output: the op's name, its inputs and its backward closure. */
export class GradFn {
  /** The backward closure and the tensors it saved; null once released after backward. */
  backwardFn: BackwardFn | null;

  constructor(
    /** The op's name, e.g. `matmul`. */
    readonly name: string,
    /** The op's tensor inputs, in the order `backwardFn` returns their gradients. */
    readonly inputs: readonly Tensor[],
    backwardFn: BackwardFn,
  ) {
    this.backwardFn = backwardFn;
  }

  /** Drops the saved tensors (the closure), as backward does unless `retainGraph` is set. */
  release(): void {
    this.backwardFn = null;
  }
}

/**
 * Records `output` as computed by `name` from `inputs`, if gradients are being recorded and some
 * input requires them. Every op, built in or custom, ends with this call.
 */
export function record(
  name: string,
  inputs: readonly Tensor[],
  output: Tensor,
  backward: BackwardFn,
): Tensor {
  if (!isGradEnabled()) return output;
  let needed = false;
  for (const t of inputs) if (t.requiresGrad) needed = true;
  if (!needed) return output;
  if (!isFloating(output.dtype)) return output;
  output.requiresGrad = true;
  output.gradFn = new GradFn(name, inputs, backward);
  return output;
}

/** A user-defined differentiable operation (see `customOp`). */
export interface CustomOpDefinition {
  /** The op's name, used in error messages and graph labels. */
  name: string;
  /** Computes the output from the inputs; runs without recording a graph. */
  forward(...inputs: Tensor[]): Tensor;
  /** The gradient of each input given the output's gradient (and the inputs and output). */
  backward(grad: Tensor, inputs: readonly Tensor[], output: Tensor): readonly (Tensor | null | undefined)[];
}

/**
 * Defines a differentiable op from a forward and a backward, like `torch.autograd.Function`.
 *
 * @example
 * const cube = customOp({
 *   name: 'cube',
 *   forward: (x) => x.mul(x).mul(x),
 *   backward: (g, [x]) => [g.mul(x.mul(x)).mul(3)],
 * });
 */
export function customOp(def: CustomOpDefinition): (...inputs: Tensor[]) => Tensor {
  return (...inputs: Tensor[]) => {
    const output = noGrad(() => def.forward(...inputs));
    if (output.gradFn !== null || output.requiresGrad) {
      throw new AutogradError(`${def.name}: forward must return a new tensor without history`);
    }
    return record(def.name, inputs, output, (grad) => {
      const grads = def.backward(grad, inputs, output);
      if (grads.length !== inputs.length) {
        throw new AutogradError(
          `${def.name}: backward returned ${grads.length} gradients for ${inputs.length} inputs`,
        );
      }
      return grads;
    });
  };
}

/** Throws unless two tensors share a dtype (mixed dtypes are an error, never a silent cast). */
export function sameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new DTypeError(`${op}: dtypes ${a.dtype} and ${b.dtype} differ`);
}
