/**
 * The registry of every op `@tsgrad/core` exports: one OpInfo per op, with its sample inputs and
 * domain. `opInfos` is what tsgrad's own suite runs `testOp` over; users add theirs to a list of
 * their own (or call `testOp` directly).
 */
import type { OpInfo } from '../op-info.js';
import { convOps } from './conv.js';
import { elementwiseOps } from './elementwise.js';
import { indexOps } from './index-ops.js';
import { reduceOps } from './reduce.js';
import { shapeOps } from './shape.js';

/** Every registered core op, by family. */
export const opInfos: readonly OpInfo[] = [
  ...elementwiseOps,
  ...reduceOps,
  ...shapeOps,
  ...indexOps,
  ...convOps,
];

/** The registered op called `name`. */
export function findOp(name: string): OpInfo {
  const info = opInfos.find((o) => o.name === name);
  if (info === undefined) throw new RangeError(`findOp: no op named '${name}' is registered`);
  return info;
}
