/**
 * ONNX export: a generic graph builder, the tree-ensemble exporter and the onnxruntime parity check.
 */
export {
  attr,
  decodeModel,
  elemTypeCode,
  makeTensor,
  OnnxGraphBuilder,
  type AttributeValue,
  type Dim,
  type ElemType,
  type ModelOptions,
} from './builder';
export {
  exportTreesToOnnx,
  featureSetSignature,
  ONNX_INPUT_NAME,
  ONNX_OUTPUT_NAME,
  type TreeExportOptions,
} from './tree-export';
export { checkOnnxParity, PARITY_FLOOR, PARITY_TOLERANCE, type ParityOptions, type ParityReport } from './parity';
export { exportTreesVerified, type VerifiedExport } from './verify';
export { runOnnxModel, type OnnxRunResult } from './runtime';
