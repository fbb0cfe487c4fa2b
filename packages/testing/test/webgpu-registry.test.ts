/**
 * Every registered op on WebGPU against the CPU (`checkOnDevice`): it either throws a DeviceError
 * (no kernel yet) or gives the CPU's values and gradients on float32 copies of its samples; any
 * other outcome fails here, naming the op. An op therefore gets checked on the GPU as soon as it
 * gets a kernel. Skips with a one-line reason where there is no adapter (TSGRAD_REQUIRE_WEBGPU=1
 * makes that a failure); `.ci/run` installs lavapipe, so CI runs it for real.
 */
import { customOp, DeviceError, tensor } from '@tsgrad/core';
import {
  checkOnDevice,
  DeviceMismatchError,
  type DeviceSupport,
  defineOp,
  deviceSupport,
  opInfos,
  sampleOf,
} from '@tsgrad/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from '../../core/test/webgpu/device.js';

/**
 * Ops that run forward and backward on webgpu today (elementwise maps, where, reductions, copies,
 * cat/pad and views, and what is composed of them): the test fails if one of them regresses.
 */
const RUNS_ON_WEBGPU = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'neg',
  'exp',
  'log',
  'sqrt',
  'abs',
  'tanh',
  'sigmoid',
  'relu',
  'clamp',
  'where',
  'eq',
  'lt',
  'logicalAnd',
  'isnan',
  'gelu',
  'softplus',
  'remainder',
  'sum',
  'mean',
  'amax',
  'amin',
  'logsumexp',
  'variance',
  'argmax',
  'any',
  'softmax',
  'logSoftmax',
  'reshape',
  'view',
  'flatten',
  'permute',
  'transpose',
  'squeeze',
  'unsqueeze',
  'expand',
  'slice',
  'narrow',
  'split',
  'cat',
  'stack',
  'clone',
  'contiguous',
  'pad',
  'roll',
  'select',
  'layerNorm',
];

/**
 * Ops whose device check fails today, each with the bug (in packages/core, reported upstream).
 * Strict: the test fails once the op passes, so the entry is removed with the fix.
 */
const KNOWN_FAILURES: Record<string, string> = {};

const SUPPORT: readonly DeviceSupport[] = ['backward', 'forward', 'unsupported', 'notApplicable'];

describe.skipIf(!hasWebGPU)('every registered op on webgpu gives the cpu’s values or a DeviceError', () => {
  for (const info of opInfos) {
    const known = KNOWN_FAILURES[info.name];
    it(known === undefined ? info.name : `${info.name} (known failure: ${known})`, async () => {
      if (known !== undefined) {
        await expect(checkOnDevice(info, 'webgpu')).rejects.toThrow(DeviceMismatchError);
        return;
      }
      const check = await checkOnDevice(info, 'webgpu');
      expect(SUPPORT).toContain(check.support);
      if (RUNS_ON_WEBGPU.includes(info.name)) {
        expect(check.support, `${info.name} no longer runs on webgpu: ${check.reason}`).toBe('backward');
        expect(check.samples).toBe(3);
      }
      if (check.support !== 'backward') expect(check.reason).toMatch(/\S/);
    });
  }
});

describe.skipIf(!hasWebGPU)('checkOnDevice', () => {
  const x = fc.constant(null).map(() => sampleOf([tensor([0.5, -1, 2], { requiresGrad: true })], null));

  it('fails naming the op when the device gives another value', async () => {
    const off = defineOp({
      name: 'offByOne',
      apply: ([t]) => (t!.device === 'webgpu' ? t!.exp().add(1e-3) : t!.exp()),
      sample: x,
      domain: 'any reals',
    });
    await expect(checkOnDevice(off, 'webgpu')).rejects.toThrow(/offByOne on webgpu.*output 0 differs/);
  });

  it('fails when only the gradient differs', async () => {
    const op = defineOp({
      name: 'badGrad',
      apply: ([t]) => (t!.device === 'webgpu' ? t!.mul(t!.detach()) : t!.mul(t!)),
      sample: x,
      domain: 'any reals',
    });
    await expect(checkOnDevice(op, 'webgpu')).rejects.toThrow(/badGrad on webgpu.*gradient of input 0/);
  });

  it('fails on an error that is not a DeviceError, and records a DeviceError as unsupported', async () => {
    const crash = defineOp({
      name: 'crash',
      apply: ([t]) => {
        if (t!.device === 'webgpu') throw new TypeError('boom');
        return t!;
      },
      sample: x,
      domain: 'any reals',
    });
    await expect(checkOnDevice(crash, 'webgpu')).rejects.toThrow(/crash on webgpu.*TypeError: boom/);
    // A synchronous read of a webgpu tensor is a DeviceError: what an op without a kernel does.
    const viaCpu = defineOp({
      name: 'viaCpu',
      apply: ([t]) => {
        t!.toArray();
        return t!;
      },
      sample: x,
      domain: 'any reals',
    });
    const check = await checkOnDevice(viaCpu, 'webgpu');
    expect(check).toMatchObject({ name: 'viaCpu', support: 'unsupported' });
    expect(check.reason).toMatch(/toArrayAsync/);
  });

  it('says forward only when just the backward throws a DeviceError', async () => {
    const cube = customOp({
      name: 'cube',
      forward: (t) => t.mul(t).mul(t),
      backward: (g, [t]) => {
        if (t!.device === 'webgpu') throw new DeviceError('cube: no webgpu backward yet');
        return [g.mul(t!.mul(t!)).mul(3)];
      },
    });
    const op = defineOp({ name: 'cube', apply: ([t]) => cube(t!), sample: x, domain: 'any reals' });
    await expect(checkOnDevice(op, 'webgpu')).resolves.toMatchObject({
      support: 'forward',
      reason: 'cube: no webgpu backward yet',
    });
  });

  it('fails when the op mixes devices (a cpu tensor made inside it), which is a bug, not a missing kernel', async () => {
    const mixed = defineOp({
      name: 'mixed',
      apply: ([t]) => t!.add(tensor([1, 2, 3])),
      sample: x,
      domain: 'any reals',
    });
    await expect(checkOnDevice(mixed, 'webgpu')).rejects.toThrow(/mixed on webgpu.*on one device/);
  });

  it('deviceSupport gives one row per op, a failing check as a mismatch', async () => {
    const ok = defineOp({ name: 'double', apply: ([t]) => t!.mul(2), sample: x, domain: 'any reals' });
    const wrong = defineOp({
      name: 'wrong',
      apply: ([t]) => (t!.device === 'webgpu' ? t!.neg() : t!),
      sample: x,
      domain: 'any reals',
    });
    const none = defineOp({
      name: 'made',
      apply: () => tensor([1, 2]),
      sample: fc.constant(sampleOf([], null)),
      domain: 'no inputs',
      differentiable: false,
    });
    const rows = await deviceSupport('webgpu', [ok, wrong, none]);
    expect(rows.map((r) => [r.name, r.support])).toEqual([
      ['double', 'backward'],
      ['wrong', 'mismatch'],
      ['made', 'notApplicable'],
    ]);
    expect(rows[1]!.reason).toMatch(/wrong on webgpu, sample 0/);
  });
});
