/**
 * Windows of history (N × T × C) and their next values from one or many series.
 */
import type { WindowDataset, WindowMatrix } from './types';

/** A series: its values (channel 0, also the target) and optional covariates aligned with it (channels 1..). */
export interface SeriesInput {
  values: ArrayLike<number>;
  covariates?: ArrayLike<number>[];
}

export interface WindowOptions {
  /** Steps of history per window (T). */
  windowLength: number;
  /** Steps ahead to predict, one output each. Default [1] (the next value). */
  horizons?: number[];
  /** Steps between consecutive windows of a series. Default 1. */
  stride?: number;
  /** Default values, covariate1, ... */
  channelNames?: string[];
}

export interface SeriesWindows extends WindowDataset {
  numOutputs: number;
  horizons: number[];
  channelNames: string[];
  /** Series of each window. */
  seriesIndex: Int32Array;
  /** Index in its series of the first step after the window (the forecast origin). */
  origin: Int32Array;
}

/**
 * Every window of T steps followed by max(horizons) steps, ordered by origin and then by series, so
 * that a window's position follows time and the last windows make a time-ordered hold-out.
 * Targets: values[origin + h − 1] for each horizon h.
 */
export function windowsFromSeries(
  series: ArrayLike<number> | (ArrayLike<number> | SeriesInput)[],
  o: WindowOptions,
): SeriesWindows {
  const list: SeriesInput[] = (isSingleSeries(series) ? [series] : (series as (ArrayLike<number> | SeriesInput)[])).map(
    (s) => (isSeriesInput(s) ? s : { values: s }),
  );
  const T = o.windowLength;
  const horizons = o.horizons ?? [1];
  const stride = o.stride ?? 1;
  if (!(Number.isInteger(T) && T >= 1)) throw new Error(`windowLength must be a positive integer, got ${T}`);
  if (!horizons.length || horizons.some((h) => !(Number.isInteger(h) && h >= 1)))
    throw new Error(`horizons must be positive integers, got ${JSON.stringify(horizons)}`);
  if (!(Number.isInteger(stride) && stride >= 1)) throw new Error(`stride must be a positive integer, got ${stride}`);
  const C = 1 + (list[0]?.covariates?.length ?? 0);
  list.forEach((s, i) => {
    if (1 + (s.covariates?.length ?? 0) !== C) throw new Error(`series ${i} has a different number of covariates`);
    s.covariates?.forEach((cov, j) => {
      if (cov.length !== s.values.length) throw new Error(`series ${i} covariate ${j} differs in length`);
    });
  });
  const maxH = Math.max(...horizons);
  const O = horizons.length;
  const maxLen = Math.max(0, ...list.map((s) => s.values.length));
  const picks: [number, number][] = [];
  for (let origin = T; origin + maxH - 1 < maxLen; origin += stride)
    list.forEach((s, si) => {
      if (origin + maxH - 1 < s.values.length) picks.push([si, origin]);
    });
  const N = picks.length;
  const data = new Float32Array(N * T * C);
  const target = new Float64Array(N * O);
  picks.forEach(([si, origin], w) => {
    const s = list[si];
    for (let t = 0; t < T; t++) {
      const at = origin - T + t;
      const base = (w * T + t) * C;
      data[base] = s.values[at];
      s.covariates?.forEach((cov, j) => (data[base + 1 + j] = cov[at]));
    }
    horizons.forEach((h, k) => (target[w * O + k] = s.values[origin + h - 1]));
  });
  return {
    data,
    numWindows: N,
    windowLength: T,
    numChannels: C,
    target,
    numOutputs: O,
    horizons: horizons.slice(),
    channelNames: o.channelNames ?? Array.from({ length: C }, (_, c) => (c === 0 ? 'values' : `covariate${c}`)),
    seriesIndex: Int32Array.from(picks, (p) => p[0]),
    origin: Int32Array.from(picks, (p) => p[1]),
  };
}

function isSingleSeries(s: ArrayLike<number> | (ArrayLike<number> | SeriesInput)[]): s is ArrayLike<number> {
  return s.length > 0 && typeof s[0] === 'number';
}

function isSeriesInput(s: ArrayLike<number> | SeriesInput): s is SeriesInput {
  // Arrays and typed arrays have a values() method: only a plain object with a values array is one.
  return !Array.isArray(s) && !ArrayBuffer.isView(s) && typeof (s as SeriesInput).values === 'object';
}

/** Windows [start, end) of a dataset (targets included). */
export function sliceWindows<W extends WindowDataset>(d: W, start: number, end: number): WindowDataset {
  const size = d.windowLength * d.numChannels;
  const O = d.numOutputs ?? 1;
  return {
    data: d.data.subarray(start * size, end * size),
    numWindows: end - start,
    windowLength: d.windowLength,
    numChannels: d.numChannels,
    target: Float64Array.from({ length: (end - start) * O }, (_, i) => d.target[start * O + i]),
    numOutputs: O,
    horizons: d.horizons,
    channelNames: d.channelNames,
  };
}

/** The last value of a channel in every window, repeated for each output: the naive forecast. */
export function lastValueForecast(w: WindowMatrix, numOutputs = 1, channel = 0): Float64Array {
  const out = new Float64Array(w.numWindows * numOutputs);
  for (let i = 0; i < w.numWindows; i++)
    out.fill(w.data[((i + 1) * w.windowLength - 1) * w.numChannels + channel], i * numOutputs, (i + 1) * numOutputs);
  return out;
}
