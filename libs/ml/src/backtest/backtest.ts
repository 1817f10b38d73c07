/**
 * Rolling-origin backtest: every model is fitted on the history before each window's cutoff and
 * scored on the same points (same windows, same series, same non-censored actuals), then compared
 * with a reference (seasonal naive by default) on those points.
 *
 * Two kinds of model plug in:
 * - a local `ForecastModel` (../baselines): fitted per series on that series' history;
 * - a `GlobalForecastModel`: one callback per window receiving every series' history up to the
 *   cutoff (e.g. gradient-boosted trees over lag and calendar features) and returning forecasts.
 * Histories handed to models are copies cut at the cutoff, with censored points set to NaN, so a
 * model cannot read a later point even through the underlying buffer. Covariates known in advance
 * (holidays, planned promotions) are the global model's own business: it looks them up by series
 * id and period, and must only use what would be known at the cutoff.
 */
import type { ForecastModel, PeriodCalendar } from '../baselines';
import { seasonalNaive } from '../baselines';
import type { AggregatedMetrics, ErrorStats, Mask, ScoredUnit } from '../metrics';
import { aggregateMetrics, scoreUnit, seasonalNaiveScale } from '../metrics';
import type { BacktestWindow, ExplicitWindows, WindowSpec } from './windows';
import { makeWindows } from './windows';

export interface BacktestSeries {
  id: string;
  /** Labels to aggregate by, e.g. { store: '1', dept: '7' }. */
  groups?: Readonly<Record<string, string>>;
  /** `values[i]` is absolute period `start + i`; NaN where there is no observation. */
  values: Float64Array;
  /** Absolute period of `values[0]`; default 0. */
  start?: number;
  /** Truthy where the value is censored (stock-out): hidden from models and not scored. */
  censored?: Mask;
  /** WMAE weight per period (same indexing as `values`); 1 when omitted. */
  weights?: ArrayLike<number>;
}

/** One series' past as a model sees it at a cutoff. */
export interface SeriesHistory {
  id: string;
  groups: Readonly<Record<string, string>>;
  start: number;
  /** Periods `start .. cutoff - 1`; censored points are NaN. A fresh copy. */
  values: Float64Array;
}

export interface GlobalForecastRequest {
  window: BacktestWindow;
  /** Every series, in input order. */
  series: readonly SeriesHistory[];
  /** Series (by position) that have at least one scored point in the window. */
  scored: Uint8Array;
  quantileLevels: readonly number[];
}

export interface SeriesForecast {
  /** `window.horizon` values for periods cutoff .. cutoff + horizon - 1. */
  point: Float64Array;
  /** One array per requested quantile level, when the model gives quantiles. */
  quantiles?: Float64Array[];
}

export interface GlobalForecastModel {
  readonly name: string;
  /** Forecasts aligned with `request.series`; entries of unscored series may be undefined. */
  forecastAll(
    request: GlobalForecastRequest,
  ): Array<SeriesForecast | undefined> | Promise<Array<SeriesForecast | undefined>>;
}

export type BacktestModel = ForecastModel | GlobalForecastModel;

export interface BacktestOptions {
  series: readonly BacktestSeries[];
  models: readonly BacktestModel[];
  windows: WindowSpec | ExplicitWindows;
  /** Season length for the MASE/RMSSE scale and the default reference. */
  seasonLength: number;
  /**
   * Name of the model all others are compared with; default `seasonal-naive(<seasonLength>)`,
   * added to the run when no model has that name.
   */
  reference?: string;
  /**
   * Quantile levels to request and score (pinball loss, coverage); default none. A model that
   * gives no quantiles is scored on its point forecasts only.
   */
  quantileLevels?: readonly number[];
  /** Calendar passed to local models (least squares with calendar dummies). */
  calendar?: PeriodCalendar;
  /** Group keys to aggregate by; default all keys found. */
  groupBy?: readonly string[];
  /** Keep every forecast in the result; default true. */
  keepForecasts?: boolean;
  /** A NaN forecast at a scored point: throw (default) or replace by this number. */
  fillMissingForecast?: number;
  /** Called after each model x window. */
  onProgress?: (event: { model: string; window: number; ms: number }) => void;
}

export interface ForecastRecord {
  window: number;
  seriesId: string;
  /** First forecast period (the window's cutoff). */
  from: number;
  forecast: Float64Array;
  quantiles?: Float64Array[];
}

