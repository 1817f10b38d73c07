/**
 * TensorFlow.js on its WebAssembly backend, set up lazily and once.
 *
 * Nothing loads TensorFlow.js until the first call to ensureNnBackend(): importing @shelfcast/ml
 * for the trees or the metrics costs nothing. The .wasm binaries come from the
 * @tensorflow/tfjs-backend-wasm package folder (setWasmPaths), never from the network. In Node the
 * backend runs single-threaded with SIMD, so kernels sum in a fixed order and the same seed gives
 * the same weights.
 */
import * as path from 'node:path';
import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;

let tfModule: Tf | undefined;
let pending: Promise<Tf> | undefined;

/** The folder holding tfjs-backend-wasm's .wasm files (its dist/ folder), with a trailing slash. */
export function wasmBinariesFolder(): string {
  return `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`;
}

async function setUp(): Promise<Tf> {
  // Loaded here, not at the top of the module: the import is what costs.
  const tf: Tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (tf.getBackend() !== 'wasm') {
    wasm.setWasmPaths(wasmBinariesFolder());
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js: the wasm backend failed to initialise');
  }
  await tf.ready();
  tfModule = tf;
  return tf;
}

/** Loads TensorFlow.js and makes 'wasm' the backend; idempotent, concurrent calls share one set-up. */
export function ensureNnBackend(): Promise<Tf> {
  pending ??= setUp().catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

/** TensorFlow.js once ensureNnBackend() has resolved; throws before. */
export function tfjs(): Tf {
  if (!tfModule) throw new Error('the neural-net backend is not ready: await ensureNnBackend() first');
  return tfModule;
}

/** Whether ensureNnBackend() has resolved. */
export function nnBackendReady(): boolean {
  return tfModule !== undefined;
}
