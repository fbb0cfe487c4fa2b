/**
 * The data of `pnpm gpt`: the English first names (one name per row, as makemore's Transformer
 * sees them) or a text (the Brown corpus or a user's file, as nanoGPT's random windows).
 */
import { type Generator, noGrad, type Tensor, tensor, ValueError } from '@tsgrad/core';
import { CharTokenizer, loadBrownCorpus, loadNames, loadTextFile, sequenceBatches } from '@tsgrad/datasets';
import { SPLIT_RATIOS, SPLIT_SEED } from '../makemore.js';
import type { Gpt } from './model.js';

/** A batch: int32 inputs [B, T] and next-token targets [B, T] (−1 where there is nothing to predict). */
export type Batch = [Tensor, Tensor];

/** What the training loop needs from a data set. */
export interface GptData {
  /** `names`, `brown`, or the path of the text file. */
  source: string;
  /** One line saying what was loaded. */
  description: string;
  tokenizer: CharTokenizer;
  /** Context length the model must hold. */
  blockSize: number;
  /** A random training batch of `batchSize` rows drawn with `generator`. */
  trainBatch(batchSize: number, generator: Generator): Batch;
  /** Fixed batches that cover the val split (names) or fixed windows of it (text). */
  valBatches: Batch[];
  /** The same over part of the training split (2,048 names or 512 windows), for the final train loss. */
  trainEvalBatches: Batch[];
  /** The token a sample starts from: '.' for names, a newline (or id 0) for text. */
  startId: number;
}

/** Rows per evaluation batch. */
const EVAL_ROWS = 256;
/** Training names the final train loss is measured on (all 7,562 would cost a tenth of the run). */
export const TRAIN_EVAL_NAMES = 2048;
/** Windows of the val (and train) text the text losses are measured on, evenly spaced. */
export const TEXT_EVAL_WINDOWS = 512;

/**
 * The names as makemore's Transformer reads them: row x = [., c1 … cn, pad…], y = [c1 … cn, ., −1…].
 * The split is makemore's (`pnpm makemore`'s 90/10, seed 42), so the val loss is the same
 * per-character NLL that the MLP reports: every character and the end of every val name, each
 * predicted from the whole name before it.
 */
export function namesData(): GptData {
  const train = loadNames({ split: 'train', ratios: SPLIT_RATIOS, seed: SPLIT_SEED });
  const val = loadNames({ split: 'val', ratios: SPLIT_RATIOS, seed: SPLIT_SEED });
  const all = loadNames();
  const tokenizer = CharTokenizer.fit(all, { special: '.' });
  const blockSize = Math.max(...all.map((n) => n.length)) + 1;
  const encodedTrain = train.map((n) => tokenizer.encode(n));
  const rows = (names: readonly Int32Array[], t: number): Batch => {
    const x = new Int32Array(names.length * t);
    const y = new Int32Array(names.length * t).fill(-1);
    names.forEach((ids, r) => {
      x.set(ids, r * t + 1);
      y.set(ids, r * t);
      y[r * t + ids.length] = 0;
    });
    return [tensor(x, { shape: [names.length, t] }), tensor(y, { shape: [names.length, t] })];
  };
  // Each batch is only as long as its longest name + 1: the rest would be padding.
  const chunks = (names: readonly Int32Array[]): Batch[] => {
    const out: Batch[] = [];
    for (let i = 0; i < names.length; i += EVAL_ROWS) {
      const part = names.slice(i, i + EVAL_ROWS);
      out.push(rows(part, Math.max(...part.map((n) => n.length)) + 1));
    }
    return out;
  };
  return {
    source: 'names',
    description: `names: ${train.length} training and ${val.length} val names (makemore's 90/10 split), vocabulary ${tokenizer.vocabSize}, block ${blockSize}`,
    tokenizer,
    blockSize,
    trainBatch(batchSize, generator) {
      const picked: Int32Array[] = [];
      for (let b = 0; b < batchSize; b++) picked.push(encodedTrain[generator.int(0, encodedTrain.length)]!);
      return rows(picked, Math.max(...picked.map((n) => n.length)) + 1);
    },
    valBatches: chunks(val.map((n) => tokenizer.encode(n))),
    trainEvalBatches: chunks(encodedTrain.slice(0, TRAIN_EVAL_NAMES)),
    startId: 0,
  };
}

