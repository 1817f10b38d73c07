import type { ForecastModel } from '../baselines';
import { naive, seasonalNaive } from '../baselines';
import type { BacktestSeries, GlobalForecastModel } from './index';
import { historyAt, makeWindows, runBacktest } from './index';

// values[i] encodes its own absolute period, so a model can tell which periods it was shown.
const encoded = (start: number, length: number): Float64Array => Float64Array.from({ length }, (_, i) => start + i);

const series: BacktestSeries[] = [
  { id: 'a', groups: { store: '1' }, values: encoded(0, 30) },
  { id: 'b', groups: { store: '1' }, values: encoded(4, 26), start: 4 },
  {
    id: 'c',
    groups: { store: '2' },
    values: encoded(0, 30),
    censored: Uint8Array.from({ length: 30 }, (_, i) => (i === 5 || i === 22 ? 1 : 0)),
  },
  { id: 'late', groups: { store: '2' }, values: encoded(23, 7), start: 23 },
];
const cutoffs = [16, 20, 24];

/** A local model that throws if its history reaches past a cutoff, and logs what it saw. */
function spy(name: string, log: string[]): ForecastModel {
  return {
    name,
    fit(history, context) {
      const start = context?.start ?? 0;
      const end = start + history.length;
      if (!cutoffs.includes(end) && history.length > 0) throw new Error(`${name} was shown up to period ${end}`);
      for (let i = 0; i < history.length; i++) {
        if (history[i] >= Math.max(...cutoffs.filter((c) => c <= end)))
          throw new Error(`${name} saw period ${history[i]}`);
        if (!Number.isNaN(history[i]) && history[i] !== start + i) throw new Error('misaligned history');
      }
      if (history.buffer.byteLength !== history.length * 8) throw new Error('history shares a longer buffer');
      log.push(`${end}:${Array.from(history, (v) => (Number.isNaN(v) ? 'x' : v)).join(',')}`);
      return { forecast: (h) => new Float64Array(h).fill(history.length > 0 ? history[history.length - 1] : 0) };
    },
  };
}

describe('makeWindows', () => {
  it('counts back from the end with a step', () => {
    expect(makeWindows({ horizon: 4, step: 2, windows: 3 }, 20).map((w) => w.cutoff)).toEqual([12, 14, 16]);
    expect(makeWindows({ horizon: 4, windows: 2, end: 30 }, 20).map((w) => w.cutoff)).toEqual([22, 26]);
    expect(makeWindows({ horizon: 3, cutoffs: [5, 9] }, 20)).toEqual([
      { index: 0, cutoff: 5, horizon: 3 },
      { index: 1, cutoff: 9, horizon: 3 },
    ]);
    expect(
      makeWindows(
        [
          { cutoff: 3, horizon: 2 },
          { cutoff: 5, horizon: 4 },
        ],
        20,
      ).map((w) => w.horizon),
    ).toEqual([2, 4]);
    expect(() =>
      makeWindows(
        [
          { cutoff: 5, horizon: 1 },
          { cutoff: 3, horizon: 1 },
        ],
        20,
      ),
    ).toThrow(/ascending/);
  });
});

