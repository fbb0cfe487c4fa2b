/**
 * The WebAssembly SIMD matmul kernels, emitted as bytes (see assembler.ts).
 *
 * Each kernel computes C = A·B (or C += A·B when `accumulate` is non-zero) for `mPanels` panels
 * of TILE_M rows × `nPanels` panels of TILE_N columns over `kc` steps of p; C is row-major with
 * `ldc` bytes per row, and all pointers and strides are in bytes. The loop over column panels is
 * outside the loop over row panels, so one kc × TILE_N panel of B stays in L1 while A streams.
 *
 * The register tile is TILE_M × TILE_N = 4 × 8: eight f32x4 accumulators, two B vectors and four
 * A splats fill 14 of the 15 SIMD registers that V8's x64 code generator allocates (xmm15 is its
 * scratch register). TurboFan hoists every load of one loop iteration to its top, so a larger
 * tile (6 × 8) or an unrolled k loop spills accumulators to the stack on every step and runs at
 * about half the speed; TurboFan unrolls this small loop by itself.
 *
 * - `gemmCols(pa, aPanel, aStep, pb, bPanel, bStep, pc, ldc, mPanels, nPanels, kc, accumulate)`:
 *   the TILE_M A values of one step are adjacent (A column-major, e.g. a transposed view):
 *   A(i, p) at pa + (i/TILE_M)·aPanel + (i%TILE_M)·4 + p·aStep.
 * - `gemmRows(pa, lda, pb, bPanel, bStep, pc, ldc, mPanels, nPanels, kc, accumulate)`: A
 *   row-major: A(i, p) at pa + i·lda + 4p.
 *
 * B(p, j) is at pb + (j/TILE_N)·bPanel + (j%TILE_N)·4 + p·bStep in both: a row-major B with
 * bPanel = 4·TILE_N, or B packed in TILE_N-column panels (bStep = 4·TILE_N) by `packB`.
 *
 * - `packB(src, ldb, dst, k, nPanels)`: copies the row-major k × (8·nPanels) matrix at `src`
 *   (`ldb` bytes per row) into 8-column panels at `dst`: B(p, j) to dst + (j/8)·32k + 32p + 4(j%8).
 */
import { buildModule, Code, I32, type MemoryDef, V128 } from './assembler.js';

/** Rows and columns of the register tile. */
export const TILE_M = 4;
export const TILE_N = 8;

/** Reads of A: the row-major kernel walks one pointer per row, the column kernel one pointer. */
type AMode = 'cols' | 'rows';

function gemmFunction(
  mode: AMode,
  tileM: number,
  nv: number,
): { params: number[]; locals: number[]; body: Code } {
  const tileN = 4 * nv;
  // Parameters.
  const PA = 0;
  const A_PANEL = 1; // cols: aPanel; rows: lda
  let next = mode === 'cols' ? 3 : 2;
  const A_STEP = 2; // cols only
  const PB = next++,
    B_PANEL = next++,
    B_STEP = next++,
    PC = next++,
    LDC = next++,
    M_PANELS = next++,
    N_PANELS = next++,
    KC = next++,
    ACCUMULATE = next++;
  const params = new Array<number>(next).fill(I32);
  // Locals.
  const I = next++,
    J = next++,
    P = next++,
    PTR_B = next++,
    PANEL_B = next++,
    ROW = next++;
  const PTR_A = next; // cols: 1 pointer; rows: one per row
  next += mode === 'cols' ? 1 : tileM;
  const i32Count = next - params.length;
  const ACC = next; // tileM·nv accumulators: ACC + nv·row + v
  next += tileM * nv;
  const A = next++;
  const B = next;
  next += nv;
  const locals = [...new Array<number>(i32Count).fill(I32), ...new Array<number>(next - ACC).fill(V128)];

  const c = new Code();
  c.i32(0).set(J);
  c.block().loop();
  c.get(J).get(N_PANELS).geU().brIf(1);
  c.get(PB).get(J).get(B_PANEL).mul().add().set(PANEL_B);
  c.i32(0).set(I);
  c.block().loop();
  c.get(I).get(M_PANELS).geU().brIf(1);
  if (mode === 'cols') c.get(PA).get(I).get(A_PANEL).mul().add().set(PTR_A);
  else {
    c.get(PA).get(I).i32(tileM).mul().get(A_PANEL).mul().add().set(PTR_A);
    for (let r = 1; r < tileM; r++)
      c.get(PTR_A + r - 1)
        .get(A_PANEL)
        .add()
        .set(PTR_A + r);
  }
  c.get(PANEL_B).set(PTR_B);
  for (let r = 0; r < tileM * nv; r++) c.v128Zero().set(ACC + r);

  // One step of p.
  c.get(KC).set(P);
  c.block().loop();
  c.get(P).eqz().brIf(1);
  for (let v = 0; v < nv; v++)
    c.get(PTR_B)
      .v128Load(16 * v)
      .set(B + v);
  c.get(PTR_B).get(B_STEP).add().set(PTR_B);
  for (let r = 0; r < tileM; r++) {
    if (mode === 'cols')
      c.get(PTR_A)
        .load32Splat(4 * r)
        .set(A);
    else
      c.get(PTR_A + r)
        .load32Splat(0)
        .set(A);
    for (let v = 0; v < nv; v++)
      c.get(ACC + nv * r + v)
        .get(A)
        .get(B + v)
        .f32x4Mul()
        .f32x4Add()
        .set(ACC + nv * r + v);
  }
  if (mode === 'cols') c.get(PTR_A).get(A_STEP).add().set(PTR_A);
  else
    for (let r = 0; r < tileM; r++)
      c.get(PTR_A + r)
        .i32(4)
        .add()
        .set(PTR_A + r);
  c.get(P).i32(1).sub().set(P);
  c.br(0);
  c.end().end();

  // C tile = accumulators, or += when accumulating over a later block of k.
  c.get(PC)
    .get(I)
    .i32(tileM)
    .mul()
    .get(LDC)
    .mul()
    .add()
    .get(J)
    .i32(tileN * 4)
    .mul()
    .add()
    .set(ROW);
  c.get(ACCUMULATE).eqz().if_();
  for (let r = 0; r < tileM; r++) {
    for (let v = 0; v < nv; v++)
      c.get(ROW)
        .get(ACC + nv * r + v)
        .v128Store(16 * v);
    c.get(ROW).get(LDC).add().set(ROW);
  }
  c.else_();
  for (let r = 0; r < tileM; r++) {
    for (let v = 0; v < nv; v++)
      c.get(ROW)
        .get(ROW)
        .v128Load(16 * v)
        .get(ACC + nv * r + v)
        .f32x4Add()
        .v128Store(16 * v);
    c.get(ROW).get(LDC).add().set(ROW);
  }
  c.end();
  c.get(I).i32(1).add().set(I).br(0);
  c.end().end();
  c.get(J).i32(1).add().set(J).br(0);
  c.end().end();
  return { params, locals, body: c };
}

