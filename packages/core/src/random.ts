import { ValueError } from './errors.js';

/** A generator's state: the four xoshiro128** words and the cached second normal sample. */
export interface GeneratorState {
  /** The four 32-bit words of the xoshiro128** state. */
  words: number[];
  /** The second sample of the last Box–Muller pair, or null when none is cached. */
  spareNormal: number | null;
}

/**
 * A seedable pseudo-random generator (xoshiro128**, seeded through splitmix32), so that a run
 * can be repeated exactly. `manualSeed(n)` reseeds the global generator.
 *
 * @example
 * const g = new Generator(42);
 * const a = randn([3], { generator: g });
 * g.manualSeed(42);
 * const b = randn([3], { generator: g }); // the same three samples as a
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /**
   * Resets the state from a seed; the same seed gives the same stream. A seed is an integer in
   * 0..2^53-1 (`Number.MAX_SAFE_INTEGER`); all of its bits count, so 2^32 and 0 differ. NaN,
   * fractions, negatives and unsafe integers are a ValueError.
   */
  manualSeed(seed: number): this {
    const low = checkSeed('manualSeed', seed) % 0x100000000;
    const high = Math.floor(seed / 0x100000000);
    const stream = (start: number): (() => number) => {
      let x = start;
      return (): number => {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        return (z ^ (z >>> 16)) >>> 0;
      };
    };
    const next = stream((low ^ 0x9e3779b9) >>> 0);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
    if (high !== 0) {
      // The high 21 bits mix in through a second stream, so seeds below 2^32 keep their old streams.
      const more = stream((high ^ 0x7f4a7c15) >>> 0);
      this.s0 = (this.s0 ^ more()) >>> 0;
      this.s1 = (this.s1 ^ more()) >>> 0;
      this.s2 = (this.s2 ^ more()) >>> 0;
      this.s3 = ((this.s3 ^ more()) | 1) >>> 0;
    }
    this.spareNormal = null;
    return this;
  }

  /** The full state (for checkpoints): restoring it with `setState` continues the same stream. */
  getState(): GeneratorState {
    return {
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spareNormal,
    };
  }

  /** Restores a state from `getState` (a ValueError when it is not one). */
  setState(state: GeneratorState): this {
    const words = state?.words;
    const ok =
      Array.isArray(words) &&
      words.length === 4 &&
      words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      words.some((w) => w !== 0) &&
      (state.spareNormal === null || typeof state.spareNormal === 'number');
    if (!ok)
      throw new ValueError('Generator.setState: expected { words: four uint32 (not all 0), spareNormal }');
    [this.s0, this.s1, this.s2, this.s3] = words;
    this.spareNormal = state.spareNormal;
    return this;
  }

  /** A uniformly random 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform float in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** A standard normal sample (Box–Muller, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  int(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/**
 * Returns `seed` when it is an integer in 0..Number.MAX_SAFE_INTEGER; otherwise a ValueError
 * naming `op` (NaN, fractions and negatives are never rounded or wrapped to another seed).
 *
 * @example
 * checkSeed('myOp', 42); // 42; -1, 0.5 or NaN throw a ValueError naming myOp
 */
export function checkSeed(op: string, seed: unknown): number {
  if (typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0) return seed;
  const shown = typeof seed === 'string' ? JSON.stringify(seed) : String(seed);
  throw new ValueError(`${op}: seed must be an integer in 0..${Number.MAX_SAFE_INTEGER}, got ${shown}`);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The global generator used when none is passed. */
export const defaultGenerator = new Generator(0);

/**
 * Reseeds the global generator, as `torch.manual_seed` does.
 *
 * @example
 * manualSeed(0);
 * const a = rand([3]);
 * manualSeed(0);
 * const b = rand([3]); // the same values as a
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
