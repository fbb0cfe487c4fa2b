import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fmt, initialParams, sgdStep, trainUntilClose } from '../src/linear-regression.js';
import { searchNeuron, searchXorNeuron, trainXor } from '../src/logic-gates.js';
import { trainMoons } from '../src/moons.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs an example as a reader would (`pnpm logic-gates`) and returns what it prints. */
function runExample(file: string): string {
  return execFileSync(
    join(root, 'node_modules/.bin/tsx'),
    ['--conditions=source', join(root, 'examples/src', file)],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
}

/** The outputs column of a printed truth table that follows the line `heading`, in row order. */
function printedTable(output: string, heading: string): { inputs: number[][]; outputs: number[] } {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => l.startsWith(heading));
  expect(at).toBeGreaterThanOrEqual(0);
  const rows = lines.slice(at + 2, at + 6).map((l) => l.match(/^\s+(\d)\s+(\d) \|\s+(\d)/));
  expect(rows.every((r) => r !== null)).toBe(true);
  return {
    inputs: rows.map((r) => [Number(r![1]), Number(r![2])]),
    outputs: rows.map((r) => Number(r![3])),
  };
}

const rowsInOrder = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];

describe('logic gates (pnpm logic-gates)', () => {
  let output = '';
  beforeAll(() => {
    output = runExample('logic-gates.ts');
  }, 60_000);

  it("prints the article's AND neuron, w = (0.5, 0.5), θ = 0.7, and its table is x1 ∧ x2", () => {
    const table = printedTable(output, 'AND with w = (0.5, 0.5), θ = 0.7');
    expect(table.inputs).toEqual(rowsInOrder);
    expect(table.outputs).toEqual(rowsInOrder.map(([a, b]) => Number(a === 1 && b === 1)));
  });

  it('prints OR and NAND neurons whose tables are x1 ∨ x2 and ¬(x1 ∧ x2)', () => {
    const or = printedTable(output, 'OR with w = (');
    const nand = printedTable(output, 'NAND with w = (');
    expect(or.outputs).toEqual(rowsInOrder.map(([a, b]) => Number(a === 1 || b === 1)));
    expect(nand.outputs).toEqual(rowsInOrder.map(([a, b]) => Number(!(a === 1 && b === 1))));
    expect(output).not.toContain('(wrong!)');
  });

  it('prints that none of the 21³ = 9261 grid neurons computes XOR', () => {
    expect(output).toContain('tried 9261 candidates, 0 compute XOR');
  });

  it('prints an MLP table equal to x1 ⊕ x2, with a small final loss', () => {
    const xor = printedTable(output, 'XOR with MLP(2, [4, 1])');
    expect(xor.outputs).toEqual(rowsInOrder.map(([a, b]) => Number(a !== b)));
    const loss = Number(output.match(/final loss \(mean squared error\): ([\d.]+)/)![1]);
    expect(loss).toBeLessThan(0.02);
  });

  it('the grid search tries 21³ single neurons and none computes XOR', () => {
    const { tried, found } = searchXorNeuron(0.1);
    expect(tried).toBe(21 ** 3);
    expect(found).toEqual([]);
  });

  it('the same grid search does find single neurons for AND, OR and NAND', () => {
    const and = searchNeuron([0, 0, 0, 1]);
    expect(and.found).toContainEqual([0.5, 0.5, 0.7]);
    expect(searchNeuron([0, 1, 1, 1]).found).toContainEqual([0.5, 0.5, 0.2]);
    expect(searchNeuron([1, 1, 1, 0]).found).toContainEqual([-0.5, -0.5, -0.7]);
  });

  it('MLP(2, [4, 1]) learns XOR by backpropagation', () => {
    const xor = trainXor();
    expect(xor.table).toEqual([0, 1, 1, 0]);
    expect(xor.loss).toBeLessThan(0.02);
    expect(xor.outputs[0]).toBeLessThan(0.2);
    expect(xor.outputs[1]).toBeGreaterThan(0.8);
  });
});

describe('linear regression, y = 2x + 1 (pnpm linear-regression)', () => {
  it("prints the article's two hand-worked steps and a final w, b within 0.05 of 2, 1", () => {
    const output = runExample('linear-regression.ts');
    expect(output).toMatch(/^start: +w = 0\.5, b = 0\.6$/m);
    expect(output).toMatch(/^after \(0, 1\): +w = 0\.5, b = 0\.604$/m);
    expect(output).toMatch(/^after \(1, 2\.9\): +w = 0\.51796, b = 0\.62196$/m);
    const final = output.match(/both are within 0\.05:\n +w = ([\d.]+), b = ([\d.]+)/);
    expect(final).not.toBeNull();
    expect(Math.abs(Number(final![1]) - 2)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(Number(final![2]) - 1)).toBeLessThanOrEqual(0.05);
  }, 60_000);

  it('one sgdStep is θ − lr·∂L/∂θ with ∂L/∂w = (y − t)·x and ∂L/∂b = y − t, worked by hand', () => {
    const cases = [
      [0.5, 0.6, 0, 1],
      [-1.25, 2, 3, -0.5],
      [2, -0.75, -1.5, 4],
    ] as const;
    for (const [w, b, x, t] of cases) {
      const err = w * x + b - t;
      const p = sgdStep({ w, b }, x, t, 0.1);
      expect(p.w).toBeCloseTo(w - 0.1 * err * x, 12);
      expect(p.b).toBeCloseTo(b - 0.1 * err, 12);
      expect(p.loss).toBeCloseTo((err * err) / 2, 12);
    }
  });

  it('after (0, 1): w = 0.5, b = 0.604', () => {
    const p = sgdStep(initialParams, 0, 1);
    expect(p.w).toBeCloseTo(0.5, 10);
    expect(p.b).toBeCloseTo(0.604, 10);
    expect(p.loss).toBeCloseTo(0.08, 10);
  });

  it('after (1, 2.9): w = 0.51796, b = 0.62196', () => {
    const p = sgdStep(sgdStep(initialParams, 0, 1), 1, 2.9);
    expect(p.w).toBeCloseTo(0.51796, 10);
    expect(p.b).toBeCloseTo(0.62196, 10);
    expect([fmt(p.w), fmt(p.b)]).toEqual(['0.51796', '0.62196']);
  });

  it('formats to 5 decimals without trailing zeros', () => {
    expect([fmt(0.5), fmt(0.604), fmt(2), fmt(-0.000001), fmt(1.23456789)]).toEqual([
      '0.5',
      '0.604',
      '2',
      '0',
      '1.23457',
    ]);
  });

  it('noisy pairs near the line bring w and b within 0.05 of 2 and 1', () => {
    const { pairs, params } = trainUntilClose({ w: 0.51796, b: 0.62196 });
    expect(pairs).not.toBeNull();
    expect(pairs!).toBeGreaterThan(10);
    expect(Math.abs(params.w - 2)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(params.b - 1)).toBeLessThanOrEqual(0.05);
  });
});

describe("micrograd's moons demo", () => {
  it('reaches at least 97 % training accuracy in 100 steps, with the loss falling', () => {
    const result = trainMoons();
    expect(result.accuracy).toBeGreaterThanOrEqual(0.97);
    expect(result.losses).toHaveLength(100);
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]! / 10);
  });
});
