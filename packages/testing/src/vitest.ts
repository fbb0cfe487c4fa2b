/**
 * Registers the `toBeCloseTensor` matcher with vitest: `import '@tsgrad/testing/vitest'` once in a
 * test file (or a setup file), then `expect(actual).toBeCloseTensor(expected, { atol, rtol })`.
 * Also exports `testOp`, which turns an OpInfo into a vitest `describe` block of properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AssertCloseOptions, closeMismatch, type TensorInput } from './assert-close.js';
import { type OpInfo, opProperties } from './op-info.js';

interface CloseTensorMatchers<R = unknown> {
  /** Passes when the tensor is close to `expected` (see `assertClose`); fails with PyTorch's message. */
  toBeCloseTensor(expected: TensorInput, options?: AssertCloseOptions): R;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must repeat vitest's own declaration to merge with it.
  interface Assertion<T = any> extends CloseTensorMatchers<T> {}
  interface AsymmetricMatchersContaining extends CloseTensorMatchers {}
}

expect.extend({
  toBeCloseTensor(received: TensorInput, expected: TensorInput, options?: AssertCloseOptions) {
    const message = closeMismatch(received, expected, options);
    return {
      pass: message === null,
      message: () => message ?? 'expected the tensors not to be close, but they are',
    };
  },
});

/** Options of `testOp`. */
export interface TestOpOptions {
  /** fast-check runs per property (default 20). */
  numRuns?: number;
  /** fast-check seed, for reproducible suites. */
  seed?: number;
}

/**
 * Declares a vitest `describe` block for `info` with one test per standard property: gradient by
 * finite differences, second order, broadcasting, dtype preservation, non-contiguous inputs and
 * determinism (those that apply to the op).
 *
 * @example
 * // not run: registers vitest tests, so it belongs at the top level of a test file
 * testOp(opInfos.find((o) => o.name === 'tanh')!);
 */
export function testOp(info: OpInfo, options: TestOpOptions = {}): void {
  describe(info.name, () => {
    for (const property of opProperties(info)) {
      it(property.name, () => {
        fc.assert(property.property, {
          numRuns: Math.max(1, Math.round((options.numRuns ?? 20) * property.runsScale)),
          seed: options.seed,
        });
      });
    }
  });
}
