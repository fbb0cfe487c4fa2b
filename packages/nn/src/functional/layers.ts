/** Layer functions of `F`: `linear` and `dropout`, composed from core ops. */
import {
  defaultGenerator,
  fmtShape,
  full,
  type Generator,
  linear as linearOp,
  rand,
  requireFloating,
  ShapeError,
  type Tensor,
  ValueError,
  where,
} from '@tsgrad/core';

/**
 * x · weightᵀ + bias, with x of shape [*, in], weight [out, in] and bias [out] (as `F.linear`).
 *
 * @example
 * const y = F.linear(randn([8, 4]), randn([3, 4]), zeros([3])); // shape [8, 3]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2)
    throw new ShapeError(`linear: weight must be 2-D [out, in], got shape ${fmtShape(weight.shape)}`);
  const inFeatures = weight.shape[1]!;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(
      `linear: input of shape ${fmtShape(x.shape)} does not match weight of shape ${fmtShape(weight.shape)} ` +
        `(expected ${inFeatures} input features, got ${x.ndim === 0 ? 'a 0-d tensor' : x.shape[x.ndim - 1]})`,
    );
  }
  if (bias !== undefined && bias !== null && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError(
      `linear: bias of shape ${fmtShape(bias.shape)} should be [${weight.shape[0]}] for weight ${fmtShape(weight.shape)}`,
    );
  }
  // One core op: the product written in place and the bias added into it, no second buffer.
  return linearOp(x, weight, bias ?? null);
}

/**
 * Zeroes each element with probability `p` and scales the rest by 1 / (1 − p) in training; the
 * identity otherwise. The mask is drawn from `generator` (the global one by default).
 *
 * @example
 * const y = F.dropout(ones([2, 4]), 0.5); // each element 0 or 2
 * const same = F.dropout(ones([2, 4]), 0.5, false); // unchanged: not training
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout: probability p must be in [0, 1], got ${p}`);
  requireFloating('dropout', x.dtype);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const g = generator ?? defaultGenerator;
  const scale = 1 / (1 - p);
  // One uniform draw per element, in row-major order: an element survives when its draw is ≥ p.
  // The mask is drawn on the CPU and moved to x's device, so a seed gives the same mask on the
  // CPU and on a GPU.
  const keep = rand(x.shape, { dtype: 'float64', generator: g }).ge(p).to(x.device);
  return x.mul(where(keep, full([], scale, { dtype: x.dtype }), 0));
}
