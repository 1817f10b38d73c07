/**
 * Forecast accuracy as mergeable sums, so that a score over many series or windows is a sum of
 * errors, never a mean of per-series ratios (except MASE/RMSSE, see below).
 *
 * Conventions:
 * - error e = forecast - actual, so a positive bias is over-forecasting;
 * - a point is scored when its actual is a number and its mask entry is falsy; a masked
 *   ("censored": stock-out, store closed) or NaN actual is skipped everywhere; a NaN forecast at a
 *   scored point throws, since silently skipping it would flatter the model;
 * - ratios are fractions (WAPE 0.12 is 12%), except `biasPct`, in percent.
 *
 * Aggregation (pooled sums over every scored point of every series/window in the set):
 *   MAE = sum|e| / n, RMSE = sqrt(sum e^2 / n), bias = sum e / n,
 *   WAPE = sum|e| / sum|y|, biasPct = 100 sum e / sum|y| (= sum y for non-negative demand),
 *   sMAPE = mean over points of 2|e| / (|y| + |yhat|) (0 when both are 0),
 *   WMAE = sum w|e| / sum w, pinball(q) = mean over points, coverage = share of points inside.
 * MASE and RMSSE are scale-free per unit (one series in one backtest window: its MAE over the
 * in-sample seasonal-naive MAE, its RMSE over the in-sample seasonal-naive RMSE) and aggregate as
 * the plain mean over units with a positive, finite scale (the M4/M5 way without sales weights).
 */

/** Truthy entries mark censored points (skipped). */
export type Mask = ArrayLike<number | boolean>;

/** In-sample scale of a series for MASE (mean absolute) and RMSSE (mean squared) errors. */
export interface ErrorScale {
  mae: number;
  mse: number;
}

export interface QuantileForecast {
  /** Levels in (0, 1), e.g. [0.1, 0.5, 0.9]. */
  levels: readonly number[];
  /** One array per level, aligned with the actuals. */
  values: readonly ArrayLike<number>[];
}

export interface ScoreInput {
  actual: ArrayLike<number>;
  forecast: ArrayLike<number>;
  mask?: Mask;
  /** WMAE weights (e.g. 5 in holiday weeks); 1 when omitted. */
  weights?: ArrayLike<number>;
  /** For MASE/RMSSE; omit to leave them out. */
  scale?: ErrorScale;
  quantiles?: QuantileForecast;
}

/** Sums of one or many scored units; merge with `mergeStats`. Plain data (JSON-serialisable). */
export interface ErrorStats {
  n: number;
  sumAbsError: number;
  sumSqError: number;
  sumError: number;
  sumAbsActual: number;
  sumSmape: number;
  sumWeight: number;
  sumWeightedAbsError: number;
  /** Units that carried a usable scale, and the sums of their MASE and RMSSE. */
  scaledUnits: number;
  sumMase: number;
  sumRmsse: number;
  /** Pinball loss sums per quantile level (key: the level as written by String()). */
  pinball: Record<string, number>;
  /** Points scored for quantiles. */
  nQuantile: number;
  /** Points inside the central interval, per nominal coverage (key e.g. "0.8" for 0.1..0.9). */
  inside: Record<string, number>;
}

export function emptyStats(): ErrorStats {
  return {
    n: 0,
    sumAbsError: 0,
    sumSqError: 0,
    sumError: 0,
    sumAbsActual: 0,
    sumSmape: 0,
    sumWeight: 0,
    sumWeightedAbsError: 0,
    scaledUnits: 0,
    sumMase: 0,
    sumRmsse: 0,
    pinball: {},
    nQuantile: 0,
    inside: {},
  };
}

const levelKey = (q: number): string => String(q);

/** Central intervals formed by level pairs (q, 1 - q), q < 0.5: [lower index, upper index, nominal]. */
export function centralIntervals(levels: readonly number[]): Array<{ lower: number; upper: number; nominal: number }> {
  const out: Array<{ lower: number; upper: number; nominal: number }> = [];
  levels.forEach((q, i) => {
    if (!(q < 0.5)) return;
    const j = levels.findIndex((r) => Math.abs(r - (1 - q)) < 1e-9);
    if (j >= 0) out.push({ lower: i, upper: j, nominal: Math.round((1 - 2 * q) * 1e9) / 1e9 });
  });
  return out;
}

function isScored(actual: number, mask: Mask | undefined, i: number): boolean {
  return !Number.isNaN(actual) && !(mask && mask[i]);
}

