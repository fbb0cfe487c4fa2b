/**
 * Section: the LeNet training step of the MNIST CNN job (packages/nn's `LeNet`, 8 and 16
 * channels, 56,042 parameters), batch 64, Adam lr 1e-3, cross-entropy, on real MNIST.
 */
import { Generator, setNumThreads, tensor } from '@tsgrad/core';
import { Adam, F, LeNet } from '@tsgrad/nn';
import type { MnistBatchSource } from './mnist-data.js';
import type { Trainer } from './train.js';

/** Images per LeNet step. */
export const LENET_BATCH = 64;
/** Adam's learning rate. */
export const LENET_LR = 1e-3;

/** A parameter's name, shape and initial values (what PyTorch loads to start from the same weights). */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The initial LeNet parameters for `seed`, in `namedParameters()` order. */
export function lenetInitialParameters(seed: number): NamedArray[] {
  return new LeNet({ generator: new Generator(seed) }).namedParameters().map(([name, p]) => ({
    name,
    shape: [...p.shape],
    data: Float32Array.from(p.toTypedArray() as Float32Array),
  }));
}

/**
 * tsgrad's LeNet step on `threads` threads (undefined: the default, all cores), from the
 * parameters `init`; batch i is images [64·i, 64·(i+1)) modulo the data.
 */
export function lenetTrainer(
  init: readonly NamedArray[],
  data: MnistBatchSource,
  threads: number,
  name: string,
): Trainer {
  const model = new LeNet({ generator: new Generator(0) });
  const byName = new Map(init.map((p) => [p.name, p]));
  for (const [pname, p] of model.namedParameters()) (p.data as Float32Array).set(byName.get(pname)!.data);
  const optimizer = new Adam(model.parameters(), { lr: LENET_LR });
  const batches = Math.floor(data.count / LENET_BATCH);
  return {
    name,
    activate: async () => setNumThreads(threads),
    weights: () => model.parameters().map((p) => Float32Array.from(p.toTypedArray() as Float32Array)),
    step(batch: number): number {
      const off = (batch % batches) * LENET_BATCH;
      const x = tensor(data.images.subarray(off * 784, (off + LENET_BATCH) * 784), {
        shape: [LENET_BATCH, 1, 28, 28],
      });
      const y = tensor(data.labels.subarray(off, off + LENET_BATCH), { shape: [LENET_BATCH] });
      const loss = F.crossEntropy(model.call(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.item();
    },
  };
}
