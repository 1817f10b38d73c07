import { createRng } from '../core/random';
import {
  choleskySolve,
  fitHoltWinters,
  fitSeasonalRegression,
  fitSes,
  holtWinters,
  movingAverage,
  naive,
  nelderMead,
  seasonalNaive,
  seasonalRegression,
  ses,
} from './index';

const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);
const arr = (x: Float64Array): number[] => Array.from(x);
const meanAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
};

describe('naive', () => {
  it('repeats the last value', () => {
    expect(
      arr(
        naive()
          .fit(f64([1, 2, 3]))
          .forecast(2),
      ),
    ).toEqual([3, 3]);
  });
  it('a missing last period: last observed by default, 0 with missing=zero', () => {
    expect(
      arr(
        naive()
          .fit(f64([1, 2, NaN]))
          .forecast(2),
      ),
    ).toEqual([2, 2]);
    expect(
      arr(
        naive({ missing: 'zero' })
          .fit(f64([1, 2, NaN]))
          .forecast(2),
      ),
    ).toEqual([0, 0]);
  });
  it('no history forecasts 0', () => {
    expect(
      arr(
        naive()
          .fit(f64([NaN, NaN]))
          .forecast(2),
      ),
    ).toEqual([0, 0]);
    expect(arr(naive().fit(new Float64Array(0)).forecast(1))).toEqual([0]);
  });
});

describe('seasonal naive', () => {
  it('repeats the last season', () => {
    const f = seasonalNaive({ seasonLength: 3 }).fit(f64([1, 2, 3, 4, 5, 6]));
    expect(arr(f.forecast(7))).toEqual([4, 5, 6, 4, 5, 6, 4]);
  });
  it('falls back for a missing season point as asked', () => {
    const y = f64([1, 2, 3, 4, NaN, 6]);
    expect(arr(seasonalNaive({ seasonLength: 3 }).fit(y).forecast(3))).toEqual([4, 2, 6]);
    expect(arr(seasonalNaive({ seasonLength: 3, missing: 'zero' }).fit(y).forecast(3))).toEqual([4, 0, 6]);
    expect(arr(seasonalNaive({ seasonLength: 3, missing: 'last-observed' }).fit(y).forecast(3))).toEqual([4, 6, 6]);
  });
  it('a history shorter than a season falls back too', () => {
    expect(
      arr(
        seasonalNaive({ seasonLength: 4, missing: 'zero' })
          .fit(f64([5, 6]))
          .forecast(3),
      ),
    ).toEqual([0, 0, 5]);
  });
  it('median quantile equals the point forecast, outer ones bracket it', () => {
    const f = seasonalNaive({ seasonLength: 2 }).fit(f64([1, 5, 2, 6, 1, 7]));
    const [lo, mid, hi] = f.quantiles!(3, [0.1, 0.5, 0.9]);
    expect(arr(mid)).toEqual(arr(f.forecast(3)));
    for (let k = 0; k < 3; k++) expect(lo[k]).toBeLessThan(hi[k]);
  });
});

describe('moving average', () => {
  it('averages the last `window` observed values', () => {
    expect(
      arr(
        movingAverage({ window: 2 })
          .fit(f64([1, 2, NaN, 4]))
          .forecast(2),
      ),
    ).toEqual([3, 3]);
    expect(
      arr(
        movingAverage({ window: 10 })
          .fit(f64([1, 2, 3]))
          .forecast(1),
      ),
    ).toEqual([2]);
  });
});

