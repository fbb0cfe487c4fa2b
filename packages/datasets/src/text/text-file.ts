/** `loadTextFile`: a user's own text, read as UTF-8, for the tokenizer and the sequence batches. */
import { readFileSync } from 'node:fs';
import { ValueError } from '@tsgrad/core';

/**
 * Reads a UTF-8 text file (a leading byte-order mark is dropped). An unreadable path or an empty
 * file is a ValueError naming the path.
 *
 * @example
 * writeFileSync('input.txt', 'First Citizen:\nBefore we proceed any further, hear me speak.\n');
 * const text = loadTextFile('input.txt');
 */
export function loadTextFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValueError(`loadTextFile: cannot read '${path}': ${(error as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) throw new ValueError(`loadTextFile: '${path}' is empty`);
  return text;
}
