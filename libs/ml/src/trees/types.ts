/**
 * Public types of the gradient-boosted trees: inputs, parameters and the flat tree layout.
 */

/** A dense float32 feature matrix; NaN marks a missing value. */
export interface FeatureMatrix {
  data: Float32Array;
  numRows: number;
  numFeatures: number;
  /** Default 'row-major' (row r, feature f at r * numFeatures + f); 'column-major' is f * numRows + r. */
  layout?: 'row-major' | 'column-major';
}

/** Training rows: features plus target and optional weights. One global model over many series is just rows. */
export interface DatasetInput extends FeatureMatrix {
  target: Float64Array;
  weights?: Float64Array;
  /** Defaults to f0, f1, ... */
  featureNames?: string[];
  /**
   * Indices of categorical features. Their values are category codes (any finite float32 value, usually
   * small non-negative integers); NaN is missing. Categories unseen in training go right at every split.
   */
  categoricalFeatures?: number[];
}

export type LossConfig =
  | { type: 'l2' }
  /** maxDeltaStep inflates the hessian to exp(raw + maxDeltaStep) (XGBoost's safeguard, default 0.7). */
  | { type: 'poisson'; maxDeltaStep?: number }
  /** variancePower p in (1, 2), default 1.5. */
  | { type: 'tweedie'; variancePower?: number }
  /** Pinball loss at quantile alpha in (0, 1). */
  | { type: 'quantile'; alpha: number };

export type LossType = LossConfig['type'];

export type GrowPolicy = 'depthwise' | 'lossguide';

export interface TrainParams {
  loss: LossConfig;
  /** Number of boosting rounds (upper bound with early stopping). Default 100. */
  numTrees?: number;
  /** Default 0.1. */
  learningRate?: number;
  /** 'depthwise' (XGBoost default) expands level by level; 'lossguide' splits the best leaf first (LightGBM). */
  growPolicy?: GrowPolicy;
  /** Maximum depth; 0 = unlimited (needs maxLeaves). Default 6 for depthwise, 0 for lossguide. */
  maxDepth?: number;
  /** Maximum leaves per tree; 0 = unlimited (only with depthwise). Default 31 for lossguide, 0 for depthwise. */
  maxLeaves?: number;
  /** Minimum hessian sum in a child. Default 1. */
  minChildWeight?: number;
  /** Minimum number of rows in a leaf. Default 1. */
  minDataInLeaf?: number;
  /** L2 regularisation on leaf values. Default 1. */
  lambda?: number;
  /** Minimum gain to split (gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ), as XGBoost and LightGBM). Default 0. */
  minSplitGain?: number;
  /** Clamp |leaf value| before shrinkage; 0 = off. Default 0. */
  maxDeltaStep?: number;
  /** Row fraction sampled per tree (bagging). Default 1. */
  subsample?: number;
  /** Feature fraction sampled per tree. Default 1. */
  colsampleByTree?: number;
  /** Maximum value bins per feature (≤ 255; missing has its own extra bin). Default 255. */
  maxBin?: number;
  /** Rows sampled to find bin bounds. Default 200000. */
  binSampleSize?: number;
  /** Categorical splits: one-vs-rest when a node sees at most this many categories. Default 4. */
  maxCatToOnehot?: number;
  /** Categorical splits: at most this many categories in the left set. Default 32. */
  maxCatThreshold?: number;
  /** Categorical splits: smoothing added to the hessian when ordering categories. Default 10. */
  catSmooth?: number;
  /** Categorical splits: extra L2 in the gain of many-vs-many splits. Default 10. */
  catL2?: number;
  /** Categorical splits: categories with fewer rows at a node are not put in the left set. Default 10. */
  minDataPerGroup?: number;
  /**
   * Threads that build histograms (the caller plus numThreads − 1 worker threads over shared memory).
   * Results do not depend on it. Small data sets always use one. Default 1.
   */
  numThreads?: number;
  /** Seed of bagging, feature sampling and bin sampling. Default 0. */
  seed?: number;
  /** Validation rows for early stopping (binned with the training bins, predicted on raw values). */
  validation?: DatasetInput;
  /** Stop when the validation metric has not improved for this many rounds; the best iteration is kept. */
  earlyStoppingRounds?: number;
  /** Called after every round; return false to stop training (cancellation). */
  onIteration?: (info: IterationInfo) => boolean | void;
}

export interface IterationInfo {
  iteration: number;
  numLeaves: number;
  trainMetric?: number;
  validMetric?: number;
  bestIteration: number;
}

/**
 * One tree, flattened. Internal nodes are 0..n-1 (root 0 unless the tree is a single leaf); a child
 * index c >= 0 is an internal node and c < 0 is the leaf ~c. Numeric split: go left when
 * x <= threshold (threshold is an exact float32 value, the upper bound of the split bin); categorical
 * split: go left when x is one of catSets[catSetIndex[node]]. NaN goes left when defaultLeft is 1.
 */
export interface Tree {
  splitFeature: Int32Array;
  threshold: Float64Array;
  /** 0 numeric, 1 categorical. */
  decisionType: Uint8Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** Index into catSets for categorical nodes, -1 otherwise. */
  catSetIndex: Int32Array;
  /** Category values that go left, ascending. */
  catSets: Float64Array[];
  splitGain: Float64Array;
  /** Sum of training sample weights (row counts when unweighted) that reached the node. */
  internalCover: Float64Array;
  leafValue: Float64Array;
  leafCover: Float64Array;
}

export interface ModelSummary {
  loss: LossType;
  numTrees: number;
  numLeaves: number;
  numInternalNodes: number;
  maxDepth: number;
  meanLeavesPerTree: number;
  numFeatures: number;
  categoricalFeatures: number[];
  bestIteration: number;
  initScore: number;
  /** Bytes of the serialised JSON. */
  serializedBytes: number;
}
