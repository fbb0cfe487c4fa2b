/** Profiling aid: the scalar demo step alone (`node --cpu-prof` friendly). Not part of `pnpm bench`. */
import { benchScalar } from './scalar.js';

const r = benchScalar({ warmup: 2, reps: Number(process.argv[2] ?? 10), stepsPerRep: 3 });
console.log(
  `scalar demo step: median ${r.msPerStep.median.toFixed(2)} ms (min ${r.msPerStep.min.toFixed(2)}, max ${r.msPerStep.max.toFixed(2)})`,
);
