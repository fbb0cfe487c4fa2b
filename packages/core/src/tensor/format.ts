import { toContiguous } from '../kernels/copy.js';
import { sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';

const MAX_ITEMS = 6;

/**
 * Renders a tensor like PyTorch's print: `tensor([[1.0000, 2.0000], …], dtype=float32)`; bool
 * elements print as True/False.
 */
export function formatTensor(t: Tensor): string {
  const flat = toContiguous(t, true);
  const isInt = t.dtype === 'int32';
  const isBool = t.dtype === 'bool';
  const fmt = (v: number): string => {
    if (isBool) return v !== 0 ? 'True' : 'False';
    if (isInt) return String(v);
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    const abs = Math.abs(v);
    return abs !== 0 && (abs >= 1e5 || abs < 1e-4) ? v.toExponential(4) : v.toFixed(4);
  };
  const render = (d: number, base: number, indent: string): string => {
    if (t.ndim === 0) return fmt(flat[0]!);
    const n = t.shape[d]!;
    const stride = sizeOf(t.shape.slice(d + 1));
    const idx: (number | null)[] = [];
    if (n > MAX_ITEMS) {
      for (let i = 0; i < MAX_ITEMS / 2; i++) idx.push(i);
      idx.push(null);
      for (let i = n - MAX_ITEMS / 2; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    if (d === t.ndim - 1)
      return `[${idx.map((i) => (i === null ? '...' : fmt(flat[base + i]!))).join(', ')}]`;
    const sep = `,${'\n'.repeat(t.ndim - d - 1)}${indent} `;
    return `[${idx.map((i) => (i === null ? '...' : render(d + 1, base + i * stride, `${indent} `))).join(sep)}]`;
  };
  const extras = [`dtype=${t.dtype}`];
  if (t.gradFn !== null) extras.push(`gradFn=${t.gradFn.name}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${render(0, 0, '       ')}, ${extras.join(', ')})`;
}
