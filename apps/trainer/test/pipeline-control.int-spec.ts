import { RegisterVersionRequest, type RetailEvent } from '@shelfcast/contracts';
import { readWatermark, writeEvents } from '@shelfcast/feature-store';

import {
  InvalidSpecError,
  PipelineCancelled,
  runBacktestOnly,
  runTrainingPipeline,
  type PipelineStage,
} from '../src/pipeline';
import { createPipelineFixture, recordingContext, trainSpec, type PipelineFixture } from './pipeline-fixture';

/** A run that aborts its own signal on the first progress report inside `stage`. */
async function cancelDuring(f: PipelineFixture, stage: PipelineStage) {
  const ctx = recordingContext(f, {}, (s, fraction, controller) => {
    if (s === stage && fraction > 0) controller.abort();
  });
  const error = await runTrainingPipeline(
    trainSpec(f, { hyperParameters: { numTrees: 400, trainAnchors: 7 } }),
    ctx,
  ).catch((e: unknown) => e);
  return { error, stagesSeen: [...new Set(ctx.progressEvents.map(([s]) => s))] };
}

describe('training pipeline: cancellation, series filters and bad specs', () => {
  let f: PipelineFixture;

  beforeAll(async () => {
    f = await createPipelineFixture('pipeline_control', { stores: 2, skus: 10, days: 150, seed: 5 });
  });

  afterAll(async () => {
    await f?.close();
  });

  it('stops with PipelineCancelled when the signal fires, in whichever stage it is', async () => {
    for (const [stage, seen] of [
      ['dataset', ['dataset']],
      ['train', ['dataset', 'train']],
      ['backtest', ['dataset', 'train', 'backtest']],
    ] as const) {
      const { error, stagesSeen } = await cancelDuring(f, stage);
      expect(error).toBeInstanceOf(PipelineCancelled);
      expect((error as Error).message).toContain(stage);
      expect(stagesSeen).toEqual(seen);
    }
    const ctx = recordingContext(f);
    ctx.controller.abort();
    await expect(runTrainingPipeline(trainSpec(f), ctx)).rejects.toBeInstanceOf(PipelineCancelled);
    expect(ctx.progressEvents).toEqual([]);
  });

  it('refuses a spec that selects no series, or cannot run, with InvalidSpecError saying why', async () => {
    const cases: Array<[Parameters<typeof trainSpec>[1], RegExp]> = [
      [
        { seriesFilter: { storeIds: ['no-such-store'] } },
        /seriesFilter selects no series \(storeIds=\[no-such-store\]/,
      ],
      [{ seriesFilter: { categories: ['dairy'], departments: ['household'] } }, /selects no series/],
      [{ seriesFilter: { skus: [] } }, /seriesFilter.skus is an empty list/],
      [{ family: 'mlp' }, /family "mlp" is not supported.*supported: gbdt, seasonal-naive, moving-average/],
      [{ hyperParameters: { numTree: 10 } }, /unknown key "numTree" for family gbdt; known: .*numTrees/],
      [{ hyperParameters: { learningRate: 0 } }, /hyperParameters.learningRate/],
      [
        { family: 'seasonal-naive', hyperParameters: { seasonLength: 5 } },
        /seasonLength 5 is not a lag.*available: 1, 7, 14, 28, 364/,
      ],
      [{ featureSetVersion: 'retail@9' }, /featureSetVersion "retail@9" is not the feature set the store serves/],
      [{ horizon: 21 }, /horizon 21 exceeds the online store's horizon 14/],
      [{ trainingWindow: { from: '2024-01-01', to: '2031-01-01' } }, /after the latest data in the store/],
      [{ backtest: { windows: 52, step: 28 } }, /backtest windows span/],
    ];
    for (const [overrides, message] of cases) {
      const ctx = recordingContext(f);
      const error = await runTrainingPipeline(trainSpec(f, overrides), ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidSpecError);
      expect((error as Error).message).toMatch(message);
      // Refused before any training.
      expect(ctx.progressEvents.some(([s]) => s === 'train')).toBe(false);
    }
  });

  it('stops reading a dataset past the row limit with a readable InvalidSpecError', async () => {
    const ctx = recordingContext(f, { maxDatasetRows: 100 });
    const error = await runTrainingPipeline(trainSpec(f), ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSpecError);
    expect((error as Error).message).toMatch(/the dataset passed 100 rows .*raise TRAINER_MAX_DATASET_ROWS/);
    expect(ctx.progressEvents.some(([s]) => s === 'train')).toBe(false);
    // The same run within the limit trains.
    const fits = await runTrainingPipeline(trainSpec(f), recordingContext(f, { maxDatasetRows: 1_000_000 }));
    expect(fits.rows).toBeGreaterThan(100);
  });

  it('trains on the series a filter selects, and serves a moving average as a third family', async () => {
    const { rows } = await f.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM series s
       WHERE s.sku IN (SELECT sku FROM retail_events WHERE type = 'shelfcast.product.upserted.v1' AND data->>'department' = 'grocery')`,
    );
    const grocery = rows[0].n;
    expect(grocery).toBeGreaterThan(0);
    expect(grocery).toBeLessThan(20);
    const spec = trainSpec(f, { family: 'moving-average', seriesFilter: { departments: ['grocery'] } });
    const result = await runTrainingPipeline(spec, recordingContext(f));
    const parsed = RegisterVersionRequest.safeParse({ ...result.registration, runId: 'r', createdBy: 'test' });
    expect(parsed.success).toBe(true);
    expect(result.series).toBe(grocery);
    expect(result.registration.metrics.windows.series).toBe(grocery);
    expect(result.registration.hyperParameters).toMatchObject({ window: 7 });
    expect(result.parity.maxRelDiff).toBe(0);

    // A backtest of the same spec on the same windows gives the same key and figures, also after a
    // new series and a new day arrived (the series set is the series with data in the windows).
    const again = await runBacktestOnly(spec, recordingContext(f));
    expect(again.windows).toEqual(result.registration.metrics.windows);
    expect(again.model).toEqual(result.registration.metrics.model);
    const all = { ...spec, seriesFilter: {} };
    const before = await runBacktestOnly(all, recordingContext(f));
    expect(before.windows.series).toBe(20);
    const watermark = (await readWatermark(f.pool)) as string;
    const sale: RetailEvent = {
      id: 'late-series-1',
      type: 'shelfcast.sale.recorded.v1',
      source: 'test',
      time: new Date(Date.parse(`${watermark}T12:00:00Z`) + 86_400_000).toISOString(),
      data: { storeId: 'new-store', sku: 'new-sku', quantity: 3, unitPrice: '1.00', currency: 'USD' },
    };
    await writeEvents(f.pool, [{ event: sale, arrivedAt: Date.now() }]);
    const after = await runBacktestOnly(
      { ...all, windows: { cutoffs: before.windows.cutoffs, horizon: before.windows.horizon } },
      recordingContext(f),
    );
    expect(after.windows).toEqual(before.windows);
    expect(after.model).toEqual(before.model);
    expect(after.seasonalNaive).toEqual(before.seasonalNaive);
  });
});
