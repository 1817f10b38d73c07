/**
 * The models of the accuracy benchmark, one entry each. Add a model by adding an entry: a local
 * `ForecastModel` (fitted per series) or a `GlobalForecastModel` (one callback per fold with every
 * series' history up to the cutoff; it may read `ctx.data` for covariates known at the cutoff:
 * holidays, markdowns, store type and size).
 */
import type { ForecastModel, PeriodCalendar } from '@shelfcast/ml';
import { holtWinters, movingAverage, naive, seasonalNaive, seasonalRegression, ses } from '@shelfcast/ml';
import type { BacktestModel } from '@shelfcast/ml';
import type { WalmartDataset } from '@shelfcast/ml';
import type { Fold } from './protocol';
import { SEASON_LENGTH } from './protocol';
import { blend, cached, gbdtBlendWeight, svdLeastSquares, walmartGbdt } from './walmart-models';

export interface BenchContext {
  data: WalmartDataset;
  folds: readonly Fold[];
  calendar: PeriodCalendar & { dates: readonly string[] };
}

export interface BenchEntry {
  model: BacktestModel;
  /** One line for the table and the JSON. */
  note: string;
  /** The protocol's reference rows; `published` is the README's mean WMAE. */
  role?: 'naive' | 'snaive';
  published?: number;
}

/** The published naive row: the last training week; a pair without a row that week predicts 0. */
export const PROTOCOL_NAIVE = 'naive(missing=zero)';
/** The published seasonal-naive row: 52 weeks earlier (same ISO week); no row that week predicts 0. */
export const PROTOCOL_SNAIVE = `seasonal-naive(${SEASON_LENGTH},missing=zero)`;

function renamed(model: ForecastModel, name: string, calendar?: PeriodCalendar): ForecastModel {
  return {
    name,
    fit: (history, context) => model.fit(history, { ...context, calendar: calendar ?? context?.calendar }),
  };
}

/** Season = ISO week, trend = period index (a straight line instead of a step per year). */
function linearTrendCalendar(calendar: PeriodCalendar): PeriodCalendar {
  return { season: (p) => calendar.season(p), trend: (p) => p };
}

export function benchEntries(ctx: BenchContext): BenchEntry[] {
  const m = SEASON_LENGTH;
  return [
    {
      model: naive({ missing: 'zero' }),
      note: 'last training week; missing that week -> 0 (published)',
      role: 'naive',
      published: 2812.677,
    },
    {
      model: seasonalNaive({ seasonLength: m, missing: 'zero' }),
      note: 'same ISO week a year earlier; missing -> 0 (published)',
      role: 'snaive',
      published: 1888.006,
    },
    { model: naive(), note: "variant: the pair's own last observed week" },
    {
      model: seasonalNaive({ seasonLength: m }),
      note: 'variant: missing -> same week two years earlier, else last observed',
    },
    {
      model: seasonalNaive({ seasonLength: m, missing: 'last-observed' }),
      note: 'variant: missing -> last observed week',
    },
    { model: movingAverage({ window: 4 }), note: 'mean of the last 4 observed weeks' },
    { model: ses(), note: 'simple exponential smoothing, alpha by SSE' },
    {
      model: holtWinters({ seasonLength: m, trend: false }),
      note: 'additive season, no trend, parameters by SSE (Nelder-Mead)',
    },
    { model: holtWinters({ seasonLength: m, damped: true }), note: 'additive season, damped trend' },
    {
      model: holtWinters({ seasonLength: m, seasonal: 'multiplicative', damped: true }),
      note: 'multiplicative season, damped trend (additive where values approach 0)',
    },
    {
      model: renamed(seasonalRegression({ seasonLength: m }), 'least-squares(year+week)'),
      note: 'per series OLS: intercept + year + ISO-week dummies (published row)',
      published: 1659.709,
    },
    {
      model: renamed(
        seasonalRegression({ seasonLength: m }),
        'least-squares(linear+week)',
        linearTrendCalendar(ctx.calendar),
      ),
      note: 'per series OLS: intercept + linear week trend + ISO-week dummies',
    },
    ...platformEntries(ctx),
  ];
}

/** The platform's own models (./walmart-models.ts); the blend reuses the fitted components per fold. */
function platformEntries(ctx: BenchContext): BenchEntry[] {
  const svd = cached(svdLeastSquares({ rank: 10, calendar: ctx.calendar, shift: true }));
  const gbdt = cached(walmartGbdt(ctx.data));
  return [
    {
      model: cached(svdLeastSquares({ rank: 10, calendar: ctx.calendar, shift: false })),
      note: 'per department rank-10 SVD smoothing of stores x weeks, then per series OLS year + ISO week',
    },
    {
      model: svd,
      note: 'the same plus the Christmas shift (1/7 of the previous week where the week ends a day earlier)',
    },
    {
      model: gbdt,
      note: 'one global GBDT over all series on features-core walmart_weekly (direct, horizon feature), target / 52-week scale, holiday weight 5; conformal quantiles',
    },
    {
      model: blend('blend(svd-ls+xmas, global-gbdt)', [svd, gbdt]),
      note: 'mean of the two rows above (components fitted once per fold; time is in their rows)',
    },
    {
      model: blend('blend(svd-ls+xmas, global-gbdt, history-weighted)', [svd, gbdt], (cutoff) => {
        const w = gbdtBlendWeight(cutoff);
        return [1 - w, w];
      }),
      note: 'GBDT weight 0.5 x share of its training anchors with a year of history before their targets (0 in fold 1), svd-ls the rest',
    },
  ];
}
