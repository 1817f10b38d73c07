/**
 * A global gradient-boosted forecaster: one model over many series, on the features of
 * @shelfcast/features-core, for every horizon at once.
 *
 * Multi-horizon strategy: direct, with the horizon as a feature (one model for h = 1..H).
 * features-core's lags are relative to the target period (same phase, as recent as the anchor
 * allows), so a row for (t, h) carries what is known at t about the target t + h, and the
 * `horizon` feature lets the trees learn how staleness changes the weights. One model pools the
 * rows of every horizon (per-horizon models each see 1/H of the data), trains once instead of H
 * times, and is one ONNX artifact to export, verify and serve. Recursive forecasting was ruled out:
 * it feeds predictions back as lags (error build-up) and needs H sequential passes online.
 *
 * Target: value / series scale (features-core's scale at the anchor), so series of very different
 * sizes share trees; forecasts are multiplied back by the same scale.
 *
 * Quantiles: 'conformal' (default) holds out the last `calibrationPeriods` before the cutoff,
 * trains on the rows whose targets precede them (early stopping on the held-out rows), takes the
 * empirical quantiles of the held-out scaled residuals per horizon, then refits on every row with
 * the chosen number of trees; quantile = point + scale x residual quantile. 'quantile-loss' trains
 * one extra pinball-loss model per level. Same data, options and seed give the same forecasts.
 */
import {
  isObserved,
  type FeatureFrame,
  type FeatureSet,
  type GroupAggregates,
  type SeriesData,
} from '@shelfcast/features-core';
import type { GlobalForecastModel, GlobalForecastRequest, SeriesForecast, SeriesHistory } from '../backtest';
import { type GbdtModel, trainGbdt, type DatasetInput, type FeatureMatrix, type TrainParams } from '../trees';

export type QuantileMethod = 'conformal' | 'quantile-loss' | 'none';

export interface GlobalGbdtOptions {
  name?: string;
  featureSet: FeatureSet;
  /** Longest horizon forecast (and trained for). */
  maxHorizon: number;
  /** Series as features-core sees them (ids, categories, covariates, plans); default values only. */
  toSeriesData?: (history: SeriesHistory, index: number) => SeriesData;
  /** Group aggregates for the frame; default built from the histories. */
  groups?: (series: readonly SeriesData[]) => GroupAggregates | undefined;
  /** Training anchors per series: cutoff - 1 - j * anchorStride for j = 1..trainAnchors. Default 26. */
  trainAnchors?: number;
  anchorStride?: number;
  /** Horizons trained on; default 1..maxHorizon. */
  trainHorizons?: number[];
  /** Observed periods at or before the anchor a row needs. Default 1. */
  minHistory?: number;
  /**
   * Multiply each row's weight by its series scale, so that the loss on the scaled target counts
   * errors in the units of the values (WMAE, WAPE) instead of letting tiny series dominate. Default false.
   */
  scaleWeight?: boolean;
  /** Sample weight of a training row by its target period (e.g. 5 in holiday weeks). */
  weight?: (targetPeriod: number) => number;
  /** GBDT parameters (loss default L2 on the scaled target). */
  params?: Partial<TrainParams>;
  quantiles?: QuantileMethod;
  /** Periods held out before the cutoff for early stopping and conformal residuals. Default maxHorizon. */
  calibrationPeriods?: number;
  /** Refit on every row after calibration (default true). */
  refit?: boolean;
  seed?: number;
  /** Called with each fitted model (e.g. to export it and check ONNX parity on held-out rows). */
  onFit?: (fit: GlobalGbdtFit, heldOut: FeatureMatrix) => void | Promise<void>;
}

export interface GlobalGbdtFit {
  featureSet: FeatureSet;
  model: GbdtModel;
  quantileModels: GbdtModel[];
  /** Conformal: residual quantiles per level (rows) and horizon (columns, index h - 1). */
  residualQuantiles: Float64Array[];
  levels: readonly number[];
  cutoff: number;
  trainRows: number;
  calibrationRows: number;
  bestIteration: number;
  trainMs: number;
}

interface Rows {
  series: number[];
  anchor: number[];
  horizon: number[];
  target: number[];
  weight: number[];
}

const emptyRows = (): Rows => ({ series: [], anchor: [], horizon: [], target: [], weight: [] });

function observedUpTo(s: SeriesData, t: number): number {
  let n = 0;
  const e = Math.min(t - s.start + 1, s.values.length);
  for (let i = 0; i < e; i++) if (isObserved(s, i)) n++;
  return n;
}

/** Empirical quantile (type 7) of a sorted array. */
function sortedQuantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function defaultSeriesData(h: SeriesHistory): SeriesData {
  const categories: Record<string, number> = {};
  for (const [k, v] of Object.entries(h.groups)) categories[k] = categoryCode(v);
  return { id: h.id, start: h.start, values: h.values, categories };
}

/** A float32-exact numeric code of a label: the number itself when it is a small integer, else a hash. */
export function categoryCode(label: string): number {
  const n = Number(label);
  if (Number.isInteger(n) && Math.abs(n) < 1 << 23) return n;
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return (1 << 23) + (h & 0x7fffff);
}

