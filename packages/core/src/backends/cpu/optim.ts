/**
 * The CPU's fused optimizer updates: the same loops as the nn optimizers' CPU path, behind the
 * kernel interface (what the device kernels are tested against).
 */
import type { TypedArray } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import { adamConstants, type OptimKernels } from '../optim.js';

function data(x: { storage: unknown }): TypedArray {
  return x.storage as TypedArray;
}

/** The CPU's optimizer kernels. */
export const cpuOptim: OptimKernels = {
  sgdStep(param, grad, momentumBuffer, o) {
    const p = data(param);
    const g = data(grad);
    const po = param.offset;
    const go = grad.offset;
    const n = sizeOf(param.shape);
    const sign = o.maximize ? -1 : 1;
    const keep = 1 - o.dampening;
    const b = momentumBuffer === null ? null : data(momentumBuffer);
    const bo = momentumBuffer === null ? 0 : momentumBuffer.offset;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i]!;
      if (o.weightDecay !== 0) gi += o.weightDecay * p[po + i]!;
      if (b !== null && o.momentum !== 0) {
        b[bo + i] = o.first ? gi : o.momentum * b[bo + i]! + keep * gi;
        gi = o.nesterov ? gi + o.momentum * b[bo + i]! : b[bo + i]!;
      }
      p[po + i] = p[po + i]! - o.lr * gi;
    }
  },
  adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, o) {
    const p = data(param);
    const g = data(grad);
    const m = data(expAvg);
    const v = data(expAvgSq);
    const x = maxExpAvgSq === null ? null : data(maxExpAvgSq);
    const [po, go, mo, vo] = [param.offset, grad.offset, expAvg.offset, expAvgSq.offset];
    const xo = maxExpAvgSq === null ? 0 : maxExpAvgSq.offset;
    const n = sizeOf(param.shape);
    const { stepSize, bias2Sqrt, l2, shrink, sign } = adamConstants(o);
    const { beta1, beta2, eps } = o;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i]!;
      let pi = p[po + i]!;
      if (l2 !== 0) gi += l2 * pi;
      if (shrink !== 1) pi *= shrink;
      const mi = beta1 * m[mo + i]! + (1 - beta1) * gi;
      const vi = beta2 * v[vo + i]! + (1 - beta2) * gi * gi;
      m[mo + i] = mi;
      v[vo + i] = vi;
      let vHat = v[vo + i]!;
      if (x !== null) {
        x[xo + i] = Math.max(x[xo + i]!, vHat);
        vHat = x[xo + i]!;
      }
      p[po + i] = pi - (stepSize * m[mo + i]!) / (Math.sqrt(vHat) / bias2Sqrt + eps);
    }
  },
};
