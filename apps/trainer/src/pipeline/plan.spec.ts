import { dayOf, lastCompletePeriod, retailFeatureSet } from '@shelfcast/features-core';
import type { FeatureStoreSettings } from '@shelfcast/feature-store';
import { TrainJobData, type JobInput } from '@shelfcast/queue';

import { InvalidSpecError } from './errors';
import { columnFallbacks, fitAnchors, planAnchors, planRun } from './plan';

const featureSet = retailFeatureSet({ frequency: 'daily', measure: 'units' });
const settings: FeatureStoreSettings = { featureSet, measure: 'units', horizon: 14 };
const WATERMARK = '2024-06-30';
const T = lastCompletePeriod(featureSet.spec.grid, dayOf(WATERMARK));

const spec = (o: Partial<JobInput<'train'>> = {}) =>
  TrainJobData.parse({
    runId: 'r',
    modelName: 'm',
    family: 'gbdt',
    featureSetVersion: featureSet.fingerprint,
    horizon: 7,
    ...o,
  });

const refused = (f: () => unknown, message: RegExp): void => {
  expect(f).toThrow(InvalidSpecError);
  expect(f).toThrow(message);
};

describe('run plan', () => {
  it('puts the backtest windows before the last period of data, a step apart', () => {
    const plan = planRun(spec({ backtest: { windows: 3, step: 7 } }), settings, WATERMARK);
    expect(plan.lastPeriod).toBe(T);
    expect(plan.cutoffDate).toBe(WATERMARK);
    expect(plan.windowStarts).toEqual([T - 20, T - 13, T - 6]);
    // Each window's cutoff is its last known day; the last window ends on the last day of data.
    expect(plan.windowCutoffs).toEqual(['2024-06-09', '2024-06-16', '2024-06-23']);
    expect(plan.levels).toEqual([0.1, 0.5, 0.9]);
    expect(plan.seasonLength).toBe(7);
  });

  it("takes explicit windows as they are (another version's cutoffs give the same windows)", () => {
    const first = planRun(spec({ backtest: { windows: 2, step: 14 } }), settings, WATERMARK);
    const again = planRun(spec(), settings, '2024-07-31', { windows: { cutoffs: first.windowCutoffs, horizon: 7 } });
    expect(again.windowStarts).toEqual(first.windowStarts);
    expect(again.windowCutoffs).toEqual(first.windowCutoffs);
    refused(
      () => planRun(spec(), settings, WATERMARK, { windows: { cutoffs: ['2024-06-20', '2024-06-10'], horizon: 7 } }),
      /ascending/,
    );
    refused(
      () => planRun(spec(), settings, WATERMARK, { windows: { cutoffs: ['2024-06-28'], horizon: 7 } }),
      /ends after the latest data/,
    );
  });

  it('plans the anchors of every fit, the forecast anchors and the labels needed', () => {
    const plan = planRun(
      spec({ backtest: { windows: 2, step: 7 }, hyperParameters: { trainAnchors: 3, anchorStride: 2 } }),
      settings,
      WATERMARK,
    );
    expect(fitAnchors(plan, T + 1)).toEqual({ train: [T - 6, T - 4, T - 2], calibration: T - 7 });
    const train = planAnchors(plan, 'train');
    expect([...train.forecast].sort((a, b) => a - b)).toEqual([T - 14, T - 7, T]);
    expect(train.lastTarget).toBe(T);
    expect(train.all).toEqual([...train.all].sort((a, b) => a - b));
    for (const c of [...plan.windowStarts, T + 1]) {
      const a = fitAnchors(plan, c);
      for (const t of [...a.train, a.calibration]) expect(train.training.has(t)).toBe(true);
    }
    const refit = planAnchors(plan, 'refit-backtest');
    expect(refit.forecast.has(T)).toBe(false);
    expect(refit.all.every((t) => t < T)).toBe(true);
    const scoring = planAnchors(plan, 'scoring-backtest');
    expect(scoring.all).toEqual([T - 14, T - 7]);
    expect(scoring.training.size).toBe(0);
  });

  it('accepts the feature set by fingerprint, name@version or version', () => {
    for (const v of [featureSet.fingerprint, 'retail@1', '1'])
      expect(planRun(spec({ featureSetVersion: v }), settings, WATERMARK).featureSet).toBe(featureSet);
  });

  it('refuses what cannot run, saying why', () => {
    refused(() => planRun(spec({ featureSetVersion: 'retail@2' }), settings, WATERMARK), /is not the feature set/);
    refused(
      () => planRun(spec({ frequency: 'weekly' }), settings, WATERMARK),
      /differs from the feature set's grid \(daily\)/,
    );
    refused(
      () => planRun(spec({ horizon: 15 }), settings, WATERMARK),
      /horizon 15 exceeds the online store's horizon 14/,
    );
    refused(() => planRun(spec(), settings, null), /holds no sale or inventory event/);
    refused(
      () => planRun(spec({ trainingWindow: { from: '2024-01-01', to: '2024-07-01' } }), settings, WATERMARK),
      /after the latest data in the store \(2024-06-30\)/,
    );
    refused(
      () => planRun(spec({ trainingWindow: { from: '2024-06-10', to: '2024-06-01' } }), settings, WATERMARK),
      /is after trainingWindow.to/,
    );
    refused(() => planRun(spec({ quantiles: [0.5, 0.5] }), settings, WATERMARK), /quantiles has duplicates/);
    refused(() => planRun(spec({ backtest: { windows: 52, step: 14 } }), settings, WATERMARK), /backtest windows span/);
    const far = planRun(spec({ hyperParameters: { trainAnchors: 300, anchorStride: 2 } }), settings, WATERMARK);
    refused(() => planAnchors(far, 'train'), /training rows reach back \d+ periods/);
  });

  it('resolves the column families to feature columns with fallbacks', () => {
    const naive = planRun(spec({ family: 'seasonal-naive' }), settings, WATERMARK);
    expect(naive.hyper.params).toMatchObject({ seasonLength: 7 });
    expect(columnFallbacks(naive)).toEqual(['lag_7', 'lag_14', 'lag_28', 'lag_364', 'lag_1', 'ewm_0p3', 'ewm_0p1']);
    const ma = planRun(spec({ family: 'moving-average', hyperParameters: { window: 28 } }), settings, WATERMARK);
    expect(columnFallbacks(ma)).toEqual(['roll_mean_28', 'roll_mean_7', 'roll_mean_91', 'ewm_0p3', 'ewm_0p1']);
    refused(
      () => planRun(spec({ family: 'moving-average', hyperParameters: { window: 5 } }), settings, WATERMARK),
      /window 5 is not a rolling-mean window.*available: 7, 28, 91/,
    );
  });
});
