/**
 * What a run will do, decided before it reads any row: the feature set and its checks, the periods
 * (the last period of data, the backtest windows, the anchors of every fit) and the resolved
 * hyper-parameters. Pure: the only input from the store is its watermark.
 */
import {
  dayOf,
  historyPeriods,
  lastCompletePeriod,
  periodOfDay,
  type FeatureSet,
  type Frequency,
  type Measure,
} from '@shelfcast/features-core';
import { asOfDate, type FeatureStoreSettings } from '@shelfcast/feature-store';
import type { JobData } from '@shelfcast/queue';

import { InvalidSpecError } from './errors';
import { checkFamily, parseHyperParameters, type Family, type ResolvedHyperParameters } from './hyper-parameters';

/** Season of the seasonal-naive reference (and of MASE/RMSSE) per grid frequency. */
export const SEASON_LENGTH: Record<Frequency, number> = { daily: 7, weekly: 52, monthly: 12 };

export interface RunPlan {
  family: Family;
  hyper: ResolvedHyperParameters;
  featureSet: FeatureSet;
  measure: Measure;
  frequency: Frequency;
  horizon: number;
  /** Quantile levels, ascending. */
  levels: number[];
  /** Season of the seasonal-naive reference. */
  seasonLength: number;
  fromDate: string | null;
  toDate: string;
  /** Last period of data: the final model is trained on targets up to it. */
  lastPeriod: number;
  /** Last day of `lastPeriod`. */
  cutoffDate: string;
  /** First target period a training row may have (from the training window). */
  firstTarget: number;
  /** Backtest windows: first forecast period of each, ascending. */
  windowStarts: number[];
  /** Last day known in each window (what the registry records as its cutoffs). */
  windowCutoffs: string[];
  trainAnchors: number;
  anchorStride: number;
}

export interface PlanOptions {
  /** Explicit backtest windows (e.g. another version's): last known day of each, and the horizon. */
  windows?: { cutoffs: readonly string[]; horizon: number };
}

/** The accepted names of a feature set: its fingerprint, `name@version`, or the version alone. */
export function featureSetNames(fs: FeatureSet): string[] {
  return [fs.fingerprint, `${fs.name}@${fs.version}`, fs.version];
}

function checkFeatureSet(spec: JobData<'train'>, settings: FeatureStoreSettings): void {
  const fs = settings.featureSet;
  const names = featureSetNames(fs);
  if (!names.includes(spec.featureSetVersion))
    throw new InvalidSpecError(
      `featureSetVersion "${spec.featureSetVersion}" is not the feature set the store serves (${fs.fingerprint}); accepted: ${names.map((n) => `"${n}"`).join(', ')}`,
    );
  const frequency = fs.spec.grid.frequency;
  if (spec.frequency !== frequency)
    throw new InvalidSpecError(`frequency "${spec.frequency}" differs from the feature set's grid (${frequency})`);
}

function checkHorizon(horizon: number, settings: FeatureStoreSettings, what: string): void {
  if (horizon > settings.horizon)
    throw new InvalidSpecError(
      `${what} ${horizon} exceeds the online store's horizon ${settings.horizon} (FEATURES_HORIZON): inference could not be fed`,
    );
}

const isoDay = (d: string, what: string): number => {
  try {
    return dayOf(d);
  } catch {
    throw new InvalidSpecError(`${what} "${d}" is not a calendar date YYYY-MM-DD`);
  }
};

/** Names of the feature columns a column family reads, first to last (the next one when a value is missing). */
export function columnFallbacks(plan: Pick<RunPlan, 'family' | 'hyper' | 'featureSet'>): string[] {
  const spec = plan.featureSet.spec;
  const ewm = [...spec.ewmAlphas].sort((a, b) => b - a).map((a) => `ewm_${String(a).replace('.', 'p')}`);
  const h = plan.hyper;
  switch (h.family) {
    case 'seasonal-naive': {
      const m = h.params.seasonLength ?? 0;
      const seasons = spec.lags.filter((l) => l % m === 0).sort((a, b) => a - b);
      const last = spec.lags.includes(1) ? ['lag_1'] : [];
      return [...seasons.map((l) => `lag_${l}`), ...last, ...ewm];
    }
    case 'moving-average': {
      const w = h.params.window ?? 0;
      const others = spec.windows.filter((x) => x !== w).sort((a, b) => a - b);
      return [w, ...others].map((x) => `roll_mean_${x}`).concat(ewm);
    }
    case 'gbdt':
      return [];
  }
}

