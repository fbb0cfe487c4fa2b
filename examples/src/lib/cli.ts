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

/** A decimal number as a person writes it: `0.5`, `3`, `.25`, `1e-3` (no hex, binary, `Infinity`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a positive finite decimal number flag value (`0x10` and `Infinity` are rejected). */
export function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value.trim()) || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag}: expected a positive decimal number, got '${value}'`);
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
  // `--epochs -1` would be read as a flag `-1`; join a negative-looking value to its flag so the
  // value check can say what is wrong with it.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
