/**
 * `einsum`, lowered to diagonal/sum/permute/reshape/matmul: repeated subscripts within an operand
 * take a diagonal, subscripts no one else needs are summed early, and operands are contracted
 * pairwise from left to right with one batched matmul each. No per-element loop of its own.
 */
import { sameDType } from '../autograd/function.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { matmul } from './matmul.js';
import { diagonal } from './rearrange.js';
import { sum } from './reduce.js';
import { expand, permute, reshape } from './shape.js';

/** A subscript: a letter's char code, or −1 − k for the k-th dim covered by `...` (right-aligned). */
type Label = number;

interface Term {
  labels: Label[];
  hasEllipsis: boolean;
}

function labelName(l: Label): string {
  return l >= 0 ? String.fromCharCode(l) : `...[${-1 - l}]`;
}

function parseTerm(equation: string, term: string, what: string): { letters: (Label | 'ellipsis')[] } {
  const letters: (Label | 'ellipsis')[] = [];
  let seenEllipsis = false;
  for (let i = 0; i < term.length; i++) {
    const c = term[i]!;
    if (c === '.') {
      if (term.slice(i, i + 3) !== '...' || seenEllipsis) {
        throw new ValueError(`einsum: invalid '.' in ${what} '${term}' of equation '${equation}'`);
      }
      seenEllipsis = true;
      letters.push('ellipsis');
      i += 2;
    } else if (/[a-zA-Z]/.test(c)) letters.push(c.charCodeAt(0));
    else
      throw new ValueError(
        `einsum: invalid subscript '${c}' in equation '${equation}' (letters and '...' only)`,
      );
  }
  return { letters };
}

