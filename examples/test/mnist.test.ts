import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '@tsgrad/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, evaluateSaved, type MnistMetrics, parseMnistArgs, trainMnist } from '../src/mnist.js';
import { asciiArt, classify } from '../src/mnist-inference.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the main job's CLI as a user would, through tsx. */
function cli(args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'examples/src/mnist.ts', ...args],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
}

describe('MNIST main job: a smoke run', () => {
  const out = mkdtempSync(join(tmpdir(), 'tsgrad-mnist-'));
  const smoke = {
    ...DEFAULTS,
    epochs: 1,
    limit: 2000,
    testLimit: 1000,
    batchSize: 16,
    lr: 0.01,
    schedule: 'constant' as const,
    out,
    quiet: true,
  };
  let metrics: MnistMetrics;
  const lines: string[] = [];

  beforeAll(async () => {
    const run = await trainMnist(smoke, (line) => lines.push(line));
    if (run.status !== 'done') throw new Error('the smoke run did not finish');
    metrics = run.metrics;
  });

  it('beats 80 % on 1,000 test images after one epoch on 2,000 training images', () => {
    expect(metrics.final.testAccuracy).toBeGreaterThan(0.8);
    expect(metrics.epochs).toHaveLength(1);
  });

  it('counts the article network’s 45,360 parameters', () => {
    expect(metrics.final.parameters).toBe(45_360);
    expect(lines.join('\n')).toContain('parameters: 45,360');
  });

  it('writes the model, metrics and curves, and the metrics agree with the printed figures', () => {
    const saved = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(saved.final.testAccuracy).toBe(metrics.final.testAccuracy);
    expect(saved.final.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(1000);
    expect(saved.config.batchSize).toBe(16);
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('polyline');
    const { tensors } = loadSafetensors(join(out, 'model.safetensors'));
    expect(Object.keys(tensors).sort()).toEqual([
      '0.bias',
      '0.weight',
      '2.bias',
      '2.weight',
      '4.bias',
      '4.weight',
    ]);
    expect(tensors['0.weight']!.shape).toEqual([50, 784]);
    expect(tensors['4.weight']!.shape).toEqual([10, 100]);
  });

  it('--eval on the saved file reproduces the accuracy of the training run', () => {
    const result = evaluateSaved(join(out, 'model.safetensors'), 1000);
    expect(result.accuracy).toBe(metrics.final.testAccuracy);
  });

  it('is deterministic for a seed: the same metrics twice', async () => {
    const run = await trainMnist({ ...smoke, out: mkdtempSync(join(tmpdir(), 'tsgrad-mnist-')) }, () => {});
    if (run.status !== 'done') throw new Error('the second run did not finish');
    const again = run.metrics;
    const strip = (m: typeof metrics) => ({
      epochs: m.epochs.map(({ seconds: _s, ...rest }) => rest),
      accuracy: m.final.testAccuracy,
      matrix: m.final.confusionMatrix,
    });
    expect(strip(again)).toEqual(strip(metrics));
  });

  it('the inference example classifies saved-model images like the evaluation does', () => {
    const { predicted, labels } = classify(join(out, 'model.safetensors'), 20);
    let correct = 0;
    for (let i = 0; i < 20; i++) if (predicted[i] === labels[i]) correct++;
    // The evaluation path (--eval) on the same 20 test images counts the same correct answers.
    const evaluated = evaluateSaved(join(out, 'model.safetensors'), 20);
    expect(evaluated.accuracy).toBeCloseTo(correct / 20, 12);
    expect(correct).toBeGreaterThanOrEqual(14);
    expect(labels[0]).toBe(7);
    const art = asciiArt(new Float32Array(784).fill(1));
    expect(art.split('\n')).toHaveLength(28);
    expect(art.split('\n')[0]).toBe('@'.repeat(56));
  });
});

describe('MNIST main job: the command line', () => {
  it('parses every documented flag', () => {
    const { config, evalPath } = parseMnistArgs([
      '--epochs',
      '3',
      '--batch-size',
      '64',
      '--lr',
      '0.5',
      '--optimizer',
      'sgd',
      '--activation',
      'relu',
      '--hidden',
      '128,64,32',
      '--seed',
      '7',
      '--out',
      'x',
      '--limit',
      '100',
    ]);
    expect(config).toMatchObject({
      epochs: 3,
      batchSize: 64,
      lr: 0.5,
      optimizer: 'sgd',
      activation: 'relu',
      hidden: [128, 64, 32],
      seed: 7,
      out: 'x',
      limit: 100,
    });
    expect(evalPath).toBeNull();
    expect(parseMnistArgs(['--eval', 'm.safetensors']).evalPath).toBe('m.safetensors');
  });

  it.each([
    [['--bogus'], /bogus/],
    [['--epochs', '0'], /--epochs: expected a positive integer, got '0'/],
    [['--lr', 'fast'], /--lr: expected a positive decimal number, got 'fast'/],
    [['--optimizer', 'rmsprop'], /--optimizer: expected one of sgd, adam, got 'rmsprop'/],
    [['--hidden', '50,,100'], /--hidden/],
  ])('rejects %j with a clear message and exit code 2', (args, message) => {
    const run = cli(args as string[]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message as RegExp);
  });

  it('--help prints the options and exits 0', () => {
    const run = cli(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--batch-size');
    expect(run.stdout).toContain('--eval PATH');
  });
});