/** Scores one unit (one series over one window). */
export function scoreUnit(input: ScoreInput): ErrorStats {
  const { actual, forecast, mask, weights, scale, quantiles } = input;
  if (forecast.length !== actual.length)
    throw new RangeError(`forecast length ${forecast.length} != actual length ${actual.length}`);
  const s = emptyStats();
  const intervals = quantiles ? centralIntervals(quantiles.levels) : [];
  if (quantiles) {
    if (quantiles.values.length !== quantiles.levels.length)
      throw new RangeError('one quantile array per level expected');
    for (const q of quantiles.levels) s.pinball[levelKey(q)] = 0;
    for (const iv of intervals) s.inside[String(iv.nominal)] = 0;
  }
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i];
    if (!isScored(y, mask, i)) continue;
    const f = forecast[i];
    if (Number.isNaN(f)) throw new RangeError(`forecast is NaN at scored point ${i}`);
    const e = f - y;
    const ae = Math.abs(e);
    const w = weights ? weights[i] : 1;
    s.n++;
    s.sumAbsError += ae;
    s.sumSqError += e * e;
    s.sumError += e;
    s.sumAbsActual += Math.abs(y);
    const denom = Math.abs(y) + Math.abs(f);
    s.sumSmape += denom === 0 ? 0 : (2 * ae) / denom;
    s.sumWeight += w;
    s.sumWeightedAbsError += w * ae;
    if (quantiles) {
      s.nQuantile++;
      quantiles.levels.forEach((q, k) => {
        s.pinball[levelKey(q)] += pinballPoint(y, quantiles.values[k][i], q);
      });
      for (const iv of intervals) {
        if (y >= quantiles.values[iv.lower][i] && y <= quantiles.values[iv.upper][i]) s.inside[String(iv.nominal)]++;
      }
    }
  }
  if (scale && s.n > 0 && scale.mae > 0 && Number.isFinite(scale.mae) && scale.mse > 0 && Number.isFinite(scale.mse)) {
    s.scaledUnits = 1;
    s.sumMase = s.sumAbsError / s.n / scale.mae;
    s.sumRmsse = Math.sqrt(s.sumSqError / s.n / scale.mse);
  }
  return s;
}

function addRecord(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Adds `from` into `into` (in place) and returns `into`. */
export function addStats(into: ErrorStats, from: ErrorStats): ErrorStats {
  into.n += from.n;
  into.sumAbsError += from.sumAbsError;
  into.sumSqError += from.sumSqError;
  into.sumError += from.sumError;
  into.sumAbsActual += from.sumAbsActual;
  into.sumSmape += from.sumSmape;
  into.sumWeight += from.sumWeight;
  into.sumWeightedAbsError += from.sumWeightedAbsError;
  into.scaledUnits += from.scaledUnits;
  into.sumMase += from.sumMase;
  into.sumRmsse += from.sumRmsse;
  addRecord(into.pinball, from.pinball);
  into.nQuantile += from.nQuantile;
  addRecord(into.inside, from.inside);
  return into;
}

export function mergeStats(parts: Iterable<ErrorStats>): ErrorStats {
  const out = emptyStats();
  for (const p of parts) addStats(out, p);
  return out;
}

export interface MetricSummary {
  /** Scored points. */
  n: number;
  mae: number;
  rmse: number;
  wape: number;
  smape: number;
  /** Mean over scaled units; NaN when no unit had a scale. */
  mase: number;
  rmsse: number;
  wmae: number;
  /** Mean error (forecast - actual). */
  bias: number;
  /** 100 * sum(error) / sum(|actual|). */
  biasPct: number;
  /** Mean pinball loss per level. */
  pinball: Record<string, number>;
  /** Mean of the per-level pinball losses; NaN without quantiles. */
  meanPinball: number;
  /** Observed coverage per nominal central interval. */
  coverage: Record<string, number>;
}

export function summarize(s: ErrorStats): MetricSummary {
  const pinball: Record<string, number> = {};
  let pinSum = 0;
  let pinCount = 0;
  for (const [k, v] of Object.entries(s.pinball)) {
    pinball[k] = s.nQuantile > 0 ? v / s.nQuantile : NaN;
    pinSum += pinball[k];
    pinCount++;
  }
  const coverage: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.inside)) coverage[k] = s.nQuantile > 0 ? v / s.nQuantile : NaN;
  const div = (a: number, b: number): number => (b > 0 ? a / b : NaN);
  return {
    n: s.n,
    mae: div(s.sumAbsError, s.n),
    rmse: Math.sqrt(div(s.sumSqError, s.n)),
    wape: div(s.sumAbsError, s.sumAbsActual),
    smape: div(s.sumSmape, s.n),
    mase: div(s.sumMase, s.scaledUnits),
    rmsse: div(s.sumRmsse, s.scaledUnits),
    wmae: div(s.sumWeightedAbsError, s.sumWeight),
    bias: div(s.sumError, s.n),
    biasPct: 100 * div(s.sumError, s.sumAbsActual),
    pinball,
    meanPinball: pinCount > 0 ? pinSum / pinCount : NaN,
    coverage,
  };
}

/** Pinball (quantile) loss of one point: q (y - f) when y >= f, (1 - q)(f - y) otherwise. */
export function pinballPoint(actual: number, quantile: number, level: number): number {
  const d = actual - quantile;
  return d >= 0 ? level * d : (level - 1) * d;
}

/**
 * In-sample seasonal-naive scale of a history: mean |y[t] - y[t-m]| and mean (y[t] - y[t-m])^2
 * over pairs where both are observed (not NaN, not masked). With no such pair the lag falls back
 * to 1 (the M4 convention for short series); with none either, NaN.
 */
export function seasonalNaiveScale(history: ArrayLike<number>, seasonLength: number, mask?: Mask): ErrorScale {
  const lagScale = (lag: number): ErrorScale & { pairs: number } => {
    let sa = 0;
    let ss = 0;
    let n = 0;
    for (let t = lag; t < history.length; t++) {
      const a = history[t];
      const b = history[t - lag];
      if (Number.isNaN(a) || Number.isNaN(b) || (mask && (mask[t] || mask[t - lag]))) continue;
      const d = a - b;
      sa += Math.abs(d);
      ss += d * d;
      n++;
    }
    return { mae: n > 0 ? sa / n : NaN, mse: n > 0 ? ss / n : NaN, pairs: n };
  };
  let s = lagScale(seasonLength);
  if (s.pairs === 0 && seasonLength > 1) s = lagScale(1);
  return { mae: s.mae, mse: s.mse };
}