/**
 * A text as nanoGPT's character models read it: the first 90 % of the characters to train on
 * (random windows of `blockSize`), the last 10 % to validate on (`TEXT_EVAL_WINDOWS` evenly spaced
 * windows, the same in every run).
 */
export function textData(source: string, text: string, blockSize: number): GptData {
  const tokenizer = CharTokenizer.fit(text);
  const ids = tokenizer.encode(text);
  const cut = Math.floor(ids.length * 0.9);
  const trainIds = ids.subarray(0, cut);
  const valIds = ids.subarray(cut);
  const windows = (part: Int32Array): Batch[] => {
    const span = part.length - blockSize - 1;
    if (span < 0) return [];
    const count = Math.min(TEXT_EVAL_WINDOWS, span + 1);
    const out: Batch[] = [];
    for (let first = 0; first < count; first += EVAL_ROWS) {
      const n = Math.min(EVAL_ROWS, count - first);
      const x = new Int32Array(n * blockSize);
      const y = new Int32Array(n * blockSize);
      for (let r = 0; r < n; r++) {
        const start = count === 1 ? 0 : Math.floor(((first + r) * span) / (count - 1));
        x.set(part.subarray(start, start + blockSize), r * blockSize);
        y.set(part.subarray(start + 1, start + blockSize + 1), r * blockSize);
      }
      out.push([tensor(x, { shape: [n, blockSize] }), tensor(y, { shape: [n, blockSize] })]);
    }
    return out;
  };
  const valBatches = windows(valIds);
  if (valBatches.length === 0) {
    throw new ValueError(
      `gpt: the text has ${ids.length} characters: its last 10 % (${valIds.length}) is shorter than block ${blockSize} + 1`,
    );
  }
  let stream: IterableIterator<Batch> | null = null;
  let streamKey: [number, Generator] | null = null;
  const newline = tokenizer.vocab.indexOf('\n');
  return {
    source,
    description: `${source}: ${trainIds.length.toLocaleString('en-US')} training and ${valIds.length.toLocaleString('en-US')} val characters, vocabulary ${tokenizer.vocabSize}, block ${blockSize}`,
    tokenizer,
    blockSize,
    trainBatch(batchSize, generator) {
      if (stream === null || streamKey![0] !== batchSize || streamKey![1] !== generator) {
        stream = sequenceBatches(trainIds, blockSize, batchSize, generator);
        streamKey = [batchSize, generator];
      }
      return stream.next().value as Batch;
    },
    valBatches,
    trainEvalBatches: windows(trainIds),
    startId: Math.max(newline, 0),
  };
}

/** Loads `names`, `brown` (the whole Brown corpus) or a UTF-8 text file. */
export function loadGptData(source: string, textBlockSize: number): GptData {
  if (source === 'names') return namesData();
  if (source === 'brown') return textData('brown', loadBrownCorpus().text, textBlockSize);
  return textData(source, loadTextFile(source), textBlockSize);
}

/** Mean cross-entropy per predicted token over `batches`, without a graph (the model in eval mode). */
export function evaluateLoss(model: Gpt, batches: readonly Batch[]): number {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      let sum = 0;
      let count = 0;
      for (const [x, y] of batches) {
        sum += model.loss(x, y, 'sum').item();
        const targets = y.toTypedArray();
        for (let i = 0; i < targets.length; i++) if (targets[i] !== -1) count++;
      }
      return sum / count;
    });
  } finally {
    model.train(wasTraining);
  }
}
