/** `Embedding`: a lookup table of learned vectors, as `torch.nn.Embedding`. */
import {
  type DType,
  DTypeError,
  embedding,
  fmtShape,
  Generator,
  noGrad,
  ShapeError,
  type Tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { normal, writeElements } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { asLayer } from './checks.js';

/** Options of `Embedding`. */
export interface EmbeddingLayerOptions {
  /** Row that gets no gradient and starts as zeros (negative counts from the end), PyTorch's `padding_idx`. */
  paddingIdx?: number;
  /** Looked-up rows whose norm exceeds this are rescaled in place to it before the lookup. */
  maxNorm?: number;
  /** The p of the norm `maxNorm` bounds (default 2). */
  normType?: number;
  /** Element type of the table (default float32). */
  dtype?: DType;
  /** Source of the initial weights, N(0, 1) (default: the global generator). */
  generator?: Generator;
}

/** Options of `Embedding.fromPretrained`. */
export interface FromPretrainedOptions {
  /** Keep the table fixed (requiresGrad false; default true). */
  freeze?: boolean;
  /** As `Embedding`'s `paddingIdx` (the row keeps its values). */
  paddingIdx?: number;
  /** As `Embedding`'s `maxNorm`. */
  maxNorm?: number;
  /** As `Embedding`'s `normType`. */
  normType?: number;
}

function normalizePaddingIdx(numEmbeddings: number, paddingIdx: number | undefined): number | null {
  if (paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) {
    throw new ValueError(
      `Embedding: paddingIdx ${paddingIdx} is out of range for ${numEmbeddings} embeddings`,
    );
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/**
 * A table of `numEmbeddings` vectors of size `embeddingDim`, looked up by int32 indices of any
 * shape: [*] → [*, embeddingDim]. The table starts as N(0, 1), with the `paddingIdx` row zero.
 *
 * @example
 * const emb = new Embedding(27, 10);
 * emb.call(tensor([[1, 5, 0]], { dtype: 'int32' })); // shape [1, 3, 10]
 */
export class Embedding extends Module {
  /** The table, of shape [numEmbeddings, embeddingDim]. */
  readonly weight: Parameter;
  /** The padding row, normalised to 0..numEmbeddings−1, or null. */
  readonly paddingIdx: number | null;
  readonly maxNorm: number | undefined;
  readonly normType: number;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingLayerOptions = {},
  ) {
    super();
    for (const [what, n] of [
      ['numEmbeddings', numEmbeddings],
      ['embeddingDim', embeddingDim],
    ] as const) {
      if (!Number.isInteger(n) || n < 0)
        throw new ValueError(`Embedding: ${what} must be a non-negative integer, got ${n}`);
    }
    this.paddingIdx = normalizePaddingIdx(numEmbeddings, options.paddingIdx);
    this.maxNorm = options.maxNorm;
    this.normType = options.normType ?? 2;
    if (this.maxNorm !== undefined && !(this.maxNorm >= 0))
      throw new ValueError(`Embedding: maxNorm must be ≥ 0, got ${this.maxNorm}`);
    if (!(this.normType > 0)) throw new ValueError(`Embedding: normType must be > 0, got ${this.normType}`);
    const dtype = options.dtype ?? 'float32';
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim], { dtype }));
    normal(this.weight, 0, 1, { generator: options.generator });
    if (this.paddingIdx !== null) {
      const row = this.paddingIdx;
      const values = this.weight.toTypedArray();
      writeElements('Embedding', this.weight, (i) => (Math.floor(i / embeddingDim) === row ? 0 : values[i]!));
    }
  }

  /**
   * An Embedding whose table is `weight` ([numEmbeddings, embeddingDim], copied), frozen unless
   * `freeze: false`, as `torch.nn.Embedding.from_pretrained`.
   */
  static fromPretrained(weight: Tensor, options: FromPretrainedOptions = {}): Embedding {
    if (weight.ndim !== 2) {
      throw new ShapeError(
        `Embedding.fromPretrained: weight must be 2-D [numEmbeddings, embeddingDim], got shape ${fmtShape(weight.shape)}`,
      );
    }
    if (weight.dtype !== 'float32' && weight.dtype !== 'float64') {
      throw new DTypeError(
        `Embedding.fromPretrained: weight must be float32 or float64, got ${weight.dtype}`,
      );
    }
    const [n, d] = weight.shape as [number, number];
    const layer = new Embedding(n, d, {
      paddingIdx: options.paddingIdx,
      maxNorm: options.maxNorm,
      normType: options.normType,
      dtype: weight.dtype,
      // Its own generator: the initial table is overwritten, so the global stream is left alone.
      generator: new Generator(0),
    });
    const values = noGrad(() => weight.detach().toTypedArray());
    writeElements('Embedding.fromPretrained', layer.weight, (i) => values[i]!);
    layer.weight.requiresGrad_(!(options.freeze ?? true));
    return layer;
  }

  override forward(indices: Tensor): Tensor {
    return asLayer(this.constructor.name, () =>
      embedding(indices, this.weight, {
        paddingIdx: this.paddingIdx ?? undefined,
        maxNorm: this.maxNorm,
        normType: this.normType,
      }),
    );
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, paddingIdx=${this.paddingIdx}`;
    if (this.maxNorm !== undefined) s += `, maxNorm=${this.maxNorm}`;
    return s;
  }
}
