/**
 * A trained network: predict() (TensorFlow.js, wasm backend), JSON for the registry and ONNX export.
 *
 * The model keeps its weights as plain float32 arrays, not TensorFlow.js variables: nothing to
 * dispose, and predict() builds its tensors per call. predict() is synchronous and needs the backend:
 * the trainers set it up; after fromJSON() in a fresh process, `await ensureNnBackend()` first.
 */
import { createRng } from '../core/random';
import type { FeatureMatrix, RecordedParams } from '../trees';
import { ensureNnBackend, tfjs } from './backend';
import type { Weight } from './init';
import {
  netOf,
  type LstmConfig,
  type MlpConfig,
  type NetConfig,
  type TcnConfig,
  type TensorMap,
  type TransformerConfig,
} from './nets';
import { exportNnToOnnx, exportNnVerified, type NnExportOptions, type NnVerifiedExport } from './onnx-export';
import type { ParityOptions } from '../onnx';
import { linkOf, postprocess, preprocess, type InputScaling, type NnLink, type TargetScaling } from './scaling';
import {
  base64ToFloat32,
  deserializeWeight,
  float32ToBase64,
  NN_FORMAT,
  NN_FORMAT_VERSION,
  serializeWeight,
  type SerializedNn,
} from './serialize';
import { checkLoss } from './losses';
import type { HistoryEntry, NnKind, NnLossConfig, WindowMatrix } from './types';

export type SequenceConfig = LstmConfig | TcnConfig | TransformerConfig;

export interface NnModelInit<C extends NetConfig> {
  config: C;
  loss: NnLossConfig;
  weights: Weight[];
  inputScaling: InputScaling;
  targetScaling: TargetScaling;
  inputNames: string[];
  horizons: number[];
  history: HistoryEntry[];
  bestEpoch: number;
  params: RecordedParams;
}

/** Rows per predict() batch (memory bound; attention holds N × heads × T × T). */
const PREDICT_CHUNK = { mlp: 8192, sequence: 1024 };

export abstract class NnModel<C extends NetConfig = NetConfig, I = unknown> {
  readonly config: C;
  readonly loss: NnLossConfig;
  readonly link: NnLink;
  readonly weights: Weight[];
  readonly inputScaling: InputScaling;
  readonly targetScaling: TargetScaling;
  readonly inputNames: string[];
  readonly horizons: number[];
  readonly history: HistoryEntry[];
  /** Epoch (0-based) whose weights the model holds. */
  readonly bestEpoch: number;
  readonly params: RecordedParams;

  protected constructor(init: NnModelInit<C>) {
    this.config = init.config;
    this.loss = checkLoss(init.loss);
    this.link = linkOf(this.loss);
    this.weights = init.weights;
    this.inputScaling = init.inputScaling;
    this.targetScaling = init.targetScaling;
    this.inputNames = init.inputNames;
    this.horizons = init.horizons;
    this.history = init.history;
    this.bestEpoch = init.bestEpoch;
    this.params = init.params;
    checkWeights(init.config, init.weights);
    const width = init.config.kind === 'mlp' ? init.config.numFeatures : init.config.numChannels;
    if (this.inputScaling.mean.length !== width || this.inputScaling.invStd.length !== width)
      throw new Error(`input scaling has ${this.inputScaling.mean.length} values for ${width} inputs`);
    const O = init.config.numOutputs;
    if (this.targetScaling.shift.length !== O || this.targetScaling.scale.length !== O)
      throw new Error(`target scaling has ${this.targetScaling.scale.length} values for ${O} outputs`);
    if (this.inputNames.length !== width) throw new Error(`${this.inputNames.length} input names for ${width} inputs`);
    if (this.horizons.length !== O) throw new Error(`${this.horizons.length} horizons for ${O} outputs`);
  }

  get kind(): NnKind {
    return this.config.kind;
  }

  get numOutputs(): number {
    return this.config.numOutputs;
  }

  /** Features (MLP) or channels per step (sequence models). */
  abstract get inputWidth(): number;

  /** The input dims of one row: [F] or [T, C]. */
  abstract get rowShape(): number[];

  /** Rows of the input. */
  abstract numRows(input: I): number;

  /** Row-major float32 values of rows [start, end). */
  protected abstract rowValues(input: I, start: number, end: number): Float32Array;

