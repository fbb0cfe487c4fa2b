/**
 * `Parameter`: a leaf tensor that a `Module` owns and an optimizer updates, as `torch.nn.Parameter`.
 */
import { Tensor } from '@tsgrad/core';

/**
 * A leaf tensor that requires gradients (by default) and that a `Module` finds among its fields.
 * It shares the buffer of the tensor it wraps when that tensor is contiguous and fills its
 * buffer exactly; otherwise it holds a contiguous copy. Either way its own buffer is contiguous,
 * so optimizers and `loadStateDict` can write `data` in row-major order.
 *
 * @example
 * const w = new Parameter(randn([3, 4]));   // w.requiresGrad === true, w.isLeaf === true
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const shares = data.isContiguous && data.offset === 0 && data.data.length === data.size;
    super(shares ? data.data : data.toTypedArray(), [...data.shape]);
    if (requiresGrad) this.requiresGrad_(true);
  }

  /** `Parameter containing:` followed by the tensor, as PyTorch prints it. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
