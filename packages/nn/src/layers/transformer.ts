/**
 * Transformer layers, as `torch.nn.TransformerEncoderLayer`, `TransformerDecoderLayer`,
 * `TransformerEncoder` and `TransformerDecoder`, with PyTorch's state-dict keys (`self_attn.…`,
 * `multihead_attn.…`, `linear1`, `norm1`, `layers.0.…`).
 */
import { type DType, Generator, gelu, type Tensor, ValueError } from '@tsgrad/core';
import { Module } from '../module.js';
import { MultiheadAttention } from './attention.js';
import { ModuleList } from './container.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './norm.js';

/** The feed-forward activation: 'relu', 'gelu', or a function of a tensor. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

/** Options of `TransformerEncoderLayer` and `TransformerDecoderLayer`. */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default 'relu'). */
  activation?: TransformerActivation;
  /** eps of the LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** Tensors are [batch, seq, feature] (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
  /** Pre-norm: LayerNorm before attention and feed-forward (default false: after, as the 2017 paper). */
  normFirst?: boolean;
  /** Learn the biases of the linear layers and LayerNorms (default true). */
  bias?: boolean;
  /** Element type of the weights (default float32). */
  dtype?: DType;
  /** Source of the initial weights and dropout masks (default: the global generator). */
  generator?: Generator;
}

/** Arguments of `TransformerEncoderLayer.forward` besides the input. */
export interface TransformerEncoderLayerForwardOptions {
  /** Attention mask, as `MultiheadAttention`'s `attnMask` (bool: true = may NOT attend; float: added). */
  srcMask?: Tensor;
  /** [batch, seq] (bool: true = padding, ignored as a key; float: added). */
  srcKeyPaddingMask?: Tensor;
  /** Causal self-attention; builds the causal mask when `srcMask` is not given. */
  isCausal?: boolean;
}

/** Arguments of `TransformerDecoderLayer.forward` besides the target and the memory. */
export interface TransformerDecoderLayerForwardOptions {
  /** Self-attention mask over the target. */
  tgtMask?: Tensor;
  /** Cross-attention mask, target × memory. */
  memoryMask?: Tensor;
  /** [batch, tgtLen] padding of the target. */
  tgtKeyPaddingMask?: Tensor;
  /** [batch, memoryLen] padding of the memory. */
  memoryKeyPaddingMask?: Tensor;
  /** Causal self-attention over the target; builds the causal mask when `tgtMask` is not given. */
  tgtIsCausal?: boolean;
  /** Causal cross-attention; builds the causal mask when `memoryMask` is not given. */
  memoryIsCausal?: boolean;
}

interface ResolvedOptions {
  dimFeedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
  bias: boolean;
  generator: Generator | undefined;
}

