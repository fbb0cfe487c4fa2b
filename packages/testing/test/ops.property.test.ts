/**
 * Every op @tsgrad/core exports, tested from its registry entry: gradient and second derivative
 * by finite differences, broadcasting, dtype preservation, non-contiguous inputs, determinism.
 */
import * as core from '@tsgrad/core';
import { opInfos } from '@tsgrad/testing';
import { testOp } from '@tsgrad/testing/vitest';
import { describe, expect, it } from 'vitest';

/** Exports of @tsgrad/core that are not ops on tensors: creation, autograd machinery, helpers. */
const NOT_OPS = new Set([
  // optimizer update kernels (tested against the CPU in nn's optimizer tests)
  'sgdStep_',
  'adamStep_',
  // creation and randomness
  'tensor',
  'scalar',
  'full',
  'zeros',
  'ones',
  'arange',
  'linspace',
  'eye',
  'rand',
  'randn',
  'randint',
  'zerosLike',
  'onesLike',
  'fullLike',
  'randLike',
  'randnLike',
  'randintLike',
  'manualSeed',
  'defaultGenerator',
  // autograd machinery and the functional tools (tested in core's functional tests)
  'backward',
  'grad',
  'backpropagate',
  'topologicalSort',
  'customOp',
  'record',
  'enableGrad',
  'isGradEnabled',
  'noGrad',
  'setGradEnabled',
  'vjp',
  'jvp',
  'jacobian',
  'hessian',
  'hvp',
  'vhp',
  // checkers, printing, shape helpers
  'gradcheck',
  'gradgradcheck',
  'checkGradients',
  'fmtNumber',
  'fmtShape',
  'toDot',
  'broadcastShapes',
  'sameShape',
  'sizeOf',
  // anomaly mode, dtype and seed validation helpers
  'detectAnomaly',
  'isAnomalyEnabled',
  'withDetectAnomaly',
  'requireFloating',
  'checkSeed',
  // devices: starting them, moving tensors, reading back (tested in core's webgpu tests)
  'initDevice',
  'synchronize',
  'deviceStats',
  'toDevice',
  'toDeviceAsync',
  'readAsync',
  // thread pool settings
  'getNumThreads',
  'setNumThreads',
]);

describe('the op registry', () => {
  it('registers every op exported by @tsgrad/core, once', () => {
    const exported = Object.entries(core)
      .filter(([name, v]) => typeof v === 'function' && /^[a-z]/.test(name) && !NOT_OPS.has(name))
      .map(([name]) => name)
      .sort();
    const registered = opInfos.map((o) => o.name).sort();
    expect(registered).toEqual(exported);
  });

  it('gives every op a domain', () => {
    for (const info of opInfos) expect(info.domain.length, info.name).toBeGreaterThan(0);
  });
});

for (const info of opInfos) testOp(info, { numRuns: 40 });
