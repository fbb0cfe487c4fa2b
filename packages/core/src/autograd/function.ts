import { AutogradError, DTypeError } from '../errors.js';
import { type DType, isFloating } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { creationStack, isAnomalyEnabled } from './anomaly.js';
import { isGradEnabled, noGrad } from './grad-mode.js';

/**
 * The vector–Jacobian product of one op: given the gradient of the output, the gradient of each
 * input, null where an input gets none. `needsInputGrad[i]` says whether input i requires a
 * gradient (PyTorch's `needs_input_grad`): a backward computes only those and returns null for
 * the rest. Written with Tensor ops, so it can itself be recorded when `createGraph` asks for
 * gradients of gradients. A returned gradient may have a broadcast shape: the engine sums it back
 * to the input's shape (in one place, `sumToShape`).
 */
export type BackwardFn = (
  grad: Tensor,
  needsInputGrad: readonly boolean[],
) => readonly (Tensor | RegionGradient | null | undefined)[];

/**
 * A gradient that is zero except on a strided region of the input (what `slice`, `narrow` and
 * `select` give back): the engine adds `grad` into that region of the input's accumulated gradient
 * instead of materialising a zero tensor the input's size for each piece, so taking T slices of a
 * sequence costs O(T·slice), not O(T·sequence), in backward. Only returned when the backward itself
 * is not recorded (without `createGraph`); then the engine alone sees it.
 */
export class RegionGradient {
  constructor(
    /** The gradient of the region, in the region's shape. */
    readonly grad: Tensor,
    /** Where the region lies in a contiguous tensor of the input's shape: strides and offset. */
    readonly strides: readonly number[],
    readonly offset: number,
  ) {}
}

/** What the graph keeps of an op's input once backward has freed the input itself. */
export interface InputSummary {
  /** The input's shape. */
  readonly shape: readonly number[];
  /** The input's dtype. */
  readonly dtype: DType;
  /** Whether the input required a gradient. */
  readonly requiresGrad: boolean;
  /** The op that produced the input; null for a leaf. */
  readonly gradFn: GradFn | null;
  /** The input's class name: `Tensor`, or a subclass such as `Parameter`. */
  readonly kind: string;
  /** The input itself when it is a leaf that requires a gradient (a parameter, alive anyway); else null. */
  readonly leaf: Tensor | null;
}

const NO_INPUTS: readonly Tensor[] = [];

/**
 * The node an op leaves on its output: the op's name, its inputs and its backward closure.
 *
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * const y = x.mul(2);
 * y.gradFn?.name; // 'mul'
 */
export class GradFn {
  /** The backward closure and the tensors it saved; null once released after backward. */
  backwardFn: BackwardFn | null;
  /** The op's tensor inputs, in the order `backwardFn` returns their gradients; empty once released. */
  inputs: readonly Tensor[];
  /** Whether each input requires a gradient (fixed when the op ran). */
  readonly needsInputGrad: readonly boolean[];
  private released: readonly InputSummary[] | null = null;
  private releaseHooks: (() => void)[] | null = null;
  /** Where in the forward this op ran, recorded while anomaly detection is on; else null. */
  readonly creationStack: string | null = isAnomalyEnabled() ? creationStack() : null;

  constructor(
    /** The op's name, e.g. `matmul`. */
    readonly name: string,
    inputs: readonly Tensor[],
    backwardFn: BackwardFn,
    /** The output's shape. */
    readonly shape: readonly number[],
    /** The output's dtype. */
    readonly dtype: DType,
    needsInputGrad?: readonly boolean[],
  ) {
    this.inputs = inputs;
    this.backwardFn = backwardFn;
    this.needsInputGrad = needsInputGrad ?? inputs.map((t) => t.requiresGrad);
  }

  /** The inputs as the graph drawing and error messages see them, before or after release. */
  get inputSummaries(): readonly InputSummary[] {
    return this.released ?? this.inputs.map(summarize);
  }

  /**
   * Drops the saved tensors (the closure) and the references to the inputs, as backward does
   * unless `retainGraph` is set, so that a kept output no longer holds its graph's activations.
   * Op names, shapes and dtypes stay for `toDot` and error messages.
   */
  release(): void {
    if (this.released === null) this.released = this.inputs.map(summarize);
    this.backwardFn = null;
    this.inputs = NO_INPUTS;
    const hooks = this.releaseHooks;
    this.releaseHooks = null;
    if (hooks !== null) for (const hook of hooks) hook();
  }

  /**
   * Runs `hook` once, when `release` drops the backward closure. An op uses it to hand back a
   * buffer that only its closure references (e.g. conv2d's saved columns) for reuse; a graph
   * that is never released simply leaves such a buffer to the garbage collector.
   */
  onRelease(hook: () => void): void {
    if (this.backwardFn === null) return;
    if (this.releaseHooks === null) this.releaseHooks = [];
    this.releaseHooks.push(hook);
  }
}

function summarize(t: Tensor): InputSummary {
  return {
    shape: t.shape,
    dtype: t.dtype,
    requiresGrad: t.requiresGrad,
    gradFn: t.gradFn,
    kind: t.constructor.name,
    leaf: t.gradFn === null && t.requiresGrad ? t : null,
  };
}

/**
 * Records `output` as computed by `name` from `inputs`, if gradients are being recorded and some
 * input requires them. Every op, built in or custom, ends with this call.
 *
 * @example
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const y = record('triple', [x], x.detach().mul(3), (g) => [g.mul(3)]); // a custom op
 * y.sum().backward();
 * x.grad; // [3, 3, 3]
 */
export function record(
  name: string,
  inputs: readonly Tensor[],
  output: Tensor,
  backward: BackwardFn,
): Tensor {
  if (!isGradEnabled()) return output;
  let needed = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.requiresGrad) needed = true;
  if (!needed) return output;
  if (!isFloating(output.dtype)) return output;
  output.requiresGrad = true;
  output.gradFn = new GradFn(name, inputs, backward, output.shape, output.dtype);
  return output;
}

/** A user-defined differentiable operation (see `customOp`). */
export interface CustomOpDefinition {
  /** The op's name, used in error messages and graph labels. */
  name: string;
  /** Computes the output from the inputs; runs without recording a graph. */
  forward(...inputs: Tensor[]): Tensor;
  /**
   * The gradient of each input given the output's gradient (and the inputs and output); null for
   * an input that gets none. `needsInputGrad[i]` says which inputs want one.
   */
  backward(
    grad: Tensor,
    inputs: readonly Tensor[],
    output: Tensor,
    needsInputGrad: readonly boolean[],
  ): readonly (Tensor | null | undefined)[];
}

/**
 * Defines a differentiable op from a forward and a backward, like `torch.autograd.Function`. The
 * engine checks that each gradient the backward returns has its input's dtype and (after summing
 * out broadcast dims) its shape, and names the op when it does not.
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
    return record(def.name, inputs, output, (grad, needs) => {
      const grads = def.backward(grad, inputs, output, needs);
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
