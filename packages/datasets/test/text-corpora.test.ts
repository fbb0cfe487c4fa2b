import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '@tsgrad/core';
import {
  BROWN_CATEGORIES,
  loadBrownCorpus,
  loadNames,
  loadTextFile,
  pythonShuffledOrder,
  untagBrownSentence,
} from '@tsgrad/datasets';
import { describe, expect, it } from 'vitest';

const PY_SEED_0 = [10, 18, 16, 14, 0, 17, 11, 2, 3, 9, 5, 7, 4, 19, 6, 15, 8, 1, 13, 12];
const PY_SEED_BIG = [1, 6, 0, 9, 8, 18, 13, 7, 4, 16, 15, 14, 5, 2, 17, 3, 11, 12, 10, 19];

describe('loadNames', () => {
  it('has the 8,403 unique lower-case names of the two stdlib lists, sorted', () => {
    const names = loadNames();
    expect(names.length).toBe(8403);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => /^[a-z]+$/.test(n))).toBe(true);
    expect([...names].sort()).toEqual(names);
    expect(names).toContain('emma');
    expect(names).toContain('aaron');
    // Hyphenated names are left out rather than glued together.
    expect(names).not.toContain('sheilakathryn');
  });

  it('splits 80/10/10 by default into disjoint parts that cover every name', () => {
    const [train, val, test] = (['train', 'val', 'test'] as const).map((split) => loadNames({ split }));
    expect([train!.length, val!.length, test!.length]).toEqual([6722, 840, 841]);
    const union = new Set([...train!, ...val!, ...test!]);
    expect(union.size).toBe(8403);
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    expect(loadNames({ split: 'val', seed: 7 })).toEqual(loadNames({ split: 'val', seed: 7 }));
    expect(loadNames({ split: 'val', seed: 7 })).not.toEqual(loadNames({ split: 'val', seed: 8 }));
  });

  it('supports a 90/10 split with an empty test set', () => {
    const train = loadNames({ split: 'train', ratios: [0.9, 0.1] });
    const val = loadNames({ split: 'val', ratios: [0.9, 0.1] });
    expect([train.length, val.length]).toEqual([7562, 841]);
    expect(loadNames({ split: 'test', ratios: [0.9, 0.1] })).toEqual([]);
  });

  it("is makemore's split: Python's random.seed(42); random.shuffle over the sorted names", () => {
    // python3 -c "import random; w = sorted(names); random.seed(42); random.shuffle(w); print(w[7562:7567])"
    expect(loadNames({ split: 'val', ratios: [0.9, 0.1] }).slice(0, 5)).toEqual([
      'michel',
      'tonye',
      'cookie',
      'keri',
      'bertie',
    ]);
  });

  it('rejects ratios that do not sum to 1 and unknown splits', () => {
    expect(() => loadNames({ ratios: [0.5, 0.1] })).toThrow(ValueError);
    expect(() => loadNames({ ratios: [0.5, 0.1] })).toThrow(/ratios .* got \[0.5, 0.1\]/);
    expect(() => loadNames({ ratios: [1.2, -0.2] })).toThrow(ValueError);
    expect(() => loadNames({ split: 'dev' as 'val' })).toThrow(/split must be .* got 'dev'/);
    expect(() => loadNames({ seed: -1 })).toThrow(/seed must be a non-negative integer, got -1/);
  });
});

describe('pythonShuffledOrder', () => {
  it("equals CPython's random.seed(seed); random.shuffle(list(range(n)))", () => {
    // Printed by CPython 3.11 for seeds 0 and 12345678901 (a seed of two 32-bit words).
    expect([...pythonShuffledOrder(20, 0)]).toEqual(PY_SEED_0);
    expect([...pythonShuffledOrder(20, 12345678901)]).toEqual(PY_SEED_BIG);
  });
});

describe('loadBrownCorpus', () => {
  it('has the 500 documents in 15 categories as plain text without tags', () => {
    const corpus = loadBrownCorpus();
    expect(corpus.documents.length).toBe(500);
    expect(corpus.categories).toEqual(BROWN_CATEGORIES);
    const words = corpus.text.split(/\s+/).length;
    expect(words).toBeGreaterThan(1_000_000);
    expect(words).toBeLessThan(1_100_000);
    expect(corpus.text.startsWith('The Fulton County Grand Jury said Friday an investigation')).toBe(true);
    expect(corpus.text).not.toMatch(/\/(at|nn|vbd|np-tl)\b/);
  });

  it('keeps only the chosen categories', () => {
    const news = loadBrownCorpus({ categories: ['news'] });
    expect(news.documents.length).toBe(44);
    expect(news.documents.every((d) => d.category === 'news')).toBe(true);
    expect(news.categories).toEqual(['news']);
  });

  it('rejects an unknown category, naming the valid ones', () => {
    expect(() => loadBrownCorpus({ categories: ['poetry'] })).toThrow(ValueError);
    expect(() => loadBrownCorpus({ categories: ['poetry'] })).toThrow(/'poetry'.*adventure, belles_lettres/);
  });

  it('strips tags and attaches punctuation and quotes', () => {
    expect(untagBrownSentence("\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, 1/2/cd ./.")).toBe(
      'The jury said "no evidence", 1/2.',
    );
  });
});

describe('loadTextFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgrad-text-'));

  it('reads UTF-8 and drops a byte-order mark', () => {
    const path = join(dir, 'a.txt');
    writeFileSync(path, '\ufeffhéllo\n');
    expect(loadTextFile(path)).toBe('héllo\n');
  });

  it('rejects an empty file and a missing one, naming the path', () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    expect(() => loadTextFile(empty)).toThrow(ValueError);
    expect(() => loadTextFile(empty)).toThrow(/empty\.txt' is empty/);
    expect(() => loadTextFile(join(dir, 'missing.txt'))).toThrow(/cannot read '.*missing\.txt'/);
  });
});