/** packB(src, ldb, dst, k, nPanels): row-major B into 8-column panels, two f32x4 per row. */
function packBFunction(): { params: number[]; locals: number[]; body: Code } {
  const SRC = 0,
    LDB = 1,
    DST = 2,
    K = 3,
    N_PANELS = 4;
  const J = 5,
    P = 6,
    S = 7,
    D = 8;
  const c = new Code();
  c.get(DST).set(D);
  c.i32(0).set(J);
  c.block().loop();
  c.get(J).get(N_PANELS).geU().brIf(1);
  c.get(SRC).get(J).i32(32).mul().add().set(S);
  c.get(K).set(P);
  c.block().loop();
  c.get(P).eqz().brIf(1);
  c.get(D).get(S).v128Load(0).v128Store(0);
  c.get(D).get(S).v128Load(16).v128Store(16);
  c.get(D).i32(32).add().set(D);
  c.get(S).get(LDB).add().set(S);
  c.get(P).i32(1).sub().set(P);
  c.br(0);
  c.end().end();
  c.get(J).i32(1).add().set(J).br(0);
  c.end().end();
  return { params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32], body: c };
}

/**
 * packBT(src, k, dst, nPanels, colStride, panelStride): B given by columns (B(p, j) at
 * src + j·colStride + 4p, 8·nPanels columns of k floats) into 8-column panels at dst: B(p, j) to
 * dst + (j/8)·panelStride + 32p + 4(j%8). Strides in bytes.
 */
function packBTFunction(): { params: number[]; locals: number[]; body: Code } {
  const SRC = 0,
    K = 1,
    DST = 2,
    N_PANELS = 3,
    KB = 4,
    PANEL = 5;
  const J = 6,
    P = 7,
    S = 8,
    D = 9;
  const c = new Code();
  c.i32(0).set(J);
  c.block().loop();
  c.get(J).get(N_PANELS).geU().brIf(1);
  c.get(DST).get(J).get(PANEL).mul().add().set(D);
  c.get(SRC).get(J).get(KB).mul().i32(8).mul().add().set(S);
  c.get(K).set(P);
  c.block().loop();
  c.get(P).eqz().brIf(1);
  for (let col = 0; col < 8; col++) {
    c.get(D);
    if (col === 0) c.get(S);
    else c.get(S).get(KB).i32(col).mul().add();
    c.f32Load(0).f32Store(4 * col);
  }
  c.get(D).i32(32).add().set(D);
  c.get(S).i32(4).add().set(S);
  c.get(P).i32(1).sub().set(P);
  c.br(0);
  c.end().end();
  c.get(J).i32(1).add().set(J).br(0);
  c.end().end();
  return { params: new Array<number>(6).fill(I32), locals: [I32, I32, I32, I32], body: c };
}

/**
 * unpackRows(src, k, dst, nGroups, srcRow, dstCol): the inverse of `packBT` for one panel per
 * group of 8 columns: rows of 8·nGroups floats (row p at src + p·srcRow) become columns
 * (element (p, j) to dst + j·dstCol + 4p). Strides in bytes.
 */
