/**
 * `MultiheadAttention`, as `torch.nn.MultiheadAttention`: PyTorch's parameter names
 * (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`, …) and its mask conventions for this
 * module (a bool mask marks with true what may NOT be attended; a float mask is added).
 */
import {
  amax,
  type DType,
  DTypeError,
  fmtShape,
  type Generator,
  ones,
  ShapeError,
  type Tensor,
  triu,
  ValueError,
  where,
  zeros,
} from '@tsgrad/core';
import { dropout, linear } from '../functional/index.js';
import { constant, xavierUniform } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { asLayer } from './checks.js';
import { Linear } from './linear.js';

/** Options of `MultiheadAttention`. */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training (default 0). */
  dropout?: number;
  /** Learn biases of the input and output projections (default true). */
  bias?: boolean;
  /** Features of the key (default embedDim). */
  kdim?: number;
  /** Features of the value (default embedDim). */
  vdim?: number;
  /** Tensors are [batch, seq, feature] (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
  /** Element type of the weights (default float32). */
  dtype?: DType;
  /** Source of the initial weights and of the dropout masks (default: the global generator). */
  generator?: Generator;
}

/** Arguments of `MultiheadAttention.forward` besides query, key and value. */
export interface MultiheadAttentionForwardOptions {
  /**
   * [L, S] or [batch·numHeads, L, S]. Bool: true where a query may NOT attend to a key (PyTorch's
   * convention for this module, the opposite of `scaledDotProductAttention`'s); float (the query's
   * dtype): added to the scores.
   */
  attnMask?: Tensor;
  /** [batch, S] (or [S] unbatched). Bool: true for the keys to ignore (padding); float: added. */
  keyPaddingMask?: Tensor;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the returned weights over the heads (default true): [batch, L, S], else [batch, heads, L, S]. */
  averageAttnWeights?: boolean;
  /**
   * Causal attention: query i sees keys 0..i. Without `attnMask` the causal mask is built here
   * (PyTorch 2 requires the mask and reads the flag as a hint); with one, the mask is used as given.
   */
  isCausal?: boolean;
}

/** The additive mask (0 / −∞ for bool, the values for float) of a module-convention mask. */
function additiveMask(layer: string, what: string, mask: Tensor, dtype: DType): Tensor {
  if (mask.dtype === 'bool') return where(mask, Number.NEGATIVE_INFINITY, zeros([], { dtype }));
  if (mask.dtype !== dtype) {
    throw new DTypeError(`${layer}: ${what} must be bool or ${dtype} (the query's dtype), got ${mask.dtype}`);
  }
  return mask;
}

/**
 * Softmax over the last dim, shifted by the row maximum; a row that is −∞ everywhere (every key
 * masked) gives zeros rather than NaN, and passes no gradient — as `scaledDotProductAttention`.
 */
function safeSoftmax(x: Tensor): Tensor {
  const m = amax(x.detach(), -1, true);
  const shift = where(m.abs().lt(Number.POSITIVE_INFINITY), m, 0);
  const e = x.sub(shift).exp();
  const total = e.sum(-1, true);
  return e.div(where(total.eq(0), 1, total));
}

/**
 * Attention over `numHeads` heads of size embedDim / numHeads: the query, key and value are
 * projected (`in_proj_weight`, or `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when kdim or vdim
 * differ from embedDim), attended per head, concatenated and projected by `out_proj`. Tensors are
 * [L, batch, E] (or [batch, L, E] with `batchFirst`, or [L, E] unbatched). `forward` returns
 * `[output, weights | null]`.
 *
 * @example
 * const mha = new MultiheadAttention(64, 4, { batchFirst: true });
 * const x = randn([2, 10, 64]); // [batch, T, embed]
 * const [y] = mha.call(x, x, x, { isCausal: true, needWeights: false }); // y [2, 10, 64]
 */
