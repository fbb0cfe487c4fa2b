/**
 * Draws a graph as Graphviz DOT text, like micrograd's `draw_dot`. A scalar graph has one record
 * node per Value (label | data | grad) and one ellipse per op; a tensor graph has one box per
 * tensor (shape and dtype; leaves marked as such, parameters by their class) and one ellipse per
 * op. Edges run from the inputs to the op and from the op to its output. The tensor graph can be
 * drawn after backward too: what a freed graph keeps (op names, shapes, dtypes) is enough.
 * Render with `dot -Tsvg graph.dot > graph.svg`.
 */
import { topologicalSort } from './autograd/engine.js';
import type { GradFn, InputSummary } from './autograd/function.js';
import { ValueError } from './errors.js';
import { Tensor } from './tensor/tensor.js';
import { Value } from './value.js';

/** Options for `toDot`. */
export interface ToDotOptions {
  /** Graph direction: `'LR'` (left to right, the default) or `'TB'` (top to bottom), etc. */
  rankdir?: 'LR' | 'RL' | 'TB' | 'BT';
  /** Digits after the decimal point for data and grad (default 4, as micrograd). */
  digits?: number;
}

/**
 * Returns the DOT text of the graph that produced `root` (a `Value` or a `Tensor`).
 *
 * @example
 * const y = new Value(2, 'x').mul(3).tanh();
 * y.backward();
 * writeFileSync('y.dot', toDot(y)); // then `dot -Tsvg y.dot > y.svg`
 * writeFileSync('loss.dot', toDot(randn([2, 3], { requiresGrad: true }).pow(2).mean()));
 */
export function toDot(root: Value | Tensor, options: ToDotOptions = {}): string {
  const rankdir = options.rankdir ?? 'LR';
  const digits = options.digits ?? 4;
  if (!['LR', 'RL', 'TB', 'BT'].includes(rankdir)) {
    throw new ValueError(`toDot: rankdir must be LR, RL, TB or BT, got ${String(rankdir)}`);
  }
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) {
    throw new ValueError(`toDot: digits must be an integer in [0, 100], got ${digits}`);
  }
  if (root instanceof Tensor) return tensorDot(root, rankdir);
  if (!(root instanceof Value)) {
    throw new ValueError(`toDot: expected a Value or a Tensor, got ${root === null ? 'null' : typeof root}`);
  }
  const order = topologicalSort<Value>(root);
  const ids = new Map<Value, string>();
  order.forEach((v, i) => {
    ids.set(v, `v${i}`);
  });
  const lines = ['digraph {', `  rankdir=${rankdir};`];
  for (const v of order) {
    const id = ids.get(v)!;
    const text = `{ ${escapeRecord(v.label)} | data ${fmt(v.data, digits)} | grad ${fmt(v.grad, digits)} }`;
    lines.push(`  ${id} [shape=record, label="${text}"];`);
    if (v.parents.length > 0) {
      lines.push(`  ${id}_op [shape=ellipse, label="${escapeString(v.op)}"];`);
      lines.push(`  ${id}_op -> ${id};`);
      for (const p of v.parents) lines.push(`  ${ids.get(p)!} -> ${id}_op;`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/** Escapes text inside a quoted DOT string. */
function escapeString(s: string): string {
  return s.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n');
}

/** Escapes text inside a record label, where braces, bars and angle brackets are structure. */
function escapeRecord(s: string): string {
  return escapeString(s).replace(/[{}|<>]/g, '\\$&');
}

/** The tensor graph below `root`: a box per tensor, an ellipse per op, walked without recursion. */
function tensorDot(root: Tensor, rankdir: string): string {
  const lines = ['digraph {', `  rankdir=${rankdir};`];
  const opIds = new Map<GradFn, string>();
  const leafIds = new Map<Tensor, string>();
  let count = 0;
  const box = (id: string, text: string, style: string) =>
    lines.push(`  ${id} [shape=box${style}, label="${escapeString(text)}"];`);
  const describe = (shape: readonly number[], dtype: string) => `[${shape.join(',')}] ${dtype}`;
  const opOf = (fn: GradFn): string => {
    let id = opIds.get(fn);
    if (id === undefined) {
      id = `t${count++}`;
      opIds.set(fn, id);
      stack.push(fn);
    }
    return id;
  };
  const inputId = (input: InputSummary): string => {
    if (input.gradFn !== null) return opOf(input.gradFn);
    if (input.leaf !== null) {
      const known = leafIds.get(input.leaf);
      if (known !== undefined) return known;
    }
    const id = `t${count++}`;
    if (input.leaf !== null) leafIds.set(input.leaf, id);
    const what = input.kind !== 'Tensor' ? input.kind : input.requiresGrad ? 'leaf' : 'constant';
    box(
      id,
      `${what} ${describe(input.shape, input.dtype)}`,
      input.requiresGrad ? ', style=filled, fillcolor=lightblue' : '',
    );
    return id;
  };
  const stack: GradFn[] = [];
  if (root.gradFn === null) {
    box('t0', `${root.requiresGrad ? 'leaf' : 'constant'} ${describe(root.shape, root.dtype)}`, '');
  } else {
    opOf(root.gradFn);
    while (stack.length > 0) {
      const fn = stack.pop()!;
      const id = opIds.get(fn)!;
      // The op's output tensor is `id`; the op itself is `id_op`.
      box(id, describe(fn.shape, fn.dtype), fn === root.gradFn ? ', style=bold' : '');
      lines.push(`  ${id}_op [shape=ellipse, label="${escapeString(fn.name)}"];`);
      lines.push(`  ${id}_op -> ${id};`);
      for (const input of fn.inputSummaries) lines.push(`  ${inputId(input)} -> ${id}_op;`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
