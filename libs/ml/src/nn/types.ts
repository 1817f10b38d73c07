/**
 * Public types of the neural nets: inputs, losses, optimisers, training parameters and architectures.
 */
import type { FeatureMatrix } from '../trees';

/** Feature rows for the MLP (row-major or column-major float32, NaN = missing) with one target per row. */
export interface MlpDataset extends FeatureMatrix {
  target: ArrayLike<number>;
  /** Defaults to f0, f1, ... */
  featureNames?: string[];
}

/**
 * Windows of history for the sequence models: window w, step t, channel c at
 * data[(w * windowLength + t) * numChannels + c] (N × T × C, row-major float32, NaN = missing).
 */
export interface WindowMatrix {
  data: Float32Array;
  numWindows: number;
  windowLength: number;
  numChannels: number;
}

/** Windows with their targets: numOutputs values per window (one per horizon), row-major. */
export interface WindowDataset extends WindowMatrix {
  target: ArrayLike<number>;
  /** Targets per window. Default 1. */
  numOutputs?: number;
  /** Steps ahead of each output (recorded in the model and the ONNX metadata). Default 1..numOutputs. */
  horizons?: number[];
  /** Defaults to c0, c1, ... */
  channelNames?: string[];
}

/**
 * Training losses. 'poisson' is the Poisson deviance of a log-link output (the network's raw output is
 * the log of the mean, the model outputs exp); 'pinball' is the quantile loss at alpha in (0, 1).
 */
export type NnLossConfig = { type: 'mse' } | { type: 'poisson' } | { type: 'pinball'; alpha: number };

export type NnLossType = NnLossConfig['type'];

export type OptimizerConfig =
  /** Adam; defaults learningRate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  | { type: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }
  /** SGD with (heavy-ball or Nesterov) momentum: v = momentum·v + g, w −= lr·v; defaults lr 0.01, momentum 0.9. */
  | { type: 'sgd'; learningRate?: number; momentum?: number; nesterov?: boolean };

/** Parameters shared by every network. */
export interface NnTrainParams {
  /** Default { type: 'mse' }. */
  loss?: NnLossConfig;
  /** Default { type: 'adam' }. */
  optimizer?: OptimizerConfig;
  /** Passes over the training rows (upper bound with early stopping). Default 50. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Seed of the initial weights and the batch order. Default 0. */
  seed?: number;
  /** Shuffle the rows every epoch. Default true. */
  shuffle?: boolean;
  /** Validation rows for early stopping (same shape as the training data). */
  validation?: MlpDataset | WindowDataset;
  /**
   * Without `validation`: the LAST share of the rows (in time order for windows) is held out. Default 0.
   */
  validationFraction?: number;
  /** Stop when the validation loss has not improved for this many epochs. 0 = never. Default 0. */
  earlyStoppingPatience?: number;
  /** Least decrease that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Keep the weights of the best validation epoch (with a validation set). Default true. */
  restoreBestWeights?: boolean;
  /** Clip the global gradient norm of every step to this value (useful for deep LSTMs). 0 = off. Default 0. */
  clipNorm?: number;
  /** Standardise inputs (per feature or channel; NaN becomes the training mean). Default true. */
  scaleInputs?: boolean;
  /** Standardise the target (MSE, pinball) or divide it by its mean (Poisson). Default true. */
  scaleTarget?: boolean;
  /** Called after every epoch; return false to stop (cancellation). */
  onEpoch?: (info: EpochInfo) => boolean | void;
}

export interface EpochInfo {
  epoch: number;
  /** Mean training loss of the epoch (scaled target space). */
  trainLoss: number;
  validLoss?: number;
  bestEpoch: number;
  seconds: number;
}

export interface MlpParams extends NnTrainParams {
  /** Units per hidden layer (ReLU). Default [64, 64]. */
  hiddenLayers?: number[];
}

export interface LstmArchitecture {
  kind: 'rnn';
  /** The recurrent cell; LSTM is the one supported (and exported as the ONNX LSTM op). */
  cell?: 'lstm';
  /** Hidden units. Default 32. */
  units?: number;
  /** Stacked layers. Default 1. */
  layers?: number;
}

export interface TcnArchitecture {
  kind: 'tcn';
  /** Channels of every convolution. Default 16. */
  filters?: number;
  /** Default 3. */
  kernelSize?: number;
  /** One causal convolution (plus ReLU, residual from the second on) per dilation. Default [1, 2, 4, 8]. */
  dilations?: number[];
}

export interface TransformerArchitecture {
  kind: 'transformer';
  /** Width of the token embeddings. Default 16. */
  modelDim?: number;
  /** Attention heads (modelDim must divide by it). Default 2. */
  heads?: number;
  /** Hidden units of the feed-forward block. Default 2 × modelDim. */
  ffDim?: number;
  /** Encoder layers. Default 1. */
  layers?: number;
  /** What feeds the output layer: all tokens flattened, or the last token. Default 'flatten'. */
  readout?: 'flatten' | 'last';
}

export type SequenceArchitecture = LstmArchitecture | TcnArchitecture | TransformerArchitecture;

export type SequenceKind = SequenceArchitecture['kind'];

export type NnKind = 'mlp' | SequenceKind;

export type SequenceParams = SequenceArchitecture & NnTrainParams;

/** One epoch of the training history. */
export interface HistoryEntry {
  epoch: number;
  trainLoss: number;
  validLoss?: number;
}
