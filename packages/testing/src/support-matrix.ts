/**
 * The op registry as a support matrix: one row per registered op with its dtypes, whether
 * gradients (and second derivatives) are checked, and which generated properties run; the source
 * of docs/FEATURES.md; and `deviceSupport`, how far each op runs on a device such as webgpu.
 */
import type { Device, DType } from '@tsgrad/core';
import {
  type CheckOnDeviceOptions,
  checkOnDevice,
  DeviceMismatchError,
  type DeviceSupport,
} from './device-check.js';
import { applicableProperties, type OpInfo, type PropertyKind } from './op-info.js';
import { opInfos } from './ops/index.js';

/** One row of the support matrix. */
export interface OpSupport {
  /** The op's exported name, e.g. `logSoftmax`. */
  name: string;
  /** Its family (core's ops/ file), e.g. `elementwise`. */
  family: string;
  /** The float dtypes its properties run with. */
  dtypes: DType[];
  /** The output dtype: 'same' as the float inputs, or a fixed dtype (`bool` for predicates). */
  outputDtype: 'same' | DType;
  /** Whether gradients flow and are checked by finite differences. */
  gradient: boolean;
  /** Whether second derivatives are checked by finite differences. */
  secondOrder: boolean;
  /** Whether the tensor inputs broadcast together. */
  broadcasting: boolean;
  /** Whether the op draws random numbers (from a seeded Generator in its tests). */
  random: boolean;
  /** The valid domain the sample inputs are drawn from. */
  domain: string;
  /** The generated properties that run. */
  properties: PropertyKind[];
  /** Properties left out, with the reason. */
  skipped: { property: PropertyKind; reason: string }[];
}

/**
 * The registry (every op of `@tsgrad/core` by default) as a support matrix, one row per op in
 * registry order.
 *
 * @example
 * for (const row of supportMatrix()) console.log(row.name, row.gradient ? 'yes' : 'no');
 */
export function supportMatrix(infos: readonly OpInfo[] = opInfos): OpSupport[] {
  return infos.map((info) => {
    const kinds = applicableProperties(info);
    const skipped = kinds
      .filter((k) => info.skip?.[k] !== undefined)
      .map((property) => ({ property, reason: info.skip![property]! }));
    return {
      name: info.name,
      family: info.family ?? 'other',
      dtypes: [...(info.dtypes ?? (['float32', 'float64'] as const))],
      outputDtype: info.outputDtype ?? 'same',
      gradient: kinds.includes('gradient'),
      secondOrder: kinds.includes('secondOrder'),
      broadcasting: info.broadcasting ?? false,
      random: info.random ?? false,
      domain: info.domain,
      properties: kinds.filter((k) => info.skip?.[k] === undefined),
      skipped,
    };
  });
}

/** How far one op runs on a device, as `deviceSupport` found it. */
export interface OpDeviceSupport {
  /** The op's exported name. */
  name: string;
  /** How far it runs, or `'mismatch'` where its device check fails (a bug: see the message). */
  support: DeviceSupport | 'mismatch';
  /** The DeviceError's message, or the check's failure for a mismatch. */
  reason?: string;
}

/**
 * Runs `checkOnDevice` for every op of the registry on `device` (started already, e.g. by
 * `await initDevice('webgpu')`), one row per op in registry order; a failing check is a
 * `'mismatch'` row rather than an exception. Deterministic: the samples come from a fixed seed.
 *
 * @example
 * // not run: needs a WebGPU adapter (initDevice throws a DeviceError without one)
 * await initDevice('webgpu');
 * for (const row of await deviceSupport('webgpu')) console.log(row.name, row.support);
 */
export async function deviceSupport(
  device: Device,
  infos: readonly OpInfo[] = opInfos,
  options: CheckOnDeviceOptions = {},
): Promise<OpDeviceSupport[]> {
  const rows: OpDeviceSupport[] = [];
  for (const info of infos) {
    try {
      const { support, reason } = await checkOnDevice(info, device, options);
      rows.push(reason === undefined ? { name: info.name, support } : { name: info.name, support, reason });
    } catch (e) {
      if (!(e instanceof DeviceMismatchError)) throw e;
      rows.push({ name: info.name, support: 'mismatch', reason: e.message });
    }
  }
  return rows;
}