export interface RelativeMetrics {
  /** model / reference on pooled totals. */
  wape: number;
  mae: number;
  wmae: number;
  rmse: number;
  /** model / reference of the mean unit MASE and RMSSE. */
  mase: number;
  rmsse: number;
  /** Relative WAPE and MASE per window. */
  perWindow: Array<{ wape: number; mase: number; wmae: number }>;
}

export interface ModelResult {
  name: string;
  kind: 'local' | 'global';
  metrics: AggregatedMetrics;
  relative: RelativeMetrics;
  /** Wall-clock milliseconds spent fitting and forecasting, per window and in total. */
  ms: number;
  msPerWindow: number[];
  forecasts?: ForecastRecord[];
}

export interface BacktestResult {
  windows: BacktestWindow[];
  reference: string;
  quantileLevels: readonly number[];
  /** In the order given, the added reference last. */
  models: ModelResult[];
}

export function isGlobalModel(m: BacktestModel): m is GlobalForecastModel {
  return typeof (m as GlobalForecastModel).forecastAll === 'function';
}

/** History of `s` before `cutoff` as models see it (a copy; censored points NaN). */
export function historyAt(s: BacktestSeries, cutoff: number): Float64Array {
  const start = s.start ?? 0;
  const len = Math.max(0, Math.min(s.values.length, cutoff - start));
  const out = s.values.slice(0, len);
  if (s.censored) for (let i = 0; i < len; i++) if (s.censored[i]) out[i] = NaN;
  return out;
}

interface Target {
  series: number;
  actual: Float64Array;
  mask: Uint8Array;
  weights?: Float64Array;
  scale: { mae: number; mse: number };
}

/** Actuals of every series with at least one scored point in the window. */
function targetsOf(series: readonly BacktestSeries[], w: BacktestWindow, seasonLength: number): Target[] {
  const out: Target[] = [];
  series.forEach((s, si) => {
    const start = s.start ?? 0;
    const actual = new Float64Array(w.horizon).fill(NaN);
    const mask = new Uint8Array(w.horizon);
    const sw = s.weights;
    const weights = sw ? new Float64Array(w.horizon).fill(1) : undefined;
    let scored = 0;
    for (let k = 0; k < w.horizon; k++) {
      const i = w.cutoff + k - start;
      if (i < 0 || i >= s.values.length) continue;
      actual[k] = s.values[i];
      mask[k] = s.censored && s.censored[i] ? 1 : 0;
      if (weights && sw) weights[k] = sw[i];
      if (!Number.isNaN(actual[k]) && !mask[k]) scored++;
    }
    if (scored === 0) return;
    out.push({ series: si, actual, mask, weights, scale: seasonalNaiveScale(historyAt(s, w.cutoff), seasonLength) });
  });
  return out;
}

function checkForecast(
  name: string,
  id: string,
  f: SeriesForecast | undefined,
  w: BacktestWindow,
  levels: readonly number[],
  t: Target,
  fill: number | undefined,
): SeriesForecast {
  if (!f || f.point.length !== w.horizon)
    throw new RangeError(`${name}: forecast for ${id} in window ${w.index} must have ${w.horizon} values`);
  if (f.quantiles && (f.quantiles.length !== levels.length || f.quantiles.some((q) => q.length !== w.horizon))) {
    throw new RangeError(`${name}: ${levels.length} quantile arrays of ${w.horizon} values expected for ${id}`);
  }
  const fixNaN = (a: Float64Array): Float64Array => {
    let out = a;
    for (let k = 0; k < a.length; k++) {
      if (Number.isNaN(a[k]) && !Number.isNaN(t.actual[k]) && !t.mask[k]) {
        if (fill === undefined) throw new RangeError(`${name}: NaN forecast for ${id} at period ${w.cutoff + k}`);
        if (out === a) out = Float64Array.from(a);
        out[k] = fill;
      }
    }
    return out;
  };
  return { point: fixNaN(f.point), quantiles: f.quantiles?.map(fixNaN) };
}

