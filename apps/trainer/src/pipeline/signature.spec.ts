import { retailFeatureSet } from '@shelfcast/features-core';
import type { FeatureStoreSettings } from '@shelfcast/feature-store';
import { ModelSignature } from '@shelfcast/contracts';
import { TrainJobData } from '@shelfcast/queue';

import { windowsKey, metricValues } from './backtest';
import { InvalidSpecError } from './errors';
import { planRun } from './plan';
import { applyPostprocess, buildSignature, readPostprocess, POSTPROCESS_METHOD } from './signature';

const featureSet = retailFeatureSet({ frequency: 'daily', measure: 'units' });
const settings: FeatureStoreSettings = { featureSet, measure: 'units', horizon: 14 };

describe('signature and post-processing', () => {
  const plan = planRun(
    TrainJobData.parse({ runId: 'r', modelName: 'm', family: 'gbdt', featureSetVersion: '1', horizon: 2 }),
    settings,
    '2024-06-30',
  );
  const residuals = [
    [-0.5, -0.75],
    [0, 0.1],
    [0.5, -0.2],
  ];

  it('describes the online vector columns, the scaled target and the conformal quantiles', () => {
    const sig = ModelSignature.parse(buildSignature(plan, settings, residuals));
    expect(sig.inputs).toEqual([{ name: 'features', type: 'float32', shape: [null, featureSet.numFeatures] }]);
    expect(sig.features).toEqual(featureSet.names);
    expect(sig.featureSet).toBe(featureSet.fingerprint);
    expect(sig.target.transform).toBe('scaled');
    expect(readPostprocess(sig)).toEqual({
      method: POSTPROCESS_METHOD,
      levels: [0.1, 0.5, 0.9],
      residualQuantiles: residuals,
    });
    expect(() => readPostprocess({ ...sig, postprocess: {} })).toThrow(InvalidSpecError);
  });

  it('turns scaled outputs into points and sorted quantiles', () => {
    const pp = { method: POSTPROCESS_METHOD, levels: [0.1, 0.5, 0.9], residualQuantiles: residuals } as const;
    const out = applyPostprocess({ ...pp, levels: [...pp.levels] }, [9, 1, 2], 1, 2, 10);
    expect(out.point).toEqual([10, 20]);
    expect(out.quantiles[0]).toEqual([5, 12.5]);
    expect(out.quantiles[1]).toEqual([10, 18]); // 0.5 at h=2 was 21 > 0.9's 18: sorted
    expect(out.quantiles[2][1]).toBeCloseTo(21);
    const some = applyPostprocess({ ...pp, levels: [...pp.levels] }, [1], 0, 1, 2, [0.9]);
    expect(some.quantiles).toEqual([[3]]);
    expect(() => applyPostprocess({ ...pp, levels: [...pp.levels] }, [1], 0, 1, 2, [0.3])).toThrow(/not among/);
  });
});

describe('backtest windows key and metrics', () => {
  it('is the same for the same cutoffs, horizon and series set, in any series order', () => {
    const k = windowsKey(['2024-06-01', '2024-06-08'], 7, ['a|1', 'b|2']);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(windowsKey(['2024-06-01', '2024-06-08'], 7, ['b|2', 'a|1'])).toBe(k);
    expect(windowsKey(['2024-06-01', '2024-06-09'], 7, ['a|1', 'b|2'])).not.toBe(k);
    expect(windowsKey(['2024-06-01', '2024-06-08'], 14, ['a|1', 'b|2'])).not.toBe(k);
    expect(windowsKey(['2024-06-01', '2024-06-08'], 7, ['a|1'])).not.toBe(k);
  });

  it("keeps finite figures only, under the registry's names", () => {
    const v = metricValues({
      n: 10,
      mae: 1,
      rmse: 2,
      wape: 0.5,
      smape: 0.4,
      mase: NaN,
      rmsse: NaN,
      wmae: 1,
      bias: -0.1,
      biasPct: -5,
      pinball: { '0.1': 0.2, '0.9': 0.3 },
      meanPinball: 0.25,
      coverage: { '0.8': 0.7 },
    });
    expect(v).toEqual({
      wape: 0.5,
      mae: 1,
      rmse: 2,
      smape: 0.4,
      bias: -0.1,
      bias_pct: -5,
      pinball: 0.25,
      'pinball_0.1': 0.2,
      'pinball_0.9': 0.3,
      coverage: 0.7,
      coverage_nominal: 0.8,
      'coverage_0.8': 0.7,
      points: 10,
    });
  });
});
