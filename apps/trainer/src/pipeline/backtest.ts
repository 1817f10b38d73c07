/**
 * Rolling-origin backtest of a run's family against seasonal naive on the same windows, through
 * libs/ml's `runBacktest` (same windows, same series, same uncensored actuals for both). The
 * family's forecasts come from the dataset's rows at each window's anchor (the feature store's
 * point-in-time vectors), either refitting the family on the rows before the window or scoring a
 * fixed ONNX model; the actuals and the seasonal-naive reference come from the series' values.
 */
import { createHash } from 'node:crypto';

import type { BacktestMetrics, MetricValues } from '@shelfcast/contracts';
import {
  runBacktest,
  runOnnxModel,
  type BacktestSeries,
  type FeatureMatrix,
  type GlobalForecastModel,
  type GlobalForecastRequest,
  type MetricSummary,
  type SeriesForecast,
} from '@shelfcast/ml';

import { checkpoint } from './control';
import type { RowStore, SeriesActuals } from './dataset';
import { fitFamily } from './models';
import type { RunPlan } from './plan';
import { applyPostprocess, POSTPROCESS_METHOD, type Postprocess } from './signature';

/** Identity of a window set: sha256 over the cutoffs, the horizon and the (sorted) series keys. */
export function windowsKey(cutoffs: readonly string[], horizon: number, seriesKeys: readonly string[]): string {
  const series = createHash('sha256')
    .update([...seriesKeys].sort().join('\n'))
    .digest('hex');
  return createHash('sha256').update(JSON.stringify({ cutoffs, horizon, series })).digest('hex');
}

/** Finite figures of a summary under the registry's metric names. */
export function metricValues(m: MetricSummary | undefined): MetricValues {
  const out: MetricValues = {};
  if (!m) return out;
  const put = (k: string, v: number): void => {
    if (Number.isFinite(v)) out[k] = v;
  };
  put('wape', m.wape);
  put('mae', m.mae);
  put('rmse', m.rmse);
  put('smape', m.smape);
  put('mase', m.mase);
  put('rmsse', m.rmsse);
  put('bias', m.bias);
  put('bias_pct', m.biasPct);
  put('pinball', m.meanPinball);
  for (const [level, v] of Object.entries(m.pinball)) put(`pinball_${level}`, v);
  const nominals = Object.keys(m.coverage).map(Number);
  if (nominals.length > 0) {
    const widest = Math.max(...nominals);
    put('coverage', m.coverage[String(widest)]);
    put('coverage_nominal', widest);
  }
  for (const [nominal, v] of Object.entries(m.coverage)) put(`coverage_${nominal}`, v);
  put('points', m.n);
  return out;
}

/** The backtest's series: the run's actuals (censored periods flagged), in key order. */
export function backtestSeries(actuals: ReadonlyMap<string, SeriesActuals>): BacktestSeries[] {
  return [...actuals.keys()].sort().map((id) => {
    const a = actuals.get(id) as SeriesActuals;
    return { id, start: a.start, values: a.values, censored: a.censored };
  });
}

type ScaledPredictor = (m: FeatureMatrix) => Promise<Float64Array>;

/** Forecasts of the request's scored series from the rows at anchor cutoff - 1 (zeros for a series without rows then). */
async function forecastFromRows(
  rows: RowStore,
  request: GlobalForecastRequest,
  predict: ScaledPredictor,
  pp: Postprocess,
): Promise<Array<SeriesForecast | undefined>> {
  const H = request.window.horizon;
  const idx = rows.rowsAt(request.window.cutoff - 1);
  const first = new Map<string, number>();
  idx.forEach((r, i) => {
    if (rows.horizon[r] === 1) first.set(rows.keys[rows.series[r]], i);
  });
  const pred = idx.length > 0 ? await predict(rows.matrix(idx)) : new Float64Array(0);
  const levels = request.quantileLevels;
  return request.series.map((s, k) => {
    if (!request.scored[k]) return undefined;
    const i = first.get(s.id);
    if (i === undefined) return { point: new Float64Array(H), quantiles: levels.map(() => new Float64Array(H)) };
    const f = applyPostprocess(pp, pred, i, H, rows.scale[idx[i]], levels);
    return { point: Float64Array.from(f.point), quantiles: f.quantiles.map((q) => Float64Array.from(q)) };
  });
}

export interface BacktestControl {
  signal: AbortSignal;
  progress(fraction: number): void;
}

/** The family refitted on the rows before each window (what a new version is judged by). */
export function refitForecaster(plan: RunPlan, rows: RowStore, control: BacktestControl): GlobalForecastModel {
  const windows = plan.windowStarts.length;
  return {
    name: `pipeline:${plan.family}`,
    async forecastAll(request) {
      await checkpoint(control.signal, 'backtest');
      const w = request.window.index;
      const fit = await fitFamily(plan, rows, request.window.cutoff, {
        signal: control.signal,
        stage: 'backtest',
        progress: (f) => control.progress((0.9 * (w + f)) / windows),
      });
      const pp: Postprocess = {
        method: POSTPROCESS_METHOD,
        levels: plan.levels,
        residualQuantiles: fit.residualQuantiles,
      };
      return forecastFromRows(rows, request, async (m) => fit.model.predictScaled(m), pp);
    },
  };
}

/** A fixed ONNX model scored on each window's rows (no refit). */
export function onnxForecaster(
  rows: RowStore,
  bytes: Uint8Array,
  names: { inputName: string; outputName: string },
  pp: Postprocess,
  control: BacktestControl,
  windows: number,
): GlobalForecastModel {
  return {
    name: 'pipeline:onnx',
    async forecastAll(request) {
      await checkpoint(control.signal, 'backtest');
      const out = await forecastFromRows(
        rows,
        request,
        async (m) => {
          const r = await runOnnxModel(bytes, m.data, [m.numRows, m.numFeatures], names);
          return Float64Array.from(r.data);
        },
        pp,
      );
      control.progress((0.9 * (request.window.index + 1)) / windows);
      return out;
    },
  };
}

/** Runs the model and the seasonal-naive reference on the plan's windows. */
export async function backtestAgainstNaive(
  plan: RunPlan,
  series: readonly BacktestSeries[],
  model: GlobalForecastModel,
  seriesKeys: readonly string[],
  control: BacktestControl,
): Promise<BacktestMetrics> {
  const windows = plan.windowStarts.length;
  const result = await runBacktest({
    series,
    models: [model],
    windows: { horizon: plan.horizon, cutoffs: plan.windowStarts },
    seasonLength: plan.seasonLength,
    quantileLevels: plan.levels,
    keepForecasts: false,
    groupBy: [],
    onProgress: (e) => {
      if (e.model !== model.name) control.progress(0.9 + (0.1 * (e.window + 1)) / windows);
    },
  });
  const ours = result.models.find((m) => m.name === model.name);
  const naive = result.models.find((m) => m.name === result.reference);
  if (!ours || !naive) throw new Error('backtest result lacks the model or its reference');
  return {
    windows: {
      key: windowsKey(plan.windowCutoffs, plan.horizon, seriesKeys),
      cutoffs: [...plan.windowCutoffs],
      horizon: plan.horizon,
      series: seriesKeys.length,
    },
    model: metricValues(ours.metrics.total),
    seasonalNaive: metricValues(naive.metrics.total),
    perWindow: plan.windowCutoffs.map((cutoff, i) => ({
      cutoff,
      model: metricValues(ours.metrics.perWindow[i]),
      seasonalNaive: metricValues(naive.metrics.perWindow[i]),
    })),
  };
}