/** Fills in and checks the family's feature-set-dependent hyper-parameters. */
function resolveFamilyParams(hyper: ResolvedHyperParameters, fs: FeatureSet): void {
  const spec = fs.spec;
  if (hyper.family === 'seasonal-naive') {
    const m = hyper.params.seasonLength ?? SEASON_LENGTH[spec.grid.frequency];
    if (!spec.lags.includes(m))
      throw new InvalidSpecError(
        `hyperParameters.seasonLength ${m} is not a lag of feature set ${fs.fingerprint}; available: ${spec.lags.join(', ')}`,
      );
    hyper.params.seasonLength = m;
  } else if (hyper.family === 'moving-average') {
    const available = spec.rollingStats.includes('mean') ? spec.windows : [];
    const w = hyper.params.window ?? Math.min(...available);
    if (!available.includes(w))
      throw new InvalidSpecError(
        `hyperParameters.window ${w} is not a rolling-mean window of feature set ${fs.fingerprint}; available: ${available.join(', ') || 'none'}`,
      );
    hyper.params.window = w;
  }
}

/**
 * Plans a run on a store whose latest business day is `watermark`. Throws InvalidSpecError for
 * anything in the spec that cannot work (before any row is read).
 */
export function planRun(
  spec: JobData<'train'>,
  settings: FeatureStoreSettings,
  watermark: string | null,
  options: PlanOptions = {},
): RunPlan {
  const family = checkFamily(spec.family);
  const hyper = parseHyperParameters(family, spec.hyperParameters);
  checkFeatureSet(spec, settings);
  const fs = settings.featureSet;
  resolveFamilyParams(hyper, fs);
  const grid = fs.spec.grid;
  const frequency = grid.frequency;
  const horizon = options.windows?.horizon ?? spec.horizon;
  checkHorizon(horizon, settings, options.windows ? 'windows.horizon' : 'horizon');
  if (new Set(spec.quantiles).size !== spec.quantiles.length)
    throw new InvalidSpecError(`quantiles has duplicates: ${spec.quantiles.join(', ')}`);
  const levels = [...spec.quantiles].sort((a, b) => a - b);
  if (watermark === null) throw new InvalidSpecError('the feature store holds no sale or inventory event yet');
  const lastDay = dayOf(watermark);

  const toDate = spec.trainingWindow?.to ?? watermark;
  const toDay = isoDay(toDate, 'trainingWindow.to');
  if (toDay > lastDay)
    throw new InvalidSpecError(`trainingWindow.to ${toDate} is after the latest data in the store (${watermark})`);
  const fromDate = spec.trainingWindow?.from ?? null;
  if (fromDate !== null && isoDay(fromDate, 'trainingWindow.from') > toDay)
    throw new InvalidSpecError(`trainingWindow.from ${fromDate} is after trainingWindow.to ${toDate}`);
  const lastPeriod = lastCompletePeriod(grid, toDay);
  const firstTarget = fromDate === null ? -Infinity : periodOfDay(grid, dayOf(fromDate));
  if (lastPeriod < firstTarget)
    throw new InvalidSpecError(`trainingWindow ${fromDate}..${toDate} holds no complete ${frequency} period`);

  let windowStarts: number[];
  if (options.windows) {
    const cutoffs = options.windows.cutoffs;
    if (cutoffs.length === 0) throw new InvalidSpecError('windows.cutoffs is empty');
    windowStarts = cutoffs.map((d, i) => lastCompletePeriod(grid, isoDay(d, `windows.cutoffs[${i}]`)) + 1);
    windowStarts.forEach((c, i) => {
      if (i > 0 && c <= windowStarts[i - 1])
        throw new InvalidSpecError('windows.cutoffs must be ascending, one per period');
    });
    const end = windowStarts[windowStarts.length - 1] + horizon - 1;
    if (end > lastCompletePeriod(grid, lastDay))
      throw new InvalidSpecError(
        `the last backtest window ends after the latest data in the store (${watermark}): its actuals are unknown`,
      );
  } else {
    const { windows, step } = spec.backtest;
    windowStarts = Array.from({ length: windows }, (_, k) => lastPeriod + 1 - horizon - step * (windows - 1 - k));
  }
  const seasonLength = SEASON_LENGTH[frequency];
  // The backtest reads one history window ending at the last window's end: the first window needs a
  // season of history inside it for the seasonal-naive reference.
  const span = windowStarts[windowStarts.length - 1] + horizon - windowStarts[0] + 2 * seasonLength;
  const historyLimit = historyPeriods(fs.spec);
  if (span > historyLimit)
    throw new InvalidSpecError(
      `backtest windows span ${span - 2 * seasonLength} periods; at most ${historyLimit - 2 * seasonLength} fit in the feature set's history window (fewer windows or a smaller step)`,
    );
  return {
    family,
    hyper,
    featureSet: fs,
    measure: settings.measure,
    frequency,
    horizon,
    levels,
    seasonLength,
    fromDate,
    toDate,
    lastPeriod,
    cutoffDate: asOfDate(fs, lastPeriod),
    firstTarget,
    windowStarts,
    windowCutoffs: windowStarts.map((c) => asOfDate(fs, c - 1)),
    trainAnchors: hyper.params.trainAnchors,
    anchorStride: hyper.params.anchorStride,
  };
}

