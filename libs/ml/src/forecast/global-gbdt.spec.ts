import { defineFeatureSet, type SeriesData } from '@shelfcast/features-core';
import { runBacktest, type SeriesHistory } from '../backtest';
import { createRng } from '../core/random';
import { GlobalGbdtForecaster } from './global-gbdt';

/** A small daily chain with known truth: level x weekday x yearly x promotion uplift, plus noise. */
function chain(numSeries: number, days: number, seed: number) {
  const rng = createRng(seed);
  const weekly = [0.8, 0.85, 0.9, 1, 1.15, 1.4, 0.9];
  const uplift = 1.6;
  const series = Array.from({ length: numSeries }, (_, k) => {
    const level = 20 + 80 * rng.next();
    const promo = new Uint8Array(days + 60);
    for (let d = 0; d < promo.length; d++) if (rng.next() < 0.03) for (let j = 0; j < 4; j++) promo[d + j] = 1;
    const truth = new Float64Array(days + 60);
    const values = new Float64Array(days + 60);
    for (let d = 0; d < truth.length; d++) {
      truth[d] = level * weekly[d % 7] * (1 + 0.2 * Math.sin((2 * Math.PI * d) / 365)) * (promo[d] ? uplift : 1);
      values[d] = Math.max(0, truth[d] * (1 + 0.1 * rng.normal()));
    }
    return { id: `s${k}`, level, promo: promo.subarray(0, days + 60), truth, values };
  });
  return { series, weekly, uplift };
}

const featureSet = defineFeatureSet({
  name: 'test_daily',
  version: '1',
  grid: { frequency: 'daily', origin: '2024-01-01' },
  lags: [1, 7, 14, 28],
  windows: [7, 28],
  price: null,
  stockWindow: null,
});

function forecaster(data: ReturnType<typeof chain>, seed = 1) {
  const byId = new Map(data.series.map((s) => [s.id, s]));
  return new GlobalGbdtForecaster({
    name: 'gbdt-test',
    featureSet,
    maxHorizon: 14,
    trainAnchors: 20,
    anchorStride: 7,
    toSeriesData: (h: SeriesHistory): SeriesData => ({
      id: h.id,
      start: h.start,
      values: h.values,
      promo: byId.get(h.id)!.promo,
    }),
    params: { numTrees: 150, learningRate: 0.1, maxLeaves: 15, minDataInLeaf: 10, subsample: 0.8 },
    seed,
  });
}

describe('GlobalGbdtForecaster', () => {
  const data = chain(30, 300, 7);
  const cutoff = 300;
  const request = (s: typeof data.series) => ({
    window: { index: 0, cutoff, horizon: 14 },
    series: s.map((x) => ({ id: x.id, groups: {}, start: 0, values: x.values.slice(0, cutoff) })),
    scored: new Uint8Array(s.length).fill(1),
    quantileLevels: [0.1, 0.5, 0.9],
  });

  it('recovers the weekly season and the promotion uplift, with calibrated quantiles', async () => {
    const model = forecaster(data);
    const out = await model.forecastAll(request(data.series));
    let absErr = 0;
    let absNaive = 0;
    let sum = 0;
    let inside = 0;
    let n = 0;
    data.series.forEach((s, k) => {
      const f = out[k]!;
      for (let h = 0; h < 14; h++) {
        const p = cutoff + h;
        absErr += Math.abs(f.point[h] - s.truth[p]);
        absNaive += Math.abs(s.values[p - 7] - s.truth[p]);
        sum += s.truth[p];
        const y = s.values[p];
        if (y >= f.quantiles![0][h] && y <= f.quantiles![2][h]) inside++;
        n++;
      }
    });
    const wape = absErr / sum;
    expect(wape).toBeLessThan(0.1);
    expect(wape).toBeLessThan((absNaive / sum) * 0.8);
    expect(inside / n).toBeGreaterThan(0.7);
    expect(inside / n).toBeLessThan(0.92);

    // Uplift: the same rows with the promotion plan switched on and off.
    const fit = model.lastFit!;
    const on: SeriesData[] = data.series.map((s) => ({
      id: s.id,
      start: 0,
      values: s.values.slice(0, cutoff),
      promo: new Uint8Array(cutoff + 60).fill(1),
    }));
    const off: SeriesData[] = on.map((s) => ({ ...s, promo: new Uint8Array(cutoff + 60) }));
    const idx = on.map((_, k) => k);
    const pOn = GlobalGbdtForecaster.predict(fit, featureSet.frame(on), idx, cutoff, 14);
    const pOff = GlobalGbdtForecaster.predict(fit, featureSet.frame(off), idx, cutoff, 14);
    let ratio = 0;
    for (let k = 0; k < idx.length; k++) for (let h = 0; h < 14; h++) ratio += pOn[k].point[h] / pOff[k].point[h];
    expect(ratio / (idx.length * 14)).toBeGreaterThan(data.uplift - 0.15);
    expect(ratio / (idx.length * 14)).toBeLessThan(data.uplift + 0.15);

    // Weekly profile of the forecasts against the configured one.
    const byDow = new Float64Array(7);
    data.series.forEach((s, k) => {
      for (let h = 0; h < 14; h++) byDow[(cutoff + h) % 7] += pOff[k].point[h] / 2;
    });
    const mean = byDow.reduce((a, b) => a + b, 0) / 7;
    const wMean = data.weekly.reduce((a, b) => a + b, 0) / 7;
    for (let d = 0; d < 7; d++) expect(byDow[d] / mean).toBeCloseTo(data.weekly[d] / wMean, 1);
  });

  it('is deterministic for a seed and plugs into the backtest', async () => {
    const small = chain(8, 200, 3);
    const a = await forecaster(small, 5).forecastAll({
      ...request(small.series),
      window: { index: 0, cutoff: 180, horizon: 7 },
    });
    const b = await forecaster(small, 5).forecastAll({
      ...request(small.series),
      window: { index: 0, cutoff: 180, horizon: 7 },
    });
    expect(a.map((f) => Array.from(f!.point))).toEqual(b.map((f) => Array.from(f!.point)));
    const result = await runBacktest({
      series: small.series.map((s) => ({ id: s.id, values: s.values.slice(0, 200) })),
      models: [forecaster(small, 5)],
      windows: { horizon: 7, windows: 2 },
      seasonLength: 7,
      quantileLevels: [0.1, 0.9],
    });
    const gbdt = result.models.find((m) => m.kind === 'global')!;
    expect(gbdt.relative.wape).toBeLessThan(1);
  });
});
