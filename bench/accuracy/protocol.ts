/**
 * The published 10-fold protocol on the Walmart data (see the data README):
 * - fold t = 1..10 predicts the two calendar months starting at 2011-03 + 2(t-1) months, trained
 *   on every week before the fold's first week (the initial training data is 2010-02-05 to
 *   2011-02-25; each fold's weeks join the training data of the next);
 * - predict exactly the (Store, Dept, Date) rows present in the fold; a pair with no history is 0;
 * - WMAE = sum(w |y - yhat|) / sum(w), w = 5 in holiday weeks, per fold; report the plain mean.
 *
 * On the weekly grid this is a rolling-origin backtest with explicit windows: cutoff = index of
 * the fold's first Friday, horizon = the Fridays of its two months (8 or 9). A row not present is
 * NaN and is not scored, so exactly the fold's rows are scored.
 */
import type { PeriodCalendar } from '@shelfcast/ml';
import type { BacktestSeries, ExplicitWindows } from '@shelfcast/ml';
import type { WalmartDataset } from '@shelfcast/ml';
import { addMonths, isoWeek, yearOf } from '@shelfcast/ml';

export const FOLDS = 10;
export const FIRST_FOLD_MONTH = '2011-03-01';
export const HOLIDAY_WEIGHT = 5;
/** Weeks per season on the weekly grid. */
export const SEASON_LENGTH = 52;

export interface Fold {
  fold: number;
  /** First day of the fold's first month and of the month after its last. */
  from: string;
  to: string;
  cutoff: number;
  horizon: number;
  /** Rows (Store, Dept, Date) present in the fold. */
  rows: number;
}

export function walmartFolds(data: WalmartDataset): Fold[] {
  const folds: Fold[] = [];
  for (let t = 1; t <= FOLDS; t++) {
    const from = addMonths(FIRST_FOLD_MONTH, 2 * (t - 1));
    const to = addMonths(FIRST_FOLD_MONTH, 2 * t);
    const weeks = data.dates.map((d, i) => ({ d, i })).filter(({ d }) => d >= from && d < to);
    if (weeks.length === 0) throw new Error(`fold ${t} (${from} .. ${to}) has no week in the data`);
    const cutoff = weeks[0].i;
    const horizon = weeks.length;
    let rows = 0;
    for (const s of data.series) for (let k = 0; k < horizon; k++) if (!Number.isNaN(s.values[cutoff + k])) rows++;
    folds.push({ fold: t, from, to, cutoff, horizon, rows });
  }
  return folds;
}

export function foldWindows(folds: readonly Fold[]): ExplicitWindows {
  return folds.map((f) => ({ cutoff: f.cutoff, horizon: f.horizon }));
}

/** Series for the backtest: groups store, dept and store type; weight 5 in holiday weeks. */
export function walmartBacktestSeries(data: WalmartDataset): BacktestSeries[] {
  const weights = Float64Array.from(data.isHoliday, (h) => (h ? HOLIDAY_WEIGHT : 1));
  return data.series.map((s) => ({
    id: s.id,
    groups: { store: String(s.store), dept: String(s.dept), type: data.stores.get(s.store)?.type ?? '?' },
    values: s.values,
    weights,
  }));
}

/**
 * Calendar of the weekly grid (period 0 = 2010-02-05), extended over the covariate weeks so that
 * forecasts past the last sales week have dates: season = ISO week - 1 (week 53 folded into 52),
 * trend = calendar year. On these Fridays the ISO week equals the course's
 * `ifelse(year == 2010, week(Date) - 1, week(Date))`.
 */
export function walmartCalendar(data: WalmartDataset): PeriodCalendar & { dates: readonly string[] } {
  const dates = data.covariateDates.length >= data.dates.length ? data.covariateDates : data.dates;
  const season = Int32Array.from(dates, (d) => Math.min(isoWeek(d).week, 52) - 1);
  const year = Int32Array.from(dates, yearOf);
  const check = (p: number): number => {
    if (!(p >= 0 && p < dates.length))
      throw new RangeError(`period ${p} is outside the calendar (0..${dates.length - 1})`);
    return p;
  };
  return { dates, season: (p) => season[check(p)], trend: (p) => year[check(p)] };
}
