import { customOp, GradcheckError, type Tensor, tensor } from '@tsgrad/core';
import { checkGrads, defineOp, opProperties, sampleOf, tensors } from '@tsgrad/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const leaf = (data: number[], shape?: number[]) =>
  tensor(data, { dtype: 'float64', shape, requiresGrad: true });

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

/** x² with a planted wrong first derivative: 3x instead of 2x. */
const wrongSquare = customOp({
  name: 'wrongSquare',
  forward: (x) => x.mul(x),
  backward: (g, [x]) => [g.mul(x!).mul(3)],
});

/** x³ with a right first derivative (3x²) and a wrong second one: x is detached in the backward. */
const cubeNoSecond = customOp({
  name: 'cubeNoSecond',
  forward: (x) => x.pow(3),
  backward: (g, [x]) => [g.mul(x!.detach().pow(2)).mul(3)],
});

const rightCube = customOp({
  name: 'cube',
  forward: (x) => x.pow(3),
  backward: (g, [x]) => [g.mul(x!.pow(2)).mul(3)],
});

describe('checkGrads passes right gradients', () => {
  it('returns an ok report for a right custom op, first and second order, both modes', () => {
    const x = leaf([0.5, -1.5, 2]);
    const report = checkGrads((a) => rightCube(a), [x], { order: 2, modes: ['rev', 'fwd'] });
    expect(report.ok).toBe(true);
    expect(report.failures).toEqual([]);
  });
});

describe('checkGrads catches a planted wrong first derivative', () => {
  it('reports the named input, worst element, value, true derivatives, tolerances and count', () => {
    const x = leaf([1, 2, 0.5, 4], [2, 2]);
    expect(() => checkGrads((a) => wrongSquare(a), [x], { names: ['x'] })).toThrow(GradcheckError);
    expect(messageOf(() => checkGrads((a) => wrongSquare(a), [x], { names: ['x'] }))).toBe(
      "checkGrads: first derivative (reverse mode) of input 0 'x' (shape [2,2]) disagrees with finite " +
        'differences at 4 of 4 elements (eps 0.000001, atol 0.00001, rtol 0.001); worst at element [1,1] ' +
        '(value 4), d output[1,1]: analytical 12, numerical 8, |difference| 4 > tolerance 0.00801',
    );
  });

  it('in forward mode too, naming the mode', () => {
    const x = leaf([1, 2]);
    expect(messageOf(() => checkGrads((a) => wrongSquare(a).sum(), [x], { modes: ['fwd'] }))).toMatch(
      /^checkGrads: first derivative \(forward mode\) of input 0 \(shape \[2\]\) disagrees with finite differences at 2 of 2 elements/,
    );
  });

  it('names module parameters as namedParameters() does', () => {
    const weight = leaf([1, 2]);
    const bias = leaf([0.5]);
    const module = {
      namedParameters: (): [string, Tensor][] => [
        ['fc.weight', weight],
        ['fc.bias', bias],
      ],
    };
    const message = messageOf(() => checkGrads(() => wrongSquare(weight).sum().add(bias.sum()), module));
    expect(message).toMatch(
      /^checkGrads: first derivative \(reverse mode\) of input 0 'fc.weight' \(shape \[2\]\)/,
    );
    expect(message).not.toMatch(/fc.bias/);
  });

  it('checks a module whose function reads its parameters by reference, in both modes', () => {
    const weight = leaf([0.5, -1]);
    const module = { namedParameters: (): [string, Tensor][] => [['weight', weight]] };
    expect(checkGrads(() => rightCube(weight).sum(), module, { modes: ['rev', 'fwd'], order: 2 }).ok).toBe(
      true,
    );
  });

  it('returns the failing report instead of throwing with throwOnFailure: false', () => {
    const report = checkGrads((a) => wrongSquare(a), [leaf([3])], { throwOnFailure: false });
    expect(report.ok).toBe(false);
    expect(report.failures[0]!.worst).toMatchObject({ index: [0], value: 3, analytical: 9 });
    expect(report.failures[0]!.worst.numerical).toBeCloseTo(6, 6);
  });
});

describe('checkGrads catches a planted wrong second derivative', () => {
  it('passes at order 1 and fails at order 2, word for word', () => {
    const x = leaf([1, 2]);
    expect(checkGrads((a) => cubeNoSecond(a).sum(), [x]).ok).toBe(true);
    expect(messageOf(() => checkGrads((a) => cubeNoSecond(a).sum(), [x], { order: 2, names: ['x'] }))).toBe(
      "checkGrads: second derivative (reverse mode) of input 0 'x' (shape [2]) disagrees with finite " +
        'differences at 2 of 2 elements (eps 0.000001, atol 0.00001, rtol 0.001); worst at element [1] ' +
        '(value 2), d grad(x)[1]: analytical 0, numerical 12, |difference| 12 > tolerance 0.01201',
    );
  });
});

describe('checkGrads catches a gradient of the wrong dtype', () => {
  it('rejects a float32 gradient for a float64 input, naming the dtypes', () => {
    // Once the engine checks returned gradients itself, the error comes from there; either way it
    // names float32 and must not pass silently.
    const toFloat32 = customOp({
      name: 'float32Grad',
      forward: (x) => x.mul(2),
      backward: (g) => [g.mul(2).to('float32')],
    });
    const x = leaf([1, 2]);
    expect(() => checkGrads((a) => toFloat32(a), [x])).toThrow(/float32/);
  });
});

describe('a property fails against a deliberately wrong gradient', () => {
  it('fc.check finds a counterexample and shrinks it to one element', () => {
    const result = fc.check(
      fc.property(tensors({ shape: { maxRank: 2 }, min: 0.5, max: 2 }), (x) => {
        checkGrads((a) => wrongSquare(a).sum(), [x]);
      }),
      { seed: 3, numRuns: 30 },
    );
    expect(result.failed).toBe(true);
    expect(result.counterexample![0]!.size).toBe(1);
    expect(String(result.errorInstance)).toMatch(/first derivative \(reverse mode\)/);
  });

  it('the gradient property an op registration generates fails for a wrong op', () => {
    const info = defineOp({
      name: 'wrongSquare',
      apply: ([x]) => wrongSquare(x!),
      sample: tensors({ shape: [2], min: 0.5, max: 2 }).map((x) => sampleOf([x], null)),
      domain: 'x in [0.5, 2]',
    });
    const gradient = opProperties(info).find((p) => p.name === 'gradient matches finite differences')!;
    expect(fc.check(gradient.property, { numRuns: 10 }).failed).toBe(true);
    const deterministic = opProperties(info).find((p) => p.name === 'is deterministic')!;
    expect(fc.check(deterministic.property, { numRuns: 10 }).failed).toBe(false);
  });
});

describe('checkGrads arguments', () => {
  it('passes int32 inputs through unchecked', () => {
    const x = leaf([1, 2, 3]);
    const index = tensor([2, 0], { dtype: 'int32' });
    expect(checkGrads((a, i) => a.indexSelect(0, i).tanh(), [x, index]).ok).toBe(true);
  });

  it('rejects a non-positive eps', () => {
    expect(() => checkGrads((a) => a, [leaf([1])], { eps: -1 })).toThrow(
      'checkGrads: eps must be a finite positive number, got -1',
    );
  });
});
