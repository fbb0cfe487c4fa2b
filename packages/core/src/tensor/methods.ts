/**
 * Tensor's op methods, attached to the prototype from the op functions (as TensorFlow.js chains
 * its ops). `tensor.ts` imports nothing above the kernels, so no runtime import cycle runs through
 * it; the package entry imports this module once. Every method here is the function of the same
 * name in `ops/` with `this` as its first operand.
 */
import { type GradOptions, backward as runBackward } from '../autograd/backward.js';
import { fmtShape, ValueError } from '../errors.js';
import * as act from '../ops/activation.js';
import * as dev from '../ops/device.js';
import * as ew from '../ops/elementwise.js';
import * as idx from '../ops/index-ops.js';
import * as msk from '../ops/mask.js';
import * as mm from '../ops/matmul.js';
import * as nrm from '../ops/norm.js';
import * as rea from '../ops/rearrange.js';
import * as red from '../ops/reduce.js';
import * as smp from '../ops/sampling.js';
import * as scn from '../ops/scan.js';
import * as shp from '../ops/shape.js';
import * as srt from '../ops/sort.js';
import type { Device } from './device.js';
import type { DType, TypedArray } from './dtype.js';
import { dimsArg, shapeArg } from './shape.js';
import { nest, Tensor } from './tensor.js';

/** Options of `Tensor.backward`. */
export type BackwardOptions = GradOptions;

declare module './tensor.js' {
  interface Tensor {
    /**
     * Backpropagates from this tensor: `.grad` of every leaf that requires gradients receives
     * d(this)/d(leaf) (accumulated). A non-scalar output needs the upstream `gradient`.
     */
    backward(gradient?: Tensor, options?: BackwardOptions): void;
    /**
     * A copy converted to `dtype` (float↔float casts keep the graph; to int32 truncates toward 0;
     * to bool: non-zero is true), or moved to `device` (CPU → GPU; a GPU → CPU move is `toAsync`).
     */
    to(dtypeOrDevice: DType | Device): Tensor;
    /** This tensor on `device`, awaiting the read when it leaves a GPU. */
    toAsync(device: Device): Promise<Tensor>;
    /** The elements as nested arrays, on any device (a GPU tensor is read back). */
    toArrayAsync(): Promise<NestedArray>;
    /** The single element of a one-element tensor, on any device. */
    itemAsync(): Promise<number>;
    /** A copy of the elements in row-major order as a CPU typed array, on any device. */
    toTypedArrayAsync(): Promise<TypedArray>;
    /** Copies `src` (broadcast to this shape, same dtype) into this tensor's elements, in place, unrecorded. */
    copy_(src: Tensor): this;