export class MultiheadAttention extends Module {
  static override readonly stateKeys: Readonly<Record<string, string>> = {
    inProjWeight: 'in_proj_weight',
    qProjWeight: 'q_proj_weight',
    kProjWeight: 'k_proj_weight',
    vProjWeight: 'v_proj_weight',
    inProjBias: 'in_proj_bias',
    outProj: 'out_proj',
  };
  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly generator: Generator | undefined;
  /** [3·embedDim, embedDim] stacked q, k, v projections (null when kdim or vdim differ from embedDim). */
  readonly inProjWeight: Parameter | null;
  /** [embedDim, embedDim] (only when kdim or vdim differ from embedDim). */
  readonly qProjWeight: Parameter | null;
  /** [embedDim, kdim] (only when kdim or vdim differ from embedDim). */
  readonly kProjWeight: Parameter | null;
  /** [embedDim, vdim] (only when kdim or vdim differ from embedDim). */
  readonly vProjWeight: Parameter | null;
  /** [3·embedDim] (null with `bias: false`). */
  readonly inProjBias: Parameter | null;
  /** The output projection, embedDim → embedDim. */
  readonly outProj: Linear;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    const name = 'MultiheadAttention';
    for (const [what, n] of [
      ['embedDim', embedDim],
      ['numHeads', numHeads],
    ] as const) {
      if (!Number.isInteger(n) || n < 1)
        throw new ValueError(`${name}: ${what} must be a positive integer, got ${n}`);
    }
    if (embedDim % numHeads !== 0) {
      throw new ValueError(`${name}: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    }
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    for (const [what, n] of [
      ['kdim', this.kdim],
      ['vdim', this.vdim],
    ] as const) {
      if (!Number.isInteger(n) || n < 1)
        throw new ValueError(`${name}: ${what} must be a positive integer, got ${n}`);
    }
    this.headDim = embedDim / numHeads;
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new ValueError(`${name}: dropout must be in [0, 1], got ${this.dropout}`);
    }
    this.batchFirst = options.batchFirst ?? false;
    this.generator = options.generator;
    const dtype = options.dtype ?? 'float32';
    const generator = options.generator;
    const same = this.kdim === embedDim && this.vdim === embedDim;
    const param = (shape: number[]): Parameter => new Parameter(zeros(shape, { dtype }));
    // Field order is PyTorch's registration order, which is the state dict's order.
    this.inProjWeight = same ? param([3 * embedDim, embedDim]) : null;
    this.qProjWeight = same ? null : param([embedDim, embedDim]);
    this.kProjWeight = same ? null : param([embedDim, this.kdim]);
    this.vProjWeight = same ? null : param([embedDim, this.vdim]);
    this.inProjBias = (options.bias ?? true) ? param([3 * embedDim]) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias: options.bias ?? true, dtype, generator });
    // PyTorch's _reset_parameters: Xavier-uniform projections, zero biases.
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) {
      if (w !== null) xavierUniform(w, { generator });
    }
    if (this.inProjBias !== null) constant(this.inProjBias, 0);
    if (this.outProj.bias !== null) constant(this.outProj.bias, 0);
  }

  override forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const name = this.constructor.name;
    const dtype = this.outProj.weight.dtype;
    for (const [what, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if (t.dtype !== dtype) throw new DTypeError(`${name}: ${what} is ${t.dtype}, weights are ${dtype}`);
    }
    const shapes = `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`;
    const batched = query.ndim === 3;
    if (!(query.ndim === 3 || query.ndim === 2) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(
        `${name}: query, key and value must all be 3-D (batched) or 2-D (unbatched), got ${shapes}`,
      );
    }
    const E = this.embedDim;
    if (
      query.shape[query.ndim - 1] !== E ||
      key.shape[key.ndim - 1] !== this.kdim ||
      value.shape[value.ndim - 1] !== this.vdim
    ) {
      throw new ShapeError(
        `${name}: expected feature sizes embedDim=${E}, kdim=${this.kdim}, vdim=${this.vdim} in the last dim, got ${shapes}`,
      );
    }
    // Work batch-first: [N, L, E].
    const toBatchFirst = (t: Tensor): Tensor =>
      !batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1);
    const q = toBatchFirst(query);
    const k = toBatchFirst(key);
    const v = toBatchFirst(value);
    const N = q.shape[0]!;
    const L = q.shape[1]!;
    const S = k.shape[1]!;
    if (k.shape[0] !== N || v.shape[0] !== N || v.shape[1] !== S) {
      throw new ShapeError(
        `${name}: batch and sequence sizes of query, key and value do not agree, got ${shapes}`,
      );
    }
    const H = this.numHeads;
    const { attnMask, keyPaddingMask, isCausal = false } = options;
    const needWeights = options.needWeights ?? true;
    const average = options.averageAttnWeights ?? true;
    if (attnMask !== undefined) {
      const ok =
        (attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S) ||
        (attnMask.ndim === 3 &&
          attnMask.shape[0] === N * H &&
          attnMask.shape[1] === L &&
          attnMask.shape[2] === S);
      if (!ok) {
        throw new ShapeError(
          `${name}: attnMask of shape ${fmtShape(attnMask.shape)} should be [${L}, ${S}] or [${N * H}, ${L}, ${S}] (batch·numHeads, L, S)`,
        );
      }
    }
    if (keyPaddingMask !== undefined) {
      const want = batched ? [N, S] : [S];
      if (keyPaddingMask.ndim !== want.length || keyPaddingMask.shape.some((d, i) => d !== want[i])) {
        throw new ShapeError(
          `${name}: keyPaddingMask of shape ${fmtShape(keyPaddingMask.shape)} should be ${fmtShape(want)} (batch, S)`,
        );
      }
    }
    return asLayer(name, () => {
      // In-projection.
      let qp: Tensor;
      let kp: Tensor;
      let vp: Tensor;
      const b = this.inProjBias;
      const bq = b === null ? null : b.narrow(0, 0, E);
      const bk = b === null ? null : b.narrow(0, E, E);
      const bv = b === null ? null : b.narrow(0, 2 * E, E);
      if (this.inProjWeight !== null) {
        const w = this.inProjWeight;
        qp = linear(q, w.narrow(0, 0, E), bq);
        kp = linear(k, w.narrow(0, E, E), bk);
        vp = linear(v, w.narrow(0, 2 * E, E), bv);
      } else {
        qp = linear(q, this.qProjWeight!, bq);
        kp = linear(k, this.kProjWeight!, bk);
        vp = linear(v, this.vProjWeight!, bv);
      }
      const D = this.headDim;
      const heads = (t: Tensor, n: number): Tensor => t.reshape([N, n, H, D]).permute(0, 2, 1, 3);
      const qh = heads(qp, L);
      const kh = heads(kp, S);
      const vh = heads(vp, S);
      // The additive mask, [N or 1, H or 1, L or 1, S].
      let bias: Tensor | null = null;
      if (attnMask !== undefined) {
        const m = additiveMask(name, 'attnMask', attnMask, dtype);
        bias = attnMask.ndim === 2 ? m : m.reshape([N, H, L, S]);
      } else if (isCausal) {
        const device = qh.device;
        bias = where(
          triu(ones([L, S], { dtype: 'bool', device }), 1),
          Number.NEGATIVE_INFINITY,
          zeros([], { dtype, device }),
        );
      }
      if (keyPaddingMask !== undefined) {
        const m = additiveMask(name, 'keyPaddingMask', keyPaddingMask, dtype).reshape([N, 1, 1, S]);
        bias = bias === null ? m : bias.add(m);
      }
      let scores = qh.div(Math.sqrt(D)).matmul(kh.transpose(-2, -1));
      if (bias !== null) scores = scores.add(bias);
      let weights = safeSoftmax(scores);
      if (this.dropout > 0) weights = dropout(weights, this.dropout, this.training, this.generator);
      const attended = weights.matmul(vh).permute(0, 2, 1, 3).reshape([N, L, E]);
      let out = linear(attended, this.outProj.weight, this.outProj.bias);
      out = !batched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
      if (!needWeights) return [out, null];
      let w = average ? weights.mean(1) : weights;
      if (!batched) w = w.squeeze(0);
      return [out, w];
    });
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, kdim=${this.kdim}, vdim=${this.vdim}, batchFirst=${this.batchFirst}`;
  }
}
