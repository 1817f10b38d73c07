/**
 * Training: trainMlp on feature rows, trainSequenceModel on windows of history. One loop for every
 * network: inputs scaled once, seeded initial weights and batch order, mini-batch steps with the
 * chosen optimiser (optionally clipped by global norm), validation loss per epoch, early stopping with
 * the best weights restored.
 */
import type * as TF from '@tensorflow/tfjs';
import { createRng } from '../core/random';
import type { RecordedParams } from '../trees';
import { ensureNnBackend, type Tf } from './backend';
import type { Weight } from './init';
import { checkLoss, nnLoss } from './losses';
import { MlpModel, SequenceModel, type SequenceConfig } from './model';
import { netOf, type MlpConfig, type NetConfig, type TensorMap } from './nets';
import { clipByGlobalNorm, createOptimizer, resolveOptimizer } from './optimizers';
import {
  fitInputScaling,
  fitTargetScaling,
  preprocess,
  scaleTargetValues,
  type InputScaling,
  type TargetScaling,
} from './scaling';
import type {
  EpochInfo,
  HistoryEntry,
  MlpDataset,
  MlpParams,
  NnLossConfig,
  NnTrainParams,
  OptimizerConfig,
  SequenceParams,
  WindowDataset,
} from './types';

/** Parameters with every default filled in. */
export interface ResolvedNnParams {
  loss: NnLossConfig;
  optimizer: Required<OptimizerConfig>;
  epochs: number;
  batchSize: number;
  seed: number;
  shuffle: boolean;
  validationFraction: number;
  earlyStoppingPatience: number;
  minDelta: number;
  restoreBestWeights: boolean;
  clipNorm: number;
  scaleInputs: boolean;
  scaleTarget: boolean;
}

export function resolveNnParams(p: NnTrainParams): ResolvedNnParams {
  const r: ResolvedNnParams = {
    loss: checkLoss(p.loss ?? { type: 'mse' }),
    optimizer: resolveOptimizer(p.optimizer),
    epochs: p.epochs ?? 50,
    batchSize: p.batchSize ?? 64,
    seed: p.seed ?? 0,
    shuffle: p.shuffle ?? true,
    validationFraction: p.validationFraction ?? 0,
    earlyStoppingPatience: p.earlyStoppingPatience ?? 0,
    minDelta: p.minDelta ?? 0,
    restoreBestWeights: p.restoreBestWeights ?? true,
    clipNorm: p.clipNorm ?? 0,
    scaleInputs: p.scaleInputs ?? true,
    scaleTarget: p.scaleTarget ?? true,
  };
  const check = (ok: boolean, msg: string): void => {
    if (!ok) throw new Error(`invalid neural-net parameter: ${msg}`);
  };
  check(Number.isInteger(r.epochs) && r.epochs >= 0, `epochs ${r.epochs}`);
  check(Number.isInteger(r.batchSize) && r.batchSize >= 1, `batchSize ${r.batchSize}`);
  check(
    r.validationFraction >= 0 && r.validationFraction < 1,
    `validationFraction ${r.validationFraction} (0 <= f < 1)`,
  );
  check(
    Number.isInteger(r.earlyStoppingPatience) && r.earlyStoppingPatience >= 0,
    `earlyStoppingPatience ${r.earlyStoppingPatience}`,
  );
  check(r.minDelta >= 0, `minDelta ${r.minDelta}`);
  check(r.clipNorm >= 0, `clipNorm ${r.clipNorm}`);
  return r;
}

/** Rows in the network's layout: row-major float32, rowShape per row, numOutputs targets per row. */
interface Rows {
  x: Float32Array;
  y: ArrayLike<number>;
  n: number;
}

interface FitSpec<C extends NetConfig> {
  config: C;
  rowShape: number[];
  train: Rows;
  valid?: Rows;
  params: ResolvedNnParams;
  onEpoch?: NnTrainParams['onEpoch'];
}

interface FitResult {
  weights: Weight[];
  inputScaling: InputScaling;
  targetScaling: TargetScaling;
  history: HistoryEntry[];
  bestEpoch: number;
}