  /**
   * Predictions on the target scale, row-major [rows, numOutputs] (one value per row for the MLP).
   * Runs the same graph as training (inputs scaled, NaN → mean, output unscaled) in float32.
   */
  predict(input: I): Float64Array {
    const tf = tfjs();
    this.checkInput(input);
    const n = this.numRows(input);
    const O = this.numOutputs;
    const out = new Float64Array(n * O);
    const chunk = this.kind === 'mlp' ? PREDICT_CHUNK.mlp : PREDICT_CHUNK.sequence;
    const w = this.weightTensors();
    try {
      for (let start = 0; start < n; start += chunk) {
        const end = Math.min(n, start + chunk);
        const y = tf.tidy(() => {
          const x = tf.tensor(this.rowValues(input, start, end), [end - start, ...this.rowShape]);
          const raw = netOf(this.config).forward(tf, w, preprocess(tf, x, this.inputScaling), this.config);
          return postprocess(tf, raw, this.targetScaling, this.link);
        });
        out.set(y.dataSync(), start * O);
        y.dispose();
      }
    } finally {
      Object.values(w).forEach((t) => t.dispose());
    }
    return out;
  }

  /** A weight by name. */
  weight(name: string): Weight {
    const w = this.weights.find((x) => x.name === name);
    if (!w) throw new Error(`no weight ${name}`);
    return w;
  }

  get numParameters(): number {
    return this.weights.reduce((a, w) => a + w.values.length, 0);
  }

  toJSON(): SerializedNn {
    return {
      format: NN_FORMAT,
      version: NN_FORMAT_VERSION,
      config: JSON.parse(JSON.stringify(this.config)) as NetConfig,
      loss: { ...this.loss },
      inputNames: this.inputNames.slice(),
      horizons: this.horizons.slice(),
      inputScaling: {
        mean: float32ToBase64(this.inputScaling.mean),
        invStd: float32ToBase64(this.inputScaling.invStd),
      },
      targetScaling: {
        shift: float32ToBase64(this.targetScaling.shift),
        scale: float32ToBase64(this.targetScaling.scale),
      },
      weights: this.weights.map(serializeWeight),
      bestEpoch: this.bestEpoch,
      history: this.history.map((h) => ({ ...h })),
      params: { ...this.params },
    };
  }

  /** Serialised ONNX bytes: input `features` [N, F] (MLP) or `window` [N, T, C], output `prediction` [N, O]. */
  exportOnnx(options: NnExportOptions = {}): Uint8Array {
    return exportNnToOnnx(this as unknown as AnyNnModel, options);
  }

  /** Export plus the parity gate on held-out rows (throws above the tolerance, default 1e-4). */
  exportOnnxVerified(
    rows: I,
    options: NnExportOptions & ParityOptions & { tolerance?: number } = {},
  ): Promise<NnVerifiedExport> {
    return exportNnVerified(this as unknown as AnyNnModel, rows as never, options);
  }

  private weightTensors(): TensorMap {
    const tf = tfjs();
    const map: TensorMap = {};
    for (const w of this.weights) map[w.name] = tf.tensor(w.values, w.shape);
    return map;
  }

  protected abstract checkInput(input: I): void;
}

export class MlpModel extends NnModel<MlpConfig, FeatureMatrix> {
  constructor(init: NnModelInit<MlpConfig>) {
    super(init);
  }

  get inputWidth(): number {
    return this.config.numFeatures;
  }

  get rowShape(): number[] {
    return [this.config.numFeatures];
  }

  get featureNames(): string[] {
    return this.inputNames;
  }

  numRows(m: FeatureMatrix): number {
    return m.numRows;
  }

  protected rowValues(m: FeatureMatrix, start: number, end: number): Float32Array {
    const F = m.numFeatures;
    if (m.layout !== 'column-major') return m.data.subarray(start * F, end * F);
    const out = new Float32Array((end - start) * F);
    for (let r = start; r < end; r++) for (let f = 0; f < F; f++) out[(r - start) * F + f] = m.data[f * m.numRows + r];
    return out;
  }

  protected checkInput(m: FeatureMatrix): void {
    if (m.numFeatures !== this.config.numFeatures)
      throw new Error(`model expects ${this.config.numFeatures} features, got ${m.numFeatures}`);
    if (m.data.length < m.numRows * m.numFeatures)
      throw new Error('feature matrix data is shorter than numRows × numFeatures');
  }

