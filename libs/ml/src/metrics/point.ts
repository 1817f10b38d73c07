/**
 * One-call metrics over a single pair of actual/forecast arrays; each skips NaN actuals and
 * points whose `mask` entry is truthy (censored). Definitions in ./accumulator.ts.
 */
import type { ErrorScale, Mask } from './accumulator';
import { pinballPoint, scoreUnit, summarize } from './accumulator';

export interface PointMetricOptions {
  mask?: Mask;
}

type A = ArrayLike<number>;

const summary = (actual: A, forecast: A, o: PointMetricOptions = {}, extra: { weights?: A; scale?: ErrorScale } = {}) =>
  summarize(scoreUnit({ actual, forecast, mask: o.mask, ...extra }));

/** Mean absolute error. */
export const mae = (actual: A, forecast: A, o?: PointMetricOptions): number => summary(actual, forecast, o).mae;

/** Root mean squared error. */
export const rmse = (actual: A, forecast: A, o?: PointMetricOptions): number => summary(actual, forecast, o).rmse;

/** Weighted absolute percentage error: sum|e| / sum|y| (a fraction). */
export const wape = (actual: A, forecast: A, o?: PointMetricOptions): number => summary(actual, forecast, o).wape;

/** Symmetric MAPE: mean of 2|e| / (|y| + |yhat|), 0 where both are 0 (a fraction in [0, 2]). */
export const smape = (actual: A, forecast: A, o?: PointMetricOptions): number => summary(actual, forecast, o).smape;

/** Weighted MAE: sum w|e| / sum w. */
export const wmae = (actual: A, forecast: A, weights: A, o?: PointMetricOptions): number =>
  summary(actual, forecast, o, { weights }).wmae;

/** MASE: MAE over `scale` (the in-sample seasonal-naive MAE, see `seasonalNaiveScale`). */
export const mase = (actual: A, forecast: A, scale: number, o?: PointMetricOptions): number =>
  summary(actual, forecast, o, { scale: { mae: scale, mse: 1 } }).mase;

/** RMSSE: sqrt(MSE / scaleMse), scaleMse the in-sample seasonal-naive mean squared error. */
export const rmsse = (actual: A, forecast: A, scaleMse: number, o?: PointMetricOptions): number =>
  summary(actual, forecast, o, { scale: { mae: 1, mse: scaleMse } }).rmsse;

/** Mean error (forecast - actual) and the same as a percentage of sum|actual|. */
export function bias(actual: A, forecast: A, o?: PointMetricOptions): { meanError: number; percent: number } {
  const s = summary(actual, forecast, o);
  return { meanError: s.bias, percent: s.biasPct };
}

/** Mean pinball loss of the `level` quantile forecast. */
export function pinballLoss(actual: A, quantile: A, level: number, o: PointMetricOptions = {}): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(actual[i]) || (o.mask && o.mask[i])) continue;
    sum += pinballPoint(actual[i], quantile[i], level);
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

/** Share of scored points with lower <= actual <= upper. */
export function intervalCoverage(actual: A, lower: A, upper: A, o: PointMetricOptions = {}): number {
  let inside = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(actual[i]) || (o.mask && o.mask[i])) continue;
    if (actual[i] >= lower[i] && actual[i] <= upper[i]) inside++;
    n++;
  }
  return n > 0 ? inside / n : NaN;
}
