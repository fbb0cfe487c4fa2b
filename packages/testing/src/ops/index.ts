/**
 * The registry of every op `@tsgrad/core` exports: one OpInfo per op, with its sample inputs and
 * domain, one file per op family as in core's ops/. `opInfos` is what tsgrad's own suite runs
 * `testOp` over; users add theirs to a list of their own (or call `testOp` directly).
 */
import type { OpInfo } from '../op-info.js';
import { activationOps } from './activation.js';
import { attentionOps } from './attention.js';
import { convOps } from './conv.js';
import { einsumOps } from './einsum.js';
import { elementwiseOps } from './elementwise.js';
import { embeddingOps } from './embedding.js';
import { indexOps } from './index-ops.js';
import { linearOps } from './linear.js';
import { lossOps } from './loss.js';
import { maskOps } from './mask.js';
import { matmulOps } from './matmul.js';
import { normOps } from './norm.js';
import { normalizationOps } from './normalization.js';
import { poolOps } from './pool.js';
import { rearrangeOps } from './rearrange.js';
import { reduceOps } from './reduce.js';
import { samplingOps } from './sampling.js';
import { scanOps } from './scan.js';
import { shapeOps } from './shape.js';
import { sortOps } from './sort.js';

/** The registry's families, named after core's ops/ files. */
const FAMILIES: Record<string, readonly OpInfo[]> = {
  elementwise: elementwiseOps,
  activation: activationOps,
  reduce: reduceOps,
  matmul: matmulOps,
  linear: linearOps,
  loss: lossOps,
  shape: shapeOps,
  rearrange: rearrangeOps,
  'index-ops': indexOps,
  mask: maskOps,
  scan: scanOps,
  sort: sortOps,
  norm: normOps,
  normalization: normalizationOps,
  einsum: einsumOps,
  embedding: embeddingOps,
  attention: attentionOps,
  conv: convOps,
  pool: poolOps,
  sampling: samplingOps,
};

/** Every registered core op, by family. */
export const opInfos: readonly OpInfo[] = Object.entries(FAMILIES).flatMap(([family, infos]) =>
  infos.map((info) => ({ ...info, family })),
);

/**
 * The registered op called `name`.
 *
 * @example
 * const info = findOp('softmax');
 * info.domain; // 'any reals'
 */
export function findOp(name: string): OpInfo {
  const info = opInfos.find((o) => o.name === name);
  if (info === undefined) throw new RangeError(`findOp: no op named '${name}' is registered`);
  return info;
}
