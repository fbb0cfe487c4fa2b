import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator } from '@tsgrad/core';
import { loadSafetensors } from '@tsgrad/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  drawFromLogits,
  evaluateSaved,
  type MakemoreConfig,
  parseMakemoreArgs,
  trainMakemore,
} from '../src/makemore.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the example's CLI as a user would, through tsx. */
function cli(args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'examples/src/makemore.ts', ...args],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
}

describe('makemore: a smoke run', () => {
  const out = mkdtempSync(join(tmpdir(), 'tsgrad-makemore-'));
  const smoke: MakemoreConfig = {
    ...DEFAULTS,
    steps: 400,
    hidden: 32,
    embedding: 4,
    sample: 5,
    out,
    quiet: true,
  };
  let metrics: ReturnType<typeof trainMakemore>;
  const lines: string[] = [];

  beforeAll(() => {
    metrics = trainMakemore(smoke, (line) => lines.push(line));
  });

  it('lowers the loss below the uniform guess and keeps falling', () => {
    const uniform = Math.log(27);
    const first = metrics.curve[0]!;
    const last = metrics.curve.at(-1)!;
    expect(metrics.curve).toHaveLength(10);
    expect(first.valLoss).toBeLessThan(uniform);
    expect(last.valLoss).toBeLessThan(first.valLoss);
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(metrics.final.valLoss).toBe(last.valLoss);
  });

  it('computes the bigram baseline of the 90/10 split', () => {
    // The PyTorch reference: 2.43; examples/python/makemore_reference.json has 2.42991.
    expect(metrics.final.bigramValLoss).toBeCloseTo(2.42991, 5);
    expect(lines.join('\n')).toContain('bigram baseline: val loss 2.4299');
  });

  it('samples names of letters', () => {
    expect(metrics.final.samples).toHaveLength(5);
    for (const name of metrics.final.samples) expect(name).toMatch(/^[a-z]*$/);
  });

  it('writes the checkpoint with PyTorch keys, metrics.json and curves.svg', () => {
    const { tensors, metadata } = loadSafetensors(join(out, 'model.safetensors'));
    expect(Object.keys(tensors).sort()).toEqual([
      'mlp.0.bias',
      'mlp.0.weight',
      'mlp.2.bias',
      'mlp.2.weight',
      'wte.weight',
    ]);
    expect(tensors['wte.weight']!.shape).toEqual([27, 4]);
    expect(tensors['mlp.0.weight']!.shape).toEqual([32, 12]);
    expect(metadata.vocab).toBe('.abcdefghijklmnopqrstuvwxyz');
    const saved = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(saved.final.valLoss).toBe(metrics.final.valLoss);
    expect(saved.config.steps).toBe(400);
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });

  it('loads the checkpoint back to the same val loss, in process and with --eval', () => {
    const again = evaluateSaved(join(out, 'model.safetensors'), { ...smoke, sample: 0 });
    expect(again.valLoss).toBe(metrics.final.valLoss);
    const run = cli(['--eval', join(out, 'model.safetensors'), '--sample', '3']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`val loss: ${metrics.final.valLoss.toFixed(4)}`);
    expect(run.stdout.match(/^ {2}[a-z]*$/gm)).toHaveLength(3);
  });
});

describe('makemore: command line', () => {
  it('parses the flags', () => {
    const { config, evalPath } = parseMakemoreArgs([
      '--steps',
      '500',
      '--seed',
      '3',
      '--sample',
      '0',
      '--temperature',
      '0.5',
      '--top-k',
      '4',
    ]);
    expect(config).toMatchObject({ steps: 500, seed: 3, sample: 0, temperature: 0.5, topK: 4 });
    expect(evalPath).toBeNull();
    expect(parseMakemoreArgs(['--eval', 'm.safetensors']).evalPath).toBe('m.safetensors');
  });

  it('rejects bad flags with a message', () => {
    expect(() => parseMakemoreArgs(['--steps', '0'])).toThrow(
      /--steps: expected a positive integer, got '0'/,
    );
    expect(() => parseMakemoreArgs(['--temperature', '-1'])).toThrow(/--temperature/);
    expect(() => parseMakemoreArgs(['--top-k', 'all'])).toThrow(/--top-k/);
    expect(() => parseMakemoreArgs(['--bogus'])).toThrow(/bogus/);
  });

  it('exits 2 on a bad flag', () => {
    const run = cli(['--steps', 'many']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--steps: expected a positive integer, got 'many'");
  });
});

describe('makemore: sampling', () => {
  const logits = [0.5, 3, 1, -2];

  it('with top-k 1 always draws the most likely character', () => {
    const g = new Generator(0);
    for (let i = 0; i < 50; i++) expect(drawFromLogits(logits, 4, 1, 1, g)).toBe(1);
  });

  it('draws with the softmax probabilities', () => {
    const g = new Generator(1);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[drawFromLogits(logits, 4, 1, null, g)]!++;
    const z = logits.reduce((s, v) => s + Math.exp(v), 0);
    for (let i = 0; i < 4; i++) expect(counts[i]! / n).toBeCloseTo(Math.exp(logits[i]!) / z, 2);
  });

  it('never draws outside the top k', () => {
    const g = new Generator(2);
    for (let i = 0; i < 500; i++) expect([1, 2]).toContain(drawFromLogits(logits, 4, 2, 2, g));
  });
});
