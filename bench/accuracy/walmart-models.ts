/**
 * The platform's own models on the Walmart protocol:
 * - `svd-least-squares`: per department, a low-rank (SVD) smoothing of the stores x weeks matrix of
 *   the history, then the per-series least squares (year + ISO-week dummies) on the smoothed
 *   history, then the Christmas shift (the published recipe);
 * - `global-gbdt`: one gradient-boosted model over all 3,331 series on the features-core weekly
 *   feature set (target-relative lags 51/52/53, rolling, EWM, calendar, holiday distances, store,
 *   dept and type, store size, store covariates, department profile), direct multi-horizon;
 * - `blend`: the mean of the two.
 * Everything a fold sees is the history before its cutoff; covariates are read at the anchor
 * (observed) except the calendar and the holiday calendar, which are known in advance.
 */
import { defineFeatureSet, holidayDates, type FeatureSet, type SeriesData } from '@shelfcast/features-core';
import type {
  FeatureMatrix,
  GlobalForecastModel,
  GlobalForecastRequest,
  PeriodCalendar,
  SeriesForecast,
  SeriesHistory,
  WalmartDataset,
} from '@shelfcast/ml';
import {
  categoryCode,
  checkOnnxParity,
  exportTreesToOnnx,
  fitSeasonalRegression,
  GlobalGbdtForecaster,
  isoWeek,
  parseIsoDate,
  WALMART_FIRST_WEEK,
  type GlobalGbdtFit,
} from '@shelfcast/ml';
import { HOLIDAY_WEIGHT, SEASON_LENGTH } from './protocol';

const DAY_MS = 86_400_000;

/** Largest ONNX parity difference seen during the run (filled by the GBDT entries). */
export const onnxParity = { maxRelDiff: null as number | null, checks: 0, modelBytes: 0, trees: 0 };

/** Symmetric eigen-decomposition (cyclic Jacobi) of a p x p row-major matrix: values descending. */
export function symmetricEigen(a: Float64Array, p: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(p * p);
  for (let i = 0; i < p; i++) v[i * p + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) off += m[i * p + j] ** 2;
    if (off < 1e-22) break;
    for (let i = 0; i < p; i++)
      for (let j = i + 1; j < p; j++) {
        const aij = m[i * p + j];
        if (Math.abs(aij) < 1e-300) continue;
        const theta = (m[j * p + j] - m[i * p + i]) / (2 * aij);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < p; k++) {
          const mki = m[k * p + i];
          const mkj = m[k * p + j];
          m[k * p + i] = c * mki - s * mkj;
          m[k * p + j] = s * mki + c * mkj;
        }
        for (let k = 0; k < p; k++) {
          const mik = m[i * p + k];
          const mjk = m[j * p + k];
          m[i * p + k] = c * mik - s * mjk;
          m[j * p + k] = s * mik + c * mjk;
        }
        for (let k = 0; k < p; k++) {
          const vki = v[k * p + i];
          const vkj = v[k * p + j];
          v[k * p + i] = c * vki - s * vkj;
          v[k * p + j] = s * vki + c * vkj;
        }
      }
  }
  const order = Array.from({ length: p }, (_, i) => i).sort((x, y) => m[y * p + y] - m[x * p + x]);
  const values = Float64Array.from(order, (i) => m[i * p + i]);
  const vectors = new Float64Array(p * p);
  order.forEach((src, dst) => {
    for (let k = 0; k < p; k++) vectors[k * p + dst] = v[k * p + src];
  });
  return { values, vectors };
}

/**
 * Rank-k reconstruction of each department's stores x weeks matrix (missing weeks as 0), at the
 * weeks a series was observed. Departments with at most k stores are left as they are.
 */
export function svdSmooth(series: readonly SeriesHistory[], rank: number): Float64Array[] {
  const out = series.map((s) => Float64Array.from(s.values));
  const byDept = new Map<string, number[]>();
  series.forEach((s, i) => {
    const d = s.groups.dept ?? '?';
    const list = byDept.get(d) ?? [];
    list.push(i);
    byDept.set(d, list);
  });
  for (const members of byDept.values()) {
    const p = members.length;
    if (p <= rank) continue;
    const T = Math.max(...members.map((i) => series[i].start + series[i].values.length));
    const x = new Float64Array(p * T);
    members.forEach((si, r) => {
      const s = series[si];
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i];
        x[r * T + s.start + i] = Number.isNaN(v) ? 0 : v;
      }
    });
    const g = new Float64Array(p * p);
    for (let a = 0; a < p; a++)
      for (let b = a; b < p; b++) {
        let sum = 0;
        for (let t = 0; t < T; t++) sum += x[a * T + t] * x[b * T + t];
        g[a * p + b] = sum;
        g[b * p + a] = sum;
      }
    const { vectors } = symmetricEigen(g, p);
    // P = U_k U_k^T; smoothed = P X.
    const proj = new Float64Array(p * p);
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        let sum = 0;
        for (let k = 0; k < rank; k++) sum += vectors[a * p + k] * vectors[b * p + k];
        proj[a * p + b] = sum;
      }
    members.forEach((si, r) => {
      const s = series[si];
      const o = out[si];
      for (let i = 0; i < s.values.length; i++) {
        if (Number.isNaN(s.values[i])) continue;
        const t = s.start + i;
        let sum = 0;
        for (let b = 0; b < p; b++) sum += proj[r * p + b] * x[b * T + t];
        o[i] = sum;
      }
    });
  }
  return out;
}

