/**
 * The block loop of the float32 matmul, as JavaScript source text, so that the calling thread
 * and the pool's workers (started from a string, see pool.ts) run the very same code: the k
 * blocks outermost (each C tile adds its k blocks in the same order whoever computes it), then
 * column panels, then row panels, over one rectangle of TILE_M × TILE_N tiles of C.
 *
 * The job's parameters sit in an Int32Array (`JOB` offsets below), byte offsets into the
 * WebAssembly memory that every thread shares.
 */
import { TILE_M, TILE_N } from '../wasm/gemm-module.js';

/** Offsets of the job's parameters in the control array. */
export const JOB = {
  colsMode: 8,
  aBase: 9,
  aPanel: 10,
  aStep: 11,
  lda: 12,
  pBase: 13,
  bPanel: 14,
  bStep: 15,
  cBase: 16,
  ldc: 17,
  k: 18,
  kcMax: 19,
} as const;

/** Row panels per block: 32 × 4 rows × KC × 4 bytes = 128 KiB of A stays in L2 while B panels stream. */
export const MC_PANELS = 32;
/**
 * Column panels per block: 32 × 8 columns × KC × 4 bytes = 256 KiB of packed B stays in L2 while
 * the row blocks of A pass over it (it matters little on a quiet machine, and keeps n = 1024 off
 * the shared L3 when other processes compete for it).
 */
export const NC_PANELS = 32;

/** runBlocks(gemmCols, gemmRows, job, r0, r1, c0, c1): tiles of row panels [r0, r1) × column panels [c0, c1). */
export type RunBlocks = (
  gemmCols: (...args: number[]) => void,
  gemmRows: (...args: number[]) => void,
  job: Int32Array,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
) => void;

/** The source of a `RunBlocks` function expression (plain ES2015, no TypeScript). */
export const RUN_BLOCKS_SOURCE = `function runBlocks(gemmCols, gemmRows, job, r0, r1, c0, c1) {
  var colsMode = job[${JOB.colsMode}], aBase = job[${JOB.aBase}], aPanel = job[${JOB.aPanel}];
  var aStep = job[${JOB.aStep}], lda = job[${JOB.lda}], pBase = job[${JOB.pBase}];
  var bPanel = job[${JOB.bPanel}], bStep = job[${JOB.bStep}], cBase = job[${JOB.cBase}];
  var ldc = job[${JOB.ldc}], k = job[${JOB.k}], kcMax = job[${JOB.kcMax}];
  for (var pc = 0; pc < k; pc += kcMax) {
    var kc = Math.min(kcMax, k - pc);
    var accumulate = pc > 0 ? 1 : 0;
    for (var jc = c0; jc < c1; jc += ${NC_PANELS}) {
      var cols = Math.min(${NC_PANELS}, c1 - jc);
      var pb = pBase + pc * bStep + jc * bPanel;
      for (var ic = r0; ic < r1; ic += ${MC_PANELS}) {
        var rows = Math.min(${MC_PANELS}, r1 - ic);
        var pa = aBase + ic * aPanel + pc * aStep;
        var pcC = cBase + ic * ${TILE_M} * ldc + jc * ${TILE_N * 4};
        if (colsMode) gemmCols(pa, aPanel, aStep, pb, bPanel, bStep, pcC, ldc, rows, cols, kc, accumulate);
        else gemmRows(pa, lda, pb, bPanel, bStep, pcC, ldc, rows, cols, kc, accumulate);
      }
    }
  }
}`;

/** Compiles `RUN_BLOCKS_SOURCE` on the calling thread. */
export function compileRunBlocks(): RunBlocks {
  return new Function(`return ${RUN_BLOCKS_SOURCE}`)() as RunBlocks;
}
