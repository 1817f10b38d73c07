/**
 * The common shape of every per-series ("local") forecasting model in libs/ml.
 *
 * A model is a plain object with a `name` and `fit(history, context)`; the history is a
 * Float64Array on a regular period grid (days, weeks) whose last element is the period just
 * before the forecast origin. `NaN` marks a missing or censored period (no sale recorded, a
 * stock-out): models never treat it as a zero. `forecast(h)` returns the next `h` periods.
 */

/** Calendar features of an absolute period index (e.g. week number since the data's first week). */
export interface PeriodCalendar {
  /** Season label in `[0, seasonLength)` (e.g. ISO week - 1, day of week). */
  season(period: number): number;
  /** Trend covariate (e.g. the year, or the period index itself). */
  trend(period: number): number;
}

/** What a model may know about the series besides its values. */
export interface SeriesContext {
  /** Absolute period index of `history[0]`; default 0. */
  start?: number;
  /** Calendar of absolute periods, for models with calendar features (least squares). */
  calendar?: PeriodCalendar;
}

/** A fitted model, ready to forecast from the end of its history. */
export interface Forecaster {
  /** Point forecasts for the `h` periods after the history. */
  forecast(h: number): Float64Array;
  /**
   * Quantile forecasts: one Float64Array of length `h` per level in `levels` (same order).
   * Baselines use a normal approximation around the point forecast with the in-sample one-step
   * residual spread and the model's horizon variance multiplier.
   */
  quantiles?(h: number, levels: readonly number[]): Float64Array[];
  /** Fitted parameters and notes (smoothing constants, fallbacks taken), for logs and tests. */
  readonly params?: Readonly<Record<string, number | string | boolean>>;
}

export interface ForecastModel {
  /** Stable, human-readable name including its settings, e.g. `seasonal-naive(52)`. */
  readonly name: string;
  fit(history: Float64Array, context?: SeriesContext): Forecaster;
}

/** Number of non-NaN values. */
export function countObserved(x: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) n++;
  return n;
}

/** Index of the first non-NaN value, or `x.length` when there is none. */
export function firstObserved(x: ArrayLike<number>): number {
  let i = 0;
  while (i < x.length && Number.isNaN(x[i])) i++;
  return i;
}

/** Index of the last non-NaN value, or -1. */
export function lastObserved(x: ArrayLike<number>): number {
  let i = x.length - 1;
  while (i >= 0 && Number.isNaN(x[i])) i--;
  return i;
}

export function assertHorizon(h: number): void {
  if (!Number.isInteger(h) || h < 0) throw new RangeError(`horizon must be a non-negative integer, got ${h}`);
}

export function constantForecast(value: number, h: number): Float64Array {
  assertHorizon(h);
  return new Float64Array(h).fill(value);
}
