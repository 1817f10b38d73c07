/**
 * Per-series least squares on a trend plus seasonal dummies (e.g. year + week-of-year dummies,
 * the Walmart "Y ~ Yr + Wk" regression), with ridge-stabilised normal equations solved by Cholesky.
 *
 * Design: intercept, the trend covariate centred on its training mean, and one dummy per season
 * label 1..m-1 (label 0 is the reference level, R's treatment contrasts). Collinear columns follow
 * R's `lm`: taken in that order, a column the earlier ones already span is aliased and gets
 * coefficient 0 (a label never seen in the history, the trend when the history spans one year, a
 * dummy made redundant when the reference label is unseen). A season never seen therefore
 * forecasts the reference level, as `coef[is.na(coef)] <- 0` does in R. The ridge,
 * `ridge * trace(X'X) / p` on the diagonal, only keeps the Cholesky factorisation away from
 * round-off; it is far below the aliasing tolerance.
 */
import { normalQuantiles } from './quantiles';
import type { ForecastModel, Forecaster, PeriodCalendar, SeriesContext } from './types';
import { assertHorizon, constantForecast, countObserved } from './types';

/**
 * Solves `A x = b` for a symmetric positive semi-definite `A` (p x p, row-major) by Cholesky
 * (A = L L'), leaving `A` and `b` untouched.
 *
 * Columns are taken in order; a column whose pivot (the squared norm of what it adds beyond the
 * columns before it) is at most `aliasTolerance` times its diagonal entry is aliased: it gets
 * coefficient 0 and is left out, the convention of R's `lm` (pivot aliased columns out, NA -> 0).
 * With `aliasTolerance` 0 a non-positive pivot throws instead.
 */
export function choleskySolve(
  a: Float64Array,
  b: Float64Array,
  p: number,
  aliasTolerance = 0,
): { x: Float64Array; aliased: Uint8Array } {
  const l = new Float64Array(p * p);
  const aliased = new Uint8Array(p);
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j];
    for (let k = 0; k < j; k++) d -= l[j * p + k] * l[j * p + k];
    if (!(d > aliasTolerance * a[j * p + j])) {
      if (aliasTolerance <= 0) throw new RangeError(`matrix is not positive definite (pivot ${j}: ${d})`);
      aliased[j] = 1;
      continue;
    }
    const ljj = Math.sqrt(d);
    l[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      l[i * p + j] = s / ljj;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    if (aliased[i]) {
      x[i] = 0;
      continue;
    }
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * x[k];
    x[i] = s / l[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    if (aliased[i]) continue;
    let s = x[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
    x[i] = s / l[i * p + i];
  }
  return { x, aliased };
}

export interface SeasonalRegressionOptions {
  /** Number of season labels m; labels come from `context.calendar.season` or `period mod m`. */
  seasonLength: number;
  /** `linear` (default): a slope on `calendar.trend(period)` (the period index without a calendar). */
  trend?: 'linear' | 'none';
  /** Relative ridge; default 1e-13. */
  ridge?: number;
  /** Relative Cholesky pivot below which a column is aliased; default 1e-9. */
  aliasTolerance?: number;
}

const indexCalendar = (m: number): PeriodCalendar => ({
  season: (p) => ((p % m) + m) % m,
  trend: (p) => p,
});

export function fitSeasonalRegression(
  history: Float64Array,
  options: SeasonalRegressionOptions,
  context: SeriesContext = {},
): Forecaster {
  const m = options.seasonLength;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`seasonLength must be a positive integer, got ${m}`);
  const n = history.length;
  const nObs = countObserved(history);
  if (nObs === 0) return { params: { empty: true }, forecast: (h) => constantForecast(0, h) };
  const useTrend = (options.trend ?? 'linear') === 'linear';
  const calendar = context.calendar ?? indexCalendar(m);
  const start = context.start ?? 0;
  const tCol = useTrend ? 1 : -1;
  const sOff = useTrend ? 2 : 1; // column of season label 1
  const p = sOff + m - 1;

  const seasonOf = (period: number): number => {
    const s = calendar.season(period);
    if (!Number.isInteger(s) || s < 0 || s >= m)
      throw new RangeError(`season label ${s} of period ${period} is outside [0, ${m})`);
    return s;
  };
  let trendMean = 0;
  if (useTrend) {
    for (let i = 0; i < n; i++) if (!Number.isNaN(history[i])) trendMean += calendar.trend(start + i);
    trendMean /= nObs;
  }
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  const rowCols = [0, 0, 0];
  const rowVals = [0, 0, 0];
  const row = (period: number): number => {
    // Sparse row: intercept, centred trend, one dummy. Returns the number of non-zeros.
    let k = 0;
    rowCols[k] = 0;
    rowVals[k++] = 1;
    if (useTrend) {
      rowCols[k] = tCol;
      rowVals[k++] = calendar.trend(period) - trendMean;
    }
    const s = seasonOf(period);
    if (s > 0) {
      rowCols[k] = sOff + s - 1;
      rowVals[k++] = 1;
    }
    return k;
  };
  for (let i = 0; i < n; i++) {
    const y = history[i];
    if (Number.isNaN(y)) continue;
    const k = row(start + i);
    for (let a = 0; a < k; a++) {
      xty[rowCols[a]] += rowVals[a] * y;
      for (let b = 0; b < k; b++) xtx[rowCols[a] * p + rowCols[b]] += rowVals[a] * rowVals[b];
    }
  }
  let trace = 0;
  for (let i = 0; i < p; i++) trace += xtx[i * p + i];
  const lambda = (options.ridge ?? 1e-13) * (trace / p);
  for (let i = 0; i < p; i++) xtx[i * p + i] += lambda;
  const { x: beta, aliased } = choleskySolve(xtx, xty, p, options.aliasTolerance ?? 1e-9);

  const predict = (period: number): number => {
    const k = row(period);
    let v = 0;
    for (let a = 0; a < k; a++) v += beta[rowCols[a]] * rowVals[a];
    return v;
  };
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const y = history[i];
    if (!Number.isNaN(y)) sse += (y - predict(start + i)) ** 2;
  }
  let rank = 0;
  for (let j = 0; j < p; j++) rank += 1 - aliased[j];
  const dof = nObs - rank;
  const sigma = dof > 0 ? Math.sqrt(sse / dof) : NaN;
  const last = start + n - 1;
  const forecast = (h: number): Float64Array => {
    assertHorizon(h);
    const out = new Float64Array(h);
    for (let k = 1; k <= h; k++) out[k - 1] = predict(last + k);
    return out;
  };
  return {
    params: { intercept: beta[0], slope: useTrend ? beta[tCol] : 0, trendMean, sigma, rank },
    forecast,
    quantiles: (h, levels) => normalQuantiles(forecast(h), sigma, () => 1, levels),
  };
}

/**
 * Least squares on trend + seasonal dummies. Give a `calendar` in the fit context to use calendar
 * seasons and trend (e.g. ISO week and year); otherwise season = period mod m, trend = period.
 */
export function seasonalRegression(options: SeasonalRegressionOptions): ForecastModel {
  const trend = options.trend ?? 'linear';
  return {
    name: `least-squares(${trend === 'linear' ? 'trend+' : ''}season${options.seasonLength})`,
    fit: (history, context) => fitSeasonalRegression(history, options, context),
  };
}
