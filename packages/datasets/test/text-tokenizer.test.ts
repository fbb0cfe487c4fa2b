import { tensor, ValueError } from '@tsgrad/core';
import { CharTokenizer } from '@tsgrad/datasets';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('CharTokenizer', () => {
  it('sorts the characters by code point after the special token, as makemore', () => {
    const tok = CharTokenizer.fit(['emma', 'olivia', 'ava'], { special: '.' });
    expect(tok.vocab).toEqual(['.', 'a', 'e', 'i', 'l', 'm', 'o', 'v']);
    expect(tok.vocabSize).toBe(8);
    expect(tok.specialId).toBe(0);
    expect([...tok.encode('emma')]).toEqual([2, 5, 5, 1]);
    expect(tok.decode([2, 5, 5, 1, 0])).toBe('emma.');
    expect(tok.decode(tensor(new Int32Array([6, 4]), { shape: [2] }))).toBe('ol');
  });

  it('round-trips any string over its vocabulary (decode ∘ encode = id)', () => {
    const alphabet = ['a', 'b', 'Z', ' ', '\n', 'é', '😀', '中'];
    const tok = CharTokenizer.fit(alphabet.join(''));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }), (chars) => {
        const text = chars.join('');
        const ids = tok.encode(text);
        expect(ids.length).toBe(chars.length);
        expect(tok.decode(ids)).toBe(text);
      }),
    );
  });

  it('round-trips ids (encode ∘ decode = id) over random id sequences', () => {
    const tok = CharTokenizer.fit('hello world', { special: '.' });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: tok.vocabSize - 1 }), { maxLength: 40 }), (ids) => {
        const text = tok.decode(ids);
        expect([...tok.encode(text)]).toEqual(ids);
      }),
    );
  });

  it('rejects a character outside the vocabulary, naming it and its position', () => {
    const tok = CharTokenizer.fit('abc');
    expect(() => tok.encode('abx')).toThrow(ValueError);
    expect(() => tok.encode('abx')).toThrow(
      /character "x" \(U\+0078\) at index 2 is not in the vocabulary of 3/,
    );
  });

  it('maps unknown characters to unk when asked', () => {
    const tok = CharTokenizer.fit('abc', { unk: '?' });
    expect(tok.vocab).toEqual(['?', 'a', 'b', 'c']);
    expect([...tok.encode('axc')]).toEqual([1, 0, 3]);
    expect(tok.decode(tok.encode('axc'))).toBe('a?c');
  });

  it('rejects an empty text, a special token that occurs in the text, and bad ids', () => {
    expect(() => CharTokenizer.fit('')).toThrow(/the text is empty/);
    expect(() => CharTokenizer.fit([])).toThrow(ValueError);
    expect(() => CharTokenizer.fit('a.b', { special: '.' })).toThrow(
      /special token "\." .* occurs in the text/,
    );
    expect(() => CharTokenizer.fit('ab', { special: '?', unk: '?' })).toThrow(
      /special and unk tokens must differ/,
    );
    const tok = CharTokenizer.fit('ab');
    expect(() => tok.decode([0, 2])).toThrow(/id 2 at index 1 is outside the vocabulary \[0, 2\)/);
    expect(() => tok.decode([0.5])).toThrow(ValueError);
  });
});