/**
 * Einstein summation (as `torch.einsum`): letters name dims, a letter repeated in one operand takes
 * its diagonal, letters missing from the output are summed, `...` stands for broadcast dims; with no
 * `->`, the output is `...` then the letters used once, in alphabetical order.
 *
 * @example
 * const [a, b, m] = [randn([2, 3, 4]), randn([2, 4, 5]), randn([3, 3])];
 * einsum('bij,bjk->bik', a, b); // batched matmul, [2, 3, 5]
 * einsum('ii', m);              // trace
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (typeof equation !== 'string')
    throw new ValueError('einsum: the first argument must be an equation string');
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  if (arrow >= 0 && eq.indexOf('->', arrow + 1) >= 0) {
    throw new ValueError(`einsum: equation '${equation}' has more than one '->'`);
  }
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const inputs = lhs.split(',');
  if (operands.length === 0)
    throw new ValueError(`einsum: equation '${equation}' needs at least one operand`);
  if (inputs.length !== operands.length) {
    throw new ValueError(
      `einsum: equation '${equation}' names ${inputs.length} operand(s) but ${operands.length} were given`,
    );
  }
  for (const t of operands) sameDType('einsum', operands[0]!, t);

  // Expand '...' into right-aligned ellipsis labels, and check ranks.
  const ellipsisRank = operands.reduce((m, t, i) => {
    const { letters } = parseTerm(equation, inputs[i]!, `operand ${i}`);
    const named = letters.filter((l) => l !== 'ellipsis').length;
    return letters.includes('ellipsis') ? Math.max(m, t.ndim - named) : m;
  }, 0);
  const terms: Term[] = operands.map((t, i) => {
    const { letters } = parseTerm(equation, inputs[i]!, `operand ${i}`);
    const named = letters.filter((l) => l !== 'ellipsis').length;
    const hasEllipsis = letters.includes('ellipsis');
    const e = t.ndim - named;
    if ((hasEllipsis && e < 0) || (!hasEllipsis && e !== 0)) {
      throw new ShapeError(
        `einsum: operand ${i} of shape ${fmtShape(t.shape)} has ${t.ndim} dims but subscripts '${inputs[i]}' name ${named}${hasEllipsis ? ' or more' : ''}`,
      );
    }
    const labels: Label[] = [];
    for (const l of letters) {
      if (l === 'ellipsis') for (let k = 0; k < e; k++) labels.push(-1 - (ellipsisRank - e + k));
      else labels.push(l);
    }
    return { labels, hasEllipsis };
  });

  // The size of each label; size-1 dims broadcast.
  const sizes = new Map<Label, number>();
  terms.forEach((term, i) => {
    term.labels.forEach((l, k) => {
      const s = operands[i]!.shape[k]!;
      const known = sizes.get(l);
      if (known === undefined || known === 1) sizes.set(l, s);
      else if (s !== known && s !== 1) {
        throw new ShapeError(
          `einsum: subscript '${labelName(l)}' has size ${s} in operand ${i} (shape ${fmtShape(operands[i]!.shape)}) but ${known} elsewhere, in '${equation}'`,
        );
      }
    });
  });

  const ellipsisLabels = Array.from({ length: ellipsisRank }, (_, k) => -1 - k);
  let output: Label[];
  if (arrow >= 0) {
    const { letters } = parseTerm(equation, eq.slice(arrow + 2), 'the output');
    output = [];
    for (const l of letters) {
      if (l === 'ellipsis') output.push(...ellipsisLabels);
      else {
        if (output.includes(l))
          throw new ValueError(`einsum: output subscript '${labelName(l)}' repeats in '${equation}'`);
        if (!sizes.has(l)) {
          throw new ValueError(
            `einsum: output subscript '${labelName(l)}' appears in no operand of '${equation}'`,
          );
        }
        output.push(l);
      }
    }
  } else {
    const counts = new Map<Label, number>();
    for (const term of terms)
      for (const l of term.labels) if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts.entries()].filter(([, c]) => c === 1).map(([l]) => l);
    output = [...ellipsisLabels, ...once.sort((a, b) => a - b)];
  }

  // Each operand on its own: diagonals of repeated labels, broadcast size-1 dims, early sums.
  const prepared = operands.map((t, i) => {
    let x = t;
    let labels = [...terms[i]!.labels];
    for (;;) {
      const k = labels.findIndex((l, j) => labels.indexOf(l) !== j);
      if (k < 0) break;
      const first = labels.indexOf(labels[k]!);
      x = diagonal(x, { dim1: first, dim2: k });
      const l = labels[k]!;
      labels = [...labels.filter((_, j) => j !== first && j !== k), l];
    }
    const target = labels.map((l) => sizes.get(l)!);
    if (target.some((s, j) => s !== x.shape[j])) x = expand(x, target);
    return { x, labels };
  });

  const neededLater = (from: number): Set<Label> => {
    const s = new Set<Label>(output);
    for (let j = from; j < prepared.length; j++) for (const l of prepared[j]!.labels) s.add(l);
    return s;
  };
  let acc = sumUnneeded(prepared[0]!.x, prepared[0]!.labels, neededLater(1));
  for (let j = 1; j < prepared.length; j++) {
    const keep = neededLater(j + 1);
    const b = sumUnneeded(prepared[j]!.x, prepared[j]!.labels, new Set([...keep, ...acc.labels]));
    const a = sumUnneeded(acc.x, acc.labels, new Set([...keep, ...b.labels]));
    acc = contract(a, b, keep, sizes);
  }
  const final = sumUnneeded(acc.x, acc.labels, new Set(output));
  const order = output.map((l) => final.labels.indexOf(l));
  return order.every((o, i) => o === i) ? final.x : permute(final.x, order);
}

interface Labelled {
  x: Tensor;
  labels: Label[];
}

/** Sums the dims whose labels are not in `keep`. */
function sumUnneeded(x: Tensor, labels: readonly Label[], keep: Set<Label>): Labelled {
  const drop = labels.map((l, i) => (keep.has(l) ? -1 : i)).filter((i) => i >= 0);
  if (drop.length === 0) return { x, labels: [...labels] };
  return { x: sum(x, drop), labels: labels.filter((l) => keep.has(l)) };
}

/**
 * Contracts two operands whose every label is kept or shared: shared kept labels are batch dims,
 * shared others are summed by the matmul, the rest are the matmul's rows and columns.
 */
function contract(a: Labelled, b: Labelled, keep: Set<Label>, sizes: Map<Label, number>): Labelled {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const rows = a.labels.filter((l) => !inB.has(l));
  const cols = b.labels.filter((l) => !inA.has(l));
  const size = (ls: readonly Label[]) => sizeOf(ls.map((l) => sizes.get(l)!));
  const arrange = (t: Labelled, order: readonly Label[], shape: number[]): Tensor => {
    const perm = order.map((l) => t.labels.indexOf(l));
    const moved = perm.every((p, i) => p === i) ? t.x : permute(t.x, perm);
    return reshape(moved, shape);
  };
  const bs = size(batch);
  const m = size(rows);
  const k = size(summed);
  const n = size(cols);
  const left = arrange(a, [...batch, ...rows, ...summed], [bs, m, k]);
  const right = arrange(b, [...batch, ...summed, ...cols], [bs, k, n]);
  const product = matmul(left, right);
  const labels = [...batch, ...rows, ...cols];
  return {
    x: reshape(
      product,
      labels.map((l) => sizes.get(l)!),
    ),
    labels,
  };
}