export class GlobalGbdtForecaster implements GlobalForecastModel {
  readonly name: string;
  readonly options: GlobalGbdtOptions;
  /** The last fit (for inspection, export and tests). */
  lastFit?: GlobalGbdtFit;

  constructor(options: GlobalGbdtOptions) {
    if (!(Number.isInteger(options.maxHorizon) && options.maxHorizon >= 1))
      throw new RangeError('maxHorizon must be >= 1');
    this.options = options;
    this.name = options.name ?? `global-gbdt(${options.featureSet.fingerprint})`;
  }

  private frameOf(series: readonly SeriesData[]): FeatureFrame {
    return this.options.featureSet.frame(series, { groups: this.options.groups?.(series) });
  }

  private collect(frame: FeatureFrame, cutoff: number): { train: Rows; calib: Rows; all: Rows } {
    const o = this.options;
    const H = o.maxHorizon;
    const anchors = o.trainAnchors ?? 26;
    const stride = o.anchorStride ?? 1;
    const horizons = o.trainHorizons ?? Array.from({ length: H }, (_, i) => i + 1);
    const minHistory = o.minHistory ?? 1;
    const C = o.calibrationPeriods ?? H;
    const split = cutoff - C;
    const train = emptyRows();
    const calib = emptyRows();
    const all = emptyRows();
    const push = (r: Rows, k: number, t: number, h: number, y: number, w: number): void => {
      r.series.push(k);
      r.anchor.push(t);
      r.horizon.push(h);
      r.target.push(y);
      r.weight.push(w);
    };
    frame.series.forEach((s, k) => {
      const anchorSet = new Set<number>();
      for (let j = 1; j <= anchors; j++) anchorSet.add(cutoff - 1 - j * stride);
      anchorSet.add(split - 1);
      const sorted = [...anchorSet].sort((a, b) => a - b);
      for (const t of sorted) {
        if (t < s.start || observedUpTo(s, t) < minHistory) continue;
        const scale = frame.scale(k, t);
        for (const h of horizons) {
          const p = t + h;
          if (p >= cutoff) continue;
          const i = p - s.start;
          if (!isObserved(s, i)) continue;
          const y = s.values[i] / scale;
          const w = (o.weight ? o.weight(p) : 1) * (o.scaleWeight ? scale : 1);
          if (t === split - 1 && p >= split && h <= C) push(calib, k, t, h, y, w);
          if (p < split) push(train, k, t, h, y, w);
          push(all, k, t, h, y, w);
        }
      }
    });
    return { train, calib, all };
  }

  private dataset(frame: FeatureFrame, r: Rows): DatasetInput {
    const m = frame.matrix({ series: r.series, anchor: r.anchor, horizon: r.horizon });
    return {
      data: m.data,
      numRows: m.numRows,
      numFeatures: m.numFeatures,
      featureNames: m.featureNames,
      categoricalFeatures: m.categoricalFeatures,
      target: Float64Array.from(r.target),
      weights: this.options.weight || this.options.scaleWeight ? Float64Array.from(r.weight) : undefined,
    };
  }

  /** Fits the model(s) on every series' history before `cutoff`. */
  async fit(
    series: readonly SeriesData[],
    cutoff: number,
    levels: readonly number[],
  ): Promise<{ fit: GlobalGbdtFit; frame: FeatureFrame }> {
    const o = this.options;
    const t0 = performance.now();
    const frame = this.frameOf(series);
    const { train, calib, all } = this.collect(frame, cutoff);
    const params: TrainParams = {
      loss: { type: 'l2' },
      numTrees: 200,
      learningRate: 0.08,
      growPolicy: 'lossguide',
      maxLeaves: 31,
      minDataInLeaf: 20,
      lambda: 1,
      ...o.params,
      seed: o.seed ?? o.params?.seed ?? 0,
    };
    const method = levels.length > 0 ? (o.quantiles ?? 'conformal') : 'none';
    const H = o.maxHorizon;
    let model: GbdtModel;
    let bestIteration: number;
    const residualQuantiles: Float64Array[] = [];
    let heldOut: FeatureMatrix;
    const canCalibrate = train.target.length > 0 && calib.target.length > 0;
    if (canCalibrate) {
      const trainSet = this.dataset(frame, train);
      const calibSet = this.dataset(frame, calib);
      heldOut = calibSet;
      const first = trainGbdt(trainSet, {
        ...params,
        validation: calibSet,
        earlyStoppingRounds: params.earlyStoppingRounds ?? 30,
      });
      bestIteration = first.bestIteration;
      if (method === 'conformal') {
        const pred = first.predict(calibSet);
        const byH: number[][] = Array.from({ length: H }, () => []);
        const pooled: number[] = [];
        for (let r = 0; r < calib.target.length; r++) {
          const e = calib.target[r] - pred[r];
          byH[calib.horizon[r] - 1]?.push(e);
          pooled.push(e);
        }
        const pooledSorted = Float64Array.from(pooled).sort();
        for (const q of levels) {
          const row = new Float64Array(H);
          for (let h = 0; h < H; h++) {
            // Few residuals at a horizon: borrow the pooled distribution.
            const src = byH[h].length >= 30 ? Float64Array.from(byH[h]).sort() : pooledSorted;
            row[h] = sortedQuantile(src, q);
          }
          residualQuantiles.push(row);
        }
      }
      if (o.refit ?? true) {
        model = trainGbdt(this.dataset(frame, all), { ...params, numTrees: bestIteration + 1 });
      } else {
        model = first;
      }
    } else {
      const allSet = this.dataset(frame, all);
      heldOut = allSet;
      model = trainGbdt(allSet, params);
      bestIteration = model.bestIteration;
      if (method === 'conformal') for (let i = 0; i < levels.length; i++) residualQuantiles.push(new Float64Array(H));
    }
    const quantileModels: GbdtModel[] = [];
    if (method === 'quantile-loss') {
      const allSet = this.dataset(frame, all);
      for (const q of levels)
        quantileModels.push(
          trainGbdt(allSet, { ...params, loss: { type: 'quantile', alpha: q }, numTrees: bestIteration + 1 }),
        );
    }
    const fit: GlobalGbdtFit = {
      featureSet: o.featureSet,
      model,
      quantileModels,
      residualQuantiles,
      levels,
      cutoff,
      trainRows: all.target.length,
      calibrationRows: calib.target.length,
      bestIteration,
      trainMs: performance.now() - t0,
    };
    this.lastFit = fit;
    if (o.onFit) await o.onFit(fit, heldOut);
    return { fit, frame };
  }