const product = (a: number[]): number => a.reduce((x, y) => x * y, 1);

const weightTensors = (tf: Tf, weights: Weight[]): TensorMap =>
  Object.fromEntries(weights.map((w) => [w.name, tf.tensor(w.values, w.shape)]));

/** The standardised inputs (the graph predict() runs), computed once in chunks. */
function scaleRows(tf: Tf, x: Float32Array, n: number, rowShape: number[], s: InputScaling): Float32Array {
  const size = product(rowShape);
  const out = new Float32Array(n * size);
  const chunk = Math.max(1, Math.floor((1 << 20) / size));
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const t = tf.tidy(() =>
      preprocess(tf, tf.tensor(x.subarray(start * size, end * size), [end - start, ...rowShape]), s),
    );
    out.set(t.dataSync(), start * size);
    t.dispose();
  }
  return out;
}

/** Mean loss over rows, in chunks, without gradients. */
function meanLoss(
  tf: Tf,
  spec: FitSpec<NetConfig>,
  weights: Weight[],
  x: Float32Array,
  y: Float32Array,
  n: number,
): number {
  const size = product(spec.rowShape);
  const O = spec.config.numOutputs;
  const chunk = spec.config.kind === 'mlp' ? 8192 : 1024;
  let sum = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const l = tf.tidy(() => {
      const w = weightTensors(tf, weights);
      const xb = tf.tensor(x.subarray(start * size, end * size), [end - start, ...spec.rowShape]);
      const yb = tf.tensor2d(y.subarray(start * O, end * O), [end - start, O]);
      return nnLoss(tf, spec.params.loss, netOf(spec.config).forward(tf, w, xb, spec.config), yb);
    });
    sum += l.dataSync()[0] * (end - start);
    l.dispose();
  }
  return sum / n;
}

