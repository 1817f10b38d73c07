/**
 * Input and target scaling inside the model wrapper, the same in training, predict() and ONNX.
 *
 * Inputs (per feature, or per channel of a window): x' = (x − mean) · invStd, then NaN → 0 (the
 * training mean). Target: MSE and pinball standardise, y' = (y − shift) / scale with the training mean
 * and standard deviation; Poisson divides by the training mean (shift 0), so exp(raw)·scale stays a
 * log-link mean. Predictions: raw·scale + shift (identity link) or exp(raw)·scale (log link).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './backend';
import type { NnLossConfig } from './types';

export type NnLink = 'identity' | 'log';

export interface InputScaling {
  mean: Float32Array;
  invStd: Float32Array;
}

export interface TargetScaling {
  shift: Float32Array;
  scale: Float32Array;
}

export const linkOf = (loss: NnLossConfig): NnLink => (loss.type === 'poisson' ? 'log' : 'identity');

/** Mean and 1/std per column of data viewed as [rows, width], NaN skipped; identity when disabled. */
export function fitInputScaling(data: Float32Array, width: number, enabled: boolean): InputScaling {
  const mean = new Float32Array(width);
  const invStd = new Float32Array(width).fill(1);
  if (!enabled) return { mean, invStd };
  const sum = new Float64Array(width);
  const sum2 = new Float64Array(width);
  const count = new Float64Array(width);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) continue;
    const c = i % width;
    sum[c] += v;
    count[c]++;
  }
  for (let c = 0; c < width; c++) mean[c] = count[c] ? sum[c] / count[c] : 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) continue;
    const d = v - mean[i % width];
    sum2[i % width] += d * d;
  }
  for (let c = 0; c < width; c++) {
    const std = count[c] > 1 ? Math.sqrt(sum2[c] / count[c]) : 0;
    invStd[c] = std > 1e-12 && Number.isFinite(std) ? 1 / std : 1;
  }
  return { mean, invStd };
}

/** Target scaling per output column of target [rows, numOutputs]. */
export function fitTargetScaling(
  target: ArrayLike<number>,
  numOutputs: number,
  loss: NnLossConfig,
  enabled: boolean,
): TargetScaling {
  const shift = new Float32Array(numOutputs);
  const scale = new Float32Array(numOutputs).fill(1);
  const rows = target.length / numOutputs;
  for (let o = 0; o < numOutputs; o++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const y = target[r * numOutputs + o];
      if (!Number.isFinite(y)) throw new Error(`target row ${r} output ${o} is ${y}`);
      if (loss.type === 'poisson' && y < 0) throw new Error(`Poisson loss needs targets >= 0 (row ${r}: ${y})`);
      sum += y;
    }
    if (!enabled || rows === 0) continue;
    const mean = sum / rows;
    if (loss.type === 'poisson') {
      scale[o] = mean > 0 ? mean : 1;
      continue;
    }
    let ss = 0;
    for (let r = 0; r < rows; r++) ss += (target[r * numOutputs + o] - mean) ** 2;
    const std = Math.sqrt(ss / rows);
    shift[o] = mean;
    scale[o] = std > 1e-12 ? std : 1;
  }
  return { shift, scale };
}

/** The target in the network's space, (y − shift) / scale, as float32. */
export function scaleTargetValues(target: ArrayLike<number>, s: TargetScaling): Float32Array {
  const O = s.scale.length;
  const out = new Float32Array(target.length);
  for (let i = 0; i < target.length; i++) out[i] = (target[i] - s.shift[i % O]) / s.scale[i % O];
  return out;
}

/** (x − mean) · invStd over the last axis, NaN → 0. */
export function preprocess(tf: Tf, x: TF.Tensor, s: InputScaling): TF.Tensor {
  const scaled = tf.mul(tf.sub(x, tf.tensor1d(s.mean)), tf.tensor1d(s.invStd));
  return tf.where(tf.isNaN(scaled), tf.zerosLike(scaled), scaled);
}

/** Predictions from raw outputs [N, O]. */
export function postprocess(tf: Tf, raw: TF.Tensor, s: TargetScaling, link: NnLink): TF.Tensor {
  const scale = tf.tensor1d(s.scale);
  if (link === 'log') return tf.mul(tf.exp(raw), scale);
  return tf.add(tf.mul(raw, scale), tf.tensor1d(s.shift));
}
