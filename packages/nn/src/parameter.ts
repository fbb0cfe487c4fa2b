/**
 * `Parameter`: a leaf tensor that a `Module` owns and an optimizer updates, as `torch.nn.Parameter`.
 */
import { noGrad, type Storage, Tensor } from '@tsgrad/core';

/**
 * A leaf tensor that requires gradients (by default) and that a `Module` finds among its fields.
 * It shares the buffer of the tensor it wraps when that tensor is contiguous and fills its
 * buffer exactly; otherwise it holds a contiguous copy. Either way its own buffer is contiguous,
 * so optimizers and `loadStateDict` can write it in row-major order. It lives on the device of
 * the tensor it wraps (`new Parameter(w.to('webgpu'))` is a GPU parameter).
 *
 * @example
 * const w = new Parameter(randn([3, 4]));   // w.requiresGrad === true, w.isLeaf === true
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(ownStorage(data), [...data.shape]);
    if (requiresGrad) this.requiresGrad_(true);
  }

  /** `Parameter containing:` followed by the tensor, as PyTorch prints it. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** `t`'s storage when it is contiguous and exactly filled by `t`, else a contiguous copy (on `t`'s device). */
function ownStorage(t: Tensor): Storage {
  const s = t.storage;
  if (t.isContiguous && t.offset === 0 && s.length === t.size) return s;
  return t.device === 'cpu' ? t.toTypedArray() : noGrad(() => t.detach().clone()).storage;
}