/**
 * The Christmas shift: a Friday-labelled week of a later year ends `d` days earlier in the calendar
 * than the same ISO week a year before, so it holds d/7 of the previous week's shopping days. In the
 * season weeks (ISO 48..52) the forecast becomes (1 - d/7) f_k + d/7 f_(k-1).
 */
export function christmasShift(point: Float64Array, dates: readonly string[], from: number): void {
  const orig = Float64Array.from(point);
  for (let k = 1; k < point.length; k++) {
    const date = dates[from + k];
    const week = isoWeek(date).week;
    if (week < 48 || week > 52) continue;
    const lastYear = dates[from + k - SEASON_LENGTH];
    if (!lastYear) continue;
    const doy = (d: string): number => (parseIsoDate(d) - Date.UTC(Number(d.slice(0, 4)), 0, 1)) / DAY_MS;
    const days = doy(lastYear) - doy(date);
    if (days <= 0 || days >= 7) continue;
    const a = days / 7;
    point[k] = (1 - a) * orig[k] + a * orig[k - 1];
  }
}

export function svdLeastSquares(options: {
  rank: number;
  calendar: PeriodCalendar & { dates: readonly string[] };
  shift: boolean;
}): GlobalForecastModel {
  return {
    name: `svd${options.rank}-least-squares(year+week)${options.shift ? '+xmas-shift' : ''}`,
    forecastAll: (request: GlobalForecastRequest): Array<SeriesForecast | undefined> => {
      const smoothed = svdSmooth(request.series, options.rank);
      const { cutoff, horizon } = request.window;
      return request.series.map((s, k) => {
        if (!request.scored[k]) return undefined;
        const fit = fitSeasonalRegression(
          smoothed[k],
          { seasonLength: SEASON_LENGTH },
          { start: s.start, calendar: options.calendar },
        );
        const point = fit.forecast(horizon);
        if (options.shift) christmasShift(point, options.calendar.dates, cutoff);
        return { point };
      });
    },
  };
}

const HOLIDAYS = [
  { name: 'superbowl', dates: ['2010-02-07', '2011-02-06', '2012-02-05', '2013-02-03'] },
  { name: 'laborday', dates: holidayDates({ month: 9, weekday: 1, n: 1 }, 2010, 2013) },
  { name: 'thanksgiving', dates: holidayDates({ month: 11, weekday: 4, n: 4 }, 2010, 2013) },
  { name: 'christmas', dates: holidayDates({ date: '12-25' }, 2010, 2013) },
  { name: 'easter', dates: ['2010-04-04', '2011-04-24', '2012-04-08', '2013-03-31'] },
  { name: 'july4', dates: holidayDates({ date: '07-04' }, 2010, 2013) },
];

/** The Walmart weekly feature set (weeks labelled by their last day, a Friday). */
export function walmartFeatureSet(): FeatureSet {
  return defineFeatureSet({
    name: 'walmart_weekly',
    version: '1',
    grid: { frequency: 'weekly', origin: WALMART_FIRST_WEEK, weekLabel: 'end' },
    lags: [1, 2, 51, 52, 53],
    windows: [4, 13, 52],
    rollingStats: ['mean', 'std', 'min', 'max'],
    ewmAlphas: [0.1, 0.3],
    scaleWindow: 52,
    holidays: { regions: { us: HOLIDAYS }, defaultRegion: 'us', maxDistanceDays: 42 },
    price: null,
    promo: false,
    stockWindow: null,
    productAge: true,
    categoricals: ['store', 'dept', 'type'],
    statics: ['size'],
    covariates: [
      { name: 'Temperature', knownInAdvance: false },
      { name: 'Fuel_Price', knownInAdvance: false },
      { name: 'CPI', knownInAdvance: false },
      { name: 'Unemployment', knownInAdvance: false },
      { name: 'MarkDown1', knownInAdvance: false },
    ],
    groups: [
      { key: 'dept', lags: [51, 52, 53], window: 52 },
      { key: 'store', lags: [52], window: 52 },
    ],
  });
}