describe('simple exponential smoothing', () => {
  it('with alpha = 1 equals naive', () => {
    const rng = createRng(7);
    const y = Float64Array.from({ length: 30 }, () => 50 + 10 * rng.normal());
    expect(arr(ses({ alpha: 1 }).fit(y).forecast(5))).toEqual(arr(naive().fit(y).forecast(5)));
  });
  it('hand-computed recursion with alpha = 0.5', () => {
    // level: 10 -> 10 + 0.5 (20 - 10) = 15 -> (gap) -> 15 + 0.5 (5 - 15) = 10
    const f = fitSes(f64([10, 20, NaN, 5]), { alpha: 0.5 });
    expect(arr(f.forecast(2))).toEqual([10, 10]);
  });
  it('fits alpha by SSE: small on noise around a constant, near 1 on a random walk', () => {
    const rng = createRng(3);
    const noise = Float64Array.from({ length: 200 }, () => 100 + rng.normal());
    const walk = new Float64Array(200);
    for (let t = 1; t < 200; t++) walk[t] = walk[t - 1] + rng.normal();
    expect(fitSes(noise).params!.alpha as number).toBeLessThan(0.2);
    expect(fitSes(walk).params!.alpha as number).toBeGreaterThan(0.8);
  });
});

describe('Holt-Winters', () => {
  const rng = createRng(42);
  const m = 12;
  const series = Float64Array.from(
    { length: 120 },
    (_, t) => 100 + 0.5 * t + 10 * Math.sin((2 * Math.PI * t) / m) + rng.normal(),
  );
  const train = series.subarray(0, 96);
  const test = series.subarray(96, 120);

  it('beats naive and seasonal naive on a trending seasonal series', () => {
    const hw = meanAbs(holtWinters({ seasonLength: m }).fit(train).forecast(24), test);
    const nv = meanAbs(naive().fit(train).forecast(24), test);
    const sn = meanAbs(seasonalNaive({ seasonLength: m }).fit(train).forecast(24), test);
    expect(hw).toBeLessThan(nv / 3);
    expect(hw).toBeLessThan(sn / 2);
  });

  it('damped and multiplicative variants also beat naive', () => {
    const nv = meanAbs(naive().fit(train).forecast(24), test);
    for (const model of [
      holtWinters({ seasonLength: m, damped: true }),
      holtWinters({ seasonLength: m, seasonal: 'multiplicative' }),
      holtWinters({ seasonLength: m, trend: false }),
    ]) {
      expect(meanAbs(model.fit(train).forecast(24), test)).toBeLessThan(nv);
    }
  });

  it('recovers an exact additive pattern with fixed parameters', () => {
    const pattern = [5, -3, 1, -3];
    const exact = Float64Array.from({ length: 40 }, (_, t) => 20 + 2 * t + pattern[t % 4]);
    const f = fitHoltWinters(exact.subarray(0, 32), { seasonLength: 4, alpha: 0.5, beta: 0.5, gamma: 0.5 });
    const fc = f.forecast(8);
    for (let k = 0; k < 8; k++) expect(fc[k]).toBeCloseTo(exact[32 + k], 6);
  });

  it('gaps roll the states forward; leading NaNs are dropped', () => {
    const y = new Float64Array(40).fill(NaN);
    for (let t = 6; t < 40; t++) if (t % 7 !== 0) y[t] = 50 + (t % 4 === 0 ? 8 : 0);
    const fc = fitHoltWinters(y, { seasonLength: 4 }).forecast(4);
    for (const v of fc) expect(Number.isFinite(v)).toBe(true);
    expect(fc[0]).toBeGreaterThan(fc[1] + 4); // period 40 is a multiple of 4: the +8 season
  });

  it('falls back: multiplicative to additive near zero, no season when too short', () => {
    const withZero = Float64Array.from({ length: 30 }, (_, t) => (t % 5 === 0 ? 0 : 10 + (t % 3)));
    expect(fitHoltWinters(withZero, { seasonLength: 3, seasonal: 'multiplicative' }).params!.seasonal).toBe('additive');
    expect(fitHoltWinters(f64([1, 2, 3, 4, 5]), { seasonLength: 12 }).params!.seasonal).toBe('none');
    expect(arr(fitHoltWinters(f64([NaN, NaN]), { seasonLength: 4 }).forecast(2))).toEqual([0, 0]);
  });

  it('quantiles widen with the horizon', () => {
    const [lo, hi] = holtWinters({ seasonLength: m }).fit(train).quantiles!(24, [0.05, 0.95]);
    expect(hi[23] - lo[23]).toBeGreaterThan(hi[0] - lo[0]);
  });

  it('is deterministic', () => {
    const a = holtWinters({ seasonLength: m, damped: true }).fit(train).forecast(6);
    const b = holtWinters({ seasonLength: m, damped: true }).fit(train).forecast(6);
    expect(arr(a)).toEqual(arr(b));
  });
});

