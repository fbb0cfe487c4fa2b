/** TensorFlow.js, loaded once, with its pure-JS `cpu` and its WebAssembly (XNNPACK, SIMD) backends. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** The two TensorFlow.js backends compared. */
export type TfBackend = 'cpu' | 'wasm';

/** The TensorFlow.js namespace. */
export { tf };

// Production mode, as a deployed app runs: no debug checks (and no "use tfjs-node" banner).
tf.enableProdMode();

/** Switches TensorFlow.js to `backend` (initialising it the first time). */
export async function useBackend(backend: TfBackend): Promise<void> {
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`bench: TensorFlow.js backend '${backend}' failed to initialise`);
    await tf.ready();
  }
}