async function fit<C extends NetConfig>(spec: FitSpec<C>): Promise<FitResult> {
  const tf = await ensureNnBackend();
  const p = spec.params;
  const { config, rowShape, train, valid } = spec;
  const net = netOf(config);
  const O = config.numOutputs;
  const size = product(rowShape);
  const width = rowShape[rowShape.length - 1];
  if (train.n < 1) throw new Error('no training rows');

  const inputScaling = fitInputScaling(train.x.subarray(0, train.n * size), width, p.scaleInputs);
  const targetScaling = fitTargetScaling(train.y, O, p.loss, p.scaleTarget);
  const xTrain = scaleRows(tf, train.x, train.n, rowShape, inputScaling);
  const yTrain = scaleTargetValues(train.y, targetScaling);
  const xValid = valid && valid.n > 0 ? scaleRows(tf, valid.x, valid.n, rowShape, inputScaling) : undefined;
  const yValid = valid && valid.n > 0 ? scaleTargetValues(valid.y, targetScaling) : undefined;
  // Validation targets get the same checks (finite; >= 0 for Poisson).
  if (valid && valid.n > 0) fitTargetScaling(valid.y, O, p.loss, false);

  // Two streams from one seed: initial weights, then batch order.
  const init = net.init(config, createRng(p.seed));
  const orderRng = createRng((Math.imul(p.seed, 0x9e3779b1) ^ 0x85ebca6b) >>> 0);
  // The weights live here as float32 arrays: every step uploads them, TensorFlow.js returns the
  // gradients and the optimiser updates the arrays in place.
  const weights: Weight[] = init.map((x) => ({ name: x.name, shape: x.shape.slice(), values: x.values.slice() }));
  const optimizer = createOptimizer(
    p.optimizer,
    weights.map((x) => x.values.length),
  );
  const snapshot = (): Float32Array[] => weights.map((x) => x.values.slice());

  const history: HistoryEntry[] = [];
  let best = Infinity;
  let bestEpoch = -1;
  let bestWeights: Float32Array[] | undefined;
  let wait = 0;
  const order = Int32Array.from({ length: train.n }, (_, i) => i);
  const B = Math.min(p.batchSize, train.n);
  const xb = new Float32Array(B * size);
  const yb = new Float32Array(B * O);
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    const t0 = Date.now();
    if (p.shuffle) orderRng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < train.n; start += B) {
      const b = Math.min(B, train.n - start);
      for (let i = 0; i < b; i++) {
        const r = order[start + i];
        xb.set(xTrain.subarray(r * size, (r + 1) * size), i * size);
        yb.set(yTrain.subarray(r * O, (r + 1) * O), i * O);
      }
      let grads: Float32Array[] = [];
      tf.tidy(() => {
        const x = tf.tensor(xb.subarray(0, b * size), [b, ...rowShape]);
        const y = tf.tensor2d(yb.subarray(0, b * O), [b, O]);
        const lossOf = (...ws: TF.Tensor[]): TF.Scalar => {
          const w: TensorMap = Object.fromEntries(weights.map((v, i) => [v.name, ws[i]]));
          return nnLoss(tf, p.loss, net.forward(tf, w, x, config), y);
        };
        const r = tf.valueAndGrads(lossOf)(weights.map((v) => tf.tensor(v.values, v.shape)));
        lossSum += r.value.dataSync()[0] * b;
        grads = r.grads.map((g) => g.dataSync() as Float32Array);
      });
      if (p.clipNorm > 0) clipByGlobalNorm(grads, p.clipNorm);
      optimizer.step(
        weights.map((v) => v.values),
        grads,
      );
    }
    const trainLoss = lossSum / train.n;
    const entry: HistoryEntry = { epoch, trainLoss };
    if (xValid && yValid && valid) {
      entry.validLoss = meanLoss(tf, spec as FitSpec<NetConfig>, weights, xValid, yValid, valid.n);
      if (entry.validLoss < best - p.minDelta) {
        best = entry.validLoss;
        bestEpoch = epoch;
        wait = 0;
        if (p.restoreBestWeights) bestWeights = snapshot();
      } else wait++;
    } else bestEpoch = epoch;
    history.push(entry);
    const diverged =
      !Number.isFinite(trainLoss) || (entry.validLoss !== undefined && !Number.isFinite(entry.validLoss));
    if (diverged && !bestWeights)
      throw new Error(
        `training diverged at epoch ${epoch} (loss ${trainLoss}): lower the learning rate or clip gradients`,
      );
    const info: EpochInfo = {
      epoch,
      trainLoss,
      validLoss: entry.validLoss,
      bestEpoch,
      seconds: (Date.now() - t0) / 1000,
    };
    if (spec.onEpoch?.(info) === false || diverged) break;
    if (p.earlyStoppingPatience > 0 && xValid && wait >= p.earlyStoppingPatience) break;
  }
  const restore = p.restoreBestWeights && bestWeights !== undefined && bestEpoch !== history.length - 1;
  if (restore) (bestWeights as Float32Array[]).forEach((v, i) => (weights[i].values = v));
  if (!restore && xValid) bestEpoch = history.length - 1;
  return { weights, inputScaling, targetScaling, history, bestEpoch };
}

function recordParams(p: ResolvedNnParams, trainRows: number, validRows: number, epochsRun: number): RecordedParams {
  return {
    loss: JSON.stringify(p.loss),
    optimizer: JSON.stringify(p.optimizer),
    epochs: p.epochs,
    epochsRun,
    batchSize: p.batchSize,
    seed: p.seed,
    shuffle: p.shuffle,
    validationFraction: p.validationFraction,
    earlyStoppingPatience: p.earlyStoppingPatience,
    minDelta: p.minDelta,
    restoreBestWeights: p.restoreBestWeights,
    clipNorm: p.clipNorm,
    scaleInputs: p.scaleInputs,
    scaleTarget: p.scaleTarget,
    trainRows,
    validRows,
  };
}

