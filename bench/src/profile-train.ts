/** Profiling aid: runs tsgrad's training step alone (`node --cpu-prof` friendly). Not part of `pnpm bench`. */
import { getNumThreads } from '@tsgrad/core';
import { loadTrainImages } from './mnist-data.js';
import { now, summarize } from './stats.js';
import { initialWeights, tsgradTrainer } from './train.js';

const steps = Number(process.argv[2] ?? 200);
const data = loadTrainImages(steps * 100);
const trainer = tsgradTrainer(initialWeights(42), data, getNumThreads());
await trainer.activate();
const times: number[] = [];
let loss = 0;
for (let i = 0; i < steps; i++) {
  const t0 = now();
  loss = trainer.step(i);
  times.push(now() - t0);
}
const s = summarize(times.slice(Math.floor(steps / 5)));
console.log(
  `tsgrad step: median ${s.median.toFixed(2)} ms (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}), final loss ${loss.toFixed(4)}`,
);