export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const { series, seasonLength } = options;
  const levels = options.quantileLevels ?? [];
  const dataEnd = series.reduce((e, s) => Math.max(e, (s.start ?? 0) + s.values.length), 0);
  const windows = makeWindows(options.windows, dataEnd);
  const models: BacktestModel[] = [...options.models];
  const names = new Set<string>();
  for (const m of models) {
    if (names.has(m.name)) throw new Error(`duplicate model name ${m.name}`);
    names.add(m.name);
  }
  const reference = options.reference ?? `seasonal-naive(${seasonLength})`;
  if (!names.has(reference)) {
    if (options.reference !== undefined) throw new Error(`reference model ${reference} is not among the models`);
    models.push(seasonalNaive({ seasonLength }));
  }
  const targets = windows.map((w) => targetsOf(series, w, seasonLength));
  const keep = options.keepForecasts ?? true;
  const results: Array<Omit<ModelResult, 'relative'>> = [];

  for (const model of models) {
    const global = isGlobalModel(model);
    const units: ScoredUnit[] = [];
    const forecasts: ForecastRecord[] = [];
    const msPerWindow: number[] = [];
    for (const w of windows) {
      const t0 = performance.now();
      const ts = targets[w.index];
      let outputs: SeriesForecast[];
      if (global) {
        const scored = new Uint8Array(series.length);
        for (const t of ts) scored[t.series] = 1;
        const request: GlobalForecastRequest = {
          window: w,
          series: series.map((s) => ({
            id: s.id,
            groups: s.groups ?? {},
            start: s.start ?? 0,
            values: historyAt(s, w.cutoff),
          })),
          scored,
          quantileLevels: levels,
        };
        const all = await model.forecastAll(request);
        outputs = ts.map((t) =>
          checkForecast(model.name, series[t.series].id, all[t.series], w, levels, t, options.fillMissingForecast),
        );
      } else {
        outputs = ts.map((t) => {
          const s = series[t.series];
          const fitted = model.fit(historyAt(s, w.cutoff), { start: s.start ?? 0, calendar: options.calendar });
          const point = fitted.forecast(w.horizon);
          const quantiles = levels.length > 0 && fitted.quantiles ? fitted.quantiles(w.horizon, levels) : undefined;
          return checkForecast(model.name, s.id, { point, quantiles }, w, levels, t, options.fillMissingForecast);
        });
      }
      msPerWindow.push(performance.now() - t0);
      ts.forEach((t, k) => {
        const s = series[t.series];
        const o = outputs[k];
        const stats: ErrorStats = scoreUnit({
          actual: t.actual,
          forecast: o.point,
          mask: t.mask,
          weights: t.weights,
          scale: t.scale,
          quantiles: o.quantiles ? { levels, values: o.quantiles } : undefined,
        });
        units.push({ seriesId: s.id, groups: s.groups, window: w.index, stats });
        if (keep)
          forecasts.push({
            window: w.index,
            seriesId: s.id,
            from: w.cutoff,
            forecast: o.point,
            quantiles: o.quantiles,
          });
      });
      options.onProgress?.({ model: model.name, window: w.index, ms: msPerWindow[msPerWindow.length - 1] });
    }
    results.push({
      name: model.name,
      kind: global ? 'global' : 'local',
      metrics: aggregateMetrics(units, { groupBy: options.groupBy }),
      ms: msPerWindow.reduce((a, b) => a + b, 0),
      msPerWindow,
      forecasts: keep ? forecasts : undefined,
    });
  }
  const ref = results.find((r) => r.name === reference);
  if (!ref) throw new Error(`reference ${reference} missing from the results`);
  return {
    windows,
    reference,
    quantileLevels: levels,
    models: results.map((r) => ({ ...r, relative: relativeTo(r.metrics, ref.metrics) })),
  };
}

function relativeTo(m: AggregatedMetrics, ref: AggregatedMetrics): RelativeMetrics {
  const t = m.total;
  const r = ref.total;
  return {
    wape: t.wape / r.wape,
    mae: t.mae / r.mae,
    wmae: t.wmae / r.wmae,
    rmse: t.rmse / r.rmse,
    mase: t.mase / r.mase,
    rmsse: t.rmsse / r.rmsse,
    perWindow: m.perWindow.map((w, i) => ({
      wape: w.wape / (ref.perWindow[i]?.wape ?? NaN),
      mase: w.mase / (ref.perWindow[i]?.mase ?? NaN),
      wmae: w.wmae / (ref.perWindow[i]?.wmae ?? NaN),
    })),
  };
}
