/**
 * The WebAssembly SIMD matmul kernels, emitted as bytes (see assembler.ts).
 *
 * Both add A·B into C for `mPanels` panels of 6 rows × `nPanels` panels of 8 columns over `kc`
 * steps of p; C is row-major with `ldc` bytes per row, and all pointers and strides are in bytes.
 * Each 6 × 8 tile of C is held in twelve f32x4 registers (two B vectors and one A splat make 15
 * of the 16 SIMD registers of x64) while its kc-long dot products run, then added to C once.
 *
 * - `gemmCols(pa, aPanel, aStep, pb, bPanel, bStep, pc, ldc, mPanels, nPanels, kc)`: the 6 A
 *   values of one step are adjacent (A column-major, e.g. a transposed view, or packed):
 *   A(i, p) at pa + (i/6)·aPanel + (i%6)·4 + p·aStep.
 * - `gemmRows(pa, lda, pb, bPanel, bStep, pc, ldc, mPanels, nPanels, kc)`: A row-major:
 *   A(i, p) at pa + i·lda + 4p.
 *
 * B(p, j) is at pb + (j/8)·bPanel + (j%8)·4 + p·bStep in both: a row-major B with bPanel = 32,
 * or B packed in 8-column panels.
 */
import { buildModule, Code, I32, V128 } from './assembler.js';

/** Rows and columns of the register tile. */
export const TILE_M = 6;
export const TILE_N = 8;

/** Reads of A: the row-major kernel walks one pointer per row, the column kernel one pointer. */
type AMode = 'cols' | 'rows';

function gemmFunction(mode: AMode, unroll: number): { params: number[]; locals: number[]; body: Code } {
  const tileM = TILE_M;
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
    KC = next++;
  const params = new Array<number>(next).fill(I32);
  // Locals.
  const I = next++,
    J = next++,
    P = next++,
    PTR_B = next++,
    PTR_C = next++,
    ROW = next++;
  const PTR_A = next; // cols: 1 pointer; rows: one per row
  next += mode === 'cols' ? 1 : tileM;
  const i32Count = next - params.length;
  const ACC = next; // 2·tileM accumulators: ACC + 2·row + half
  next += 2 * tileM;
  const A = next++,
    B0 = next++,
    B1 = next++;
  const locals = [...new Array<number>(i32Count).fill(I32), ...new Array<number>(next - ACC).fill(V128)];

  const c = new Code();
  c.i32(0).set(J);
  c.block().loop();
  c.get(J).get(N_PANELS).geU().brIf(1);
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
  c.get(PB).get(J).get(B_PANEL).mul().add().set(PTR_B);
  c.get(PC)
    .get(I)
    .i32(tileM)
    .mul()
    .get(LDC)
    .mul()
    .add()
    .get(J)
    .i32(TILE_N * 4)
    .mul()
    .add()
    .set(PTR_C);
  for (let r = 0; r < 2 * tileM; r++) c.v128Zero().set(ACC + r);

  // One step of p; `u` is its index within an unrolled group (rows mode folds it into offsets).
  const step = (u: number): void => {
    c.get(PTR_B).v128Load(0).set(B0);
    c.get(PTR_B).v128Load(16).set(B1);
    c.get(PTR_B).get(B_STEP).add().set(PTR_B);
    for (let r = 0; r < tileM; r++) {
      if (mode === 'cols')
        c.get(PTR_A)
          .load32Splat(4 * r)
          .set(A);
      else
        c.get(PTR_A + r)
          .load32Splat(4 * u)
          .set(A);
      c.get(ACC + 2 * r)
        .get(A)
        .get(B0)
        .f32x4Mul()
        .f32x4Add()
        .set(ACC + 2 * r);
      c.get(ACC + 2 * r + 1)
        .get(A)
        .get(B1)
        .f32x4Mul()
        .f32x4Add()
        .set(ACC + 2 * r + 1);
    }
    if (mode === 'cols') c.get(PTR_A).get(A_STEP).add().set(PTR_A);
  };
  const advanceRows = (steps: number): void => {
    if (mode === 'rows')
      for (let r = 0; r < tileM; r++)
        c.get(PTR_A + r)
          .i32(4 * steps)
          .add()
          .set(PTR_A + r);
  };
  c.get(KC).set(P);
  if (unroll > 1) {
    c.block().loop();
    c.get(P).i32(unroll).sub().i32(0x80000000).geU().brIf(1); // exit when p < unroll (p − unroll wraps negative)
    for (let u = 0; u < unroll; u++) step(u);
    advanceRows(unroll);
    c.get(P).i32(unroll).sub().set(P);
    c.br(0);
    c.end().end();
  }
  c.block().loop();
  c.get(P).eqz().brIf(1);
  step(0);
  advanceRows(1);
  c.get(P).i32(1).sub().set(P);
  c.br(0);
  c.end().end();
  // C tile += accumulators.
  c.get(PTR_C).set(ROW);
  for (let r = 0; r < tileM; r++) {
    for (let h = 0; h < 2; h++)
      c.get(ROW)
        .get(ROW)
        .v128Load(16 * h)
        .get(ACC + 2 * r + h)
        .f32x4Add()
        .v128Store(16 * h);
    c.get(ROW).get(LDC).add().set(ROW);
  }
  c.get(I).i32(1).add().set(I).br(0);
  c.end().end();
  c.get(J).i32(1).add().set(J).br(0);
  c.end().end();
  return { params, locals, body: c };
}

/** The module's bytes: exports `memory`, `gemmCols` and `gemmRows`. */
export function gemmModuleBytes(unroll = 2): Uint8Array {
  return buildModule([
    { name: 'gemmCols', ...gemmFunction('cols', unroll) },
    { name: 'gemmRows', ...gemmFunction('rows', unroll) },
  ]);
}
