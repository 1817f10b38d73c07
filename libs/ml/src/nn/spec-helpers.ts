/**
 * Small seeded data sets shared by the neural-net specs (not exported from the library).
 */
import { createRng } from '../core/random';
import { decodeModel } from '../onnx';
import { seasonalSeries } from './synthetic';
import type { MlpDataset, WindowDataset } from './types';
import { windowsFromSeries, sliceWindows } from './windows';

/** y = 2·x1 − x2 + offset + noise·ε with x uniform in [−1, 1]². */
export function linearRows(n: number, seed: number, o: { noise?: number; offset?: number } = {}): MlpDataset {
  const rng = createRng(seed);
  const data = new Float32Array(n * 2);
  const target = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.fround(2 * rng.next() - 1);
    const b = Math.fround(2 * rng.next() - 1);
    data[2 * i] = a;
    data[2 * i + 1] = b;
    target[i] = 2 * a - b + (o.offset ?? 0) + (o.noise ?? 0.1) * rng.normal();
  }
  return { data, numRows: n, numFeatures: 2, target, featureNames: ['x1', 'x2'] };
}

/** Counts y ~ Poisson(exp(0.5 + 0.8·x1 − 0.5·x2)); `mu` holds the true means. */
export function poissonRows(n: number, seed: number): MlpDataset & { mu: Float64Array } {
  const rng = createRng(seed);
  const data = new Float32Array(n * 2);
  const target = new Float64Array(n);
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.fround(2 * rng.next() - 1);
    const b = Math.fround(2 * rng.next() - 1);
    data[2 * i] = a;
    data[2 * i + 1] = b;
    mu[i] = Math.exp(0.5 + 0.8 * a - 0.5 * b);
    let k = 0;
    let p = 1;
    const l = Math.exp(-mu[i]);
    do {
      k++;
      p *= rng.next();
    } while (p > l);
    target[i] = k - 1;
  }
  return { data, numRows: n, numFeatures: 2, target, mu };
}

/** Train and test windows of a noisy two-cycle seasonal series (level 10, periods 7 and 30). */
export function seasonalWindows(o: {
  length: number;
  windowLength: number;
  horizons?: number[];
  seed?: number;
  testShare?: number;
}): { train: WindowDataset; test: WindowDataset } {
  const series = seasonalSeries({ length: o.length, seed: o.seed ?? 2, period: 7, secondPeriod: 30 });
  const w = windowsFromSeries(series, { windowLength: o.windowLength, horizons: o.horizons ?? [1] });
  const nTrain = Math.round(w.numWindows * (1 - (o.testShare ?? 0.2)));
  return { train: sliceWindows(w, 0, nTrain), test: sliceWindows(w, nTrain, w.numWindows) };
}

export function meanAbsError(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i] - p[i]);
  return s / y.length;
}

export function rootMeanSquare(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - p[i]) ** 2;
  return Math.sqrt(s / y.length);
}

/** The seasonal-naive forecast: the value one period before each horizon's target, from the window. */
export function seasonalNaiveForecast(w: WindowDataset, period: number): Float64Array {
  const horizons = w.horizons ?? [1];
  const O = horizons.length;
  const out = new Float64Array(w.numWindows * O);
  for (let i = 0; i < w.numWindows; i++)
    horizons.forEach((h, k) => {
      // Target at origin + h − 1; one period earlier is window step T + h − 1 − period (if inside).
      const lag = Math.min(w.windowLength - 1, w.windowLength + h - 1 - period * Math.ceil(h / period));
      out[i * O + k] = w.data[(i * w.windowLength + lag) * w.numChannels];
    });
  return out;
}

/** MAE of each output column. */
export function maePerOutput(y: ArrayLike<number>, p: ArrayLike<number>, O: number): number[] {
  const s = new Array<number>(O).fill(0);
  for (let i = 0; i < y.length; i++) s[i % O] += Math.abs(y[i] - p[i]);
  return s.map((v) => v / (y.length / O));
}

/** Op types of an ONNX model's graph. */
export function onnxOpTypes(bytes: Uint8Array): string[] {
  return (decodeModel(bytes).graph?.node ?? []).map((n) => n.opType ?? '');
}

/** An ONNX node attribute's ints. */
export function onnxIntsAttribute(bytes: Uint8Array, opType: string, name: string): number[][] {
  return (decodeModel(bytes).graph?.node ?? [])
    .filter((n) => n.opType === opType)
    .map((n) => Array.from(n.attribute?.find((a) => a.name === name)?.ints ?? [], Number));
}
