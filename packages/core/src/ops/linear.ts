/**
 * The fully connected layer's op, x·Wᵀ + b, as `F.linear`: the product is written straight into
 * the output and the bias added there in place, instead of a product, a broadcast add and a
 * second output buffer; the backward is the three products and the row sum, in Tensor ops.
 */
import { record, sameDType } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { fmtShape, ShapeError } from '../errors.js';
import { requireFloating } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape, transpose } from './shape.js';

/**
 * x · weightᵀ + bias for x [*, in], weight [out, in] and bias [out] (or none): the same values as
 * `matmul(x, weight.t())` followed by adding the bias, in one op.
 *
 * @example
 * const x = randn([64, 400]);
 * const w = randn([128, 400]);
 * const b = randn([128]);
 * const y = linear(x, w, b); // [64, 128], as x.matmul(w.t()).add(b)
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  requireFloating('linear', x.dtype);
  sameDType('linear', x, weight);
  if (weight.ndim !== 2)
    throw new ShapeError(`linear: weight must be 2-D [out, in], got shape ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape as [number, number];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError(
      `linear: input of shape ${fmtShape(x.shape)} does not match weight of shape ${fmtShape(weight.shape)}`,
    );
  }
  if (bias !== null) {
    sameDType('linear', x, bias);
    if (bias.ndim !== 1 || bias.shape[0] !== outF) {
      throw new ShapeError(
        `linear: bias of shape ${fmtShape(bias.shape)} should be [${outF}] for weight ${fmtShape(weight.shape)}`,
      );
    }
  }
  const lead = x.shape.slice(0, -1);
  const rows = sizeOf(lead);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  const out = new Tensor(backendOf('linear', ...inputs).linear(x, weight, bias), [...lead, outF]);
  return record('linear', inputs, out, (g, needs) => {
    const g2 = needs[1] || needs[2] ? reshape(g, [rows, outF]) : null;
    return [
      needs[0] ? matmul(g, weight) : null,
      needs[1] ? matmul(transpose(g2!, 0, 1), reshape(x, [rows, inF])) : null,
      needs[2] ? sum(g2!, 0) : null,
    ];
  });
}
