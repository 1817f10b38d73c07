/**
 * Histogram-based gradient-boosted regression trees (XGBoost hist / LightGBM style) in pure TypeScript.
 */
export type {
  DatasetInput,
  FeatureMatrix,
  GrowPolicy,
  IterationInfo,
  LossConfig,
  LossType,
  ModelSummary,
  TrainParams,
  Tree,
} from './types';
export { trainGbdt, resolveParams, type ResolvedParams } from './train';
export { trainGbdtInThread, type ThreadFitOptions } from './train-in-thread';
export { GbdtModel, type GbdtModelInit, type RecordedParams } from './model';
export { createLoss, weightedQuantile, type Link, type Loss } from './losses';
export { treeShap, treeExpectedValue, type ShapResult } from './shap';
export { addTreePrediction, leafIndex, nextNode, treeDepth } from './tree-predict';
export {
  GBDT_FORMAT,
  GBDT_FORMAT_VERSION,
  deserializeModel,
  modelFromJSON,
  modelToJSON,
  serializeModel,
  summarizeModel,
  type SerializedGbdt,
  type SerializedTree,
} from './serialize';
export { applyBins, findBins, type BinnedData, type FeatureBins } from './binning';
export { findBestSplit, leafWeight, nodeScore, type SplitInfo, type SplitParams } from './split';
export { syntheticRegression, type SyntheticOptions } from './synthetic';
