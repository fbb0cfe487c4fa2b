/**
 * A character-level GPT as nanoGPT's `model.py` builds it (Karpathy, 2022): token and position
 * embeddings, pre-norm Transformer blocks (LayerNorm → causal self-attention → residual, LayerNorm →
 * GELU MLP 4× → residual), a final LayerNorm and a linear head, optionally tied to the token
 * embedding. Built from `Linear`, `LayerNorm`, `Parameter` and core functional ops only; its
 * state-dict keys are nanoGPT's (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`,
 * …, `lm_head.weight`), so a checkpoint loads into nanoGPT's `GPT` in PyTorch with `strict=True`.
 */
import {
  arange,
  type Device,
  type DType,
  embedding,
  fmtShape,
  type Generator,
  gelu,
  ShapeError,
  scaledDotProductAttention,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { Dropout, F, init, LayerNorm, Linear, Module, ModuleList, Parameter } from '@tsgrad/nn';

/** The shape of a GPT (nanoGPT's `GPTConfig`). */
export interface GptConfig {
  /** Number of tokens (characters) in the vocabulary. */
  vocabSize: number;
  /** Longest context, the number of position embeddings. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Width of the residual stream; a multiple of `nHead`. */
  nEmbd: number;
  /** Dropout after the embeddings, on the attention weights and on each residual branch (0: none). */
  dropout: number;
  /** Biases in the Linear and LayerNorm layers (nanoGPT's `bias`). */
  bias: boolean;
  /** Share one matrix between the token embedding and the output head (nanoGPT ties them). */
  tieWeights: boolean;
}

/** Options of the model's parameters. */
export interface GptOptions {
  /** Element type of the parameters (default float32; float64 for the PyTorch parity test). */
  dtype?: DType;
  /** Source of the initial weights and of dropout (default: the global generator). */
  generator?: Generator;
}

/** Checks a GPT configuration, naming the first field that is wrong. */
export function checkGptConfig(config: GptConfig): void {
  for (const key of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) {
    const n = config[key];
    if (!Number.isSafeInteger(n) || n < 1)
      throw new ValueError(`Gpt: ${key} must be a positive integer, got ${n}`);
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new ValueError(`Gpt: nEmbd (${config.nEmbd}) must be a multiple of nHead (${config.nHead})`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new ValueError(`Gpt: dropout must be in [0, 1), got ${config.dropout}`);
  }
}

/** A table of learned vectors (the weight alone, as `nn.Embedding`), looked up by the core `embedding` op. */
class TokenTable extends Module {
  readonly weight: Parameter;

  constructor(count: number, dim: number, dtype: DType) {
    super();
    this.weight = new Parameter(zeros([count, dim], { dtype }));
  }

  /** int32 ids [...] → vectors [..., dim]. */
  forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight);
  }
}

/** The output head: logits = x·Wᵀ with W [vocab, nEmbd], no bias; W may be the token embedding's. */
class LmHead extends Module {
  constructor(readonly weight: Parameter) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight);
  }
}

/** Multi-head causal self-attention with one `c_attn` projection to q, k, v and an output `c_proj`. */
class CausalSelfAttention extends Module {
  readonly c_attn: Linear;
  readonly c_proj: Linear;
  readonly resid_dropout: Dropout;
  readonly #nHead: number;
  readonly #dropout: number;
  readonly #generator: Generator | undefined;

  constructor(config: GptConfig, options: GptOptions) {
    super();
    const { nEmbd, bias } = config;
    const dtype = options.dtype;
    this.c_attn = new Linear(nEmbd, 3 * nEmbd, { bias, dtype });
    this.c_proj = new Linear(nEmbd, nEmbd, { bias, dtype });
    this.resid_dropout = new Dropout(config.dropout, { generator: options.generator });
    this.#nHead = config.nHead;
    this.#dropout = config.dropout;
    this.#generator = options.generator;
  }

  /**
   * x [B·T, C] (the rows of B sequences of length T) and the additive causal mask [T, T] (0 on and
   * below the diagonal, −∞ above) → [B·T, C].
   */
  forward(x: Tensor, b: number, t: number, mask: Tensor): Tensor {
    const c = x.shape[1]!;
    const h = this.#nHead;
    // [B·T, 3C] → [3, B, H, T, D]: q, k and v are views of one projection.
    const qkv = this.c_attn
      .forward(x)
      .reshape(b, t, 3, h, c / h)
      .permute(2, 0, 3, 1, 4);
    const y = scaledDotProductAttention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2), {
      attnMask: mask,
      dropoutP: this.training ? this.#dropout : 0,
      generator: this.#generator,
    });
    return this.resid_dropout.forward(this.c_proj.forward(y.transpose(1, 2).reshape(b * t, c)));
  }
}

