/**
 * Shape ops. Transpose, permute, expand, slicing, and reshape/view of contiguous data are views
 * that share the buffer; the rest copy. Each backward moves the gradient back to the input's layout.
 */
import { RegionGradient, record, sameDType } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { backendOf } from '../backends/backend.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { contiguousStrides, normalizeDim, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Resolves a single −1 in a requested shape and checks the element count. */
function inferShape(op: string, from: readonly number[], shape: readonly number[]): number[] {
  const size = sizeOf(from);
  let unknown = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (unknown >= 0) throw new ValueError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(`${op}: invalid size ${d} in shape ${fmtShape(shape)}`);
    } else known *= d;
  });
  const out = [...shape];
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(
        `${op}: shape ${fmtShape(shape)} is invalid for input of size ${size} (shape ${fmtShape(from)})`,
      );
    }
    out[unknown] = size / known;
  } else if (known !== size) {
    throw new ShapeError(
      `${op}: shape ${fmtShape(shape)} is invalid for input of size ${size} (shape ${fmtShape(from)})`,
    );
  }
  return out;
}

/**
 * A new shape with the same elements; a view when the data is contiguous, else a copy. One −1 allowed.
 *
 * @example
 * reshape(arange(6), [2, -1]); // [[0, 1, 2], [3, 4, 5]]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape('reshape', x.shape, shape);
  const data = x.isContiguous ? x.storage : backendOf('reshape', x).contiguous(x);
  const offset = x.isContiguous ? x.offset : 0;
  const out = new Tensor(data, target, contiguousStrides(target), offset);
  return record('reshape', [x], out, (g) => [reshape(g, x.shape)]);
}

/**
 * Like reshape, but only as a view: a non-contiguous tensor is an error.
 *
 * @example
 * view(arange(6), [3, 2]); // [[0, 1], [2, 3], [4, 5]], sharing the buffer
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  if (!x.isContiguous) {
    throw new ShapeError(
      `view: tensor of shape ${fmtShape(x.shape)} is not contiguous; use reshape() or contiguous()`,
    );
  }
  return reshape(x, shape);
}

/**
 * Merges dims startDim..endDim into one.
 *
 * @example
 * flatten(zeros([2, 3, 4]), 1); // [2, 12]
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim);
  const e = normalizeDim('flatten', endDim, x.ndim);
  if (s > e) throw new ValueError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = sizeOf(x.shape.slice(s, e + 1));
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/**
 * Reorders the dims (a view).
 *
 * @example
 * permute(zeros([2, 3, 4]), [2, 0, 1]); // [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new ValueError(
      `permute: got ${dims.length} dims [${dims.join(',')}] for a tensor of rank ${x.ndim}`,
    );
  }
  const order = dims.map((d) => normalizeDim('permute', d, x.ndim));
  if (new Set(order).size !== order.length)
    throw new ValueError(`permute: repeated dim in [${dims.join(',')}]`);
  const out = new Tensor(
    x.storage,
    order.map((d) => x.shape[d]!),
    order.map((d) => x.strides[d]!),
    x.offset,
  );
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => {
    inverse[d] = i;
  });
  return record('permute', [x], out, (g) => [permute(g, inverse)]);
}

/**
 * Swaps two dims (a view).
 *
 * @example
 * transpose(tensor([[1, 2, 3]]), 0, 1); // [[1], [2], [3]]
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim('transpose', dim0, x.ndim);
  const b = normalizeDim('transpose', dim1, x.ndim);
  const order = x.shape.map((_, i) => i);
  order[a] = b;
  order[b] = a;
  return x.ndim < 2 ? x : permute(x, order);
}

/**
 * Transpose of a tensor of rank ≤ 2, as `torch.t`.
 *
 * @example
 * t(tensor([[1, 2], [3, 4]])); // [[1, 3], [2, 4]]
 */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2)
    throw new ShapeError(`t: expects a tensor of rank ≤ 2, got shape ${fmtShape(x.shape)}; use transpose()`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/**
 * Removes dims of size 1 (all of them, or only `dim`).
 *
 * @example
 * squeeze(zeros([1, 3, 1])); // [3]
 * squeeze(zeros([1, 3, 1]), 0); // [3, 1]
 */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const d = normalizeDim('squeeze', dim, x.ndim);
  if (x.ndim === 0 || x.shape[d] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== d),
  );
}

