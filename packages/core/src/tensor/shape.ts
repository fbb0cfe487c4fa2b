import { fmtShape, ShapeError, ValueError } from '../errors.js';

/**
 * Number of elements of a shape (1 for a 0-d shape).
 *
 * @example
 * sizeOf([2, 3, 4]); // 24
 * sizeOf([]); // 1: a 0-d tensor holds one element
 */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * True when two shapes are equal.
 *
 * @example
 * sameShape([2, 3], [2, 3]); // true
 * sameShape([2, 3], [3, 2]); // false
 */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The broadcast shape of two shapes by NumPy's rules, or a ShapeError naming `op`.
 *
 * @example
 * broadcastShapes('myOp', [2, 1], [3]); // [2, 3]
 */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dim ${i - n}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read a tensor of `shape`/`strides` as if it had the (broadcast) shape `target`:
 * broadcast dims get stride 0.
 */
export function broadcastStrides(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i]!;
  return out;
}

/** Normalises a possibly negative dim for a tensor of rank `rank`, or throws naming `op`. */
export function normalizeDim(op: string, dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new ValueError(
      `${op}: dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-r}..${r - 1})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** Normalises a list of dims (or all dims when undefined), sorted and without repeats. */
export function normalizeDims(
  op: string,
  dims: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => normalizeDim(op, d, rank));
  const sorted = [...out].sort((x, y) => x - y);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1])
      throw new ValueError(`${op}: dim ${sorted[i]} is repeated in [${list.join(',')}]`);
  }
  return rank === 0 ? [] : sorted;
}

/** Checks that `shape` is a list of non-negative integers. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ValueError(`${op}: invalid shape ${fmtShape(shape)}`);
  }
  return [...shape];
}

/**
 * A shape or a list of dims given either as separate numbers (`x.permute(1, 0)`) or as one array
 * (`x.permute([1, 0])`), as PyTorch accepts both. Anything else is a ValueError naming `op`.
 */
export function shapeArg(op: string, args: readonly unknown[]): readonly number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly unknown[]) : args;
  for (const d of list) {
    if (typeof d !== 'number') {
      throw new ValueError(
        `${op}: expected sizes as numbers or one array of numbers, got ${describeArgs(args)}`,
      );
    }
  }
  return list as readonly number[];
}

/** Dims given as separate numbers or one array (see `shapeArg`). */
export const dimsArg: (op: string, args: readonly unknown[]) => readonly number[] = shapeArg;

function describeArgs(args: readonly unknown[]): string {
  return `(${args.map((a) => (Array.isArray(a) ? `[${a.map(String).join(',')}]` : a === null ? 'null' : typeof a === 'object' ? 'an object' : String(a))).join(', ')})`;
}
