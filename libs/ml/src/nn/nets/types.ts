/**
 * What every network provides: its resolved configuration, seeded initial weights, the forward pass
 * in TensorFlow.js (training and predict()) and the same computation as standard ONNX ops.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Rng } from '../../core/random';
import type { OnnxGraphBuilder } from '../../onnx';
import type { Tf } from '../backend';
import type { Weight } from '../init';

export interface MlpConfig {
  kind: 'mlp';
  numFeatures: number;
  hiddenLayers: number[];
  numOutputs: number;
}

interface WindowShape {
  windowLength: number;
  numChannels: number;
  numOutputs: number;
}

export interface LstmConfig extends WindowShape {
  kind: 'rnn';
  cell: 'lstm';
  units: number;
  layers: number;
}

export interface TcnConfig extends WindowShape {
  kind: 'tcn';
  filters: number;
  kernelSize: number;
  dilations: number[];
}

export interface TransformerConfig extends WindowShape {
  kind: 'transformer';
  modelDim: number;
  heads: number;
  ffDim: number;
  layers: number;
  readout: 'flatten' | 'last';
  /** Layer-normalisation epsilon. */
  epsilon: number;
}

/** A network's complete configuration (recorded in the model JSON). */
export type NetConfig = MlpConfig | LstmConfig | TcnConfig | TransformerConfig;

export type TensorMap = Record<string, TF.Tensor>;
export type WeightMap = Record<string, Weight>;

export interface Net<C extends NetConfig> {
  /** Initial weights from the seeded RNG, in a fixed order. */
  init(config: C, rng: Rng): Weight[];
  /** Raw outputs [N, numOutputs] from standardised inputs ([N, F] or [N, T, C]). */
  forward(tf: Tf, w: TensorMap, x: TF.Tensor, config: C): TF.Tensor;
  /** The same as ONNX nodes; returns the name of the raw output value [N, numOutputs]. */
  toOnnx(g: OnnxGraphBuilder, x: string, w: WeightMap, config: C): string;
}
