/**
 * Export plus parity gate: what the trainer runs before registering a tree model.
 */
import type { FeatureMatrix, GbdtModel } from '../trees';
import { checkOnnxParity, PARITY_TOLERANCE, type ParityOptions, type ParityReport } from './parity';
import { exportTreesToOnnx, type TreeExportOptions } from './tree-export';

export interface VerifiedExport {
  bytes: Uint8Array;
  parity: ParityReport;
}

/**
 * Exports the model and checks it on held-out rows against model.predict(); throws when the max
 * relative difference exceeds the tolerance (default 1e-4).
 */
export async function exportTreesVerified(
  model: GbdtModel,
  rows: FeatureMatrix,
  options: TreeExportOptions & ParityOptions & { tolerance?: number } = {},
): Promise<VerifiedExport> {
  const bytes = exportTreesToOnnx(model, options);
  const parity = await checkOnnxParity(bytes, rows, model.predict(rows), options);
  const tolerance = options.tolerance ?? PARITY_TOLERANCE;
  if (!(parity.maxRelDiff <= tolerance)) {
    throw new Error(
      `ONNX parity failed: max relative difference ${parity.maxRelDiff} > ${tolerance} (row ${parity.worstRow})`,
    );
  }
  return { bytes, parity };
}
