/**
 * 2-d convolution on NCHW tensors. The forward is a kernel call (kernels/conv.ts); conv2d,
 * conv2dInputGrad and conv2dWeightGrad are each other's adjoints, so each one's backward is written
 * with the other two and gradients of gradients work.
 */
import { record, sameDType } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { backendOf } from '../backends/backend.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { giveColumns, takeColumns } from '../kernels/conv.js';
import type { TypedArray } from '../tensor/dtype.js';
import { requireFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type Conv2dAdjointOptions,
  type Conv2dOptions,
  type ConvParams,
  checkGradShape,
  convGeometry,
  fmtPair,
  params,
  require4d,
} from './conv-options.js';
import { expand, pad, reshape } from './shape.js';

/**
 * 2-d convolution (cross-correlation, as PyTorch) of input [N,C,H,W] with weight
 * [O, C/groups, kh, kw] and optional bias [O]; output [N, O, OH, OW] with
 * OH = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1.
 *
 * @example
 * const [x, w, b] = [randn([4, 1, 28, 28]), randn([8, 1, 5, 5]), zeros([8])];
 * const y = conv2d(x, w, b, { stride: 1, padding: 2 }); // [4, 8, 28, 28]
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv2dOptions = {},
): Tensor {
  const padding = options.padding ?? 0;
  if (padding === 'valid') return conv2d(input, weight, bias, { ...options, padding: 0 });
  if (padding !== 'same')
    return convForward(input, weight, bias ?? null, params('conv2d', { ...options, padding }));
  const p = params('conv2d', { ...options, padding: 0 });
  if (p.stride[0] !== 1 || p.stride[1] !== 1) {
    throw new ValueError(`conv2d: padding 'same' needs stride 1, got stride ${fmtPair(p.stride)}`);
  }
  require4d('conv2d', 'input', input);
  if (weight.ndim !== 4)
    throw new ShapeError(
      `conv2d: expected a 4-D weight [O,C/groups,kh,kw], got shape ${fmtShape(weight.shape)}`,
    );
  const totalH = p.dilation[0] * (weight.shape[2]! - 1);
  const totalW = p.dilation[1] * (weight.shape[3]! - 1);
  if (totalH % 2 === 0 && totalW % 2 === 0) {
    return convForward(input, weight, bias ?? null, { ...p, padding: [totalH / 2, totalW / 2] });
  }
  // An odd total padding is asymmetric (the extra row/column at the end, as PyTorch): pad first.
  const padded = pad(input, [
    Math.floor(totalW / 2),
    Math.ceil(totalW / 2),
    Math.floor(totalH / 2),
    Math.ceil(totalH / 2),
  ]);
  return convForward(padded, weight, bias ?? null, p);
}

function convForward(x: Tensor, w: Tensor, b: Tensor | null, p: ConvParams): Tensor {
  requireFloating('conv2d', x.dtype);
  sameDType('conv2d', x, w);
  const geo = convGeometry('conv2d', x.shape, w.shape, p);
  const o = w.shape[0]!;
  if (b !== null) {
    sameDType('conv2d', x, b);
    if (b.ndim !== 1 || b.shape[0] !== o) {
      throw new ShapeError(
        `conv2d: bias of shape ${fmtShape(b.shape)} should be [${o}] for weight ${fmtShape(w.shape)}`,
      );
    }
  }
  const inputs = b === null ? [x, w] : [x, w, b];
  const backend = backendOf('conv2d', ...inputs);
  // The weight gradient needs the input's columns again: keep the forward's, in a pooled buffer
  // that only the backward closure references and that goes back to the pool when the graph is
  // released.
  const keptLength =
    isGradEnabled() && w.requiresGrad ? backend.conv2dKeptColumnsLength(geo, b !== null, p.groups) : -1;
  let kept: TypedArray | null = keptLength > 0 ? takeColumns(x.data, keptLength) : null;
  const out = new Tensor(backend.conv2d(x, w, b, geo, o, p.groups, kept), [geo.n, o, geo.oh, geo.ow]);
  const result = record('conv2d', inputs, out, (g, needs) => [
    needs[0] ? inputGrad(x.shape, w, g, p) : null,
    needs[1] ? weightGrad(x, w.shape, g, p, kept) : null,
    needs[2] ? channelSum(g) : null,
  ]);
  if (kept !== null) {
    if (result.gradFn === null) giveColumns(kept);
    else
      result.gradFn.onRelease(() => {
        if (kept !== null) giveColumns(kept);
        kept = null;
      });
  }
  return result;
}

/** Σ over N, H, W of an [N,C,H,W] tensor: the bias gradient of conv2d. */
function channelSum(g: Tensor): Tensor {
  const c = g.shape[1]!;
  const out = new Tensor(backendOf('conv2dBiasGrad', g).conv2dBiasGrad(g), [c]);
  return record('conv2dBiasGrad', [g], out, (h2) => [expand(reshape(h2, [1, c, 1, 1]), g.shape)]);
}

