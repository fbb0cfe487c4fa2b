import { parseArgs } from 'node:util';

/** A command-line error: the message is printed with the usage hint and the process exits with 2. */
export class UsageError extends Error {}

/** Parses a positive integer flag value, naming the flag when it is not one. */
export function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`--${flag}: expected a positive integer, got '${value}'`);
  }
  return n;
}

/** Parses a positive finite number flag value. */
export function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag}: expected a positive number, got '${value}'`);
  }
  return n;
}

/** Parses a non-negative integer flag value (seeds). */
export function nonNegativeInt(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new UsageError(`--${flag}: expected a non-negative integer, got '${value}'`);
  }
  return n;
}

/** Parses one of a fixed set of choices. */
export function choice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag}: expected one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/** Parses a comma-separated list of positive integers, e.g. `50,100`. */
export function intList(flag: string, value: string): number[] {
  const parts = value.split(',');
  if (parts.length === 0 || parts.some((p) => p.trim() === '')) {
    throw new UsageError(`--${flag}: expected comma-separated positive integers like 50,100, got '${value}'`);
  }
  return parts.map((p) => positiveInt(flag, p));
}

/** Parses argv strictly: an unknown flag or a missing value is a UsageError. */
export function parseFlags<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  argv: string[],
  options: T,
): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
