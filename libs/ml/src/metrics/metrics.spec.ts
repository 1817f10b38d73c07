import {
  aggregateMetrics,
  bias,
  intervalCoverage,
  mae,
  mase,
  pinballLoss,
  rmse,
  rmsse,
  scoreUnit,
  seasonalNaiveScale,
  smape,
  summarize,
  wape,
  wmae,
} from './index';

// Scored points: 0, 1, 2 (3 has no actual, 4 is censored). Errors (forecast - actual): 2, -2, 3.
const actual = [10, 20, 30, NaN, 40];
const forecast = [12, 18, 33, 5, 1000];
const mask = [0, 0, 0, 0, 1];
const o = { mask };

describe('point metrics (hand-computed)', () => {
  it('MAE, RMSE, WAPE, sMAPE skip NaN actuals and censored points', () => {
    expect(mae(actual, forecast, o)).toBeCloseTo(7 / 3, 12);
    expect(rmse(actual, forecast, o)).toBeCloseTo(Math.sqrt(17 / 3), 12);
    expect(wape(actual, forecast, o)).toBeCloseTo(7 / 60, 12);
    expect(smape(actual, forecast, o)).toBeCloseTo((4 / 22 + 4 / 38 + 6 / 63) / 3, 12);
  });

  it('sMAPE counts 0 when actual and forecast are both 0', () => {
    expect(smape([0, 10], [0, 10])).toBe(0);
    expect(smape([0], [5])).toBe(2);
  });

  it('WMAE weights every absolute error', () => {
    expect(wmae(actual, forecast, [1, 5, 1, 1, 1], o)).toBeCloseTo(15 / 7, 12);
  });

  it('bias: mean error and percent of sum |actual|', () => {
    const b = bias(actual, forecast, o);
    expect(b.meanError).toBeCloseTo(1, 12);
    expect(b.percent).toBeCloseTo(5, 12);
  });

  it('MASE and RMSSE from the in-sample seasonal-naive scale', () => {
    // Lag-2 differences of the history: 2, 3, -1, -2 -> MAE 2, MSE 4.5.
    const scale = seasonalNaiveScale([8, 12, 10, 15, 9, 13], 2);
    expect(scale.mae).toBeCloseTo(2, 12);
    expect(scale.mse).toBeCloseTo(4.5, 12);
    expect(mase(actual, forecast, scale.mae, o)).toBeCloseTo(7 / 3 / 2, 12);
    expect(rmsse(actual, forecast, scale.mse, o)).toBeCloseTo(Math.sqrt(17 / 3 / 4.5), 12);
  });

  it('the scale skips missing pairs and falls back to lag 1 for short histories', () => {
    expect(seasonalNaiveScale([1, NaN, 4, 7], 2).mae).toBeCloseTo(3, 12); // only 4 - 1
    expect(seasonalNaiveScale([1, 3, 2], 4).mae).toBeCloseTo(1.5, 12); // lag 1: 2, 1
    expect(seasonalNaiveScale([1, 3, 2], 1, [0, 1, 0]).mae).toBeNaN(); // every pair touches the mask
  });

  it('pinball loss per quantile', () => {
    // q = 0.9 of [15, 15, 25]: 0.1 * 5, 0.9 * 5, 0.9 * 5.
    expect(pinballLoss(actual, [15, 15, 25, 0, 0], 0.9, o)).toBeCloseTo(9.5 / 3, 12);
    expect(pinballLoss([10], [10], 0.3)).toBe(0);
  });

  it('interval coverage', () => {
    expect(intervalCoverage(actual, [8, 21, 25, 0, 0], [12, 25, 35, 0, 0], o)).toBeCloseTo(2 / 3, 12);
  });

  it('a NaN forecast at a scored point throws rather than being skipped', () => {
    expect(() => mae([1, 2], [1, NaN])).toThrow(/NaN/);
    expect(mae([1, NaN], [1, NaN])).toBe(0);
  });

  it('scoreUnit gathers quantile losses and coverage by central interval', () => {
    const s = summarize(
      scoreUnit({
        actual: [10, 20, 30],
        forecast: [12, 18, 33],
        quantiles: {
          levels: [0.1, 0.5, 0.9],
          values: [
            [8, 21, 25],
            [12, 18, 33],
            [12, 25, 35],
          ],
        },
      }),
    );
    expect(s.coverage['0.8']).toBeCloseTo(2 / 3, 12);
    // q0.1: y=10 vs 8 -> 0.2; y=20 vs 21 -> 0.9; y=30 vs 25 -> 0.5.
    expect(s.pinball['0.1']).toBeCloseTo(1.6 / 3, 12);
    // q0.5: 1, 1, 1.5.
    expect(s.pinball['0.5']).toBeCloseTo(3.5 / 3, 12);
    expect(s.meanPinball).toBeCloseTo((s.pinball['0.1'] + s.pinball['0.5'] + s.pinball['0.9']) / 3, 12);
  });
});

describe('aggregation', () => {
  const a = scoreUnit({ actual: [100], forecast: [110], scale: { mae: 10, mse: 100 } });
  const b = scoreUnit({ actual: [1], forecast: [2], scale: { mae: 0.5, mse: 0.25 } });
  const c = scoreUnit({ actual: [50, 50], forecast: [50, 40], scale: { mae: 0, mse: 0 } });
  const agg = aggregateMetrics([
    { seriesId: 'A', groups: { store: 's1' }, window: 0, stats: a },
    { seriesId: 'B', groups: { store: 's1' }, window: 1, stats: b },
    { seriesId: 'C', groups: { store: 's2' }, window: 1, stats: c },
  ]);

  it('WAPE and MAE pool sums, never average per-series ratios', () => {
    expect(agg.perGroup.store.s1.wape).toBeCloseTo(11 / 101, 12); // not (0.1 + 1) / 2
    expect(agg.perGroup.store.s1.mae).toBeCloseTo(5.5, 12);
    expect(agg.total.wape).toBeCloseTo(21 / 201, 12);
    expect(agg.total.n).toBe(4);
  });

  it('MASE and RMSSE average per unit, leaving out units without a usable scale', () => {
    expect(agg.total.mase).toBeCloseTo((1 + 2) / 2, 12);
    expect(agg.total.rmsse).toBeCloseTo((1 + 2) / 2, 12);
    expect(agg.perSeries.C.mase).toBeNaN();
  });

  it('per series, per group and per window', () => {
    expect(Object.keys(agg.perSeries).sort()).toEqual(['A', 'B', 'C']);
    expect(agg.perGroup.store.s2.mae).toBeCloseTo(5, 12);
    expect(agg.perWindow.map((w) => w.n)).toEqual([1, 3]);
    expect(agg.perWindow[1].wape).toBeCloseTo(11 / 101, 12);
  });
});
