/** `CharTokenizer`: characters to integer ids and back, as makemore and nanoGPT's char models do. */
import { type Tensor, ValueError } from '@tsgrad/core';

/** Options of `CharTokenizer`. */
export interface CharTokenizerOptions {
  /**
   * A special start/end token given id 0, as makemore's `'.'` (one character that must not occur
   * in the text the tokenizer is fitted on). Default: none.
   */
  special?: string;
  /**
   * A character that stands for every character outside the vocabulary (added to the vocabulary
   * after the special token). Default: none, and an unknown character is an error.
   */
  unk?: string;
}

/** The characters of a string, by code point (so an emoji is one character, not two). */
function characters(text: string): string[] {
  return Array.from(text);
}

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return `${JSON.stringify(c)} (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * A character-level tokenizer. The vocabulary is the special token (if any, id 0), then the unk
 * character (if any), then the distinct characters of the text sorted by code point.
 *
 * @example
 * const tok = CharTokenizer.fit(loadNames().join(''), { special: '.' });
 * tok.vocabSize;                 // 27: '.', 'a'…'z'
 * tok.encode('emma');            // Int32Array [5, 13, 13, 1]
 * tok.decode([5, 13, 13, 1, 0]); // 'emma.'
 */
export class CharTokenizer {
  /** The tokens in id order. */
  readonly vocab: readonly string[];
  /** The special start/end token, or null. */
  readonly special: string | null;
  /** The unknown-character token, or null. */
  readonly unk: string | null;
  private readonly ids: Map<string, number>;

  /** A tokenizer over exactly the tokens `vocab`, in that order (no duplicates). */
  constructor(vocab: readonly string[], options: CharTokenizerOptions = {}) {
    if (vocab.length === 0) throw new ValueError('CharTokenizer: the vocabulary is empty');
    this.ids = new Map();
    vocab.forEach((c, i) => {
      if (characters(c).length !== 1) {
        throw new ValueError(`CharTokenizer: each token must be one character, got ${JSON.stringify(c)}`);
      }
      if (this.ids.has(c)) throw new ValueError(`CharTokenizer: token ${describeChar(c)} appears twice`);
      this.ids.set(c, i);
    });
    this.vocab = [...vocab];
    this.special = options.special ?? null;
    this.unk = options.unk ?? null;
    if (this.special !== null && this.special === this.unk) {
      throw new ValueError(
        `CharTokenizer: the special and unk tokens must differ, both are ${JSON.stringify(this.unk)}`,
      );
    }
    for (const [name, c] of [
      ['special', this.special],
      ['unk', this.unk],
    ] as const) {
      if (c !== null && !this.ids.has(c)) {
        throw new ValueError(
          `CharTokenizer: the ${name} token ${JSON.stringify(c)} is not in the vocabulary`,
        );
      }
    }
  }

  /**
   * Builds the vocabulary from a text (or several): its distinct characters sorted by code point,
   * after the special and unk tokens when given. An empty text is a ValueError, and so is a special
   * token that occurs in the text (it could not be told apart from the text's own character).
   */
  static fit(text: string | Iterable<string>, options: CharTokenizerOptions = {}): CharTokenizer {
    if (options.special !== undefined && options.special === options.unk) {
      throw new ValueError(
        `CharTokenizer.fit: the special and unk tokens must differ, both are ${JSON.stringify(options.unk)}`,
      );
    }
    const seen = new Set<string>();
    for (const part of typeof text === 'string' ? [text] : text) for (const c of part) seen.add(c);
    if (seen.size === 0) throw new ValueError('CharTokenizer.fit: the text is empty');
    const head: string[] = [];
    for (const [name, c] of [
      ['special', options.special],
      ['unk', options.unk],
    ] as const) {
      if (c === undefined) continue;
      if (characters(c).length !== 1) {
        throw new ValueError(
          `CharTokenizer.fit: the ${name} token must be one character, got ${JSON.stringify(c)}`,
        );
      }
      if (name === 'special' && seen.has(c)) {
        throw new ValueError(
          `CharTokenizer.fit: the special token ${describeChar(c)} occurs in the text; choose a character the text lacks`,
        );
      }
      if (!head.includes(c)) head.push(c);
      seen.delete(c);
    }
    const rest = [...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer([...head, ...rest], options);
  }

  /** Number of tokens. */
  get vocabSize(): number {
    return this.vocab.length;
  }

  /** The id of the special token (0 when it was given to `fit`), or null. */
  get specialId(): number | null {
    return this.special === null ? null : this.ids.get(this.special)!;
  }

  /** The id of the unk token, or null. */
  get unkId(): number | null {
    return this.unk === null ? null : this.ids.get(this.unk)!;
  }

  /** The id of each character of `text`; an unknown character maps to unk, or is a ValueError. */
  encode(text: string): Int32Array {
    const chars = characters(text);
    const out = new Int32Array(chars.length);
    const unkId = this.unkId;
    for (let i = 0; i < chars.length; i++) {
      const id = this.ids.get(chars[i]!);
      if (id !== undefined) out[i] = id;
      else if (unkId !== null) out[i] = unkId;
      else {
        throw new ValueError(
          `CharTokenizer.encode: character ${describeChar(chars[i]!)} at index ${i} is not in the vocabulary ` +
            `of ${this.vocabSize} characters; fit on a text that has it, or pass unk`,
        );
      }
    }
    return out;
  }

  /** The text of a sequence of ids (an array, typed array, or 1-D int tensor). */
  decode(ids: ArrayLike<number> | Tensor): string {
    const values: ArrayLike<number> = isTensor(ids) ? ids.toTypedArray() : ids;
    let out = '';
    for (let i = 0; i < values.length; i++) {
      const id = values[i]!;
      const token = Number.isInteger(id) ? this.vocab[id] : undefined;
      if (token === undefined) {
        throw new ValueError(
          `CharTokenizer.decode: id ${id} at index ${i} is outside the vocabulary [0, ${this.vocabSize})`,
        );
      }
      out += token;
    }
    return out;
  }
}

function isTensor(x: ArrayLike<number> | Tensor): x is Tensor {
  return typeof (x as Tensor).toTypedArray === 'function';
}
