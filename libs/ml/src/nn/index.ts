/**
 * Neural nets with TensorFlow.js on its WebAssembly backend: an MLP on feature rows and sequence
 * models (LSTM, temporal convolution, Transformer encoder) on windows of history; MSE, Poisson and
 * pinball losses; SGD with momentum and Adam; early stopping; JSON and verified ONNX export.
 */
export { ensureNnBackend, nnBackendReady, wasmBinariesFolder } from './backend';
export type {
  EpochInfo,
  HistoryEntry,
  LstmArchitecture,
  MlpDataset,
  MlpParams,
  NnKind,
  NnLossConfig,
  NnLossType,
  NnTrainParams,
  OptimizerConfig,
  SequenceArchitecture,
  SequenceKind,
  SequenceParams,
  TcnArchitecture,
  TransformerArchitecture,
  WindowDataset,
  WindowMatrix,
} from './types';
export { trainMlp, trainSequenceModel, resolveNnParams, resolveSequenceConfig, type ResolvedNnParams } from './train';
export {
  MlpModel,
  NnModel,
  SequenceModel,
  deserializeNnModel,
  loadNnModel,
  nnModelFromJSON,
  serializeNnModel,
  type AnyNnModel,
  type NnModelInit,
  type SequenceConfig,
} from './model';
export type { LstmConfig, MlpConfig, NetConfig, TcnConfig, TransformerConfig } from './nets';
export { positionalEncoding } from './nets';
export type { Weight } from './init';
export { linkOf, type InputScaling, type NnLink, type TargetScaling } from './scaling';
export {
  NN_FORMAT,
  NN_FORMAT_VERSION,
  base64ToFloat32,
  float32ToBase64,
  type SerializedNn,
  type SerializedWeight,
} from './serialize';
export {
  NN_FEATURES_INPUT,
  NN_PARITY_FLOOR_SHARE,
  NN_WINDOW_INPUT,
  checkNnParity,
  nnParityFloor,
  exportNnToOnnx,
  exportNnVerified,
  type NnExportOptions,
  type NnParityReport,
  type NnVerifiedExport,
} from './onnx-export';
export {
  lastValueForecast,
  windowsFromSeries,
  sliceWindows,
  type SeriesInput,
  type SeriesWindows,
  type WindowOptions,
} from './windows';
export { seasonalSeries, type SeasonalSeriesOptions } from './synthetic';
