import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, randn, type Tensor } from '@tsgrad/core';
import {
  Adagrad,
  Adam,
  CosineAnnealingLR,
  GRU,
  Linear,
  LinearLR,
  type LRScheduler,
  LSTM,
  loadCheckpoint,
  Module,
  mseLoss,
  OneCycleLR,
  type Optimizer,
  type OptimizerOptions,
  ReduceLROnPlateau,
  RMSprop,
  type Scheduler,
  SequentialLR,
  saveCheckpoint,
} from '@tsgrad/nn';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tsgrad-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sequence regressor: a recurrent layer, then a linear head on the last step. */
class Regressor extends Module {
  readonly rnn: LSTM | GRU;
  readonly head: Linear;
  constructor(kind: 'lstm' | 'gru', generator: Generator) {
    super();
    this.rnn =
      kind === 'lstm'
        ? new LSTM(2, 5, { numLayers: 2, generator, dtype: 'float64' })
        : new GRU(2, 5, { bidirectional: true, generator, dtype: 'float64' });
    this.head = new Linear(kind === 'lstm' ? 5 : 10, 1, { generator, dtype: 'float64' });
  }
  forward(x: Tensor): Tensor {
    const output = this.rnn instanceof LSTM ? this.rnn.forward(x)[0] : this.rnn.forward(x)[0];
    return this.head.forward(output.select(0, output.shape[0]! - 1));
  }
}

interface Run {
  model: Regressor;
  optimizer: Optimizer<OptimizerOptions>;
  scheduler: Scheduler;
  losses: number[];
}

type Setup = () => Run;

const data = new Generator(21);
const batches: [Tensor, Tensor][] = Array.from({ length: 20 }, () => [
  randn([4, 3, 2], { generator: data, dtype: 'float64' }),
  randn([3, 1], { generator: data, dtype: 'float64' }),
]);

function train(run: Run, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const [x, y] = batches[i]!;
    const loss = mseLoss(run.model.forward(x), y);
    run.optimizer.zeroGrad();
    loss.backward();
    run.optimizer.step();
    if (run.scheduler instanceof ReduceLROnPlateau) run.scheduler.step(loss.item());
    else (run.scheduler as LRScheduler | SequentialLR).step();
    run.losses.push(loss.item());
  }
}

const snapshot = (run: Run) => ({
  weights: Object.values(run.model.stateDict()).map((t) => Array.from(t.toTypedArray())),
  lrs: run.optimizer.paramGroups.map((g) => g.lr),
  groups: JSON.stringify(run.optimizer.stateDict().paramGroups),
  scheduler: JSON.stringify(run.scheduler.stateDict()),
});

const setups: Record<string, Setup> = {
  'Adam + OneCycleLR (β₁ cycled), LSTM': () => {
    const model = new Regressor('lstm', new Generator(3));
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const scheduler = new OneCycleLR(optimizer, { maxLr: 0.05, totalSteps: 20 });
    return { model, optimizer: optimizer as Optimizer<OptimizerOptions>, scheduler, losses: [] };
  },
  'RMSprop (centered, momentum) + SequentialLR warm-up then cosine, bidirectional GRU': () => {
    const model = new Regressor('gru', new Generator(4));
    const optimizer = new RMSprop(model.parameters(), { lr: 0.01, momentum: 0.5, centered: true });
    const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 6 });
    const decay = new CosineAnnealingLR(optimizer, { tMax: 14 });
    const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, decay], milestones: [6] });
    return { model, optimizer: optimizer as Optimizer<OptimizerOptions>, scheduler, losses: [] };
  },
  'Adagrad + ReduceLROnPlateau, LSTM': () => {
    const model = new Regressor('lstm', new Generator(5));
    const optimizer = new Adagrad(model.parameters(), { lr: 0.1, lrDecay: 0.01 });
    const scheduler = new ReduceLROnPlateau(optimizer, { patience: 1, factor: 0.5 });
    return { model, optimizer: optimizer as Optimizer<OptimizerOptions>, scheduler, losses: [] };
  },
};

describe('resume: 10 steps, checkpoint, fresh objects, 10 more steps equal 20 straight steps bit for bit', () => {
  for (const [name, setup] of Object.entries(setups)) {
    it(name, () => {
      const straight = setup();
      train(straight, 0, 20);

      const first = setup();
      train(first, 0, 10);
      const path = join(dir, `${name.replace(/\W+/g, '-')}.safetensors`);
      saveCheckpoint(path, {
        model: first.model,
        optimizer: first.optimizer,
        scheduler: first.scheduler,
        epoch: 10,
      });

      const fresh = setup();
      const loaded = loadCheckpoint(path, fresh);
      expect(loaded.epoch).toBe(10);
      expect(loaded.scheduler).not.toBeNull();
      expect(snapshot(fresh)).toEqual(snapshot(first));
      fresh.losses.push(...first.losses);
      train(fresh, 10, 20);
      expect(fresh.losses).toEqual(straight.losses);
      expect(snapshot(fresh)).toEqual(snapshot(straight));
      // The run changed something: the lr moved and the loss is not constant.
      expect(new Set(straight.losses).size).toBeGreaterThan(1);
    });
  }

  it('OneCycleLR cycles Adam’s β₁ and the checkpoint carries it', () => {
    const run = setups['Adam + OneCycleLR (β₁ cycled), LSTM']!();
    const beta1 = () => (run.optimizer.paramGroups[0] as unknown as { betas: [number, number] }).betas[0];
    expect(beta1()).toBe(0.95);
    train(run, 0, 6);
    expect(beta1()).toBeLessThan(0.95);
    const path = join(dir, 'betas.safetensors');
    saveCheckpoint(path, { model: run.model, optimizer: run.optimizer, scheduler: run.scheduler });
    const { optimizer } = loadCheckpoint(path);
    expect((optimizer!.paramGroups[0] as unknown as { betas: [number, number] }).betas[0]).toBe(beta1());
  });
});
