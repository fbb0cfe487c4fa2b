/**
 * WGSL building blocks shared by the kernels: element types, the meta binding, the thread index
 * of a 1-D dispatch, and strided indexing (an operand's buffer position from the output's
 * row-major index, through its shape and strides, so views are read without copying).
 */
import type { DType } from '../../tensor/dtype.js';
import { WORKGROUP } from './runtime.js';

/** The WGSL scalar type a dtype is stored as (bool as u32 0/1). */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype === 'int32' ? 'i32' : dtype === 'bool' ? 'u32' : 'f32';
}

/** The int32 bit pattern of a float32 (for float parameters passed in the meta words). */
export function f32bits(v: number): number {
  F32[0] = v;
  return I32[0]!;
}
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** The meta binding and the entry point header of a 1-D kernel: `i` is the thread's index. */
export function header(bindings: string): string {
  return `@group(0) @binding(0) var<storage, read> prm: array<i32>;
${bindings}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = i32((wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid);`;
}

/**
 * Merges adjacent dims that every operand steps through contiguously (and drops size-1 dims), so
 * most views index as rank 1 or 2. `strides` are per operand, already broadcast to `shape`.
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * n)) {
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, k) => {
        outStrides[k]![last] = s[d]!;
      });
    } else {
      outShape.push(n);
      for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Meta words of a strided map over `shape` (after `collapse`): [size, shape…, then per operand
 * offset, strides…]. Operand k's offset word is at `stridedBase(rank, k)`.
 */
export function stridedMeta(
  size: number,
  shape: readonly number[],
  offsets: readonly number[],
  strides: readonly (readonly number[])[],
): number[] {
  const meta = [size, ...shape];
  for (let k = 0; k < offsets.length; k++) meta.push(offsets[k]!, ...strides[k]!);
  return meta;
}

/** Where operand k's offset word lies in `stridedMeta`'s layout. */
export function stridedBase(rank: number, k: number): number {
  return 1 + rank + k * (rank + 1);
}

/**
 * WGSL statements that set `p0`, `p1`, … (i32) to each operand's buffer position for the output
 * index `i`, for a rank fixed at generation time (unrolled).
 */
export function stridedPositions(rank: number, operands: number, extraOffset = 0): string {
  const lines: string[] = [];
  for (let k = 0; k < operands; k++) lines.push(`  var p${k} = prm[${stridedBase(rank, k) + extraOffset}];`);
  if (rank > 0) lines.push('  var rem = i;');
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`  { let n = prm[${1 + d + extraOffset}]; let c = rem % n; rem = rem / n;`);
    for (let k = 0; k < operands; k++)
      lines.push(`    p${k} += c * prm[${stridedBase(rank, k) + 1 + d + extraOffset}];`);
    lines.push('  }');
  }
  return lines.join('\n');
}
