/**
 * The registry on another device: `checkOnDevice(info, 'webgpu')` runs an op on float32 copies of
 * its samples on the CPU and on the same inputs moved to the device, and says whether the device
 * runs it (forward, and backward for differentiable ops) and gives the CPU's values, or throws a
 * DeviceError (no kernel yet). Any other outcome (another error, a different value, shape or
 * dtype, an output left on the wrong device) is a `DeviceMismatchError` naming the op and sample.
 */
import { type Device, DeviceError, grad, noGrad, type Tensor, TsgradError, tensor } from '@tsgrad/core';
import fc from 'fast-check';
import { closeMismatch } from './assert-close.js';
import type { OpInfo, OpSample } from './op-info.js';

/**
 * Raised by `checkOnDevice` when the device gives another result than the CPU, or another error.
 *
 * @example
 * const e = new DeviceMismatchError('exp on webgpu, sample 0: output 0 differs from the CPU’s');
 * e instanceof TsgradError; // true: a test failure, not a missing kernel (that is a DeviceError)
 */
export class DeviceMismatchError extends TsgradError {}

/**
 * How far an op runs on a device: `'backward'` (forward and, for a differentiable op, its
 * gradients; every check that applies), `'forward'` (forward only: its backward throws a
 * DeviceError), `'unsupported'` (its forward throws a DeviceError) or `'notApplicable'` (its
 * samples have no tensor inputs to move, as for `randperm`: the op's own options pick the device).
 */
export type DeviceSupport = 'backward' | 'forward' | 'unsupported' | 'notApplicable';

/** What `checkOnDevice` found. */
export interface DeviceCheck {
  /** The op's name. */
  name: string;
  /** The device checked. */
  device: Device;
  /** How far the op runs there (the least over its samples). */
  support: DeviceSupport;
  /** The DeviceError's message where the op (or its backward) does not run. */
  reason?: string;
  /** Samples compared with the CPU. */
  samples: number;
}

/** Options of `checkOnDevice`. */
export interface CheckOnDeviceOptions {
  /** Samples drawn from the op's sample generator (default 3). */
  numRuns?: number;
  /** fast-check seed of the samples and of the gradients' random functional (default 17). */
  seed?: number;
  /** Absolute tolerance of float32 values (default 1e-5). */
  atol?: number;
  /** Relative tolerance of float32 values (default 1e-4). */
  rtol?: number;
}

const isFloat = (t: Tensor) => t.dtype === 'float32' || t.dtype === 'float64';

function outputsOf(out: Tensor | readonly Tensor[]): readonly Tensor[] {
  return Array.isArray(out) ? (out as readonly Tensor[]) : [out as Tensor];
}

/** A DeviceError that says the op has no kernel there (not one about mixed devices in the sample). */
function isUnsupported(e: unknown): e is DeviceError {
  return e instanceof DeviceError && !/on one device/.test(e.message);
}

/** `x` as a float32 leaf on the CPU (float64 cast, int32/bool kept), requiring grad as `x` does. */
function asFloat32(x: Tensor): Tensor {
  const y = noGrad(() => (x.dtype === 'float64' ? x.detach().to('float32') : x.detach().clone()));
  if (x.requiresGrad && isFloat(x)) y.requiresGrad_();
  return y;
}

/** A leaf copy of `x` on `device`, requiring grad as `x` does. */
function moved(x: Tensor, device: Device): Tensor {
  const y = noGrad(() => x.detach().to(device));
  if (x.requiresGrad) y.requiresGrad_();
  return y;
}

/** A deterministic stream of numbers in [−1, 1) (mulberry32). */
function uniforms(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  };
}

/** Reads `t` (on any device) back to a CPU tensor. */
async function toCpu(t: Tensor): Promise<Tensor> {
  return t.device === 'cpu' ? t : t.toAsync('cpu');
}

/**
 * Runs `info` on float32 copies of `numRuns` of its samples on the CPU and on `device`, and
 * compares outputs (read with `toAsync('cpu')`) and, for differentiable ops, the gradients of a
 * random linear functional of the float outputs with respect to the float inputs. Resolves to how
 * far the op runs there; rejects with a `DeviceMismatchError` for anything but a match or a
 * DeviceError.
 *
 * @example
 * // not run: needs a WebGPU adapter (initDevice throws a DeviceError without one)
 * await initDevice('webgpu');
 * const { support } = await checkOnDevice(findOp('exp'), 'webgpu'); // 'backward'
 */