/** The position-wise feed-forward network: Linear to 4·C, exact GELU, Linear back to C. */
class Mlp extends Module {
  readonly c_fc: Linear;
  readonly c_proj: Linear;
  readonly dropout: Dropout;

  constructor(config: GptConfig, options: GptOptions) {
    super();
    const { nEmbd, bias } = config;
    this.c_fc = new Linear(nEmbd, 4 * nEmbd, { bias, dtype: options.dtype });
    this.c_proj = new Linear(4 * nEmbd, nEmbd, { bias, dtype: options.dtype });
    this.dropout = new Dropout(config.dropout, { generator: options.generator });
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(gelu(this.c_fc.forward(x))));
  }
}

/** One pre-norm Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
class Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln_2: LayerNorm;
  readonly mlp: Mlp;

  constructor(config: GptConfig, options: GptOptions) {
    super();
    const norm = { bias: config.bias, dtype: options.dtype };
    this.ln_1 = new LayerNorm(config.nEmbd, norm);
    this.attn = new CausalSelfAttention(config, options);
    this.ln_2 = new LayerNorm(config.nEmbd, norm);
    this.mlp = new Mlp(config, options);
  }

  /** x [B·T, C] → [B·T, C]. */
  forward(x: Tensor, b: number, t: number, mask: Tensor): Tensor {
    const y = x.add(this.attn.forward(this.ln_1.forward(x), b, t, mask));
    return y.add(this.mlp.forward(this.ln_2.forward(y)));
  }
}

/** nanoGPT's `transformer` ModuleDict: wte, wpe, drop, h, ln_f (the order of its state dict). */
class Transformer extends Module {
  readonly wte: TokenTable;
  readonly wpe: TokenTable;
  readonly drop: Dropout;
  readonly h: ModuleList<Block>;
  readonly ln_f: LayerNorm;

  constructor(config: GptConfig, options: GptOptions) {
    super();
    const dtype = options.dtype ?? 'float32';
    this.wte = new TokenTable(config.vocabSize, config.nEmbd, dtype);
    this.wpe = new TokenTable(config.blockSize, config.nEmbd, dtype);
    this.drop = new Dropout(config.dropout, { generator: options.generator });
    this.h = new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config, options)));
    this.ln_f = new LayerNorm(config.nEmbd, { bias: config.bias, dtype });
  }

  forward(): never {
    throw new ValueError('Transformer: call Gpt.forward, which runs the blocks with the causal mask');
  }
}

/**
 * The GPT language model. `forward(ids)` maps int32 ids [B, T] (T ≤ blockSize) to logits
 * [B, T, vocabSize]; `loss(ids, targets)` is the mean cross-entropy of the next-token targets,
 * skipping targets equal to −1 (padding).
 *
 * @example
 * const model = new Gpt({ vocabSize: 27, blockSize: 16, nLayer: 4, nHead: 4, nEmbd: 64,
 *   dropout: 0, bias: true, tieWeights: false });
 * const logits = model.forward(ids); // [B, T, 27]
 */
export class Gpt extends Module {
  readonly transformer: Transformer;
  readonly lm_head: LmHead;
  readonly config: GptConfig;
  readonly dtype: DType;
  /** The additive causal masks and the position ids, by device and sequence length, built once. */
  readonly #masks = new Map<string, Tensor>();
  readonly #positions = new Map<string, Tensor>();

  constructor(config: GptConfig, options: GptOptions = {}) {
    super();
    checkGptConfig(config);
    this.config = { ...config };
    this.dtype = options.dtype ?? 'float32';
    this.transformer = new Transformer(config, options);
    const headWeight = config.tieWeights
      ? this.transformer.wte.weight
      : new Parameter(zeros([config.vocabSize, config.nEmbd], { dtype: this.dtype }));
    this.lm_head = new LmHead(headWeight);
    initGpt(this, options.generator);
  }

