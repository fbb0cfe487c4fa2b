import { toDot, Value } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

function example() {
  const a = new Value(2, 'a');
  const b = new Value(-3, 'b');
  const e = a.mul(b);
  e.label = 'e';
  const d = e.add(10);
  d.label = 'd';
  const L = d.tanh();
  L.label = 'L';
  L.backward();
  return { a, b, e, d, L };
}

describe('toDot', () => {
  it('is a digraph with one record per Value and one ellipse per op', () => {
    const dot = toDot(example().L);
    expect(dot.startsWith('digraph {\n')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expect(dot).toContain('rankdir=LR;');
    // Values: a, b, e, the constant 10, d, L; ops: *, +, tanh.
    expect(dot.match(/shape=record/g)).toHaveLength(6);
    expect(dot.match(/shape=ellipse/g)).toHaveLength(3);
    // Each op has one edge to its output plus one from each input: (1+2) + (1+2) + (1+1).
    expect(dot.match(/->/g)).toHaveLength(8);
  });

  it("shows each Value's label, data and grad, and each op", () => {
    const { a, L } = example();
    const dot = toDot(L);
    expect(dot).toContain(`{ a | data 2.0000 | grad ${a.grad.toFixed(4)} }`);
    expect(dot).toContain('{ b | data -3.0000 | grad ');
    expect(dot).toContain('{ e | data -6.0000 | grad ');
    expect(dot).toContain('{ d | data 4.0000 | grad ');
    expect(dot).toContain(`{ L | data ${Math.tanh(4).toFixed(4)} | grad 1.0000 }`);
    for (const op of ['*', '+', 'tanh']) expect(dot).toContain(`label="${op}"`);
  });

  it('connects inputs to the op and the op to its output', () => {
    const a = new Value(1, 'a');
    const c = a.mul(a);
    const dot = toDot(c);
    const ids = [...dot.matchAll(/^ {2}(v\d+) \[shape=record, label="\{ (\w*) \|/gm)].map((m) => [
      m[2],
      m[1],
    ]);
    const id = Object.fromEntries(ids);
    // a is used twice, so two edges go from a to the same op node.
    expect(dot.match(new RegExp(`${id.a} -> ${id['']}_op;`, 'g'))).toHaveLength(2);
    expect(dot).toContain(`${id['']}_op -> ${id['']};`);
  });

  it('escapes labels and honours rankdir', () => {
    const x = new Value(1, 'say "hi" {a|b} <c> \\');
    const dot = toDot(x.exp(), { rankdir: 'TB' });
    expect(dot).toContain('rankdir=TB;');
    expect(dot).toContain('say \\"hi\\" \\{a\\|b\\} \\<c\\> \\\\');
    expect(() => toDot(x, { rankdir: 'XY' as 'LR' })).toThrow(/rankdir/);
  });

  it('handles a deep graph without recursion', () => {
    let v = new Value(0, 'x');
    for (let i = 0; i < 100_000; i++) v = v.add(1);
    const dot = toDot(v);
    expect(dot.match(/shape=record/g)).toHaveLength(200_001);
  });
});