describe('runBacktest', () => {
  it('every model gets identical windows and never a point at or after the cutoff', async () => {
    const logA: string[] = [];
    const logB: string[] = [];
    const seenByGlobal: string[] = [];
    const global: GlobalForecastModel = {
      name: 'global-spy',
      forecastAll(request) {
        const { cutoff, horizon } = request.window;
        return request.series.map((s) => {
          for (const v of s.values)
            if (v >= cutoff) throw new Error(`global model saw period ${v} at cutoff ${cutoff}`);
          if (s.values.length > 0 && s.start + s.values.length > cutoff)
            throw new Error('history longer than the cutoff');
          seenByGlobal.push(`${s.id}@${cutoff}`);
          return { point: new Float64Array(horizon).fill(1) };
        });
      },
    };
    const result = await runBacktest({
      series,
      models: [spy('A', logA), spy('B', logB), global],
      windows: { horizon: 4, cutoffs },
      seasonLength: 2,
      groupBy: ['store'],
    });
    expect(logA).toEqual(logB);
    expect(logA.length).toBeGreaterThan(0);
    // Series c's censored periods 5 and 22 are shown as NaN.
    expect(logA).toContain('24:0,1,2,3,4,x,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,x,23');
    expect(seenByGlobal).toContain('late@16');
    const ns = result.models.map((m) => m.metrics.perWindow.map((w) => w.n));
    for (const n of ns) expect(n).toEqual(ns[0]);
    expect(result.models.map((m) => m.name)).toEqual(['A', 'B', 'global-spy', 'seasonal-naive(2)']);
  });

  it('scores only non-censored actuals, per series, group and window', async () => {
    const result = await runBacktest({
      series,
      models: [naive()],
      windows: { horizon: 4, cutoffs },
      seasonLength: 2,
      groupBy: ['store'],
    });
    const m = result.models[0];
    // Window at 20 scores periods 20..23: a 4, b 4, c 3 (22 censored), late 1 (23; it has no history: forecast 0).
    expect(m.metrics.perWindow[1].n).toBe(12);
    // Naive on an encoded series: errors 1, 2, 3, 4 at steps 1..4.
    expect(m.metrics.perSeries.a.mae).toBeCloseTo(2.5, 12);
    expect(m.metrics.perGroup.store['1'].n).toBe(24);
    expect(m.forecasts!.filter((f) => f.window === 1).map((f) => f.seriesId)).toEqual(['a', 'b', 'c', 'late']);
    const late = m.forecasts!.find((f) => f.seriesId === 'late' && f.window === 1)!;
    expect(Array.from(late.forecast)).toEqual([0, 0, 0, 0]);
  });

  it('compares every model with seasonal naive on the same points', async () => {
    const result = await runBacktest({
      series: series.slice(0, 2),
      models: [naive(), seasonalNaive({ seasonLength: 2 })],
      windows: { horizon: 4, windows: 2 },
      seasonLength: 2,
      quantileLevels: [0.1, 0.5, 0.9],
    });
    expect(result.reference).toBe('seasonal-naive(2)');
    expect(result.models).toHaveLength(2);
    const [nv, sn] = result.models;
    expect(sn.relative.wape).toBe(1);
    expect(nv.relative.wape).toBeCloseTo(nv.metrics.total.wape / sn.metrics.total.wape, 12);
    expect(nv.relative.mase).toBeCloseTo(nv.metrics.total.mase / sn.metrics.total.mase, 12);
    expect(nv.relative.perWindow).toHaveLength(2);
    // Quantile metrics are there.
    expect(nv.metrics.total.coverage['0.8']).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(nv.metrics.total.pinball['0.9'])).toBe(true);
  });

  it('a NaN forecast throws unless a fill value is given', async () => {
    const nanModel: ForecastModel = { name: 'nan', fit: () => ({ forecast: (h) => new Float64Array(h).fill(NaN) }) };
    const base = {
      series: series.slice(0, 1),
      models: [nanModel],
      windows: { horizon: 2, cutoffs: [10] },
      seasonLength: 2,
    };
    await expect(runBacktest(base)).rejects.toThrow(/NaN forecast/);
    const r = await runBacktest({ ...base, fillMissingForecast: 0 });
    expect(r.models[0].metrics.total.mae).toBeCloseTo(10.5, 12);
  });

  it('historyAt copies and masks', () => {
    const h = historyAt(series[2], 8);
    expect(Array.from(h, (v) => (Number.isNaN(v) ? -1 : v))).toEqual([0, 1, 2, 3, 4, -1, 6, 7]);
    h[0] = 99;
    expect(series[2].values[0]).toBe(0);
    expect(historyAt(series[3], 10)).toHaveLength(0);
  });
});
