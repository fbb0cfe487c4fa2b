import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError, Generator, tensor } from '@tsgrad/core';
import { loadCheckpoint, loadSafetensors, saveSafetensors } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  DEFAULTS,
  EXIT_DIVERGED,
  evaluateSaved,
  JobError,
  type MnistConfig,
  modelFromMetadata,
  parseMnistArgs,
  prepareOutDir,
  trainMnist,
} from '../src/mnist.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', '--conditions=source', 'examples/src/mnist.ts'];
const temp = () => mkdtempSync(join(tmpdir(), 'tsgrad-mnist-faults-'));

/** Runs the job's CLI as a user would, through tsx. */
function cli(args: string[]) {
  return spawnSync(process.execPath, [...CLI, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

const small: MnistConfig = {
  ...DEFAULTS,
  epochs: 2,
  limit: 600,
  testLimit: 200,
  batchSize: 20,
  lr: 0.01,
  quiet: true,
  out: '',
};

/** The run's figures without wall-clock times. */
function figures(out: string) {
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  return {
    epochs: metrics.epochs.map(({ seconds: _s, ...rest }: { seconds: number }) => rest),
    final: metrics.final.testAccuracy,
    weights: Object.fromEntries(
      Object.entries(loadSafetensors(join(out, 'model.safetensors')).tensors).map(([k, t]) => [
        k,
        Array.from(t.toTypedArray()),
      ]),
    ),
  };
}

describe('--out is checked before training (#18.6)', () => {
  it('a folder that cannot be created is a JobError with exit code 2, not a hang', () => {
    expect(() => prepareOutDir('/proc/nope/run')).toThrow(JobError);
    try {
      prepareOutDir('/proc/nope/run');
    } catch (error) {
      expect((error as JobError).exitCode).toBe(2);
      expect((error as Error).message).toContain('--out /proc/nope/run: cannot create the folder /proc/nope');
    }
  });

  it('an existing file as --out (or as a parent) is a JobError naming it', () => {
    const file = join(temp(), 'a-file');
    writeFileSync(file, 'x');
    expect(() => prepareOutDir(file)).toThrow(`${file} is a file, not a folder`);
    expect(() => prepareOutDir(join(file, 'sub'))).toThrow(`${file} is a file, not a folder`);
  });

  it('missing folders are created and the probe file is removed', () => {
    const dir = join(temp(), 'a', 'b');
    prepareOutDir(dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the CLI exits 2 with a message before loading any data or training', () => {
    const run = cli(['--out', '/proc/nope', '--epochs', '1', '--limit', '100', '--quiet']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('error: --out /proc/nope: cannot create the folder');
    expect(run.stdout).not.toContain('epoch');
  });
});

describe('a diverging run stops (#18.7)', () => {
  const diverging: MnistConfig = {
    ...small,
    optimizer: 'sgd',
    activation: 'relu',
    lr: 1e6,
    schedule: 'constant',
  };

  it('a NaN loss is a JobError with exit code 3 and no model is written', async () => {
    const out = temp();
    let caught: unknown;
    try {
      await trainMnist({ ...diverging, out }, () => {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(JobError);
    expect((caught as JobError).exitCode).toBe(EXIT_DIVERGED);
    expect((caught as Error).message).toMatch(/training diverged: the loss is (NaN|Infinity)/);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
  });

  it('the last good checkpoint is kept and holds finite weights', async () => {
    const out = temp();
    // One good epoch at a sane lr, then a resumed epoch cannot diverge it: check the kept file instead.
    await trainMnist({ ...small, epochs: 1, out }, () => {});
    const before = readFileSync(join(out, 'checkpoint.safetensors'));
    await expect(trainMnist({ ...diverging, out }, () => {})).rejects.toThrow(JobError);
    const after = readFileSync(join(out, 'checkpoint.safetensors'));
    expect(after.equals(before)).toBe(true);
  });

  it('--allow-nonfinite trains on and saves, with a warning', async () => {
    const out = temp();
    const lines: string[] = [];
    const run = await trainMnist({ ...diverging, epochs: 1, out, allowNonfinite: true }, (l) =>
      lines.push(l),
    );
    expect(run.status).toBe('done');
    expect(lines.join('\n')).toContain('holds NaN or Infinity; saving anyway (--allow-nonfinite)');
    expect(() => evaluateSaved(join(out, 'model.safetensors'), 10)).toThrow(FormatError);
  });

  it('the CLI exits 3 with the message', () => {
    const out = temp();
    const run = cli([
      '--optimizer',
      'sgd',
      '--activation',
      'relu',
      '--lr',
      '1e6',
      '--limit',
      '400',
      '--epochs',
      '1',
      '--quiet',
      '--out',
      out,
    ]);
    expect(run.status).toBe(EXIT_DIVERGED);
    expect(run.stderr).toMatch(/error: training diverged/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('writes are atomic (#18.8)', () => {
  it('a finished run leaves no temporary files beside its outputs', async () => {
    const out = temp();
    await trainMnist({ ...small, epochs: 1, out }, () => {});
    expect(readdirSync(out).sort()).toEqual([
      'checkpoint.safetensors',
      'curves.svg',
      'metrics.json',
      'model.safetensors',
    ]);
  });
});

describe('checkpoints and --resume (#18.9)', () => {
  it('an interrupted run resumed from its checkpoint ends bit for bit like a straight run', async () => {
    const straight = temp();
    await trainMnist({ ...small, out: straight }, () => {});

    const out = temp();
    let steps = 0;
    const stopped = await trainMnist({ ...small, out }, () => {}, { shouldStop: () => ++steps === 45 });
    expect(stopped).toMatchObject({ status: 'interrupted', epoch: 2, step: 15 });
    expect(loadCheckpoint(join(out, 'checkpoint.safetensors')).epoch).toBe(1);
    const resumed = await trainMnist({ ...DEFAULTS, quiet: true, out }, () => {}, {
      resume: join(out, 'checkpoint.safetensors'),
    });
    expect(resumed.status).toBe('done');
    expect(figures(out)).toEqual(figures(straight));
  });

  it('a per-epoch checkpoint resumes exactly too', async () => {
    const straight = temp();
    await trainMnist({ ...small, out: straight }, () => {});
    const out = temp();
    const kept = join(temp(), 'epoch1.safetensors');
    let steps = 0;
    // At the first step of epoch 2, keep a copy of the checkpoint written at the end of epoch 1.
    await trainMnist({ ...small, out }, () => {}, {
      shouldStop: () => {
        if (++steps !== 31) return false;
        copyFileSync(join(out, 'checkpoint.safetensors'), kept);
        return true;
      },
    });
    expect(loadCheckpoint(kept).extra.run).toMatchObject({ epoch: 2, step: 0 });
    await trainMnist({ ...DEFAULTS, quiet: true, out }, () => {}, { resume: kept });
    expect(figures(out)).toEqual(figures(straight));
  });

  it('SIGINT finishes the step, writes a checkpoint and exits 130', async () => {
    const out = temp();
    const child = spawn(
      process.execPath,
      [...CLI, '--limit', '6000', '--epochs', '3', '--batch-size', '8', '--quiet', '--out', out],
      { cwd: root },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((done) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('data:')) setTimeout(() => child.kill('SIGINT'), 300);
      });
      child.on('exit', (c) => done(c));
    });
    expect(stderr).toContain('interrupt: finishing the current step');
    expect(code).toBe(130);
    expect(stdout).toContain('--resume');
    const saved = loadCheckpoint(join(out, 'checkpoint.safetensors'));
    expect((saved.extra.run as { step: number }).step).toBeGreaterThan(0);
  }, 60_000);

  it('--resume of a file that is not a checkpoint exits 2 with a message', () => {
    const dir = temp();
    const file = join(dir, 'plain.safetensors');
    saveSafetensors({ w: tensor([1]) }, file);
    const run = cli(['--resume', file, '--quiet']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('error: --resume: loadCheckpoint');
    expect(run.stderr).toContain('plain.safetensors');
  });
});

describe('--eval and flag values (#18.10)', () => {
  it('--eval on a missing file exits 2 with a message, no stack trace', () => {
    const run = cli(['--eval', '/nonexistent/model.safetensors']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      "error: --eval: loadSafetensors: cannot read '/nonexistent/model.safetensors'",
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--eval on a corrupt file exits 2 with a message naming it', () => {
    const file = join(temp(), 'corrupt.safetensors');
    writeFileSync(file, 'this is not safetensors');
    const run = cli(['--eval', file]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('corrupt.safetensors');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('the inference example reports a corrupt file with exit code 2, no stack trace', () => {
    const file = join(temp(), 'bad.safetensors');
    saveSafetensors({ w: tensor([1]) }, file, { hidden: '50,x' });
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', 'examples/src/mnist-inference.ts', file, '2'],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`error: '${file}': metadata 'hidden' is "50,x"`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad metadata value names the file and the key', () => {
    expect(() => modelFromMetadata({ hidden: '50,x' }, "'m.safetensors'")).toThrow(
      `'m.safetensors': metadata 'hidden' is "50,x", expected comma-separated positive integers`,
    );
    expect(() => modelFromMetadata({ activation: 'tanh' }, 'f')).toThrow("metadata 'activation'");
    expect(() => modelFromMetadata({ model: 'rnn' }, 'f')).toThrow("metadata 'model'");
  });

  it.each([
    [['--lr', '0x10'], "--lr: expected a positive decimal number, got '0x10'"],
    [['--lr', 'Infinity'], "--lr: expected a positive decimal number, got 'Infinity'"],
    [['--epochs', '-1'], "--epochs: expected a positive integer, got '-1'"],
    [['--seed', '-3'], "--seed: expected a non-negative integer, got '-3'"],
    [['--seed', '1.5'], "--seed: expected a non-negative integer, got '1.5'"],
    [
      ['--eval', 'm.safetensors', '--epochs', '99'],
      '--eval evaluates saved weights and takes no training flags; drop --epochs',
    ],
    [
      ['--resume', 'c.safetensors', '--lr', '0.1'],
      '--resume continues a run with the settings saved in its checkpoint; drop --lr',
    ],
  ])('parseMnistArgs(%j) is a usage error: %s', (args, message) => {
    expect(() => parseMnistArgs(args)).toThrow(message);
  });

  it('--seed 4294967296 initialises other weights than --seed 0 (#18.4)', () => {
    const weights = (seed: number) =>
      Array.from(
        buildModel(DEFAULTS, new Generator(seed)).stateDict()['0.weight']!.toTypedArray().slice(0, 8),
      );
    expect(weights(4294967296)).not.toEqual(weights(0));
    expect(weights(0)).toEqual(weights(0));
  });

  it('decimal forms of --lr are accepted, and a 2^32 seed is kept whole', () => {
    expect(parseMnistArgs(['--lr', '.5']).config.lr).toBe(0.5);
    expect(parseMnistArgs(['--lr', '1e-3']).config.lr).toBe(0.001);
    expect(parseMnistArgs(['--seed', '4294967296']).config.seed).toBe(4294967296);
  });

  it('the CLI reports --epochs -1 with its own message and exit code 2', () => {
    const run = cli(['--epochs', '-1']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--epochs: expected a positive integer, got '-1'");
  });
});