/** Anchors a fit whose first unseen period is `cutoff` learns from, and its calibration anchor. */
export function fitAnchors(plan: RunPlan, cutoff: number): { train: number[]; calibration: number } {
  const train: number[] = [];
  for (let j = plan.trainAnchors; j >= 1; j--) train.push(cutoff - 1 - j * plan.anchorStride);
  return { train, calibration: cutoff - 1 - plan.horizon };
}

export type DatasetMode = 'train' | 'refit-backtest' | 'scoring-backtest';

export interface AnchorPlan {
  /** Every anchor to read, ascending. */
  all: number[];
  /** Anchors whose rows are forecast from (kept whether or not their targets are known). */
  forecast: Set<number>;
  /** Anchors whose labelled rows train some fit. */
  training: Set<number>;
  /** Last period whose actual is read: the last target any fit trains on, or the last window's end. */
  lastTarget: number;
}

/**
 * Anchors of a run: a training run reads the final fit's (first unseen period lastPeriod + 1), the
 * anchor of the latest rows (lastPeriod: held out, for the parity check) and every backtest
 * window's fit and forecast anchors; a backtest that refits reads only the windows'; a backtest
 * scoring a fixed model only their forecast anchors.
 */
export function planAnchors(plan: RunPlan, mode: DatasetMode): AnchorPlan {
  const forecast = new Set(plan.windowStarts.map((c) => c - 1));
  const training = new Set<number>();
  const fits = mode === 'scoring-backtest' ? [] : [...plan.windowStarts];
  if (mode === 'train') {
    fits.push(plan.lastPeriod + 1);
    forecast.add(plan.lastPeriod);
  }
  for (const c of fits) {
    const a = fitAnchors(plan, c);
    for (const t of a.train) training.add(t);
    training.add(a.calibration);
  }
  const windowsEnd = plan.windowStarts[plan.windowStarts.length - 1] + plan.horizon - 1;
  const lastTarget = mode === 'train' ? Math.max(plan.lastPeriod, windowsEnd) : windowsEnd;
  const all = [...new Set([...forecast, ...training])].sort((a, b) => a - b);
  // Labels come from one history window ending at lastTarget: the earliest anchor's targets must be in it.
  const reach = lastTarget - all[0];
  const limit = historyPeriods(plan.featureSet.spec);
  if (reach > limit)
    throw new InvalidSpecError(
      `training rows reach back ${reach} periods (trainAnchors x anchorStride, backtest windows and horizon); at most ${limit} fit in the feature set's history window`,
    );
  return { all, forecast, training, lastTarget };
}
