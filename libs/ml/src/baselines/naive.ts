/**
 * Naive, seasonal naive and moving-average forecasts.
 */
import { normalQuantiles, residualSigma } from './quantiles';
import type { ForecastModel, Forecaster } from './types';
import { assertHorizon, constantForecast, lastObserved } from './types';

/**
 * What to forecast when the period a naive rule points at is missing (NaN):
 * - `last-observed`: the most recent observed value (the sensible default);
 * - `zero`: 0 (the Walmart course protocol: "missing -> 0");
 * - `earlier-seasons` (seasonal naive only): the same season one, two, ... seasons further back,
 *   then the last observed value.
 * With no observation at all every rule forecasts 0.
 */
export type NaiveMissing = 'last-observed' | 'zero' | 'earlier-seasons';

export interface NaiveOptions {
  /** Default `last-observed`. */
  missing?: Exclude<NaiveMissing, 'earlier-seasons'>;
}

function lastValue(history: Float64Array): number {
  const i = lastObserved(history);
  return i < 0 ? 0 : history[i];
}

/** Residuals `y[t] - y[t - lag]` over pairs where both are observed. */
function lagResiduals(history: Float64Array, lag: number): Float64Array {
  const out = new Float64Array(Math.max(0, history.length - lag));
  for (let t = lag; t < history.length; t++) out[t - lag] = history[t] - history[t - lag];
  return out;
}

/** Residuals of a random walk over observed points, bridging gaps. */
function walkResiduals(history: Float64Array): Float64Array {
  const out: number[] = [];
  let prev = NaN;
  for (let t = 0; t < history.length; t++) {
    const y = history[t];
    if (Number.isNaN(y)) continue;
    if (!Number.isNaN(prev)) out.push(y - prev);
    prev = y;
  }
  return Float64Array.from(out);
}

export function fitNaive(history: Float64Array, options: NaiveOptions = {}): Forecaster {
  const missing = options.missing ?? 'last-observed';
  const last = history.length > 0 ? history[history.length - 1] : NaN;
  const level = Number.isNaN(last) ? (missing === 'zero' ? 0 : lastValue(history)) : last;
  const sigma = residualSigma(walkResiduals(history));
  return {
    params: { level, sigma },
    forecast: (h) => constantForecast(level, h),
    quantiles: (h, levels) => normalQuantiles(constantForecast(level, h), sigma, (k) => k, levels),
  };
}

/** Naive: every future period equals the last period of the history. */
export function naive(options: NaiveOptions = {}): ForecastModel {
  const missing = options.missing ?? 'last-observed';
  return {
    name: missing === 'last-observed' ? 'naive' : `naive(missing=${missing})`,
    fit: (history) => fitNaive(history, { missing }),
  };
}

export interface SeasonalNaiveOptions {
  seasonLength: number;
  /** Default `earlier-seasons`. */
  missing?: NaiveMissing;
}

export function fitSeasonalNaive(history: Float64Array, options: SeasonalNaiveOptions): Forecaster {
  const m = options.seasonLength;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`seasonLength must be a positive integer, got ${m}`);
  const missing = options.missing ?? 'earlier-seasons';
  const n = history.length;
  const fallback = (j: number): number => {
    if (missing === 'zero') return 0;
    if (missing === 'earlier-seasons') {
      for (let i = j - m; i >= 0; i -= m) if (!Number.isNaN(history[i])) return history[i];
    }
    return lastValue(history);
  };
  const sigma = residualSigma(lagResiduals(history, m));
  const forecast = (h: number): Float64Array => {
    assertHorizon(h);
    const out = new Float64Array(h);
    for (let k = 1; k <= h; k++) {
      const j = n - 1 + k - m * Math.ceil(k / m);
      out[k - 1] = j >= 0 && !Number.isNaN(history[j]) ? history[j] : fallback(j);
    }
    return out;
  };
  return {
    params: { seasonLength: m, sigma },
    forecast,
    quantiles: (h, levels) => normalQuantiles(forecast(h), sigma, (k) => Math.floor((k - 1) / m) + 1, levels),
  };
}

/** Seasonal naive: each future period equals the same season of the last season in the history. */
export function seasonalNaive(options: SeasonalNaiveOptions): ForecastModel {
  const missing = options.missing ?? 'earlier-seasons';
  return {
    name:
      missing === 'earlier-seasons'
        ? `seasonal-naive(${options.seasonLength})`
        : `seasonal-naive(${options.seasonLength},missing=${missing})`,
    fit: (history) => fitSeasonalNaive(history, { ...options, missing }),
  };
}

export interface MovingAverageOptions {
  /** Number of most recent observed values averaged. */
  window: number;
}

/** Mean of the last `window` observed values of `history[0..end)`; NaN when there is none. */
function trailingMean(history: Float64Array, end: number, window: number): number {
  let s = 0;
  let n = 0;
  for (let i = end - 1; i >= 0 && n < window; i--) {
    if (!Number.isNaN(history[i])) {
      s += history[i];
      n++;
    }
  }
  return n > 0 ? s / n : NaN;
}

export function fitMovingAverage(history: Float64Array, options: MovingAverageOptions): Forecaster {
  const w = options.window;
  if (!Number.isInteger(w) || w < 1) throw new RangeError(`window must be a positive integer, got ${w}`);
  const mean = trailingMean(history, history.length, w);
  const level = Number.isNaN(mean) ? 0 : mean;
  const residuals = new Float64Array(history.length).fill(NaN);
  for (let t = 1; t < history.length; t++) {
    if (!Number.isNaN(history[t])) residuals[t] = history[t] - trailingMean(history, t, w);
  }
  const sigma = residualSigma(residuals);
  return {
    params: { window: w, level, sigma },
    forecast: (h) => constantForecast(level, h),
    // sigma comes from this rule's own one-step errors; a flat forecast of a stationary level has
    // the same error spread at every step.
    quantiles: (h, levels) => normalQuantiles(constantForecast(level, h), sigma, () => 1, levels),
  };
}

/** Moving average: every future period equals the mean of the last `window` observed values. */
export function movingAverage(options: MovingAverageOptions): ForecastModel {
  return { name: `moving-average(${options.window})`, fit: (history) => fitMovingAverage(history, options) };
}
