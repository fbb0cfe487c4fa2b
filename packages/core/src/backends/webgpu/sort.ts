/**
 * Order ops on the GPU by ranking: one thread per element counts the elements of its line that
 * come before it (NaN above every number, ties by position, so the order is stable and
 * deterministic) and writes itself at that rank if it is among the first k. O(n²) comparisons per
 * line, all in parallel: meant for the lines of a model (logits, scores), not for sorting
 * millions of elements in one line.
 */
import type { DType } from '../../tensor/dtype.js';
import type { View } from '../backend.js';
import type { SortedStorage, SortKernels } from '../sort.js';
import { collapse, header, wgslType } from './codegen.js';
import { helpersFor } from './elementwise.js';
import { gpu, type Kernel, type WebGPUBuffer } from './runtime.js';

/**
 * Meta: [lines·n, n, k, inner, strideD, offset, keptRank, keptShape…, keptStrides…]; line L's
 * start is offset + Σ (L's index along the other dims)·stride.
 */
function rankKernel(
  name: string,
  x: View,
  d: number,
  mode: 'asc' | 'desc' | 'kth' | 'median',
  k: number,
  outDtype: DType,
): SortedStorage {
  const rt = gpu(name);
  const n = x.shape[d]!;
  const others = x.shape.map((_, i) => i).filter((i) => i !== d);
  let lines = 1;
  for (const i of others) lines *= x.shape[i]!;
  let inner = 1;
  for (let i = d + 1; i < x.shape.length; i++) inner *= x.shape[i]!;
  const width = mode === 'kth' || mode === 'median' ? 1 : k;
  const values = rt.alloc(outDtype, lines * width, name);
  const indices = rt.alloc('int32', lines * width, name);
  if (lines * n === 0 || width === 0) return { values, indices };
  const kept = collapse(
    others.map((i) => x.shape[i]!),
    [others.map((i) => x.strides[i]!)],
  );
  const r = kept.shape.length;
  const meta = [lines * n, n, k, inner, x.strides[d]!, x.offset, r, ...kept.shape, ...kept.strides[0]!];
  const t = wgslType(x.dtype);
  const float = t === 'f32';
  const nan = (v: string) => (float ? `is_nan(${v})` : 'false');
  // Whether u (at j) comes before v (at i) in the line's order.
  const before =
    mode === 'desc'
      ? `(u > v) || (u == v && j < i) || (${nan('u')} && !${nan('v')}) || (${nan('u')} && ${nan('v')} && j < i)`
      : `(u < v) || (u == v && j < i) || (!${nan('u')} && ${nan('v')}) || (${nan('u')} && ${nan('v')} && j < i)`;
  const kernel: Kernel = {
    key: `rank:${mode}:${t}:${r}`,
    wgsl: () => {
      const base: string[] = ['  var b = prm[5];', '  var rem = line;'];
      for (let a = r - 1; a >= 0; a--) {
        base.push(`  { let m = prm[${7 + a}]; b += (rem % m) * prm[${7 + r + a}]; rem = rem / m; }`);
      }
      const store =
        mode === 'median'
          ? `  var firstNaN = -1;
  for (var j = 0; j < n; j++) { if (firstNaN < 0 && ${nan('x[b + j * sd]')}) { firstNaN = j; } }
  if (firstNaN >= 0) { if (i == firstNaN) { vals[line] = v; idx[line] = i; } return; }
  if (rank == prm[2]) { vals[line] = v; idx[line] = i; }`
          : mode === 'kth'
            ? '  if (rank == prm[2]) { vals[line] = v; idx[line] = i; }'
            : `  if (rank < prm[2]) {
    let o = (line / prm[3]) * prm[2] * prm[3] + rank * prm[3] + line % prm[3];
    vals[o] = v; idx[o] = i;
  }`;
      return `${float ? helpersFor('is_nan') : ''}
${header(`@group(0) @binding(1) var<storage, read_write> vals: array<${wgslType(outDtype)}>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;
@group(0) @binding(3) var<storage, read> x: array<${t}>;`)}
  if (i >= prm[0]) { return; }
  let n = prm[1];
  let sd = prm[4];
  let line = i / n;
  let i_ = i % n;
${base.join('\n')}
  let v = x[b + i_ * sd];
  var rank = 0;
  for (var j = 0; j < n; j++) {
    let u = x[b + j * sd];
    if (${before.replaceAll('j < i', 'j < i_')}) { rank += 1; }
  }
${store.replaceAll('i == firstNaN', 'i_ == firstNaN').replaceAll('idx[line] = i;', 'idx[line] = i_;').replaceAll('idx[o] = i;', 'idx[o] = i_;')}
}`;
    },
  };
  rt.run(kernel, meta, [values, indices, x.storage as WebGPUBuffer], lines * n);
  return { values, indices };
}

/** The WebGPU order kernels. */
export const webgpuSort: SortKernels = {
  sort: (x, d, descending, k) => rankKernel('sort', x, d, descending ? 'desc' : 'asc', k, x.dtype),
  kth: (x, d, k, propagateNaN) => rankKernel('kthvalue', x, d, propagateNaN ? 'median' : 'kth', k, x.dtype),
};