/** Splits off the last share of the rows as validation unless one is given. */
function holdOut(all: Rows, size: number, O: number, fraction: number, given?: Rows): { train: Rows; valid?: Rows } {
  if (given) return { train: all, valid: given };
  const nValid = fraction > 0 ? Math.max(1, Math.round(all.n * fraction)) : 0;
  if (nValid === 0) return { train: all };
  const nTrain = all.n - nValid;
  if (nTrain < 1) throw new Error(`validationFraction ${fraction} leaves no training rows`);
  const slice = (from: number, to: number): Rows => ({
    x: all.x.subarray(from * size, to * size),
    y: Float64Array.from({ length: (to - from) * O }, (_, i) => all.y[from * O + i]),
    n: to - from,
  });
  return { train: slice(0, nTrain), valid: slice(nTrain, all.n) };
}

function mlpRows(d: MlpDataset): Rows {
  if (d.target.length !== d.numRows) throw new Error(`${d.target.length} targets for ${d.numRows} rows`);
  if (d.data.length < d.numRows * d.numFeatures)
    throw new Error('feature matrix data is shorter than numRows × numFeatures');
  const F = d.numFeatures;
  let x = d.data.subarray(0, d.numRows * F);
  if (d.layout === 'column-major') {
    x = new Float32Array(d.numRows * F);
    for (let f = 0; f < F; f++) for (let r = 0; r < d.numRows; r++) x[r * F + f] = d.data[f * d.numRows + r];
  }
  return { x, y: d.target, n: d.numRows };
}

function isMlpDataset(d: MlpDataset | WindowDataset): d is MlpDataset {
  return 'numFeatures' in d;
}

/** Trains an MLP (hidden layers with ReLU, linear output) on feature rows. */
export async function trainMlp(data: MlpDataset, params: MlpParams = {}): Promise<MlpModel> {
  const p = resolveNnParams(params);
  const hiddenLayers = params.hiddenLayers ?? [64, 64];
  if (hiddenLayers.some((h) => !(Number.isInteger(h) && h >= 1)))
    throw new Error(`invalid neural-net parameter: hiddenLayers ${JSON.stringify(hiddenLayers)}`);
  const config: MlpConfig = {
    kind: 'mlp',
    numFeatures: data.numFeatures,
    hiddenLayers: hiddenLayers.slice(),
    numOutputs: 1,
  };
  let given: Rows | undefined;
  if (params.validation) {
    if (!isMlpDataset(params.validation) || params.validation.numFeatures !== data.numFeatures)
      throw new Error(`validation must be feature rows with ${data.numFeatures} features`);
    given = mlpRows(params.validation);
  }
  if (data.featureNames && data.featureNames.length !== data.numFeatures)
    throw new Error(`${data.featureNames.length} feature names for ${data.numFeatures} features`);
  const { train, valid } = holdOut(mlpRows(data), data.numFeatures, 1, p.validationFraction, given);
  const r = await fit({ config, rowShape: [data.numFeatures], train, valid, params: p, onEpoch: params.onEpoch });
  return new MlpModel({
    config,
    loss: p.loss,
    ...r,
    inputNames: data.featureNames?.slice() ?? Array.from({ length: data.numFeatures }, (_, f) => `f${f}`),
    horizons: [0],
    params: {
      ...recordParams(p, train.n, valid?.n ?? 0, r.history.length),
      hiddenLayers: JSON.stringify(hiddenLayers),
    },
  });
}

