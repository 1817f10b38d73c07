/**
 * Export of a neural net as standard ONNX ops (default opset 17, IR 8) with the scaling inside the
 * graph, so that the ONNX output equals predict():
 *
 *   features [N, F] | window [N, T, C]
 *     → Sub(mean) → Mul(invStd) → Where(IsNaN, 0)          (input scaling, NaN = training mean)
 *     → network (Gemm/Relu | LSTM | Conv | attention with LayerNormalization and Softmax)
 *     → Mul(scale) → Add(shift)   or   Exp → Mul(scale)    (target scaling, log link)
 *     → prediction [N, O]
 *
 * Parity: the MLP (one output) goes through the shared checkOnnxParity; windows are 3-D and may have
 * several outputs, which checkOnnxParity (2-D input, first output column) cannot take, so they run
 * through the same runOnnxModel and are compared on every output with the same definition
 * (|onnx − expected| / max(|expected|, floor), tolerance PARITY_TOLERANCE).
 *
 * The floor. Both sides compute in float32 and sum matrix products in different orders, so they
 * differ by a few float32 ulps of the target's magnitude (the output is raw·scale + shift): about
 * 5e-7 for demand around 5. Where a prediction is near 0 (an MSE model on intermittent demand
 * predicts 0.003) that is a "relative" difference of 1e-4 and more, with nothing wrong. By default
 * the floor is therefore 0.1% of the target's magnitude, NN_PARITY_FLOOR_SHARE × max over outputs of
 * (|shift| + scale) (the training mean and standard deviation, or the mean for Poisson), and never
 * below PARITY_FLOOR; a real export error (a gate out of order, a wrong pad) is of the order of the
 * target itself and is not hidden. Pass `floor: PARITY_FLOOR` for the strict definition of the trees.
 */
import {
  checkOnnxParity,
  featureSetSignature,
  ONNX_OUTPUT_NAME,
  OnnxGraphBuilder,
  PARITY_FLOOR,
  PARITY_TOLERANCE,
  runOnnxModel,
  type ParityOptions,
  type ParityReport,
} from '../onnx';
import type { FeatureMatrix } from '../trees';
import type { AnyNnModel, MlpModel } from './model';
import { netOf, type WeightMap } from './nets';
import type { WindowMatrix } from './types';

export const NN_FEATURES_INPUT = 'features';
/** Share of the target's magnitude used as the default parity floor (see above). */
export const NN_PARITY_FLOOR_SHARE = 1e-3;
export const NN_WINDOW_INPUT = 'window';

export interface NnExportOptions {
  graphName?: string;
  producerName?: string;
  producerVersion?: string;
  modelVersion?: number;
  docString?: string;
  /** Extra metadata_props entries. */
  metadata?: Record<string, string>;
}

export interface NnParityReport extends ParityReport {
  numOutputs: number;
  /** Max relative difference of each output (horizon). */
  maxRelDiffPerOutput: number[];
}

export interface NnVerifiedExport {
  bytes: Uint8Array;
  parity: NnParityReport;
}

const isMlp = (m: AnyNnModel): m is MlpModel => m.config.kind === 'mlp';

/** The default parity floor of a model: 0.1% of its target's magnitude, at least PARITY_FLOOR. */
export function nnParityFloor(model: AnyNnModel): number {
  let magnitude = 0;
  model.targetScaling.scale.forEach((s, o) => {
    magnitude = Math.max(magnitude, Math.abs(model.targetScaling.shift[o]) + Math.abs(s));
  });
  return Math.max(PARITY_FLOOR, NN_PARITY_FLOOR_SHARE * magnitude);
}

