import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator } from '@tsgrad/core';
import { loadSafetensors } from '@tsgrad/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateLoss, namesData } from '../src/gpt/data.js';
import { Gpt } from '../src/gpt/model.js';
import { warmupCosineLr } from '../src/gpt/schedule.js';
import { DEFAULTS, evaluateSaved, type GptRunConfig, parseGptArgs, trainGpt } from '../src/gpt.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the example's CLI as a user would, through tsx. */
function cli(args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'examples/src/gpt.ts', ...args],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
}

/** A model small enough to train in a second or two. */
const TINY: Partial<GptRunConfig> = {
  steps: 60,
  batchSize: 16,
  nLayer: 1,
  nHead: 2,
  nEmbd: 16,
  lr: 1e-2,
  warmup: 5,
  quiet: true,
};

describe('gpt: a smoke run on the names', () => {
  const out = mkdtempSync(join(tmpdir(), 'tsgrad-gpt-'));
  const smoke: GptRunConfig = { ...DEFAULTS, ...TINY, sample: 5, out };
  let metrics: ReturnType<typeof trainGpt>;
  const lines: string[] = [];

  beforeAll(() => {
    metrics = trainGpt(smoke, (line) => lines.push(line));
  }, 120_000);

  it('lowers the loss below the uniform guess and keeps lowering it', () => {
    const uniform = Math.log(27);
    const first = metrics.curve[0]!;
    const last = metrics.curve.at(-1)!;
    expect(metrics.curve).toHaveLength(10);
    expect(first.valLoss).toBeLessThan(uniform);
    expect(last.valLoss).toBeLessThan(first.valLoss - 0.1);
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(metrics.final.valLoss).toBe(last.valLoss);
    expect(metrics.final.trainLoss).toBeLessThan(uniform);
  });

  it('follows the warm-up and cosine schedule', () => {
    expect(metrics.curve[0]!.lr).toBeCloseTo(
      warmupCosineLr(5, { lr: 1e-2, minLr: 1e-3, warmup: 5, decaySteps: 60 }),
    );
    expect(metrics.curve.at(-1)!.lr).toBeCloseTo(
      warmupCosineLr(59, { lr: 1e-2, minLr: 1e-3, warmup: 5, decaySteps: 60 }),
    );
  });

  it('prints the losses and samples names of letters', () => {
    expect(lines.join('\n')).toMatch(
      /final: train loss \d\.\d{4} \(first 2,048 training names\), val loss \d\.\d{4}/,
    );
    expect(metrics.final.samples).toHaveLength(5);
    for (const name of metrics.final.samples) expect(name).toMatch(/^[a-z]{0,13}$/);
  });

  it('writes the checkpoint with nanoGPT keys, metrics.json and curves.svg', () => {
    const { tensors, metadata } = loadSafetensors(join(out, 'model.safetensors'));
    const block = ['ln_1', 'attn.c_attn', 'attn.c_proj', 'ln_2', 'mlp.c_fc', 'mlp.c_proj'].flatMap((m) => [
      `transformer.h.0.${m}.weight`,
      `transformer.h.0.${m}.bias`,
    ]);
    const expected = [
      'transformer.wte.weight',
      'transformer.wpe.weight',
      ...block,
      'transformer.ln_f.weight',
      'transformer.ln_f.bias',
      'lm_head.weight',
    ];
    expect(Object.keys(tensors).sort()).toEqual([...expected].sort());
    expect(tensors['transformer.h.0.attn.c_attn.weight']!.shape).toEqual([48, 16]);
    expect(tensors['transformer.wpe.weight']!.shape).toEqual([14, 16]);
    expect(metadata.vocab).toBe('.abcdefghijklmnopqrstuvwxyz');
    const saved = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(saved.final.valLoss).toBe(metrics.final.valLoss);
    expect(saved.config.steps).toBe(60);
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

describe('gpt: the model', () => {
  const config = { vocabSize: 27, blockSize: 14, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, bias: true };

  it('ties the head to the token embedding when asked, and both keys are saved', () => {
    const tied = new Gpt({ ...config, tieWeights: true }, { generator: new Generator(0) });
    const untied = new Gpt({ ...config, tieWeights: false }, { generator: new Generator(0) });
    expect(tied.lm_head.weight).toBe(tied.transformer.wte.weight);
    expect(untied.lm_head.weight).not.toBe(untied.transformer.wte.weight);
    expect(tied.numParameters()).toBe(untied.numParameters() - 27 * 8);
    expect(Object.keys(tied.stateDict())).toEqual(Object.keys(untied.stateDict()));
  });

  it('is causal: a later token does not change the logits of earlier positions', () => {
    const model = new Gpt({ ...config, tieWeights: false }, { generator: new Generator(1) });
    const data = namesData();
    const [x] = data.trainBatch(2, new Generator(3));
    const a = model.forward(x).toTypedArray();
    const changed = x.clone();
    const t = x.shape[1]!;
    changed.data[t - 1] = (changed.data[t - 1]! + 1) % 27;
    const b = model.forward(changed).toTypedArray();
    for (let i = 0; i < (t - 1) * 27; i++) expect(b[i]).toBe(a[i]);
    expect(b.slice((t - 1) * 27, t * 27)).not.toEqual(a.slice((t - 1) * 27, t * 27));
  });

  it('measures the val loss per predicted character, padding skipped', () => {
    const model = new Gpt({ ...config, tieWeights: false }, { generator: new Generator(2) });
    const data = namesData();
    let targets = 0;
    for (const [, y] of data.valBatches) for (const v of y.toTypedArray()) if (v !== -1) targets++;
    // Every character of the 841 val names and the end of each.
    const valNames = data.description.match(/(\d+) val names/)![1]!;
    expect(valNames).toBe('841');
    expect(targets).toBeGreaterThan(841 * 4);
    // A fresh model (weights N(0, 0.02)) is nearly uniform over the 27 characters.
    expect(evaluateLoss(model, data.valBatches)).toBeCloseTo(Math.log(27), 1);
  });
});

describe('gpt: a text file', () => {
  it('trains on random windows of the text and generates characters of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgrad-gpt-text-'));
    const file = join(dir, 'input.txt');
    writeFileSync(file, 'the cat sat on the mat. '.repeat(200));
    const metrics = trainGpt(
      { ...DEFAULTS, ...TINY, data: file, blockSize: 16, sample: 40, out: join(dir, 'run') },
      () => {},
    );
    expect(metrics.curve.at(-1)!.valLoss).toBeLessThan(metrics.curve[0]!.valLoss);
    expect(metrics.final.samples).toHaveLength(1);
    expect(metrics.final.samples[0]).toMatch(/^[the casonm.]{40}$/);
  });
});

describe('gpt: command line', () => {
  it('parses the flags', () => {
    const { config, evalPath } = parseGptArgs([
      '--steps',
      '500',
      '--seed',
      '3',
      '--n-layer',
      '2',
      '--dropout',
      '0.1',
      '--tie',
      '--sample',
      '0',
      '--temperature',
      '0.5',
      '--top-k',
      '4',
    ]);
    expect(config).toMatchObject({
      steps: 500,
      seed: 3,
      nLayer: 2,
      dropout: 0.1,
      tie: true,
      sample: 0,
      temperature: 0.5,
      topK: 4,
    });
    expect(evalPath).toBeNull();
    expect(parseGptArgs(['--eval', 'm.safetensors']).evalPath).toBe('m.safetensors');
    expect(
      parseGptArgs(['--dropout', '0', '--weight-decay', '0.0', '--grad-clip', '0']).config,
    ).toMatchObject({
      dropout: 0,
      weightDecay: 0,
      gradClip: 0,
    });
    expect(parseGptArgs(['--data', 'brown', '--block-size', '32']).config).toMatchObject({
      data: 'brown',
      blockSize: 32,
    });
  });

  it('rejects bad flags with a message', () => {
    expect(() => parseGptArgs(['--steps', '0'])).toThrow(/--steps: expected a positive integer, got '0'/);
    expect(() => parseGptArgs(['--n-embd', '30', '--n-head', '4'])).toThrow(/multiple of --n-head/);
    expect(() => parseGptArgs(['--dropout', '1'])).toThrow(/--dropout/);
    expect(() => parseGptArgs(['--dropout', '.'])).toThrow(/--dropout/);
    expect(() => parseGptArgs(['--grad-clip', '-1'])).toThrow(/--grad-clip/);
    expect(() => parseGptArgs(['--lr', '-1'])).toThrow(/--lr/);
    expect(() => parseGptArgs(['--data', '/no/such/file.txt'])).toThrow(/no such file/);
    expect(() => parseGptArgs(['--block-size', '8'])).toThrow(/longest name/);
    expect(() => parseGptArgs(['--bogus'])).toThrow(/bogus/);
  });

  it('exits 2 on a bad flag', () => {
    const run = cli(['--n-layer', 'many']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--n-layer: expected a positive integer, got 'many'");
  });
});
