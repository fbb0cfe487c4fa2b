import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, Generator, randn, type Tensor, ValueError } from '@tsgrad/core';
import {
  Adam,
  CosineAnnealingLR,
  Linear,
  loadCheckpoint,
  mseLoss,
  ReLU,
  Sequential,
  saveCheckpoint,
  saveSafetensors,
} from '@tsgrad/nn';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tsgrad-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small model, its Adam optimizer and a cosine schedule, all from one seed. */
function setup() {
  const generator = new Generator(3);
  const model = new Sequential(new Linear(4, 8, { generator }), new ReLU(), new Linear(8, 2, { generator }));
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: 20 });
  return { model, optimizer, scheduler };
}

const data = new Generator(11);
const batches: [Tensor, Tensor][] = Array.from({ length: 20 }, () => [
  randn([5, 4], { generator: data }),
  randn([5, 2], { generator: data }),
]);

function train(s: ReturnType<typeof setup>, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const [x, y] = batches[i]!;
    const loss = mseLoss(s.model.forward(x), y);
    s.optimizer.zeroGrad();
    loss.backward();
    s.optimizer.step();
    s.scheduler.step();
  }
}

const weights = (s: ReturnType<typeof setup>) =>
  Object.values(s.model.stateDict()).map((t) => Array.from(t.toTypedArray()));

describe('saveCheckpoint / loadCheckpoint (#18.9)', () => {
  it('10 steps, a checkpoint, a load into fresh objects and 10 more steps equal 20 straight steps, bit for bit', () => {
    const straight = setup();
    train(straight, 0, 20);

    const first = setup();
    train(first, 0, 10);
    const path = join(dir, 'resume.safetensors');
    saveCheckpoint(path, { ...first, epoch: 10, note: 'half way' });

    const fresh = setup();
    const loaded = loadCheckpoint(path, fresh);
    expect(loaded.epoch).toBe(10);
    expect(loaded.extra).toEqual({ note: 'half way' });
    expect(fresh.scheduler.lastEpoch).toBe(10);
    train(fresh, 10, 20);
    expect(weights(fresh)).toEqual(weights(straight));
    expect(fresh.optimizer.paramGroups[0]!.lr).toBe(straight.optimizer.paramGroups[0]!.lr);
  });

  it('stores the model and the optimizer tensors in one safetensors file, atomically', () => {
    const s = setup();
    train(s, 0, 2);
    const path = join(dir, 'one.safetensors');
    saveCheckpoint(path, { ...s, epoch: 1 });
    const { model, optimizer } = loadCheckpoint(path);
    expect(Object.keys(model).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(optimizer!.state[0]!.step).toBe(2);
    expect((optimizer!.state[0]!.expAvg as Tensor).shape).toEqual([8, 4]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects extras JSON cannot keep, naming the field', () => {
    const s = setup();
    expect(() => saveCheckpoint(join(dir, 'bad.safetensors'), { ...s, loss: Number.NaN })).toThrow(
      "saveCheckpoint: extra holds NaN at 'loss'",
    );
  });

  it('a missing file is a ValueError, a plain safetensors file or garbage a FormatError naming the file', () => {
    expect(() => loadCheckpoint(join(dir, 'nope.safetensors'))).toThrow(ValueError);
    const plain = join(dir, 'plain.safetensors');
    saveSafetensors(setup().model.stateDict(), plain);
    expect(() => loadCheckpoint(plain)).toThrow(FormatError);
    expect(() => loadCheckpoint(plain)).toThrow('plain.safetensors');
    const garbage = join(dir, 'garbage.safetensors');
    writeFileSync(garbage, 'not a checkpoint');
    expect(() => loadCheckpoint(garbage)).toThrow(/garbage\.safetensors/);
  });

  it('loading into a model of another shape names the checkpoint', () => {
    const path = join(dir, 'shape.safetensors');
    saveCheckpoint(path, setup());
    const other = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
    expect(() => loadCheckpoint(path, { model: other })).toThrow(
      /loadCheckpoint\(.*shape\.safetensors\): model/,
    );
  });
});
