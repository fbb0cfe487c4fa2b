/**
 * Small synthetic datasets for the examples and tests, as plain arrays: `x` has one row per
 * sample (`x[i]` is the feature vector of sample i) and `y` one label or target per sample.
 * Random sets take a `Generator` (default: the global one), so a run repeats exactly.
 */
import { defaultGenerator, type Generator, ValueError } from '@tsgrad/core';

/** Samples as rows: `x` is n × features, `y` has length n. */
export interface SyntheticData {
  /** The inputs, one row of features per sample. */
  x: number[][];
  /** The target of each sample. */
  y: number[];
}

/** The two-input logic gates of the article. */
export type LogicGate = 'and' | 'or' | 'nand' | 'nor' | 'xor';

const gateTables: Record<LogicGate, number[]> = {
  and: [0, 0, 0, 1],
  or: [0, 1, 1, 1],
  nand: [1, 1, 1, 0],
  nor: [1, 0, 0, 0],
  xor: [0, 1, 1, 0],
};

/**
 * The truth table of a gate: `x` is the 4 × 2 inputs [0,0], [0,1], [1,0], [1,1] and `y` the 4
 * outputs (0 or 1).
 *
 * @example
 * const { x, y } = logicGate('xor'); // x [[0, 0], [0, 1], [1, 0], [1, 1]], y [0, 1, 1, 0]
 */
export function logicGate(gate: LogicGate): SyntheticData {
  if (!Object.hasOwn(gateTables, gate)) {
    throw new ValueError(
      `logicGate: unknown gate ${JSON.stringify(gate)} (expected and, or, nand, nor or xor)`,
    );
  }
  return {
    x: [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ],
    y: [...gateTables[gate]],
  };
}

/** Options for `makeMoons`. */
export interface MoonsOptions {
  /** Standard deviation of Gaussian noise added to each coordinate (default 0). */
  noise?: number;
  /** Shuffle the samples (default true); unshuffled, the outer moon comes first. */
  shuffle?: boolean;
  /** The random generator (default: the global one, see `manualSeed`). */
  generator?: Generator;
}

/**
 * Two interleaving half circles, like scikit-learn's `make_moons`: `x` is n × 2, `y` is 0 for
 * the upper (outer) moon, ⌊n/2⌋ points, and 1 for the lower (inner) one, ⌈n/2⌉ points.
 *
 * @example
 * const { x, y } = makeMoons(100, { noise: 0.1, generator: new Generator(0) }); // x 100 × 2, y 0 or 1
 */
export function makeMoons(n: number, options: MoonsOptions = {}): SyntheticData {
  checkCount('makeMoons', 'n', n);
  const noise = checkNoise('makeMoons', options.noise);
  const gen = options.generator ?? defaultGenerator;
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < nOut; i++) {
    const t = nOut > 1 ? (Math.PI * i) / (nOut - 1) : 0;
    x.push([Math.cos(t), Math.sin(t)]);
    y.push(0);
  }
  for (let i = 0; i < nIn; i++) {
    const t = nIn > 1 ? (Math.PI * i) / (nIn - 1) : 0;
    x.push([1 - Math.cos(t), 1 - Math.sin(t) - 0.5]);
    y.push(1);
  }
  const data = options.shuffle === false ? { x, y } : permute({ x, y }, gen);
  if (noise > 0)
    for (const row of data.x) for (let j = 0; j < row.length; j++) row[j] += gen.normal(0, noise);
  return data;
}

/** Options for `makeSpirals`. */
export interface SpiralsOptions {
  /** Number of arms, one class each (default 2). */
  classes?: number;
  /** Standard deviation of Gaussian noise added to each point's angle, in radians (default 0). */
  noise?: number;
  /** Shuffle the samples (default true); unshuffled, they come class by class. */
  shuffle?: boolean;
  /** The random generator (default: the global one, see `manualSeed`). */
  generator?: Generator;
}

/**
 * Interleaved spiral arms (the CS231n toy set): `x` is n × 2 inside the unit disc, `y` the arm
 * 0..classes−1. The n points are split as evenly as possible, earlier classes taking the extra.
 * Along each arm the radius grows from 0 to 1 while the angle turns by 4 radians.
 *
 * @example
 * const { x, y } = makeSpirals(300, { classes: 3, noise: 0.2 }); // x 300 × 2, y in 0..2, 100 per class
 */
export function makeSpirals(n: number, options: SpiralsOptions = {}): SyntheticData {
  checkCount('makeSpirals', 'n', n);
  const classes = options.classes ?? 2;
  checkCount('makeSpirals', 'classes', classes);
  const noise = checkNoise('makeSpirals', options.noise);
  const gen = options.generator ?? defaultGenerator;
  const x: number[][] = [];
  const y: number[] = [];
  for (let k = 0; k < classes; k++) {
    const count = Math.floor(n / classes) + (k < n % classes ? 1 : 0);
    for (let i = 0; i < count; i++) {
      const r = count > 1 ? i / (count - 1) : 0;
      const t = (2 * Math.PI * k) / classes + 4 * r + (noise > 0 ? gen.normal(0, noise) : 0);
      x.push([r * Math.sin(t), r * Math.cos(t)]);
      y.push(k);
    }
  }
  return options.shuffle === false ? { x, y } : permute({ x, y }, gen);
}

/** Options for `makeLinear`. */
export interface LinearOptions {
  /** Slope (default 2). */
  a?: number;
  /** Intercept (default 1). */
  b?: number;
  /** Standard deviation of Gaussian noise added to y (default 0). */
  noise?: number;
  /** x is uniform in [low, high) (default [−1, 1)). */
  xRange?: readonly [number, number];
  /** The random generator (default: the global one, see `manualSeed`). */
  generator?: Generator;
}

/**
 * Noisy points on a line, y = a·x + b + noise: `x` is n × 1, `y` has length n.
 *
 * @example
 * const { x, y } = makeLinear(50, { a: 3, b: -1, noise: 0.1 }); // x 50 × 1, y ≈ 3x − 1
 */
export function makeLinear(n: number, options: LinearOptions = {}): SyntheticData {
  checkCount('makeLinear', 'n', n);
  const a = options.a ?? 2;
  const b = options.b ?? 1;
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    throw new ValueError(`makeLinear: a and b must be finite, got a = ${a}, b = ${b}`);
  }
  const noise = checkNoise('makeLinear', options.noise);
  const [low, high] = options.xRange ?? [-1, 1];
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) {
    throw new ValueError(`makeLinear: xRange must be finite with low < high, got [${low}, ${high}]`);
  }
  const gen = options.generator ?? defaultGenerator;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const xi = gen.uniform(low, high);
    x.push([xi]);
    y.push(a * xi + b + (noise > 0 ? gen.normal(0, noise) : 0));
  }
  return { x, y };
}

function permute(data: SyntheticData, gen: Generator): SyntheticData {
  const p = gen.permutation(data.y.length);
  const x: number[][] = [];
  const y: number[] = [];
  for (const i of p) {
    x.push(data.x[i]!);
    y.push(data.y[i]!);
  }
  return { x, y };
}

function checkCount(where: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new ValueError(`${where}: ${name} must be a positive integer, got ${n}`);
}

function checkNoise(where: string, noise: number | undefined): number {
  const s = noise ?? 0;
  if (!Number.isFinite(s) || s < 0) throw new ValueError(`${where}: noise must be finite and ≥ 0, got ${s}`);
  return s;
}
