/**
 * Checks shared by the layers, so that a layer's errors name the layer the user called
 * (`LayerNorm: input is float64, weights are float32`), not an op inside it (`mul`).
 */
import { type DType, DTypeError, ShapeError, type Tensor, TsgradError, ValueError } from '@tsgrad/core';

/** Throws a DTypeError naming `layer` unless the input has the dtype of the layer's weights (or `what`). */
export function checkInputDType(layer: string, x: Tensor, dtype: DType, what = 'weights'): void {
  if (x.dtype !== dtype) throw new DTypeError(`${layer}: input is ${x.dtype}, ${what} are ${dtype}`);
}

const RENAMED = [ShapeError, DTypeError, ValueError] as const;

/**
 * Runs a layer's computation. A ShapeError, DTypeError or ValueError raised by an op inside it
 * (`conv2d: …`, `maxPool2d: …`) is raised again, of the same class and with the original as its
 * `cause`, with the layer's name in place of the op's, so the message names what the user called.
 */
export function asLayer<T>(layer: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (!(error instanceof TsgradError) || error.message.startsWith(`${layer}:`)) throw error;
    const Kind = RENAMED.find((k) => error.constructor === k);
    if (Kind === undefined) throw error;
    const renamed = new Kind(`${layer}: ${error.message.replace(/^[\w.]+: /, '')}`);
    renamed.cause = error;
    throw renamed;
  }
}
