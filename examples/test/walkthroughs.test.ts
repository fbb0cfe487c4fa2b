import { describe, expect, it } from 'vitest';
import { fmt, initialParams, sgdStep, trainUntilClose } from '../src/linear-regression.js';
import {
  gateWeights,
  searchNeuron,
  searchXorNeuron,
  thresholdNeuron,
  trainXor,
  truthTable,
} from '../src/logic-gates.js';
import { trainMoons } from '../src/moons.js';

describe('logic gates', () => {
  it('w = (0.5, 0.5), θ = 0.7 computes AND', () => {
    const { w1, w2, theta } = gateWeights.and;
    expect([w1, w2, theta]).toEqual([0.5, 0.5, 0.7]);
    expect(truthTable(thresholdNeuron(w1, w2, theta))).toEqual([0, 0, 0, 1]);
  });

  it('the OR and NAND weights compute OR and NAND', () => {
    const or = gateWeights.or;
    const nand = gateWeights.nand;
    expect(truthTable(thresholdNeuron(or.w1, or.w2, or.theta))).toEqual([0, 1, 1, 1]);
    expect(truthTable(thresholdNeuron(nand.w1, nand.w2, nand.theta))).toEqual([1, 1, 1, 0]);
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

describe('linear regression, y = 2x + 1', () => {
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