describe('least squares on trend + seasonal dummies', () => {
  const season = [0, 3, -2, 1];
  const exact = (t: number): number => 5 + 0.5 * t + season[t % 4];

  it('recovers an exact trend + seasonal series', () => {
    const y = Float64Array.from({ length: 24 }, (_, t) => exact(t));
    const fc = seasonalRegression({ seasonLength: 4 }).fit(y).forecast(8);
    for (let k = 0; k < 8; k++) expect(fc[k]).toBeCloseTo(exact(24 + k), 8);
  });

  it('ignores missing points and uses the absolute start', () => {
    const y = Float64Array.from({ length: 20 }, (_, t) => (t % 6 === 2 ? NaN : exact(t + 10)));
    const fc = fitSeasonalRegression(y, { seasonLength: 4 }, { start: 10 }).forecast(4);
    for (let k = 0; k < 4; k++) expect(fc[k]).toBeCloseTo(exact(30 + k), 8);
  });

  it('uses a calendar: year steps and week dummies; an unseen week gets the reference level', () => {
    // 3 "years" of 4 "weeks"; year effect +10 per year; week 2 never observed.
    const calendar = { season: (p: number) => p % 4, trend: (p: number) => 2010 + Math.floor(p / 4) };
    const value = (p: number): number => 100 + 10 * (calendar.trend(p) - 2010) + [0, 5, 7, -4][p % 4];
    const y = Float64Array.from({ length: 12 }, (_, p) => (p % 4 === 2 ? NaN : value(p)));
    const fc = fitSeasonalRegression(y, { seasonLength: 4 }, { calendar }).forecast(4);
    expect(fc[0]).toBeCloseTo(value(12), 8);
    expect(fc[1]).toBeCloseTo(value(13), 8);
    expect(fc[2]).toBeCloseTo(130, 8); // reference (week 0) level of year 2013
    expect(fc[3]).toBeCloseTo(value(15), 8);
  });

  it('a trend constant over the history is aliased (coefficient 0), not explosive', () => {
    const calendar = { season: (p: number) => p % 4, trend: () => 2011 };
    const y = f64([1, 2, 3, 4]);
    const f = fitSeasonalRegression(y, { seasonLength: 4 }, { calendar });
    expect(f.params!.slope).toBe(0);
    expect(arr(f.forecast(4)).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 2, 3, 4]);
  });
});

describe('numerics', () => {
  it('Cholesky solves an SPD system and aliases a dependent column', () => {
    const a = f64([4, 2, 2, 3]);
    const { x } = choleskySolve(a, f64([2, 1]), 2);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(0, 12);
    // Columns 1 and 2 equal: the second is aliased and gets 0.
    const s = choleskySolve(f64([2, 1, 1, 1, 1, 1, 1, 1, 1]), f64([3, 2, 2]), 3, 1e-9);
    expect(Array.from(s.aliased)).toEqual([0, 0, 1]);
    expect(s.x[2]).toBe(0);
    expect(() => choleskySolve(f64([1, 1, 1, 1]), f64([1, 1]), 2)).toThrow(/positive definite/);
  });

  it('Nelder-Mead finds the minimum of a quadratic', () => {
    const r = nelderMead((x) => (x[0] - 1) ** 2 + 10 * (x[1] + 2) ** 2, [0, 0], { maxEvaluations: 500 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(-2, 3);
  });
});