function unpackRowsFunction(): { params: number[]; locals: number[]; body: Code } {
  const SRC = 0,
    K = 1,
    DST = 2,
    N_GROUPS = 3,
    SRC_ROW = 4,
    DST_COL = 5;
  const J = 6,
    P = 7,
    S = 8,
    D = 9;
  const c = new Code();
  c.i32(0).set(J);
  c.block().loop();
  c.get(J).get(N_GROUPS).geU().brIf(1);
  c.get(SRC).get(J).i32(32).mul().add().set(S);
  c.get(DST).get(J).get(DST_COL).mul().i32(8).mul().add().set(D);
  c.get(K).set(P);
  c.block().loop();
  c.get(P).eqz().brIf(1);
  for (let col = 0; col < 8; col++) {
    if (col === 0) c.get(D);
    else c.get(D).get(DST_COL).i32(col).mul().add();
    c.get(S)
      .f32Load(4 * col)
      .f32Store(0);
  }
  c.get(D).i32(4).add().set(D);
  c.get(S).get(SRC_ROW).add().set(S);
  c.get(P).i32(1).sub().set(P);
  c.br(0);
  c.end().end();
  c.get(J).i32(1).add().set(J).br(0);
  c.end().end();
  return { params: new Array<number>(6).fill(I32), locals: [I32, I32, I32, I32], body: c };
}

/**
 * copyBlocks(src, dst, len, vecLen, rows, srcRow, dstRow, outer, srcOuter, dstOuter) (or
 * `addBlocks`, which adds into dst instead of storing): for each of `outer` blocks and each of
 * its `rows` rows, the `len` bytes of f32 at src are copied (added) to dst, four floats at a
 * time up to `vecLen` (len rounded down to 16 bytes) and one at a time after; src and dst advance
 * by srcRow/dstRow bytes per row and by srcOuter/dstOuter per block. Rows of one call must not
 * overlap in dst when adding. The unfold (im2col) and fold (col2im) of convolutions.
 */
function blocksFunction(add: boolean): { params: number[]; locals: number[]; body: Code } {
  const SRC = 0,
    DST = 1,
    LEN = 2,
    VEC_LEN = 3,
    ROWS = 4,
    SRC_ROW = 5,
    DST_ROW = 6,
    OUTER = 7,
    SRC_OUTER = 8,
    DST_OUTER = 9;
  const S = 10,
    D = 11,
    R = 12,
    Q = 13;
  const c = new Code();
  c.block().loop();
  c.get(OUTER).eqz().brIf(1);
  c.get(SRC).set(S);
  c.get(DST).set(D);
  c.get(ROWS).set(R);
  c.block().loop();
  c.get(R).eqz().brIf(1);
  c.i32(0).set(Q);
  // Four floats at a time.
  c.block().loop();
  c.get(Q).get(VEC_LEN).geU().brIf(1);
  c.get(D).get(Q).add();
  if (add) c.get(D).get(Q).add().v128Load(0);
  c.get(S).get(Q).add().v128Load(0);
  if (add) c.f32x4Add();
  c.v128Store(0);
  c.get(Q).i32(16).add().set(Q);
  c.br(0);
  c.end().end();
  // The rest one by one.
  c.block().loop();
  c.get(Q).get(LEN).geU().brIf(1);
  c.get(D).get(Q).add();
  if (add) c.get(D).get(Q).add().f32Load(0);
  c.get(S).get(Q).add().f32Load(0);
  if (add) c.f32Add();
  c.f32Store(0);
  c.get(Q).i32(4).add().set(Q);
  c.br(0);
  c.end().end();
  c.get(S).get(SRC_ROW).add().set(S);
  c.get(D).get(DST_ROW).add().set(D);
  c.get(R).i32(1).sub().set(R);
  c.br(0);
  c.end().end();
  c.get(SRC).get(SRC_OUTER).add().set(SRC);
  c.get(DST).get(DST_OUTER).add().set(DST);
  c.get(OUTER).i32(1).sub().set(OUTER);
  c.br(0);
  c.end().end();
  return { params: new Array<number>(10).fill(I32), locals: [I32, I32, I32, I32], body: c };
}

/**
 * The module's bytes: exports `memory`, `gemmCols`, `gemmRows`, `packB`, `packBT`, `unpackRows`, `copyBlocks` and
 * `addBlocks`. By default the module
 * defines its own memory; `memory` makes it import `env.memory` instead (shared between the
 * threads of the worker pool when `memory.shared`).
 */
export function gemmModuleBytes(tileM = TILE_M, nv = TILE_N / 4, memory: MemoryDef = {}): Uint8Array {
  return buildModule(
    [
      { name: 'gemmCols', ...gemmFunction('cols', tileM, nv) },
      { name: 'gemmRows', ...gemmFunction('rows', tileM, nv) },
      { name: 'packB', ...packBFunction() },
      { name: 'packBT', ...packBTFunction() },
      { name: 'unpackRows', ...unpackRowsFunction() },
      { name: 'copyBlocks', ...blocksFunction(false) },
      { name: 'addBlocks', ...blocksFunction(true) },
    ],
    1,
    memory,
  );
}
