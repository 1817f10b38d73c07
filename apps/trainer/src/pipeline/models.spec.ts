import { retailFeatureSet } from '@shelfcast/features-core';
import type { FeatureStoreSettings } from '@shelfcast/feature-store';
import { runOnnxModel } from '@shelfcast/ml';
import { TrainJobData, type JobInput } from '@shelfcast/queue';

import { RowStore } from './dataset';
import { columnModel, residualQuantiles, selectFitRows } from './models';
import { planRun } from './plan';

const featureSet = retailFeatureSet({ frequency: 'daily', measure: 'units' });
const settings: FeatureStoreSettings = { featureSet, measure: 'units', horizon: 14 };
const plan = (o: Partial<JobInput<'train'>>) =>
  planRun(
    TrainJobData.parse({ runId: 'r', modelName: 'm', family: 'gbdt', featureSetVersion: '1', horizon: 3, ...o }),
    settings,
    '2024-06-30',
  );

describe('column models', () => {
  it('read the first column present, then the fallbacks, then 0, and export the same to ONNX', async () => {
    const p = plan({ family: 'seasonal-naive' });
    const model = columnModel(p);
    const F = featureSet.numFeatures;
    const col = (n: string) => featureSet.names.indexOf(n);
    const rows = 6;
    const data = new Float32Array(rows * F).fill(NaN);
    const set = (r: number, n: string, v: number) => (data[r * F + col(n)] = v);
    set(0, 'lag_7', 1.5);
    set(0, 'lag_14', 9);
    set(1, 'lag_14', 2.25);
    set(2, 'lag_364', 0.125);
    set(3, 'ewm_0p1', 0.75);
    set(4, 'lag_1', 3);
    set(4, 'ewm_0p3', 4);
    const m = { data, numRows: rows, numFeatures: F, layout: 'row-major' as const };
    const expected = [1.5, 2.25, 0.125, 0.75, 3, 0];
    expect(Array.from(model.predictScaled(m))).toEqual(expected);
    const onnx = await runOnnxModel(model.exportOnnx({}), data, [rows, F]);
    expect(onnx.dims).toEqual([rows, 1]);
    expect(onnx.outputNames).toEqual(['prediction']);
    expect(Array.from(onnx.data)).toEqual(expected);
  });
});

describe('conformal residual quantiles', () => {
  it("use a horizon's own residuals when it has 30, else the pooled ones", () => {
    const residuals: number[] = [];
    const horizons: number[] = [];
    for (let i = 0; i < 40; i++) {
      residuals.push(i);
      horizons.push(1);
    }
    for (let i = 0; i < 5; i++) {
      residuals.push(100 + i);
      horizons.push(2);
    }
    const q = residualQuantiles(residuals, horizons, [0, 0.5, 1], 3);
    expect(q[0]).toEqual([0, 0, 0]);
    expect(q[1][0]).toBe(19.5);
    expect(q[1][1]).toBe(22); // pooled: 45 values, the 23rd
    expect(q[2]).toEqual([39, 104, 104]);
  });
});

describe('rows of a fit', () => {
  it('only have targets before the cutoff, calibration rows at the held-out anchor, none censored or unknown', () => {
    const p = { ...plan({ hyperParameters: { trainAnchors: 6 } }), firstTarget: 95 };
    const rows = new RowStore(2);
    const f = new Float32Array(2);
    const s = rows.seriesIndex({ storeId: 's', sku: 'p' });
    for (let t = 80; t <= 120; t++)
      for (let h = 1; h <= 3; h++) rows.push(s, t, h, f, 0, t === 101 ? NaN : t + h, t === 102 && h === 1 ? 1 : 0, 1);
    const cutoff = 110;
    const sel = selectFitRows(p, rows, cutoff);
    const period = (r: number) => rows.anchor[r] + rows.horizon[r];
    expect(sel.all.length).toBeGreaterThan(0);
    for (const r of sel.all) {
      expect(period(r)).toBeLessThan(cutoff);
      expect(period(r)).toBeGreaterThanOrEqual(95);
      expect(rows.labelled(r)).toBe(true);
      expect([103, 104, 105, 106, 107, 108]).toContain(rows.anchor[r]);
    }
    expect(sel.calibration.map((r) => [rows.anchor[r], rows.horizon[r]])).toEqual([
      [106, 1],
      [106, 2],
      [106, 3],
    ]);
    for (const r of sel.train) expect(period(r)).toBeLessThan(cutoff - 3);
    expect(new Set([...sel.train, ...sel.calibration]).size).toBe(sel.train.length + sel.calibration.length);
  });
});