function resolve(layer: string, dModel: number, nhead: number, o: TransformerLayerOptions): ResolvedOptions {
  for (const [what, n] of [
    ['dModel', dModel],
    ['nhead', nhead],
    ['dimFeedforward', o.dimFeedforward ?? 2048],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      throw new ValueError(`${layer}: ${what} must be a positive integer, got ${n}`);
  }
  const activation = o.activation ?? 'relu';
  if (activation !== 'relu' && activation !== 'gelu' && typeof activation !== 'function') {
    throw new ValueError(
      `${layer}: activation must be 'relu', 'gelu' or a function, got '${String(activation)}'`,
    );
  }
  const dropout = o.dropout ?? 0.1;
  if (!(dropout >= 0 && dropout <= 1))
    throw new ValueError(`${layer}: dropout must be in [0, 1], got ${dropout}`);
  return {
    dimFeedforward: o.dimFeedforward ?? 2048,
    dropout,
    activation,
    layerNormEps: o.layerNormEps ?? 1e-5,
    batchFirst: o.batchFirst ?? false,
    normFirst: o.normFirst ?? false,
    bias: o.bias ?? true,
    generator: o.generator,
  };
}

function activate(activation: TransformerActivation, x: Tensor): Tensor {
  if (activation === 'relu') return x.relu();
  if (activation === 'gelu') return gelu(x);
  return activation(x);
}

/** A copy of `layer` with its own parameters (equal values), built by `make` without touching the global generator. */
function copyLayer<M extends Module>(layer: M, make: (generator: Generator) => M): M {
  const copy = make(new Generator(0));
  copy.loadStateDict(layer.stateDict());
  copy.train(layer.training);
  return copy;
}

/**
 * One encoder block: self-attention, then a two-layer feed-forward network, each with a residual
 * connection and a LayerNorm (after, or before with `normFirst`), as `torch.nn.TransformerEncoderLayer`.
 *
 * @example
 * const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true, normFirst: true });
 * const y = layer.call(randn([2, 10, 64]), { isCausal: true }); // [batch, T, dModel] → same shape
 */
export class TransformerEncoderLayer extends Module {
  static override readonly stateKeys: Readonly<Record<string, string>> = { selfAttn: 'self_attn' };
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  readonly activation: TransformerActivation;
  readonly #options: ResolvedOptions;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    options: TransformerLayerOptions = {},
  ) {
    super();
    const o = resolve('TransformerEncoderLayer', dModel, nhead, options);
    this.#options = o;
    const dtype = options.dtype ?? 'float32';
    const { generator, bias } = o;
    this.selfAttn = new MultiheadAttention(dModel, nhead, {
      dropout: o.dropout,
      bias,
      batchFirst: o.batchFirst,
      dtype,
      generator,
    });
    this.linear1 = new Linear(dModel, o.dimFeedforward, { bias, dtype, generator });
    this.dropout = new Dropout(o.dropout, { generator });
    this.linear2 = new Linear(o.dimFeedforward, dModel, { bias, dtype, generator });
    this.normFirst = o.normFirst;
    this.batchFirst = o.batchFirst;
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps, bias, dtype });
    this.dropout1 = new Dropout(o.dropout, { generator });
    this.dropout2 = new Dropout(o.dropout, { generator });
    this.activation = o.activation;
  }

  /** A deep copy: same configuration and parameter values, its own parameters (what `TransformerEncoder` stacks). */
  clone(): TransformerEncoderLayer {
    const dtype = this.linear1.weight.dtype;
    return copyLayer(
      this,
      (g) => new TransformerEncoderLayer(this.dModel, this.nhead, { ...this.#options, dtype, generator: g }),
    );
  }

  override forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    const { srcMask, srcKeyPaddingMask, isCausal } = options;
    const sa = (x: Tensor): Tensor =>
      this.dropout1.call(
        this.selfAttn.call(x, x, x, {
          attnMask: srcMask,
          keyPaddingMask: srcKeyPaddingMask,
          needWeights: false,
          isCausal,
        })[0],
      );
    const ff = (x: Tensor): Tensor =>
      this.dropout2.call(
        this.linear2.call(this.dropout.call(activate(this.activation, this.linear1.call(x)))),
      );
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.call(x)));
      x = x.add(ff(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(sa(x)));
      x = this.norm2.call(x.add(ff(x)));
    }
    return x;
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, normFirst=${this.normFirst}, batchFirst=${this.batchFirst}`;
  }
}

/**
 * One decoder block: self-attention over the target, attention to the encoder's memory, and a
 * feed-forward network, each with a residual connection and a LayerNorm, as
 * `torch.nn.TransformerDecoderLayer`.
 *
 * @example
 * const layer = new TransformerDecoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const y = layer.call(randn([2, 5, 32]), randn([2, 7, 32]), { tgtIsCausal: true }); // shape [2, 5, 32]
 */
export class TransformerDecoderLayer extends Module {
  static override readonly stateKeys: Readonly<Record<string, string>> = {
    selfAttn: 'self_attn',
    multiheadAttn: 'multihead_attn',
  };
  readonly selfAttn: MultiheadAttention;
  readonly multiheadAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  readonly activation: TransformerActivation;
  readonly #options: ResolvedOptions;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    options: TransformerLayerOptions = {},
  ) {
    super();
    const o = resolve('TransformerDecoderLayer', dModel, nhead, options);
    this.#options = o;
    const dtype = options.dtype ?? 'float32';
    const { generator, bias } = o;
    const attention = (): MultiheadAttention =>
      new MultiheadAttention(dModel, nhead, {
        dropout: o.dropout,
        bias,
        batchFirst: o.batchFirst,
        dtype,
        generator,
      });
    this.selfAttn = attention();
    this.multiheadAttn = attention();
    this.linear1 = new Linear(dModel, o.dimFeedforward, { bias, dtype, generator });
    this.dropout = new Dropout(o.dropout, { generator });
    this.linear2 = new Linear(o.dimFeedforward, dModel, { bias, dtype, generator });
    this.normFirst = o.normFirst;
    this.batchFirst = o.batchFirst;
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps, bias, dtype });
    this.norm3 = new LayerNorm(dModel, { eps: o.layerNormEps, bias, dtype });
    this.dropout1 = new Dropout(o.dropout, { generator });
    this.dropout2 = new Dropout(o.dropout, { generator });
    this.dropout3 = new Dropout(o.dropout, { generator });
    this.activation = o.activation;
  }

  /** A deep copy: same configuration and parameter values, its own parameters (what `TransformerDecoder` stacks). */
  clone(): TransformerDecoderLayer {
    const dtype = this.linear1.weight.dtype;
    return copyLayer(
      this,
      (g) => new TransformerDecoderLayer(this.dModel, this.nhead, { ...this.#options, dtype, generator: g }),
    );
  }

  override forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderLayerForwardOptions = {}): Tensor {
    const sa = (x: Tensor): Tensor =>
      this.dropout1.call(
        this.selfAttn.call(x, x, x, {
          attnMask: options.tgtMask,
          keyPaddingMask: options.tgtKeyPaddingMask,
          needWeights: false,
          isCausal: options.tgtIsCausal,
        })[0],
      );
    const mha = (x: Tensor): Tensor =>
      this.dropout2.call(
        this.multiheadAttn.call(x, memory, memory, {
          attnMask: options.memoryMask,
          keyPaddingMask: options.memoryKeyPaddingMask,
          needWeights: false,
          isCausal: options.memoryIsCausal,
        })[0],
      );
    const ff = (x: Tensor): Tensor =>
      this.dropout3.call(
        this.linear2.call(this.dropout.call(activate(this.activation, this.linear1.call(x)))),
      );
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.call(x)));
      x = x.add(mha(this.norm2.call(x)));
      x = x.add(ff(this.norm3.call(x)));
    } else {
      x = this.norm1.call(x.add(sa(x)));
      x = this.norm2.call(x.add(mha(x)));
      x = this.norm3.call(x.add(ff(x)));
    }
    return x;
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, normFirst=${this.normFirst}, batchFirst=${this.batchFirst}`;
  }
}

