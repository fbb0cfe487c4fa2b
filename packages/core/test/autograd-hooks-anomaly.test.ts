import {
  AnomalyError,
  AutogradError,
  detectAnomaly,
  isAnomalyEnabled,
  tensor,
  withDetectAnomaly,
} from '@tsgrad/core';
import { afterEach, describe, expect, it } from 'vitest';

const f64 = (values: number[], requiresGrad = true) => tensor(values, { dtype: 'float64', requiresGrad });

describe('registerHook', () => {
  it('sees the gradient of a leaf and may replace it before accumulation', () => {
    const x = f64([1, 2, 3]);
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(g.toArray() as number[]);
      return g.mul(10);
    });
    x.mul(x).sum().backward();
    expect(seen).toEqual([[2, 4, 6]]);
    expect(x.grad!.toArray()).toEqual([20, 40, 60]);
  });

  it('on an interior tensor, changes what flows further down', () => {
    const x = f64([1, 2]);
    const h = x.mul(3);
    h.registerHook((g) => g.mul(0).add(1));
    h.mul(h).sum().backward();
    // Without the hook x.grad would be 2·h·3 = [18, 36]; the hook makes dL/dh = 1.
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  it('runs hooks in order, and remove() unregisters one', () => {
    const x = f64([1]);
    const order: string[] = [];
    const first = x.registerHook(() => {
      order.push('first');
      return undefined;
    });
    x.registerHook((g) => {
      order.push('second');
      return g.mul(2);
    });
    x.sum().backward();
    first.remove();
    x.sum().backward();
    expect(order).toEqual(['first', 'second', 'second']);
    expect(x.grad!.toArray()).toEqual([4]);
  });

  it('a replacement of the wrong shape, or a hook on a tensor without grad, is an error', () => {
    const x = f64([1, 2]);
    x.registerHook((g) => g.sum());
    expect(() => x.sum().backward()).toThrow(
      'registerHook: a hook returned a float64 gradient of shape [] for a float64 gradient of shape [2]',
    );
    expect(() => f64([1], false).registerHook((g) => g)).toThrow(AutogradError);
  });
});

describe('detectAnomaly', () => {
  afterEach(() => {
    detectAnomaly(false);
  });

  it("names 'log' for log(x − x), with the stack of the forward", () => {
    const x = f64([1, 2]);
    const run = () => withDetectAnomaly(() => x.sub(x).log().sum().backward());
    expect(run).toThrow(AnomalyError);
    try {
      run();
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toMatch(
        /^log: backward returned a gradient with non-finite values \(inf\) for input 0/,
      );
      expect(message).toContain('autograd-hooks-anomaly.test.ts');
    }
  });

  it("names 'div' for 0/0 in backward", () => {
    const a = f64([0, 1]);
    const b = f64([0, 1]);
    expect(() => withDetectAnomaly(() => a.div(b).sum().backward())).toThrow(
      /^div: backward returned a gradient with non-finite values \(inf\)/,
    );
  });

  it('is off by default and after withDetectAnomaly; then NaN passes silently, as in PyTorch', () => {
    expect(isAnomalyEnabled()).toBe(false);
    const x = f64([1, 2]);
    x.sub(x).log().sum().backward();
    expect(Number.isFinite((x.grad!.toArray() as number[])[0]!)).toBe(false);
    withDetectAnomaly(() => 0);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('detectAnomaly(true) stays on until turned off', () => {
    detectAnomaly(true);
    const x = f64([4]);
    x.sqrt().sum().backward();
    expect(x.grad!.item()).toBeCloseTo(0.25, 12);
    const z = f64([0]);
    expect(() => z.sqrt().sum().backward()).toThrow(/^sqrt: backward returned/);
  });
});