export async function checkOnDevice(
  info: OpInfo,
  device: Device,
  options: CheckOnDeviceOptions = {},
): Promise<DeviceCheck> {
  const seed = options.seed ?? 17;
  const tol = { atol: options.atol ?? 1e-5, rtol: options.rtol ?? 1e-4, equalNaN: true };
  const samples = fc.sample(info.sample, { seed, numRuns: options.numRuns ?? 3 });
  const differentiable = info.differentiable ?? true;
  let support: DeviceSupport = 'backward';
  let reason: string | undefined;
  let compared = 0;
  for (const [k, sample] of samples.entries()) {
    const where = () => `${info.name} on ${device}, sample ${k} (${fc.stringify(sample)})`;
    const fail = (what: string): never => {
      throw new DeviceMismatchError(`${where()}: ${what}`);
    };
    if (sample.inputs.length === 0) continue;
    const cpuInputs = sample.inputs.map(asFloat32);
    let cpuOuts: readonly Tensor[];
    try {
      cpuOuts = outputsOf(info.apply(cpuInputs, sample.args as OpSample['args']));
    } catch (e) {
      // Every registered op runs on float32: a sample it rejects is a bug of the op or its entry.
      return fail(`the CPU rejects the float32 sample: ${(e as Error).message}`);
    }
    const devInputs = cpuInputs.map((x) => moved(x, device));
    let devOuts: readonly Tensor[];
    let devValues: Tensor[];
    try {
      devOuts = outputsOf(info.apply(devInputs, sample.args as OpSample['args']));
      devValues = await Promise.all(devOuts.map(toCpu));
    } catch (e) {
      if (isUnsupported(e))
        return { name: info.name, device, support: 'unsupported', reason: e.message, samples: compared };
      return fail(`threw ${(e as Error).name}: ${(e as Error).message}`);
    }
    if (devOuts.length !== cpuOuts.length) fail(`${devOuts.length} outputs, the CPU gives ${cpuOuts.length}`);
    cpuOuts.forEach((o, i) => {
      if (devOuts[i]!.device !== device) fail(`output ${i} is on ${devOuts[i]!.device}`);
      const mismatch = closeMismatch(devValues[i]!, o, tol);
      if (mismatch !== null) fail(`output ${i} differs from the CPU's: ${mismatch}`);
    });
    compared++;
    if (!differentiable || support !== 'backward') continue;
    const cpuDiff = cpuInputs.filter((x) => x.requiresGrad);
    const keep = cpuOuts.map((_, i) => i).filter((i) => cpuOuts[i]!.requiresGrad);
    if (cpuDiff.length === 0 || keep.length === 0) continue;
    // A random linear functional of the outputs: sum of w_i · out_i, w_i in [−1, 1).
    const next = uniforms(seed * 7919 + k);
    const weights = keep.map((i) => {
      const o = cpuOuts[i]!;
      const n = o.shape.reduce((a, b) => a * b, 1);
      return tensor(Array.from({ length: n }, next), { dtype: o.dtype, shape: [...o.shape] });
    });
    const cpuGrads = grad(
      keep.map((i) => cpuOuts[i]!),
      cpuDiff,
      { gradOutputs: weights, allowUnused: true },
    );
    let devGrads: Tensor[];
    try {
      const g = grad(
        keep.map((i) => devOuts[i]!),
        devInputs.filter((x) => x.requiresGrad),
        { gradOutputs: weights.map((w) => moved(w, device)), allowUnused: true },
      );
      devGrads = await Promise.all(g.map(toCpu));
    } catch (e) {
      if (isUnsupported(e)) {
        support = 'forward';
        reason = e.message;
        continue;
      }
      return fail(`backward threw ${(e as Error).name}: ${(e as Error).message}`);
    }
    cpuGrads.forEach((g, i) => {
      const mismatch = closeMismatch(devGrads[i]!, g, tol);
      if (mismatch !== null) fail(`the gradient of input ${i} differs from the CPU's: ${mismatch}`);
    });
  }
  if (compared === 0) {
    support = 'notApplicable';
    reason = `${info.name}: its samples have no tensor inputs to move to ${device}`;
  }
  return reason === undefined
    ? { name: info.name, device, support, samples: compared }
    : { name: info.name, device, support, reason, samples: compared };
}