  /** int32 ids [B, T] → logits [B, T, vocabSize]. */
  forward(ids: Tensor): Tensor {
    const [b, t] = this.#checkIds('Gpt', ids);
    return this.#logits(ids).reshape(b, t, this.config.vocabSize);
  }

  /**
   * Logits [B·T, vocabSize]. The residual stream is kept as B·T rows of C: every Linear is then one
   * [B·T, C] product, and its weight gradient one product too (a [B, T, C] input would make B small
   * products and a [B, C, out] gradient summed over B).
   */
  #logits(ids: Tensor): Tensor {
    const [b, t] = ids.shape as [number, number];
    const tr = this.transformer;
    const tokens = tr.wte.forward(ids).reshape(b * t, this.config.nEmbd);
    const positions = tr.wpe.forward(this.#positionIds(t, ids.device)).repeat(b, 1);
    let x = tr.drop.forward(tokens.add(positions));
    const mask = this.#causalMask(t, ids.device);
    for (const block of tr.h) x = block.forward(x, b, t, mask);
    return this.lm_head.forward(tr.ln_f.forward(x));
  }

  /** Mean cross-entropy of `targets` [B, T] (int32; −1 marks a position to skip) under the logits of `ids`. */
  loss(ids: Tensor, targets: Tensor, reduction: 'mean' | 'sum' = 'mean'): Tensor {
    const [b, t] = this.#checkIds('Gpt.loss', ids);
    if (targets.ndim !== 2 || targets.shape[0] !== b || targets.shape[1] !== t) {
      throw new ShapeError(
        `Gpt.loss: targets of shape ${fmtShape(targets.shape)} should have the shape of the ids ${fmtShape(ids.shape)}`,
      );
    }
    return F.crossEntropy(this.#logits(ids), targets.reshape(-1), { ignoreIndex: -1, reduction });
  }

  /** The parameter count nanoGPT reports: every parameter once, the position embedding excluded. */
  numParametersNonEmbedding(): number {
    return this.numParameters() - this.transformer.wpe.weight.size;
  }

  /** [B, T] of the ids, checked: 2-D with 1 ≤ T ≤ blockSize. */
  #checkIds(op: string, ids: Tensor): [number, number] {
    if (ids.ndim !== 2 || ids.shape[1]! < 1 || ids.shape[1]! > this.config.blockSize) {
      throw new ShapeError(
        `${op}: expected int32 ids of shape [B, T] with 1 ≤ T ≤ blockSize = ${this.config.blockSize}, got ${fmtShape(ids.shape)}`,
      );
    }
    return ids.shape as [number, number];
  }

  #positionIds(t: number, device: Device): Tensor {
    let pos = this.#positions.get(`${device}:${t}`);
    if (pos === undefined) {
      pos = arange(t, undefined, 1, { dtype: 'int32', device });
      this.#positions.set(`${device}:${t}`, pos);
    }
    return pos;
  }

  #causalMask(t: number, device: Device): Tensor {
    let mask = this.#masks.get(`${device}:${t}`);
    if (mask === undefined) {
      const data = new Float64Array(t * t);
      for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = Number.NEGATIVE_INFINITY;
      mask = tensor(data, { shape: [t, t], dtype: this.dtype, device });
      this.#masks.set(`${device}:${t}`, mask);
    }
    return mask;
  }
}

/**
 * nanoGPT's initialisation: every Linear weight and embedding N(0, 0.02), biases 0, LayerNorms 1
 * and 0, and the residual projections (`c_proj`) N(0, 0.02/√(2·nLayer)).
 */
function initGpt(model: Gpt, generator: Generator | undefined): void {
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * model.config.nLayer);
  for (const [name, p] of model.namedParameters()) {
    if (name.endsWith('c_proj.weight')) init.normal(p, 0, residualStd, { generator });
    else if (name.endsWith('.bias')) init.zeros(p);
    else if (/\.ln_\d\.weight$|\.ln_f\.weight$/.test(name)) init.ones(p);
    else init.normal(p, 0, std, { generator });
  }
}

/**
 * nanoGPT's AdamW parameter groups: weight decay on every parameter of 2 or more dims (matrices and
 * embeddings), none on biases and LayerNorm gains.
 */
export function gptParamGroups(model: Gpt, weightDecay: number) {
  const params = model.parameters();
  return [
    { params: params.filter((p) => p.ndim >= 2), weightDecay },
    { params: params.filter((p) => p.ndim < 2), weightDecay: 0 },
  ];
}