    // Elementwise, with NumPy broadcasting (ops/elementwise.ts).
    /** this + other */
    add(other: TensorLike): Tensor;
    /** this − other */
    sub(other: TensorLike): Tensor;
    /** this · other */
    mul(other: TensorLike): Tensor;
    /** this / other */
    div(other: TensorLike): Tensor;
    /** this ** exponent */
    pow(exponent: TensorLike): Tensor;
    /** Elementwise maximum. */
    maximum(other: TensorLike): Tensor;
    /** Elementwise minimum. */
    minimum(other: TensorLike): Tensor;
    /** −this */
    neg(): Tensor;
    /** eˣ */
    exp(): Tensor;
    /** Natural logarithm. */
    log(): Tensor;
    /** Square root. */
    sqrt(): Tensor;
    /** |x| */
    abs(): Tensor;
    /** −1, 0 or 1 (no gradient). */
    sign(): Tensor;
    /** Hyperbolic tangent. */
    tanh(): Tensor;
    /** Logistic sigmoid. */
    sigmoid(): Tensor;
    /** max(x, 0) */
    relu(): Tensor;
    /** log(1 + e^(βx)) / β, linear above `threshold` (as `F.softplus`). */
    softplus(options?: ew.SoftplusOptions): Tensor;
    /** Sine. */
    sin(): Tensor;
    /** Cosine. */
    cos(): Tensor;
    /** x² */
    square(): Tensor;
    /** Limits the elements to [min, max]. */
    clamp(min?: number, max?: number): Tensor;
    /** this ∧ other elementwise, as bool (non-zero is true). */
    logicalAnd(other: Tensor): Tensor;
    /** this ∨ other elementwise, as bool. */
    logicalOr(other: Tensor): Tensor;
    /** this ⊕ other elementwise, as bool. */
    logicalXor(other: Tensor): Tensor;
    /** ¬this elementwise, as bool. */
    logicalNot(): Tensor;
    /** this = other elementwise (bool). */
    eq(other: TensorLike): Tensor;
    /** this ≠ other elementwise (bool). */
    ne(other: TensorLike): Tensor;
    /** this < other elementwise (bool). */
    lt(other: TensorLike): Tensor;
    /** this ≤ other elementwise (bool). */
    le(other: TensorLike): Tensor;
    /** this > other elementwise (bool). */
    gt(other: TensorLike): Tensor;
    /** this ≥ other elementwise (bool). */
    ge(other: TensorLike): Tensor;
    /** x·Φ(x); `{ approximate: 'tanh' }` for the tanh form. */
    gelu(options?: ew.GeluOptions): Tensor;
    /** x·σ(x) */
    silu(): Tensor;
    /** x·tanh(softplus(x)) */
    mish(): Tensor;
    /** x where x > 0, else negativeSlope·x (default 0.01). */
    leakyRelu(negativeSlope?: number): Tensor;
    /** x where x > 0, else α(eˣ − 1) (default α = 1). */
    elu(alpha?: number): Tensor;
    /** Clamps to [minVal, maxVal] (default [−1, 1]). */
    hardtanh(minVal?: number, maxVal?: number): Tensor;
    /** The error function. */
    erf(): Tensor;
    /** The inverse error function. */
    erfinv(): Tensor;
    /** log(1 + x) */
    log1p(): Tensor;
    /** eˣ − 1 */
    expm1(): Tensor;
    /** 1 / √x */
    rsqrt(): Tensor;
    /** 1 / x */
    reciprocal(): Tensor;
    /** this mod other, with the sign of other (Python's %). */
    remainder(other: TensorLike): Tensor;
    /** ⌊this / other⌋ (rounds toward −∞). */
    floorDivide(other: TensorLike): Tensor;
    /** Rounds down. */
    floor(): Tensor;
    /** Rounds up. */
    ceil(): Tensor;
    /** Rounds half to even. */
    round(): Tensor;
    /** atan2(this, other): the angle of the point (other, this). */
    atan2(other: TensorLike): Tensor;
    /** True where NaN (bool). */
    isnan(): Tensor;
    /** True where finite (bool). */
    isfinite(): Tensor;
    /** True where ±∞ (bool). */
    isinf(): Tensor;
    /** Replaces NaN, +∞, −∞ (defaults 0 and the dtype's extremes). */
    nanToNum(options?: ew.NanToNumOptions): Tensor;
    /** this where `condition`, else `other` (as `torch.Tensor.where`). */
    where(condition: Tensor, other: TensorLike): Tensor;