/** Serialised ONNX bytes of a neural-net model. */
export function exportNnToOnnx(model: AnyNnModel, options: NnExportOptions = {}): Uint8Array {
  const c = model.config;
  const g = new OnnxGraphBuilder(options.graphName ?? `shelfcast_${c.kind}`);
  const x =
    c.kind === 'mlp'
      ? g.input(NN_FEATURES_INPUT, 'float', ['N', c.numFeatures])
      : g.input(NN_WINDOW_INPUT, 'float', ['N', c.windowLength, c.numChannels]);
  const width = model.inputWidth;
  const mean = g.initializer('input_mean', 'float', [width], model.inputScaling.mean);
  const invStd = g.initializer('input_inv_std', 'float', [width], model.inputScaling.invStd);
  const [centred] = g.node('Sub', [x, mean], ['input_centred']);
  const [scaled] = g.node('Mul', [centred, invStd], ['input_scaled']);
  const [nan] = g.node('IsNaN', [scaled], ['input_is_nan']);
  const zero = g.initializer('zero', 'float', [], [0]);
  const [input] = g.node('Where', [nan, zero, scaled], ['input_clean']);

  const weights: WeightMap = Object.fromEntries(model.weights.map((w) => [w.name, w]));
  const raw = netOf(c).toOnnx(g, input, weights, c);

  const O = model.numOutputs;
  const scale = g.initializer('target_scale', 'float', [O], model.targetScaling.scale);
  let out: string;
  if (model.link === 'log') {
    const [mu] = g.node('Exp', [raw], ['raw_exp']);
    [out] = g.node('Mul', [mu, scale], [ONNX_OUTPUT_NAME]);
  } else {
    const shift = g.initializer('target_shift', 'float', [O], model.targetScaling.shift);
    const [m] = g.node('Mul', [raw, scale], ['raw_scaled']);
    [out] = g.node('Add', [m, shift], [ONNX_OUTPUT_NAME]);
  }
  if (out !== ONNX_OUTPUT_NAME) throw new Error(`output named ${out}`);
  g.output(out, 'float', ['N', O]);

  const metadata: Record<string, string> = {
    'shelfcast.model_type': 'nn',
    'shelfcast.nn_kind': c.kind,
    'shelfcast.architecture': JSON.stringify(c),
    'shelfcast.input_names': JSON.stringify(model.inputNames),
    'shelfcast.loss': JSON.stringify(model.loss),
    'shelfcast.link': model.link,
    'shelfcast.num_outputs': String(O),
    'shelfcast.horizons': JSON.stringify(model.horizons),
    'shelfcast.num_parameters': String(model.numParameters),
    ...(c.kind === 'mlp'
      ? {
          'shelfcast.feature_names': JSON.stringify(model.inputNames),
          'shelfcast.feature_signature': featureSetSignature(model.inputNames),
          'shelfcast.num_features': String(c.numFeatures),
        }
      : {
          'shelfcast.channel_names': JSON.stringify(model.inputNames),
          'shelfcast.window_length': String(c.windowLength),
          'shelfcast.num_channels': String(c.numChannels),
        }),
    ...options.metadata,
  };
  return g.serialize({
    producerName: options.producerName ?? 'shelfcast-ml',
    producerVersion: options.producerVersion ?? '1',
    modelVersion: options.modelVersion ?? 1,
    docString:
      options.docString ?? `Neural net (${c.kind}, ${model.loss.type} loss, ${model.numParameters} parameters)`,
    opsets: { '': 17 },
    irVersion: 8,
    metadata,
  });
}

/**
 * Runs the ONNX model on held-out rows and compares it with model.predict() on every output
 * (default floor: nnParityFloor(model)).
 */
export async function checkNnParity(
  model: AnyNnModel,
  bytes: Uint8Array,
  rows: FeatureMatrix | WindowMatrix,
  options: ParityOptions = {},
): Promise<NnParityReport> {
  if (isMlp(model)) {
    const m = rows as FeatureMatrix;
    // One output per row: the shared parity check as it is.
    const report = await checkOnnxParity(bytes, m, model.predict(m), {
      ...options,
      floor: options.floor ?? nnParityFloor(model),
    });
    return { ...report, numOutputs: 1, maxRelDiffPerOutput: [report.maxRelDiff] };
  }
  const w = rows as WindowMatrix;
  const expected = model.predict(w);
  const size = w.windowLength * w.numChannels;
  const { data } = await runOnnxModel(
    bytes,
    w.data.subarray(0, w.numWindows * size),
    [w.numWindows, w.windowLength, w.numChannels],
    { inputName: options.inputName ?? NN_WINDOW_INPUT, outputName: options.outputName ?? ONNX_OUTPUT_NAME },
  );
  const O = model.numOutputs;
  if (data.length !== expected.length) throw new Error(`ONNX gave ${data.length} values, predict() ${expected.length}`);
  const floor = options.floor ?? nnParityFloor(model);
  const perOutput = new Array<number>(O).fill(0);
  const outputs = new Float32Array(w.numWindows);
  let maxRelDiff = 0;
  let maxAbsDiff = 0;
  let worstRow = -1;
  for (let i = 0; i < expected.length; i++) {
    const r = Math.floor(i / O);
    if (i % O === 0) outputs[r] = data[i];
    const abs = Math.abs(data[i] - expected[i]);
    const rel = abs / Math.max(Math.abs(expected[i]), floor);
    // NaN on either side is a failure, never hidden by a comparison.
    const relOrInf = Number.isNaN(rel) ? Infinity : rel;
    if (!(relOrInf <= perOutput[i % O])) perOutput[i % O] = relOrInf;
    if (!(relOrInf <= maxRelDiff)) {
      maxRelDiff = relOrInf;
      worstRow = r;
    }
    if (!(abs <= maxAbsDiff)) maxAbsDiff = Number.isNaN(abs) ? Infinity : abs;
  }
  return {
    maxRelDiff,
    maxAbsDiff,
    worstRow,
    numRows: w.numWindows,
    floor,
    outputs,
    numOutputs: O,
    maxRelDiffPerOutput: perOutput,
  };
}

/**
 * Exports the model and checks it on held-out rows against predict(); throws when the max relative
 * difference exceeds the tolerance (default 1e-4). What the trainer runs before registering.
 */
export async function exportNnVerified(
  model: AnyNnModel,
  rows: FeatureMatrix | WindowMatrix,
  options: NnExportOptions & ParityOptions & { tolerance?: number } = {},
): Promise<NnVerifiedExport> {
  const bytes = exportNnToOnnx(model, options);
  const parity = await checkNnParity(model, bytes, rows, options);
  const tolerance = options.tolerance ?? PARITY_TOLERANCE;
  if (!(parity.maxRelDiff <= tolerance)) {
    throw new Error(
      `ONNX parity failed for the ${model.kind} model: max relative difference ${parity.maxRelDiff} > ${tolerance} (row ${parity.worstRow})`,
    );
  }
  return { bytes, parity };
}
