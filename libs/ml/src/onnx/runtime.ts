/**
 * Runs an ONNX model with onnxruntime-node (CPU) in a short-lived worker thread.
 *
 * A worker keeps the native runtime in its own realm: in a vm-sandboxed host such as Jest, output
 * tensors created by the native binding fail onnxruntime-common's `instanceof Float32Array` checks
 * in the sandbox; a worker also keeps a slow model off the caller's event loop.
 */
import { Worker } from 'node:worker_threads';

export interface OnnxRunResult {
  inputNames: string[];
  outputNames: string[];
  /** First output (or the one named). */
  data: Float32Array | Float64Array;
  dims: number[];
}

const SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
(async () => {
  const session = await ort.InferenceSession.create(workerData.model, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    const inputName = workerData.inputName || session.inputNames[0];
    const outputName = workerData.outputName || session.outputNames[0];
    const input = new ort.Tensor('float32', new Float32Array(workerData.input), workerData.dims);
    const result = await session.run({ [inputName]: input });
    const out = result[outputName];
    const data = out.data.slice();
    parentPort.postMessage({ inputNames: session.inputNames, outputNames: session.outputNames, data, dims: Array.from(out.dims, Number) }, [data.buffer]);
  } finally {
    await session.release();
  }
})().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
`;

/** Runs model bytes on a float32 input of the given dims and returns one output. */
export function runOnnxModel(
  modelBytes: Uint8Array,
  input: Float32Array,
  dims: number[],
  names: { inputName?: string; outputName?: string } = {},
): Promise<OnnxRunResult> {
  const ortPath = require.resolve('onnxruntime-node');
  const inputCopy = input.slice();
  return new Promise((resolve, reject) => {
    const worker = new Worker(SOURCE, {
      eval: true,
      execArgv: [],
      workerData: {
        ortPath,
        model: modelBytes.slice(),
        input: inputCopy.buffer,
        dims,
        inputName: names.inputName,
        outputName: names.outputName,
      },
      transferList: [inputCopy.buffer],
    });
    let settled = false;
    worker.once('message', (m: OnnxRunResult & { error?: string }) => {
      settled = true;
      void worker.terminate();
      if (m.error) reject(new Error(`onnxruntime: ${m.error}`));
      else resolve({ inputNames: m.inputNames, outputNames: m.outputNames, data: m.data, dims: m.dims });
    });
    worker.once('error', (e) => {
      if (!settled) reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`onnxruntime worker exited with code ${code}`));
    });
  });
}
