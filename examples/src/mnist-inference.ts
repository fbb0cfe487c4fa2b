/**
 * Inference with a trained model: load the weights `pnpm start` saved, classify a few test
 * images, and print each as ASCII art with its predicted and true label.
 *
 *   pnpm start                                   # trains and writes runs/mlp-sigmoid-seed0/
 *   pnpm mnist-inference [path/to/model.safetensors] [count]
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { noGrad, type Tensor, TsgradError } from '@tsgrad/core';
import { loadMnist } from '@tsgrad/datasets';
import { loadSafetensors } from '@tsgrad/nn';
import { modelFromMetadata } from './mnist.js';

const SHADES = ' .:-=+*#%@';

/** A 28×28 image (values in [0, 1]) as 28 lines of ASCII art, two characters per pixel. */
export function asciiArt(pixels: ArrayLike<number>, width = 28): string {
  const lines: string[] = [];
  for (let r = 0; r < pixels.length / width; r++) {
    let line = '';
    for (let c = 0; c < width; c++) {
      const v = Math.min(Math.max(pixels[r * width + c]!, 0), 1);
      const ch = SHADES[Math.min(SHADES.length - 1, Math.floor(v * SHADES.length))]!;
      line += ch + ch;
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

/** Classifies the first `count` test images with the saved model; returns predictions and labels. */
export function classify(path: string, count: number) {
  const { tensors, metadata } = loadSafetensors(path);
  const model = modelFromMetadata(metadata, `'${path}'`);
  model.loadStateDict(tensors);
  model.eval();
  const normalize = metadata.normalize === 'standardize' ? 'standardize' : 'scale';
  const test = loadMnist({ split: 'test', flatten: true, normalize });
  const images: Tensor = test.images.narrow(0, 0, count);
  const pixels = loadMnist({ split: 'test', flatten: true, limit: count }).images;
  const probabilities = noGrad(() => model.forward(images).softmax(1));
  const predicted = probabilities.argmax(1).toTypedArray();
  const confidence = probabilities.amax(1).toTypedArray();
  const labels = test.labels.narrow(0, 0, count).toTypedArray();
  return { images: pixels, predicted, confidence, labels };
}

function main(): void {
  const path = process.argv[2] ?? 'runs/mlp-sigmoid-seed0/model.safetensors';
  const count = Number(process.argv[3] ?? 5);
  if (!existsSync(path)) {
    console.error(`No model at ${path}. Train one first with \`pnpm start\`, or pass a path.`);
    process.exitCode = 2;
    return;
  }
  if (!Number.isInteger(count) || count < 1 || count > 10000) {
    console.error(`count must be an integer in 1..10000, got '${process.argv[3]}'`);
    process.exitCode = 2;
    return;
  }
  let result: ReturnType<typeof classify>;
  try {
    result = classify(path, count);
  } catch (error) {
    if (!(error instanceof TsgradError)) throw error;
    console.error(`error: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  const { images, predicted, confidence, labels } = result;
  for (let i = 0; i < count; i++) {
    const pixels = images.narrow(0, i, 1).toTypedArray();
    const verdict = predicted[i] === labels[i] ? 'correct' : 'WRONG';
    console.log(asciiArt(pixels));
    console.log(
      `test image ${i}: predicted ${predicted[i]} (${(confidence[i]! * 100).toFixed(1)} %), true ${labels[i]} — ${verdict}\n`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