export const WALMART_GBDT_ANCHORS = 16;
export const WALMART_GBDT_STRIDE = 3;

/**
 * Weight of the GBDT in the blend at a cutoff: half times the share of its training anchors that
 * have a full year of history behind their targets (lag 52 known), fixed before seeing any fold.
 */
export function gbdtBlendWeight(cutoff: number): number {
  const span = WALMART_GBDT_ANCHORS * WALMART_GBDT_STRIDE;
  return 0.5 * Math.min(1, Math.max(0, (cutoff - 1 - SEASON_LENGTH) / span));
}

export function walmartGbdt(
  data: WalmartDataset,
  options: { seed?: number; numTrees?: number; trainAnchors?: number; anchorStride?: number } = {},
): GlobalGbdtForecaster {
  const fs = walmartFeatureSet();
  const storeOf = new Map(data.series.map((s) => [s.id, s.store]));
  const weights = Float64Array.from(data.covariateIsHoliday, (h) => (h ? HOLIDAY_WEIGHT : 1));
  return new GlobalGbdtForecaster({
    name: 'global-gbdt(features-core walmart_weekly)',
    featureSet: fs,
    maxHorizon: 9,
    trainAnchors: options.trainAnchors ?? WALMART_GBDT_ANCHORS,
    anchorStride: options.anchorStride ?? WALMART_GBDT_STRIDE,
    minHistory: 8,
    scaleWeight: true,
    weight: (p: number) => weights[p] ?? 1,
    toSeriesData: (h: SeriesHistory): SeriesData => {
      const store = storeOf.get(h.id) ?? 0;
      const cov = data.covariates.get(store);
      return {
        id: h.id,
        start: h.start,
        values: h.values,
        categories: { store, dept: Number(h.groups.dept), type: categoryCode(h.groups.type ?? '?') },
        statics: { size: data.stores.get(store)?.size ?? NaN },
        covariates: cov?.values,
      };
    },
    params: {
      numTrees: options.numTrees ?? 150,
      learningRate: 0.1,
      maxLeaves: 63,
      minDataInLeaf: 50,
      maxBin: 63,
      subsample: 0.8,
      colsampleByTree: 0.8,
      numThreads: 2,
    },
    quantiles: 'conformal',
    refit: false,
    seed: options.seed ?? 1,
    onFit: async (fit: GlobalGbdtFit, heldOut: FeatureMatrix) => {
      const n = Math.min(heldOut.numRows, 2000);
      const rows: FeatureMatrix = {
        data: heldOut.data.subarray(0, n * heldOut.numFeatures),
        numRows: n,
        numFeatures: heldOut.numFeatures,
      };
      const bytes = exportTreesToOnnx(fit.model);
      const parity = await checkOnnxParity(bytes, rows, fit.model.predict(rows));
      onnxParity.maxRelDiff = Math.max(onnxParity.maxRelDiff ?? 0, parity.maxRelDiff);
      onnxParity.checks++;
      onnxParity.modelBytes = Math.max(onnxParity.modelBytes, bytes.length);
      onnxParity.trees = Math.max(onnxParity.trees, fit.model.trees.length);
    },
  });
}

/** Mean of several global models' point forecasts (quantiles from the first that has them). */
export function blend(
  name: string,
  models: readonly GlobalForecastModel[],
  weights?: readonly number[] | ((cutoff: number) => readonly number[]),
): GlobalForecastModel {
  return {
    name,
    forecastAll: async (request) => {
      const w =
        typeof weights === 'function'
          ? weights(request.window.cutoff)
          : (weights ?? models.map(() => 1 / models.length));
      const outs: Array<Array<SeriesForecast | undefined>> = [];
      for (const m of models) outs.push(await m.forecastAll(request));
      return request.series.map((_, k) => {
        if (!request.scored[k]) return undefined;
        const point = new Float64Array(request.window.horizon);
        let quantiles: Float64Array[] | undefined;
        outs.forEach((o, j) => {
          const f = o[k];
          if (!f) return;
          for (let h = 0; h < point.length; h++) point[h] += w[j] * (Number.isNaN(f.point[h]) ? 0 : f.point[h]);
          if (!quantiles && f.quantiles) quantiles = f.quantiles;
        });
        return { point, quantiles };
      });
    },
  };
}

/** Caches a model's forecasts per window so that a blend does not refit it. */
export function cached(model: GlobalForecastModel, name?: string): GlobalForecastModel {
  const memo = new Map<number, Array<SeriesForecast | undefined>>();
  return {
    name: name ?? model.name,
    forecastAll: async (request) => {
      const hit = memo.get(request.window.cutoff);
      if (hit) return hit;
      const out = await model.forecastAll(request);
      memo.set(request.window.cutoff, out);
      return out;
    },
  };
}
