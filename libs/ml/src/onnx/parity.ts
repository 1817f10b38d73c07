/**
 * Parity between an exported ONNX model (run by onnxruntime-node on the CPU, in a worker thread) and
 * the in-memory model.
 *
 * relative difference of a row = |onnx − expected| / max(|expected|, floor), floor 1e-6 by default;
 * an export passes at maxRelDiff <= 1e-4 (PARITY_TOLERANCE).
 */
import type { FeatureMatrix } from '../trees';
import { runOnnxModel } from './runtime';

export const PARITY_TOLERANCE = 1e-4;
export const PARITY_FLOOR = 1e-6;

export interface ParityOptions {
  /** Denominator floor of the relative difference. Default 1e-6. */
  floor?: number;
  /** Default: the model's first input. */
  inputName?: string;
  /** Default: the model's first output. */
  outputName?: string;
}

export interface ParityReport {
  maxRelDiff: number;
  maxAbsDiff: number;
  /** Row of maxRelDiff. */
  worstRow: number;
  numRows: number;
  floor: number;
  /** ONNX outputs (first column). */
  outputs: Float32Array;
}

function rowMajor(m: FeatureMatrix): Float32Array {
  if (m.layout !== 'column-major') return m.data.subarray(0, m.numRows * m.numFeatures);
  const out = new Float32Array(m.numRows * m.numFeatures);
  for (let f = 0; f < m.numFeatures; f++)
    for (let r = 0; r < m.numRows; r++) out[r * m.numFeatures + f] = m.data[f * m.numRows + r];
  return out;
}

/** Runs the model on rows ([N, F] float32) and compares its first output column with expected. */
export async function checkOnnxParity(
  modelBytes: Uint8Array,
  rows: FeatureMatrix,
  expected: ArrayLike<number>,
  options: ParityOptions = {},
): Promise<ParityReport> {
  if (expected.length !== rows.numRows)
    throw new Error(`expected has ${expected.length} values for ${rows.numRows} rows`);
  const { data } = await runOnnxModel(modelBytes, rowMajor(rows), [rows.numRows, rows.numFeatures], options);
  const cols = rows.numRows > 0 ? data.length / rows.numRows : 1;
  const outputs = new Float32Array(rows.numRows);
  const floor = options.floor ?? PARITY_FLOOR;
  let maxRelDiff = 0;
  let maxAbsDiff = 0;
  let worstRow = -1;
  for (let r = 0; r < rows.numRows; r++) {
    const o = data[r * cols];
    outputs[r] = o;
    const e = expected[r];
    const abs = Math.abs(o - e);
    const rel = abs / Math.max(Math.abs(e), floor);
    // NaN on either side is a failure, never hidden by a comparison.
    if (!(rel <= maxRelDiff)) {
      maxRelDiff = Number.isNaN(rel) ? Infinity : rel;
      worstRow = r;
    }
    if (!(abs <= maxAbsDiff)) maxAbsDiff = Number.isNaN(abs) ? Infinity : abs;
  }
  return { maxRelDiff, maxAbsDiff, worstRow, numRows: rows.numRows, floor, outputs };
}