/** Options of `TransformerEncoder` and `TransformerDecoder`. */
export interface TransformerStackOptions {
  /** A final normalisation applied to the output (e.g. a LayerNorm for pre-norm stacks). */
  norm?: LayerNorm | null;
}

/** Arguments of `TransformerEncoder.forward` besides the input. */
export interface TransformerEncoderForwardOptions {
  /** Attention mask passed to every layer as `srcMask`. */
  mask?: Tensor;
  /** Padding mask passed to every layer. */
  srcKeyPaddingMask?: Tensor;
  /** Causal self-attention in every layer. */
  isCausal?: boolean;
}

function checkNumLayers(stack: string, numLayers: number): void {
  if (!Number.isInteger(numLayers) || numLayers < 1) {
    throw new ValueError(`${stack}: numLayers must be a positive integer, got ${numLayers}`);
  }
}

/**
 * `numLayers` deep copies of an encoder layer applied in turn (keys `layers.0.…`), then an optional
 * final `norm`, as `torch.nn.TransformerEncoder`.
 *
 * @example
 * const layer = new TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const encoder = new TransformerEncoder(layer, 2, { norm: new LayerNorm(32) });
 * const y = encoder.call(randn([2, 10, 32]), { isCausal: true }); // shape [2, 10, 32]
 */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    readonly numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    checkNumLayers('TransformerEncoder', numLayers);
    if (!(encoderLayer instanceof TransformerEncoderLayer)) {
      throw new ValueError('TransformerEncoder: encoderLayer must be a TransformerEncoderLayer');
    }
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = options.norm ?? null;
  }

  override forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers) {
      x = layer.call(x, {
        srcMask: options.mask,
        srcKeyPaddingMask: options.srcKeyPaddingMask,
        isCausal: options.isCausal,
      });
    }
    return this.norm === null ? x : this.norm.call(x);
  }
}

/**
 * `numLayers` deep copies of a decoder layer applied in turn to the target (each attending to the
 * memory), then an optional final `norm`, as `torch.nn.TransformerDecoder`.
 *
 * @example
 * const layer = new TransformerDecoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const decoder = new TransformerDecoder(layer, 2);
 * const y = decoder.call(randn([2, 5, 32]), randn([2, 7, 32])); // shape [2, 5, 32]
 */
export class TransformerDecoder extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(
    decoderLayer: TransformerDecoderLayer,
    readonly numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    checkNumLayers('TransformerDecoder', numLayers);
    if (!(decoderLayer instanceof TransformerDecoderLayer)) {
      throw new ValueError('TransformerDecoder: decoderLayer must be a TransformerDecoderLayer');
    }
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone()));
    this.norm = options.norm ?? null;
  }

  override forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderLayerForwardOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.call(x, memory, options);
    return this.norm === null ? x : this.norm.call(x);
  }
}