/**
 * The gradient of `conv2d` with respect to its input, given the input's shape, the weight and the
 * output's gradient: a transposed convolution (as `torch.nn.grad.conv2d_input`). Differentiable.
 *
 * @example
 * const [w, g] = [randn([8, 3, 3, 3]), randn([2, 8, 6, 6])]; // weight [O, C, kh, kw], output grad [N, O, OH, OW]
 * conv2dInputGrad([2, 3, 8, 8], w, g); // the input's gradient, [2, 3, 8, 8]
 */
export function conv2dInputGrad(
  inputShape: readonly number[],
  weight: Tensor,
  gradOutput: Tensor,
  options: Conv2dAdjointOptions = {},
): Tensor {
  return inputGrad(inputShape, weight, gradOutput, params('conv2dInputGrad', options));
}

function inputGrad(xShape: readonly number[], w: Tensor, g: Tensor, p: ConvParams): Tensor {
  requireFloating('conv2dInputGrad', g.dtype);
  sameDType('conv2dInputGrad', w, g);
  const geo = convGeometry('conv2dInputGrad', xShape, w.shape, p);
  const o = w.shape[0]!;
  checkGradShape('conv2dInputGrad', g, [geo.n, o, geo.oh, geo.ow]);
  const out = new Tensor(backendOf('conv2dInputGrad', w, g).conv2dInputGrad(g, w, geo, o, p.groups), [
    ...xShape,
  ]);
  // Bilinear in (w, g): ⟨h, convᵀ(g, w)⟩ = ⟨conv(h, w), g⟩.
  return record('conv2dInputGrad', [w, g], out, (h, needs) => [
    needs[0] ? weightGrad(h, w.shape, g, p) : null,
    needs[1] ? convForward(h, w, null, p) : null,
  ]);
}

/**
 * The gradient of `conv2d` with respect to its weight, given the input, the weight's shape and
 * the output's gradient (as `torch.nn.grad.conv2d_weight`). Differentiable.
 *
 * @example
 * const [x, g] = [randn([2, 3, 8, 8]), randn([2, 8, 8, 8])]; // input [N, C, H, W], output grad
 * conv2dWeightGrad(x, [8, 3, 3, 3], g, { padding: 1 }); // the weight's gradient, [8, 3, 3, 3]
 */
export function conv2dWeightGrad(
  input: Tensor,
  weightShape: readonly number[],
  gradOutput: Tensor,
  options: Conv2dAdjointOptions = {},
): Tensor {
  return weightGrad(input, weightShape, gradOutput, params('conv2dWeightGrad', options));
}

function weightGrad(
  x: Tensor,
  wShape: readonly number[],
  g: Tensor,
  p: ConvParams,
  columns: TypedArray | null = null,
): Tensor {
  requireFloating('conv2dWeightGrad', x.dtype);
  sameDType('conv2dWeightGrad', x, g);
  const geo = convGeometry('conv2dWeightGrad', x.shape, wShape, p);
  const o = wShape[0]!;
  checkGradShape('conv2dWeightGrad', g, [geo.n, o, geo.oh, geo.ow]);
  const backend = backendOf('conv2dWeightGrad', x, g);
  const out = new Tensor(backend.conv2dWeightGrad(x, g, geo, o, p.groups, columns), [...wShape]);
  // Bilinear in (x, g): ⟨h, ∇w(x, g)⟩ = ⟨conv(x, h), g⟩.
  return record('conv2dWeightGrad', [x, g], out, (h, needs) => [
    needs[0] ? inputGrad(x.shape, h, g, p) : null,
    needs[1] ? convForward(x, h, null, p) : null,
  ]);
}
