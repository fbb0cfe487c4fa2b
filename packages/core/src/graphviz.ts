/**
 * Draws a scalar graph as Graphviz DOT text, like micrograd's `draw_dot`: one record node per
 * Value (label | data | grad), one ellipse per op feeding the value it made, and edges from the
 * inputs to the op. Render with `dot -Tsvg graph.dot > graph.svg`.
 */
import { topologicalSort } from './autograd/engine.js';
import { ValueError } from './errors.js';
import type { Value } from './value.js';

/** Options for `toDot`. */
export interface ToDotOptions {
  /** Graph direction: `'LR'` (left to right, the default) or `'TB'` (top to bottom), etc. */
  rankdir?: 'LR' | 'RL' | 'TB' | 'BT';
  /** Digits after the decimal point for data and grad (default 4, as micrograd). */
  digits?: number;
}

/**
 * Returns the DOT text of the graph that produced `root`.
 *
 * @example
 * const y = new Value(2, 'x').mul(3).tanh();
 * y.backward();
 * writeFileSync('y.dot', toDot(y));
 */
export function toDot(root: Value, options: ToDotOptions = {}): string {
  const rankdir = options.rankdir ?? 'LR';
  const digits = options.digits ?? 4;
  if (!['LR', 'RL', 'TB', 'BT'].includes(rankdir)) {
    throw new ValueError(`toDot: rankdir must be LR, RL, TB or BT, got ${String(rankdir)}`);
  }
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) {
    throw new ValueError(`toDot: digits must be an integer in [0, 100], got ${digits}`);
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
