/**
 * Property-testing the gradient of your own op with @tsgrad/testing: copy this file.
 * The op here is softsign, x / (1 + |x|), written as a custom op with a hand-written backward.
 */
import { customOp, GradcheckError, type Tensor } from '@tsgrad/core';
import { checkGrads, tensors } from '@tsgrad/testing';
import '@tsgrad/testing/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const softsign = customOp({
  name: 'softsign',
  forward: (x) => x.div(x.abs().add(1)),
  // d/dx x/(1+|x|) = 1/(1+|x|)²
  backward: (g, [x]) => [g.div(x!.abs().add(1).pow(2))],
});

describe('softsign', () => {
  it('has the right first and second derivatives (the three lines)', () => {
    fc.assert(
      fc.property(tensors({ exclude0: true }), (x) => {
        checkGrads((a) => softsign(a), [x], { order: 2, modes: ['rev', 'fwd'] });
      }),
    );
  });

  it('matches its composition from core ops', () => {
    fc.assert(
      fc.property(tensors({ requiresGrad: false }), (x: Tensor) => {
        expect(softsign(x)).toBeCloseTensor(x.div(x.abs().add(1)));
      }),
    );
  });

  it('a wrong backward fails the same property with a report naming the element and both derivatives', () => {
    const wrongSoftsign = customOp({
      name: 'wrongSoftsign',
      forward: (x) => x.div(x.abs().add(1)),
      backward: (g, [x]) => [g.div(x!.abs().add(1))], // forgot the square
    });
    const result = fc.check(
      fc.property(tensors({ exclude0: true }), (x) => {
        checkGrads((a) => wrongSoftsign(a), [x]);
      }),
      { seed: 1 },
    );
    expect(result.failed).toBe(true);
    expect(result.errorInstance).toBeInstanceOf(GradcheckError);
    expect(String((result.errorInstance as Error).message)).toMatch(
      /^checkGrads: first derivative \(reverse mode\) of input 0 \(shape \[.*\]\) disagrees with finite differences at \d+ of \d+ elements \(eps 0\.000001, atol 0\.00001, rtol 0\.001\); worst at element \[.*\] \(value .+\), d output(\[.*\])?: analytical .+, numerical .+, \|difference\| .+ > tolerance .+$/,
    );
  });
});