/** The architecture with every default filled in. */
export function resolveSequenceConfig(
  params: SequenceParams,
  shape: { windowLength: number; numChannels: number; numOutputs: number },
): SequenceConfig {
  const check = (ok: boolean, msg: string): void => {
    if (!ok) throw new Error(`invalid ${params.kind} parameter: ${msg}`);
  };
  const posInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
  switch (params.kind) {
    case 'rnn': {
      const c = {
        kind: 'rnn' as const,
        cell: params.cell ?? 'lstm',
        units: params.units ?? 32,
        layers: params.layers ?? 1,
        ...shape,
      };
      check(c.cell === 'lstm', `cell ${String(c.cell)} (only 'lstm')`);
      check(posInt(c.units) && posInt(c.layers), `units ${c.units}, layers ${c.layers}`);
      return c;
    }
    case 'tcn': {
      const c = {
        kind: 'tcn' as const,
        filters: params.filters ?? 16,
        kernelSize: params.kernelSize ?? 3,
        dilations: (params.dilations ?? [1, 2, 4, 8]).slice(),
        ...shape,
      };
      check(posInt(c.filters) && posInt(c.kernelSize), `filters ${c.filters}, kernelSize ${c.kernelSize}`);
      check(c.dilations.length > 0 && c.dilations.every(posInt), `dilations ${JSON.stringify(c.dilations)}`);
      return c;
    }
    case 'transformer': {
      const modelDim = params.modelDim ?? 16;
      const c = {
        kind: 'transformer' as const,
        modelDim,
        heads: params.heads ?? 2,
        ffDim: params.ffDim ?? 2 * modelDim,
        layers: params.layers ?? 1,
        readout: params.readout ?? 'flatten',
        epsilon: 1e-5,
        ...shape,
      };
      check(
        posInt(c.modelDim) && posInt(c.heads) && posInt(c.ffDim) && posInt(c.layers),
        'sizes must be positive integers',
      );
      check(c.modelDim % c.heads === 0, `modelDim ${c.modelDim} is not a multiple of heads ${c.heads}`);
      check(c.readout === 'flatten' || c.readout === 'last', `readout ${String(c.readout)}`);
      return c;
    }
    default: {
      const never: never = params;
      throw new Error(`unknown sequence model ${JSON.stringify(never)}`);
    }
  }
}

function windowRows(d: WindowDataset): Rows {
  const O = d.numOutputs ?? 1;
  const size = d.windowLength * d.numChannels;
  if (d.target.length !== d.numWindows * O)
    throw new Error(`${d.target.length} targets for ${d.numWindows} windows × ${O} outputs`);
  if (d.data.length < d.numWindows * size)
    throw new Error('window data is shorter than numWindows × windowLength × numChannels');
  return { x: d.data.subarray(0, d.numWindows * size), y: d.target, n: d.numWindows };
}

/**
 * Trains a sequence model on windows (N × T × C) to predict the next value(s): kind 'rnn' (LSTM),
 * 'tcn' (dilated causal convolutions) or 'transformer' (self-attention encoder).
 */
export async function trainSequenceModel(data: WindowDataset, params: SequenceParams): Promise<SequenceModel> {
  const p = resolveNnParams(params);
  const O = data.numOutputs ?? 1;
  const config = resolveSequenceConfig(params, {
    windowLength: data.windowLength,
    numChannels: data.numChannels,
    numOutputs: O,
  });
  const horizons = data.horizons?.slice() ?? Array.from({ length: O }, (_, k) => k + 1);
  if (horizons.length !== O) throw new Error(`${horizons.length} horizons for ${O} outputs`);
  let given: Rows | undefined;
  if (params.validation) {
    const v = params.validation;
    if (
      isMlpDataset(v) ||
      v.windowLength !== data.windowLength ||
      v.numChannels !== data.numChannels ||
      (v.numOutputs ?? 1) !== O
    )
      throw new Error(`validation must be windows of ${data.windowLength} × ${data.numChannels} with ${O} outputs`);
    given = windowRows(v);
  }
  if (data.channelNames && data.channelNames.length !== data.numChannels)
    throw new Error(`${data.channelNames.length} channel names for ${data.numChannels} channels`);
  const size = data.windowLength * data.numChannels;
  const { train, valid } = holdOut(windowRows(data), size, O, p.validationFraction, given);
  const r = await fit({
    config,
    rowShape: [data.windowLength, data.numChannels],
    train,
    valid,
    params: p,
    onEpoch: params.onEpoch,
  });
  return new SequenceModel({
    config,
    loss: p.loss,
    ...r,
    inputNames: data.channelNames?.slice() ?? Array.from({ length: data.numChannels }, (_, c) => `c${c}`),
    horizons,
    params: recordParams(p, train.n, valid?.n ?? 0, r.history.length),
  });
}