/**
 * Inserts a dim of size 1 at `dim` (−1 appends).
 *
 * @example
 * unsqueeze(tensor([1, 2]), 0); // [[1, 2]]
 * unsqueeze(tensor([1, 2]), -1); // [[1], [2]]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  const strides = [...x.strides];
  strides.splice(d, 0, d < x.ndim ? x.strides[d]! * x.shape[d]! : 1);
  const out = new Tensor(x.storage, shape, strides, x.offset);
  return record('unsqueeze', [x], out, (g) => [reshape(g, x.shape)]);
}

/**
 * Broadcasts to a larger shape without copying (−1 keeps a dim). The gradient is summed back.
 * `op` names the caller in errors (`expandAs`, `broadcastTo`).
 *
 * @example
 * expand(tensor([[1], [2]]), [2, 3]); // [[1, 1, 1], [2, 2, 2]]
 */
export function expand(x: Tensor, shape: readonly number[], op = 'expand'): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0)
    throw new ShapeError(`${op}: cannot expand shape ${fmtShape(x.shape)} to fewer dims ${fmtShape(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead]! : d));
  const strides = target.map((d, i) => {
    if (i < lead) return 0;
    const own = x.shape[i - lead]!;
    if (own === d) return x.strides[i - lead]!;
    if (own === 1) return 0;
    throw new ShapeError(
      `${op}: cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i}: ${own} vs ${d})`,
    );
  });
  for (const d of target)
    if (!Number.isInteger(d) || d < 0) throw new ValueError(`${op}: invalid shape ${fmtShape(shape)}`);
  const out = new Tensor(x.storage, target, strides, x.offset);
  return record('expand', [x], out, (g) => [g]);
}

/**
 * Elements start, start+step, … < end along `dim` (a view); negative indices count from the end.
 *
 * @example
 * slice(arange(6), 0, 1, 5, 2); // [1, 3]
 * slice(tensor([[1, 2, 3], [4, 5, 6]]), 1, -2); // [[2, 3], [5, 6]]
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const d = normalizeDim('slice', dim, x.ndim);
  const n = x.shape[d]!;
  if (!Number.isInteger(step) || step <= 0)
    throw new ValueError(`slice: step must be a positive integer, got ${step}`);
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIndex(start);
  const e = Math.max(clampIndex(end ?? n), s);
  const length = Math.ceil((e - s) / step);
  const shape = [...x.shape];
  shape[d] = length;
  const strides = [...x.strides];
  strides[d] = x.strides[d]! * step;
  const out = new Tensor(x.storage, shape, strides, x.offset + s * x.strides[d]!);
  return record('slice', [x], out, (g) => [sliceGradient(g, x.shape, d, s, step)]);
}

/**
 * The gradient of a slice of a tensor of `shape`: `unslice` when the backward is recorded (its own
 * backward is the slice), else a region the engine adds into the input's gradient in place.
 */
export function sliceGradient(
  g: Tensor,
  shape: readonly number[],
  dim: number,
  start: number,
  step: number,
): Tensor | RegionGradient {
  if (isGradEnabled()) return unslice(g, shape, dim, start, step);
  const strides = contiguousStrides(shape);
  const offset = start * strides[dim]!;
  strides[dim] = strides[dim]! * step;
  return new RegionGradient(g, strides, offset);
}

/**
 * The adjoint of `slice`: a zero tensor of `shape` with `g` written at start, start+step, … along
 * `dim`. Its own backward is the slice, so second derivatives flow through slicing.
 */
export function unslice(
  g: Tensor,
  shape: readonly number[],
  dim: number,
  start: number,
  step: number,
): Tensor {
  const backend = backendOf('unslice', g);
  const out = new Tensor(backend.zeros(g.dtype, sizeOf(shape)), [...shape]);
  const strides = [...out.strides];
  strides[dim] = out.strides[dim]! * step;
  backend.copyStrided(out.storage, g.shape, strides, start * out.strides[dim]!, g);
  return record('unslice', [g], out, (gg) => [slice(gg, dim, start, start + g.shape[dim]! * step, step)]);
}

/**
 * `length` elements from `start` along `dim` (a view).
 *
 * @example
 * narrow(tensor([[1, 2, 3], [4, 5, 6]]), 1, 1, 2); // [[2, 3], [5, 6]]
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim('narrow', dim, x.ndim);
  const n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(length) || length < 0 || s < 0 || s + length > n) {
    throw new ValueError(
      `narrow: start ${start} with length ${length} is out of range for dim ${dim} of size ${n}`,
    );
  }
  return slice(x, d, s, s + length);
}

/**
 * Splits into pieces of `sizes` (one number: equal pieces, the last may be smaller) along `dim`.
 *
 * @example
 * const [a, b] = split(arange(5), [2, 3]); // [0, 1] and [2, 3, 4]
 * split(arange(5), 2); // [0, 1], [2, 3], [4]
 */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, x.ndim);
  const n = x.shape[d]!;
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0)
      throw new ValueError(`split: size must be a positive integer, got ${sizes}`);
    list = [];
    for (let s = 0; s < n; s += sizes) list.push(Math.min(sizes, n - s));
  } else {
    list = [...sizes];
    const total = list.reduce((a, b) => a + b, 0);
    if (total !== n)
      throw new ShapeError(`split: sizes [${list.join(',')}] sum to ${total}, but dim ${dim} has size ${n}`);
  }
  let start = 0;
  return list.map((len) => {
    const piece = narrow(x, d, start, len);
    start += len;
    return piece;
  });
}

/**
 * Splits into `chunks` nearly equal pieces along `dim` (as `torch.chunk`).
 *
 * @example
 * chunk(arange(6), 3); // [0, 1], [2, 3], [4, 5]
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

/**
 * A contiguous tensor with the same elements (this tensor itself if already contiguous).
 *
 * @example
 * const x = t(tensor([[1, 2], [3, 4]])); // a transposed view
 * contiguous(x); // a copy in row-major order: [[1, 3], [2, 4]]
 */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous ? x : clone(x);
}

/**
 * A copy with its own contiguous buffer; the gradient passes through.
 *
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * clone(x); // [1, 2], a new buffer; gradients flow back to x
 */
export function clone(x: Tensor): Tensor {
  const out = new Tensor(backendOf('clone', x).contiguous(x), x.shape);
  return record('clone', [x], out, (g) => [g]);
}

/**
 * Joins tensors along an existing dim; all other dims must match.
 *
 * @example
 * cat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])]); // [[1, 2], [3, 4], [5, 6]]
 * cat([zeros([2, 3]), ones([2, 1])], 1); // [2, 4]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('cat: expected at least one tensor');
  const first = tensors[0]!;
  if (first.ndim === 0) {
    throw new ShapeError('cat: zero-dimensional tensors cannot be concatenated; use stack()');
  }
  const d = normalizeDim('cat', dim, first.ndim);
  let total = 0;
  for (const t of tensors) {
    sameDType('cat', first, t);
    const mismatch = t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i]);
    if (mismatch) {
      throw new ShapeError(
        `cat: shapes ${tensors.map((x) => fmtShape(x.shape)).join(', ')} differ outside dim ${dim}`,
      );
    }
    total += t.shape[d]!;
  }
  const shape = [...first.shape];
  shape[d] = total;
  const backend = backendOf('cat', ...tensors);
  const out = new Tensor(backend.zeros(first.dtype, sizeOf(shape)), shape);
  const strides = contiguousStrides(shape);
  let start = 0;
  for (const t of tensors) {
    backend.copyStrided(out.storage, t.shape, strides, start * strides[d]!, t);
    start += t.shape[d]!;
  }
  const lengths = tensors.map((t) => t.shape[d]!);
  return record('cat', tensors, out, (g, needs) => {
    let s = 0;
    return lengths.map((len, i) => {
      const piece = needs[i] ? narrow(g, d, s, len) : null;
      s += len;
      return piece;
    });
  });
}

/**
 * Joins tensors of equal shape along a new dim.
 *
 * @example
 * stack([tensor([1, 2]), tensor([3, 4])]); // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], 1); // [[1, 3], [2, 4]]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack: expected at least one tensor');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => s !== first.shape[i])) {
      throw new ShapeError(
        `stack: all tensors must have the same shape, got ${tensors.map((x) => fmtShape(x.shape)).join(', ')}`,
      );
    }
  }
  const d = normalizeDim('stack', dim, first.ndim + 1);
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** Options of `pad`. */
export interface PadOptions {
  /** Only 'constant' is supported. */
  mode?: 'constant';
  /** The fill value (default 0). */
  value?: number;
}

/**
 * Pads the last dims of `x`: `padding` lists (before, after) pairs starting from the last dim,
 * as PyTorch's `F.pad` ([left, right, top, bottom] pads W then H). Negative amounts crop.
 *
 * @example
 * pad(ones([1, 1, 3, 3]), [1, 1, 2, 0]); // → [1, 1, 5, 5]: two rows on top, one column each side
 */
export function pad(x: Tensor, padding: readonly number[], options: PadOptions = {}): Tensor {
  const mode = options.mode ?? 'constant';
  if (mode !== 'constant')
    throw new ValueError(`pad: mode '${String(mode)}' is not supported (only 'constant')`);
  const value = options.value ?? 0;
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw new ValueError(
      `pad: padding [${padding.join(',')}] must have an even length of at most 2·${x.ndim} for input of shape ${fmtShape(x.shape)}`,
    );
  }
  for (const p of padding)
    if (!Number.isInteger(p)) throw new ValueError(`pad: padding [${padding.join(',')}] must be integers`);
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    before[x.ndim - 1 - i] = padding[2 * i]!;
    after[x.ndim - 1 - i] = padding[2 * i + 1]!;
  }
  const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  if (shape.some((d) => d < 0)) {
    throw new ShapeError(
      `pad: padding [${padding.join(',')}] of input ${fmtShape(x.shape)} gives a negative size ${fmtShape(shape)}`,
    );
  }
  // Negative amounts crop first (a slice, with its own gradient); what is left pads outward.
  let src = x;
  for (let d = 0; d < x.ndim; d++) {
    if (before[d]! < 0 || after[d]! < 0) {
      const lo = Math.max(-before[d]!, 0);
      src = slice(src, d, lo, Math.max(x.shape[d]! - Math.max(-after[d]!, 0), lo));
      before[d] = Math.max(before[d]!, 0);
      after[d] = Math.max(after[d]!, 0);
    }
  }
  return padConstant(src, before, shape, value);
}

function padConstant(x: Tensor, before: readonly number[], shape: number[], value: number): Tensor {
  const backend = backendOf('pad', x);
  const size = sizeOf(shape);
  const out = new Tensor(backend.zeros(x.dtype, size), shape);
  if (value !== 0) backend.fill(out.storage, value, 0, size);
  const strides = contiguousStrides(shape);
  let offset = 0;
  for (let d = 0; d < shape.length; d++) offset += before[d]! * strides[d]!;
  backend.copyStrided(out.storage, x.shape, strides, offset, x);
  return record('pad', [x], out, (g) => [cropTo(g, before, x.shape)]);
}

/** The region of `g` that `pad` copied its input to. */
function cropTo(g: Tensor, before: readonly number[], shape: readonly number[]): Tensor {
  let r = g;
  for (let d = 0; d < shape.length; d++) {
    if (before[d] !== 0 || shape[d] !== g.shape[d]) r = slice(r, d, before[d]!, before[d]! + shape[d]!);
  }
  return r;
}

/**
 * Copies `src` (broadcast to `dst`'s shape, same dtype) into `dst`'s elements in place, without
 * recording a graph (as `Tensor.copy_` under no_grad). `dst` may be a view.
 */
export function copyInto(dst: Tensor, src: Tensor): void {
  sameDType('copy_', dst, src);
  if (src.ndim > dst.ndim || src.shape.some((d, i) => d !== 1 && d !== dst.shape[dst.ndim - src.ndim + i])) {
    throw new ShapeError(
      `copy_: source of shape ${fmtShape(src.shape)} does not broadcast to ${fmtShape(dst.shape)}`,
    );
  }
  backendOf('copy_', dst, src).copyStrided(dst.storage, dst.shape, dst.strides, dst.offset, src);
}