    // Masks and triangles (ops/mask.ts).
    /** True where any element over `dim` is non-zero (bool). */
    any(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** True where every element over `dim` is non-zero (bool). */
    all(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Lower triangle of the last two dims, zeros above `diagonal`. */
    tril(diagonal?: number): Tensor;
    /** Upper triangle of the last two dims, zeros below `diagonal`. */
    triu(diagonal?: number): Tensor;
    /** `value` where `mask` is true (broadcast), else this. */
    maskedFill(mask: Tensor, value: number): Tensor;

    // Reductions (ops/reduce.ts); `dim` may be a number or a list, negative dims allowed.
    /** Sum over `dim` (all dims by default). */
    sum(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Mean over `dim` (all dims by default). */
    mean(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Largest element; with a dim, the values and int32 indices along it. */
    max(): Tensor;
    max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
    /** Smallest element; with a dim, the values and int32 indices along it. */
    min(): Tensor;
    min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
    /** Largest value over `dim` (all dims by default). */
    amax(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Smallest value over `dim` (all dims by default). */
    amin(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Index of the largest value along `dim` (of the flattened tensor without one); int32. */
    argmax(dim?: number, keepdim?: boolean): Tensor;
    /** Index of the smallest value along `dim`; int32. */
    argmin(dim?: number, keepdim?: boolean): Tensor;
    /** log Σ exp over `dim`, computed stably. */
    logsumexp(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Variance with Bessel's correction by default (`correction` = 1), as PyTorch. */
    var(dim?: number | readonly number[], options?: red.VarianceOptions): Tensor;
    /** Standard deviation with Bessel's correction by default. */
    std(dim?: number | readonly number[], options?: red.VarianceOptions): Tensor;

    // Products (ops/matmul.ts).
    /** The matrix product, with PyTorch's `matmul` semantics. */
    matmul(other: Tensor): Tensor;

    // Shape and views (ops/shape.ts); shapes and dim lists as separate numbers or one array.
    /** A new shape with the same elements (a view when contiguous); one −1 allowed. */
    reshape(...shape: number[] | [readonly number[]]): Tensor;
    /** Like reshape, but only as a view. */
    view(...shape: number[] | [readonly number[]]): Tensor;
    /** Merges dims startDim..endDim into one. */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** Swaps two dims (a view). */
    transpose(dim0: number, dim1: number): Tensor;
    /** Reorders the dims (a view): `x.permute(1, 0)` or `x.permute([1, 0])`. */
    permute(...dims: number[] | [readonly number[]]): Tensor;
    /** Transpose of a tensor of rank ≤ 2. */
    t(): Tensor;
    /** Transpose of the last two dims. */
    readonly mT: Tensor;
    /** Removes dims of size 1 (all, or only `dim`). */
    squeeze(dim?: number): Tensor;
    /** Inserts a dim of size 1 at `dim`. */
    unsqueeze(dim: number): Tensor;
    /** Broadcasts to a larger shape without copying (−1 keeps a dim). */
    expand(...shape: number[] | [readonly number[]]): Tensor;
    /** Broadcasts to the shape of `other`. */
    expandAs(other: Tensor): Tensor;
    /** Elements start, start+step, … < end along `dim` (a view); negative indices count from the end. */
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    /** `length` elements from `start` along `dim` (a view). */
    narrow(dim: number, start: number, length: number): Tensor;
    /** Splits into pieces of `sizes` along `dim`. */
    split(sizes: number | readonly number[], dim?: number): Tensor[];
    /** Splits into `chunks` nearly equal pieces along `dim`. */
    chunk(chunks: number, dim?: number): Tensor[];
    /** This tensor if contiguous, else a contiguous copy. */
    contiguous(): Tensor;
    /** A copy with its own buffer; the gradient passes through. */
    clone(): Tensor;

    // Indexing (ops/index-ops.ts).
    /** Gathers values along `dim` at `index`, as `torch.gather`. */
    gather(dim: number, index: Tensor): Tensor;
    /** The slices along `dim` at the positions of `index`, as `torch.index_select` (an index of any rank gives x.shape[:dim] + index.shape + x.shape[dim+1:]). */
    indexSelect(dim: number, index: Tensor): Tensor;
    /** The elements of the flattened tensor at the int32 `index` (any shape; negative counts from the end). */
    take(index: Tensor): Tensor;

    // Scans and order (ops/scan.ts, ops/sort.ts).
    /** Running sum along `dim`. */
    cumsum(dim: number): Tensor;
    /** Running product along `dim` (gradient exact with zeros). */
    cumprod(dim: number): Tensor;
    /** Sorted values and int32 indices along `dim` (default −1), stable. */
    sort(options?: srt.SortOptions): srt.ValuesIndices;
    /** The int32 indices that sort along `dim` (default −1), stable. */
    argsort(options?: srt.SortOptions): Tensor;
    /** The `k` largest (or smallest) values along `dim` and their int32 indices. */
    topk(k: number, options?: srt.TopkOptions): srt.ValuesIndices;
    /** The `k`-th smallest (1-based) value along `dim` and its int32 index. */
    kthvalue(k: number, dim?: number, keepdim?: boolean): srt.ValuesIndices;
    /** The lower median of all elements; with a dim, values and int32 indices along it. */
    median(): Tensor;
    median(dim: number, keepdim?: boolean): srt.ValuesIndices;
    /** The distinct elements (or slices along `dim`), sorted; no gradient. */
    unique(options?: srt.UniqueOptions): srt.UniqueResult;

    // Rearrangement (ops/rearrange.ts); dim lists and repeats as separate numbers or one array.
    /** Reverses the order along `dims`: `x.flip(0, 1)` or `x.flip([0, 1])`. */
    flip(...dims: number[] | [readonly number[]]): Tensor;
    /** Rotates the elements along `dims` by `shifts` (the flattened tensor without dims). */
    roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
    /** Repeats the tensor along each dim, as `Tensor.repeat`: `x.repeat(2, 3)` or `x.repeat([2, 3])`. */
    repeat(...repeats: number[] | [readonly number[]]): Tensor;
    /** Repeats along each dim, padding missing repeats with leading 1s, as `torch.tile`. */
    tile(...dims: number[] | [readonly number[]]): Tensor;
    /** The slice at `index` along `dim`, that dim removed (a view; negative index from the end). */
    select(dim: number, index: number): Tensor;
    /** The diagonal of the matrices spanned by `dim1`, `dim2` (a view, moved to the last dim). */
    diagonal(options?: rea.DiagonalOptions): Tensor;
    /** A square matrix with this 1-D tensor on a diagonal, or a matrix's diagonal. */
    diag(diagonal?: number): Tensor;
    /** The outer product with another 1-D tensor. */
    outer(other: Tensor): Tensor;
    /** Broadcasts to `shape` without copying. */
    broadcastTo(...shape: number[] | [readonly number[]]): Tensor;

    // Norms (ops/norm.ts).
    /** The vector p-norm over `dim` (all elements by default), as `torch.linalg.vector_norm`. */
    norm(options?: nrm.NormOptions): Tensor;

    // Sampling (ops/sampling.ts).
    /** 1 with probability this (elementwise, in [0, 1]) else 0; with `p`, probability p everywhere. */
    bernoulli(options?: smp.BernoulliOptions): Tensor;
    /** `numSamples` int32 category indices per row of these non-negative weights (1-D or 2-D). */
    multinomial(numSamples: number, options?: smp.MultinomialOptions): Tensor;

    // Activations over a dim (ops/activation.ts).
    /** Softmax along `dim` (default −1). */
    softmax(dim?: number): Tensor;
    /** Log-softmax along `dim` (default −1). */
    logSoftmax(dim?: number): Tensor;
  }
}

const proto = Tensor.prototype;

proto.backward = function (gradient, options = {}) {
  runBackward([this], gradient === undefined ? undefined : [gradient], options);
};
proto.to = function (target) {
  if (target === 'cpu' || target === 'webgpu') return dev.toDevice(this, target);
  return target === this.dtype ? this : ew.cast(this, target);
};
proto.toAsync = function (device) {
  return dev.toDeviceAsync(this, device);
};
proto.toArrayAsync = async function () {
  return nest(await dev.readAsync(this), this.shape);
};
proto.itemAsync = async function () {
  if (this.size !== 1) {
    throw new ValueError(
      `itemAsync: tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, not 1`,
    );
  }
  return (await dev.readAsync(this))[0]!;
};
proto.toTypedArrayAsync = function () {
  return dev.readAsync(this);
};
proto.copy_ = function (src) {
  shp.copyInto(this, src);
  return this;
};

proto.add = function (other) {
  return ew.add(this, other);
};
proto.sub = function (other) {
  return ew.sub(this, other);
};
proto.mul = function (other) {
  return ew.mul(this, other);
};
proto.div = function (other) {
  return ew.div(this, other);
};
proto.pow = function (exponent) {
  return ew.pow(this, exponent);
};
proto.maximum = function (other) {
  return ew.maximum(this, other);
};
proto.minimum = function (other) {
  return ew.minimum(this, other);
};
proto.neg = function () {
  return ew.neg(this);
};
proto.exp = function () {
  return ew.exp(this);
};
proto.log = function () {
  return ew.log(this);
};
proto.sqrt = function () {
  return ew.sqrt(this);
};
proto.abs = function () {
  return ew.abs(this);
};
proto.sign = function () {
  return ew.sign(this);
};
proto.tanh = function () {
  return ew.tanh(this);
};
proto.sigmoid = function () {
  return ew.sigmoid(this);
};
proto.relu = function () {
  return ew.relu(this);
};
proto.softplus = function (options) {
  return ew.softplus(this, options);
};
proto.sin = function () {
  return ew.sin(this);
};
proto.cos = function () {
  return ew.cos(this);
};
proto.square = function () {
  return ew.square(this);
};
proto.clamp = function (min, max) {
  return ew.clamp(this, min, max);
};
proto.logicalAnd = function (other) {
  return ew.logicalAnd(this, other);
};
proto.logicalOr = function (other) {
  return ew.logicalOr(this, other);
};
proto.logicalXor = function (other) {
  return ew.logicalXor(this, other);
};
proto.logicalNot = function () {
  return ew.logicalNot(this);
};
proto.eq = function (other) {
  return ew.eq(this, other);
};
proto.ne = function (other) {
  return ew.ne(this, other);
};
proto.lt = function (other) {
  return ew.lt(this, other);
};
proto.le = function (other) {
  return ew.le(this, other);
};
proto.gt = function (other) {
  return ew.gt(this, other);
};
proto.ge = function (other) {
  return ew.ge(this, other);
};
proto.gelu = function (options) {
  return ew.gelu(this, options);
};
proto.silu = function () {
  return ew.silu(this);
};
proto.mish = function () {
  return ew.mish(this);
};
proto.leakyRelu = function (negativeSlope) {
  return ew.leakyRelu(this, negativeSlope);
};
proto.elu = function (alpha) {
  return ew.elu(this, alpha);
};
proto.hardtanh = function (minVal, maxVal) {
  return ew.hardtanh(this, minVal, maxVal);
};
proto.erf = function () {
  return ew.erf(this);
};
proto.erfinv = function () {
  return ew.erfinv(this);
};
proto.log1p = function () {
  return ew.log1p(this);
};
proto.expm1 = function () {
  return ew.expm1(this);
};
proto.rsqrt = function () {
  return ew.rsqrt(this);
};
proto.reciprocal = function () {
  return ew.reciprocal(this);
};
proto.remainder = function (other) {
  return ew.remainder(this, other);
};
proto.floorDivide = function (other) {
  return ew.floorDivide(this, other);
};
proto.floor = function () {
  return ew.floor(this);
};
proto.ceil = function () {
  return ew.ceil(this);
};
proto.round = function () {
  return ew.round(this);
};
proto.atan2 = function (other) {
  return ew.atan2(this, other);
};
proto.isnan = function () {
  return ew.isnan(this);
};
proto.isfinite = function () {
  return ew.isfinite(this);
};
proto.isinf = function () {
  return ew.isinf(this);
};
proto.nanToNum = function (options) {
  return ew.nanToNum(this, options);
};
proto.where = function (condition, other) {
  return ew.where(condition, this, other);
};
proto.any = function (dim, keepdim = false) {
  return msk.any(this, dim, keepdim);
};
proto.all = function (dim, keepdim = false) {
  return msk.all(this, dim, keepdim);
};
proto.tril = function (diagonal = 0) {
  return msk.tril(this, diagonal);
};
proto.triu = function (diagonal = 0) {
  return msk.triu(this, diagonal);
};
proto.maskedFill = function (mask, value) {
  return msk.maskedFill(this, mask, value);
};

proto.sum = function (dim, keepdim = false) {
  return red.sum(this, dim, keepdim);
};
proto.mean = function (dim, keepdim = false) {
  return red.mean(this, dim, keepdim);
};
proto.max = function (this: Tensor, dim?: number, keepdim: boolean = false) {
  return dim === undefined ? red.amax(this) : red.maxAlong(this, dim, keepdim);
} as Tensor['max'];
proto.min = function (this: Tensor, dim?: number, keepdim: boolean = false) {
  return dim === undefined ? red.amin(this) : red.minAlong(this, dim, keepdim);
} as Tensor['min'];
proto.amax = function (dim, keepdim = false) {
  return red.amax(this, dim, keepdim);
};
proto.amin = function (dim, keepdim = false) {
  return red.amin(this, dim, keepdim);
};
proto.argmax = function (dim, keepdim = false) {
  return red.argmax(this, dim, keepdim);
};
proto.argmin = function (dim, keepdim = false) {
  return red.argmin(this, dim, keepdim);
};
proto.logsumexp = function (dim, keepdim = false) {
  return red.logsumexp(this, dim, keepdim);
};
proto.var = function (dim, options = {}) {
  return red.variance(this, dim, options);
};
proto.std = function (dim, options = {}) {
  return red.std(this, dim, options);
};

proto.matmul = function (other) {
  return mm.matmul(this, other);
};

proto.reshape = function (...shape) {
  return shp.reshape(this, shapeArg('reshape', shape));
};
proto.view = function (...shape) {
  return shp.view(this, shapeArg('view', shape));
};
proto.flatten = function (startDim = 0, endDim = -1) {
  return shp.flatten(this, startDim, endDim);
};
proto.transpose = function (dim0, dim1) {
  return shp.transpose(this, dim0, dim1);
};
proto.permute = function (...dims) {
  return shp.permute(this, dimsArg('permute', dims));
};
proto.t = function () {
  return shp.t(this);
};
Object.defineProperty(proto, 'mT', {
  get(this: Tensor) {
    return shp.transpose(this, -2, -1);
  },
});
proto.squeeze = function (dim) {
  return shp.squeeze(this, dim);
};
proto.unsqueeze = function (dim) {
  return shp.unsqueeze(this, dim);
};
proto.expand = function (...shape) {
  return shp.expand(this, shapeArg('expand', shape));
};
proto.expandAs = function (other) {
  return shp.expand(this, other.shape, 'expandAs');
};
proto.slice = function (dim, start, end, step = 1) {
  return shp.slice(this, dim, start, end, step);
};
proto.narrow = function (dim, start, length) {
  return shp.narrow(this, dim, start, length);
};
proto.split = function (sizes, dim = 0) {
  return shp.split(this, sizes, dim);
};
proto.chunk = function (chunks, dim = 0) {
  return shp.chunk(this, chunks, dim);
};
proto.contiguous = function () {
  return shp.contiguous(this);
};
proto.clone = function () {
  return shp.clone(this);
};

proto.gather = function (dim, index) {
  return idx.gather(this, dim, index);
};
proto.indexSelect = function (dim, index) {
  return idx.indexSelect(this, dim, index);
};
proto.take = function (index) {
  return idx.take(this, index);
};

proto.cumsum = function (dim) {
  return scn.cumsum(this, dim);
};
proto.cumprod = function (dim) {
  return scn.cumprod(this, dim);
};
proto.sort = function (options) {
  return srt.sort(this, options);
};
proto.argsort = function (options) {
  return srt.argsort(this, options);
};
proto.topk = function (k, options) {
  return srt.topk(this, k, options);
};
proto.kthvalue = function (k, dim = -1, keepdim = false) {
  return srt.kthvalue(this, k, dim, keepdim);
};
proto.median = function (this: Tensor, dim?: number, keepdim: boolean = false) {
  return dim === undefined ? srt.median(this) : srt.median(this, dim, keepdim);
} as Tensor['median'];
proto.unique = function (options) {
  return srt.unique(this, options);
};

proto.flip = function (...dims) {
  return rea.flip(this, dimsArg('flip', dims));
};
proto.roll = function (shifts, dims) {
  return rea.roll(this, shifts, dims);
};
proto.repeat = function (...repeats) {
  return rea.repeat(this, shapeArg('repeat', repeats));
};
proto.tile = function (...dims) {
  return rea.tile(this, shapeArg('tile', dims));
};
proto.select = function (dim, index) {
  return rea.select(this, dim, index);
};
proto.diagonal = function (options) {
  return rea.diagonal(this, options);
};
proto.diag = function (diagonal = 0) {
  return rea.diag(this, diagonal);
};
proto.outer = function (other) {
  return rea.outer(this, other);
};
proto.broadcastTo = function (...shape) {
  return rea.broadcastTo(this, shapeArg('broadcastTo', shape));
};

proto.norm = function (options) {
  return nrm.norm(this, options);
};

proto.bernoulli = function (options = {}) {
  return smp.bernoulli(this, options);
};
proto.multinomial = function (numSamples, options = {}) {
  return smp.multinomial(this, numSamples, options);
};

proto.softmax = function (dim = -1) {
  return act.softmax(this, dim);
};
proto.logSoftmax = function (dim = -1) {
  return act.logSoftmax(this, dim);
};
