import { forEachRow, isContiguous, type StridedArray } from './strided.js';

/** What non-finite value an array holds first: 'nan', 'inf', or null when every element is finite. */
export function firstNonFinite(x: StridedArray): 'nan' | 'inf' | null {
  let found: 'nan' | 'inf' | null = null;
  const scan = (data: StridedArray['data'], start: number, step: number, n: number) => {
    for (let k = 0, i = start; k < n; k++, i += step) {
      const v = data[i]!;
      if (v - v !== 0) {
        found = Number.isNaN(v) ? 'nan' : 'inf';
        return;
      }
    }
  };
  const rank = x.shape.length;
  if (rank === 0) scan(x.data, x.offset, 1, 1);
  else if (isContiguous(x.shape, x.strides)) {
    let size = 1;
    for (const d of x.shape) size *= d;
    scan(x.data, x.offset, 1, size);
  } else {
    const step = x.strides[rank - 1]!;
    const n = x.shape[rank - 1]!;
    forEachRow(x.shape, [x.strides], [x.offset], (s) => {
      if (found === null) scan(x.data, s[0]!, step, n);
    });
  }
  return found;
}