  static fromJSON(json: SerializedNn): MlpModel {
    const m = nnModelFromJSON(json);
    if (!(m instanceof MlpModel)) throw new Error(`not an MLP (kind ${json.config.kind})`);
    return m;
  }
}

export class SequenceModel extends NnModel<SequenceConfig, WindowMatrix> {
  constructor(init: NnModelInit<SequenceConfig>) {
    super(init);
  }

  get inputWidth(): number {
    return this.config.numChannels;
  }

  get rowShape(): number[] {
    return [this.config.windowLength, this.config.numChannels];
  }

  get windowLength(): number {
    return this.config.windowLength;
  }

  get channelNames(): string[] {
    return this.inputNames;
  }

  numRows(w: WindowMatrix): number {
    return w.numWindows;
  }

  protected rowValues(w: WindowMatrix, start: number, end: number): Float32Array {
    const size = w.windowLength * w.numChannels;
    return w.data.subarray(start * size, end * size);
  }

  protected checkInput(w: WindowMatrix): void {
    if (w.windowLength !== this.config.windowLength || w.numChannels !== this.config.numChannels)
      throw new Error(
        `model expects windows of ${this.config.windowLength} × ${this.config.numChannels}, got ${w.windowLength} × ${w.numChannels}`,
      );
    if (w.data.length < w.numWindows * w.windowLength * w.numChannels)
      throw new Error('window data is shorter than numWindows × windowLength × numChannels');
  }

  static fromJSON(json: SerializedNn): SequenceModel {
    const m = nnModelFromJSON(json);
    if (!(m instanceof SequenceModel)) throw new Error(`not a sequence model (kind ${json.config.kind})`);
    return m;
  }
}

export type AnyNnModel = MlpModel | SequenceModel;

/** Weights must be exactly the architecture's, by name and shape, in its order. */
function checkWeights(config: NetConfig, weights: Weight[]): void {
  const expected = netOf(config).init(config, createRng(1));
  if (expected.length !== weights.length)
    throw new Error(`${config.kind}: ${weights.length} weights, the architecture has ${expected.length}`);
  expected.forEach((e, i) => {
    const w = weights[i];
    if (w.name !== e.name || w.shape.join('x') !== e.shape.join('x'))
      throw new Error(
        `${config.kind}: weight ${i} is ${w.name} [${w.shape.join(', ')}], expected ${e.name} [${e.shape.join(', ')}]`,
      );
    if (w.values.length !== e.values.length) throw new Error(`weight ${w.name}: ${w.values.length} values`);
  });
}

/** A model from its JSON (MlpModel or SequenceModel by kind). */
export function nnModelFromJSON(json: SerializedNn): AnyNnModel {
  if (json.format !== NN_FORMAT) throw new Error(`not a ${NN_FORMAT} model (format ${String(json.format)})`);
  if (json.version !== NN_FORMAT_VERSION) throw new Error(`unsupported ${NN_FORMAT} version ${json.version}`);
  const base = {
    loss: json.loss,
    weights: json.weights.map(deserializeWeight),
    inputScaling: {
      mean: base64ToFloat32(json.inputScaling.mean),
      invStd: base64ToFloat32(json.inputScaling.invStd),
    },
    targetScaling: {
      shift: base64ToFloat32(json.targetScaling.shift),
      scale: base64ToFloat32(json.targetScaling.scale),
    },
    inputNames: json.inputNames.slice(),
    horizons: json.horizons.slice(),
    history: json.history.map((h) => ({ ...h })),
    bestEpoch: json.bestEpoch,
    params: { ...json.params },
  };
  const config = json.config;
  switch (config.kind) {
    case 'mlp':
      return new MlpModel({ ...base, config });
    case 'rnn':
    case 'tcn':
    case 'transformer':
      return new SequenceModel({ ...base, config });
    default: {
      const never: never = config;
      throw new Error(`unknown network kind ${JSON.stringify(never)}`);
    }
  }
}

/** JSON string of a model. */
export function serializeNnModel(model: AnyNnModel): string {
  return JSON.stringify(model.toJSON());
}

export function deserializeNnModel(text: string): AnyNnModel {
  return nnModelFromJSON(JSON.parse(text) as SerializedNn);
}

/** A model from its JSON (object or string) with the backend ready, so that predict() can run. */
export async function loadNnModel(json: SerializedNn | string): Promise<AnyNnModel> {
  await ensureNnBackend();
  return typeof json === 'string' ? deserializeNnModel(json) : nnModelFromJSON(json);
}