  /** Forecasts of series k from anchor cutoff - 1 for horizons 1..horizon. */
  static predict(
    fit: GlobalGbdtFit,
    frame: FeatureFrame,
    seriesIdx: readonly number[],
    cutoff: number,
    horizon: number,
  ): SeriesForecast[] {
    const n = seriesIdx.length * horizon;
    const rows = { series: new Int32Array(n), anchor: new Int32Array(n), horizon: new Int32Array(n) };
    let r = 0;
    for (const k of seriesIdx)
      for (let h = 1; h <= horizon; h++) {
        rows.series[r] = k;
        rows.anchor[r] = cutoff - 1;
        rows.horizon[r] = h;
        r++;
      }
    const m = frame.matrix(rows);
    const point = fit.model.predict(m);
    const qPred = fit.quantileModels.map((qm) => qm.predict(m));
    const H = fit.residualQuantiles[0]?.length ?? 0;
    return seriesIdx.map((k, j) => {
      const scale = frame.scale(k, cutoff - 1);
      const p = new Float64Array(horizon);
      for (let h = 0; h < horizon; h++) p[h] = point[j * horizon + h] * scale;
      let quantiles: Float64Array[] | undefined;
      if (qPred.length > 0) {
        quantiles = qPred.map((qp) => Float64Array.from({ length: horizon }, (_, h) => qp[j * horizon + h] * scale));
      } else if (fit.residualQuantiles.length > 0) {
        quantiles = fit.residualQuantiles.map((rq) =>
          Float64Array.from({ length: horizon }, (_, h) => p[h] + scale * rq[Math.min(h, H - 1)]),
        );
      }
      if (quantiles) {
        // Non-crossing: sort the levels' values at each horizon.
        for (let h = 0; h < horizon; h++) {
          const vs = quantiles.map((q) => q[h]).sort((a, b) => a - b);
          quantiles.forEach((q, i) => (q[h] = vs[i]));
        }
      }
      return { point: p, quantiles };
    });
  }

  async forecastAll(request: GlobalForecastRequest): Promise<Array<SeriesForecast | undefined>> {
    const o = this.options;
    const { window } = request;
    if (window.horizon > o.maxHorizon)
      throw new RangeError(`${this.name}: horizon ${window.horizon} exceeds maxHorizon ${o.maxHorizon}`);
    const toData = o.toSeriesData ?? ((h: SeriesHistory) => defaultSeriesData(h));
    const data = request.series.map((h, i) => toData(h, i));
    const { fit, frame } = await this.fit(data, window.cutoff, request.quantileLevels);
    const wanted: number[] = [];
    request.series.forEach((_, k) => {
      if (request.scored[k]) wanted.push(k);
    });
    const out: Array<SeriesForecast | undefined> = new Array(request.series.length);
    const preds = GlobalGbdtForecaster.predict(fit, frame, wanted, window.cutoff, window.horizon);
    wanted.forEach((k, j) => {
      // A series with nothing observed before the cutoff has no scale to stand on: forecast 0.
      const f = preds[j];
      if (observedUpTo(data[k], window.cutoff - 1) === 0) {
        f.point.fill(0);
        f.quantiles?.forEach((q) => q.fill(0));
      }
      out[k] = f;
    });
    return out;
  }
}

export function globalGbdt(options: GlobalGbdtOptions): GlobalGbdtForecaster {
  return new GlobalGbdtForecaster(options);
}
