/**
 * Language-model batches from a token stream: random windows of `blockSize` tokens as inputs and
 * the same windows shifted by one as targets (nanoGPT's `get_batch`), and makemore's fixed-context
 * examples for word lists.
 */
import {
  DTypeError,
  defaultGenerator,
  fmtShape,
  type Generator,
  narrow,
  ShapeError,
  Tensor,
  ValueError,
} from '@tsgrad/core';
import type { Dataset } from '../dataset.js';
import type { CharTokenizer } from './tokenizer.js';

/** Token ids as a 1-D int32 tensor, or an Int32Array. */
export type Tokens = Tensor | Int32Array;

/** The contiguous int32 ids of `tokens`, sharing the tensor's buffer when it can. */
function tokenArray(op: string, tokens: Tokens): Int32Array {
  if (tokens instanceof Int32Array) return tokens;
  if (tokens.dtype !== 'int32') throw new DTypeError(`${op}: tokens must be int32, got ${tokens.dtype}`);
  if (tokens.ndim !== 1)
    throw new ShapeError(`${op}: tokens must be 1-D, got shape ${fmtShape(tokens.shape)}`);
  if (tokens.isContiguous) {
    const data = tokens.data as Int32Array;
    return data.subarray(tokens.offset, tokens.offset + tokens.size);
  }
  return tokens.toTypedArray() as Int32Array;
}

function checkPositiveInt(op: string, name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new ValueError(`${op}: ${name} must be a positive integer, got ${n}`);
}

/** Throws unless there is at least one window: blockSize + 1 tokens (the last target needs one more). */
function checkBlock(op: string, length: number, blockSize: number): void {
  checkPositiveInt(op, 'blockSize', blockSize);
  if (length < blockSize + 1) {
    throw new ValueError(
      `${op}: block size ${blockSize} is longer than the text allows: ${length} tokens give no window of ` +
        `${blockSize} inputs and ${blockSize} shifted targets (needs at least ${blockSize + 1} tokens)`,
    );
  }
}

/**
 * An endless stream of `[x, y]` batches: `x` is int32 `[batchSize, blockSize]` of windows starting
 * at random offsets drawn from `generator`, `y` is the same windows shifted by one token (the next
 * token of each position). Each batch copies only its own B·T ids, never the corpus. The same
 * generator state gives the same batches.
 *
 * @example
 * const text = loadNames({ split: 'train' }).join('.');
 * const tok = CharTokenizer.fit(text);
 * const batches = sequenceBatches(tok.encode(text), 64, 32, new Generator(0));
 * const [x, y] = batches.next().value!; // [32,64] each, y[b][t] === x[b][t + 1]
 */
export function* sequenceBatches(
  tokens: Tokens,
  blockSize: number,
  batchSize: number,
  generator: Generator = defaultGenerator,
): IterableIterator<[Tensor, Tensor]> {
  const ids = tokenArray('sequenceBatches', tokens);
  checkBlock('sequenceBatches', ids.length, blockSize);
  checkPositiveInt('sequenceBatches', 'batchSize', batchSize);
  const windows = ids.length - blockSize;
  for (;;) {
    const x = new Int32Array(batchSize * blockSize);
    const y = new Int32Array(batchSize * blockSize);
    for (let b = 0; b < batchSize; b++) {
      const start = generator.int(0, windows);
      x.set(ids.subarray(start, start + blockSize), b * blockSize);
      y.set(ids.subarray(start + 1, start + blockSize + 1), b * blockSize);
    }
    yield [new Tensor(x, [batchSize, blockSize]), new Tensor(y, [batchSize, blockSize])];
  }
}

/**
 * A map-style dataset of every window of a token stream: sample `i` is `[x, y]` with `x` the ids
 * `i … i+blockSize−1` and `y` the ids `i+1 … i+blockSize`, both int32 `[blockSize]` views of one
 * corpus tensor (no copy). Batch it with `DataLoader`.
 *
 * @example
 * const ds = new TextDataset(Int32Array.from([5, 1, 4, 2, 3]), 3);
 * ds.length; // 2
 * ds.get(1); // [x: [1, 4, 2], y: [4, 2, 3]]
 */
export class TextDataset implements Dataset<[Tensor, Tensor]> {
  /** The whole token stream, int32 `[n]`. */
  readonly tokens: Tensor;
  /** The length T of each window. */
  readonly blockSize: number;

  constructor(tokens: Tokens, blockSize: number) {
    const ids = tokenArray('TextDataset', tokens);
    checkBlock('TextDataset', ids.length, blockSize);
    this.tokens = new Tensor(ids, [ids.length]);
    this.blockSize = blockSize;
  }

  /** Number of windows: n − blockSize. */
  get length(): number {
    return this.tokens.shape[0]! - this.blockSize;
  }

  /** Window `index` and its next-token targets. */
  get(index: number): [Tensor, Tensor] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new ValueError(
        `TextDataset.get: index ${index} is out of range for a dataset of length ${this.length}`,
      );
    }
    return [narrow(this.tokens, 0, index, this.blockSize), narrow(this.tokens, 0, index + 1, this.blockSize)];
  }

  /** `batchSize` random windows as `[x, y]` int32 `[batchSize, blockSize]` (see `sequenceBatches`). */
  batches(batchSize: number, generator: Generator = defaultGenerator): IterableIterator<[Tensor, Tensor]> {
    return sequenceBatches(this.tokens, this.blockSize, batchSize, generator);
  }
}

/** makemore's examples: fixed-size contexts and the token that follows each. */
export interface ContextExamples {
  /** int32 `[N, blockSize]`: the `blockSize` previous tokens, padded with the special token. */
  inputs: Tensor;
  /** int32 `[N]`: the next token (the special token after the last character of a word). */
  targets: Tensor;
}

/**
 * makemore's `build_dataset`: for each word, every position's `blockSize` previous characters
 * (the special token before the word starts) and the character there, then the special token
 * as the end. A word of k characters gives k + 1 examples.
 *
 * @example
 * const tok = CharTokenizer.fit('ema', { special: '.' });
 * contextWindows(['emma'], tok, 3); // inputs ..., ..e, .em, emm, mma; targets e, m, m, a, .
 */
export function contextWindows(
  words: readonly string[],
  tokenizer: CharTokenizer,
  blockSize: number,
): ContextExamples {
  checkPositiveInt('contextWindows', 'blockSize', blockSize);
  const pad = tokenizer.specialId;
  if (pad === null) {
    throw new ValueError(
      'contextWindows: the tokenizer needs a special start/end token (fit it with { special })',
    );
  }
  const encoded = words.map((w) => tokenizer.encode(w));
  const n = encoded.reduce((sum, e) => sum + e.length + 1, 0);
  const inputs = new Int32Array(n * blockSize);
  const targets = new Int32Array(n);
  let row = 0;
  const context = new Int32Array(blockSize);
  for (const word of encoded) {
    context.fill(pad);
    for (let i = 0; i <= word.length; i++) {
      const next = i < word.length ? word[i]! : pad;
      inputs.set(context, row * blockSize);
      targets[row++] = next;
      context.copyWithin(0, 1);
      context[blockSize - 1] = next;
    }
  }
  return { inputs: new Tensor(inputs, [n, blockSize]), targets: new Tensor(targets, [n]) };
}
