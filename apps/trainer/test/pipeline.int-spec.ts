import { createHash } from 'node:crypto';

import { RegisterVersionRequest } from '@shelfcast/contracts';
import { runOnnxModel } from '@shelfcast/ml';

import {
  applyPostprocess,
  PIPELINE_STAGES,
  readPostprocess,
  runBacktestOnly,
  runTrainingPipeline,
  type PipelineResult,
} from '../src/pipeline';
import { createPipelineFixture, recordingContext, trainSpec, type PipelineFixture } from './pipeline-fixture';

/** Largest |a - b| / max(|b|, floor) (NaN counts as Infinity). */
function maxRelDiff(a: readonly number[], b: readonly number[], floor = 1e-9): number {
  let worst = 0;
  a.forEach((x, i) => {
    const d = Math.abs(x - b[i]) / Math.max(Math.abs(b[i]), floor);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  });
  return worst;
}

/** Runs the registered ONNX bytes on the online store's vectors as inference would, against the in-memory model. */
async function onlineParity(
  f: PipelineFixture,
  result: PipelineResult,
): Promise<{ series: number; point: number; quantile: number }> {
  const reg = result.registration;
  const sig = reg.signature;
  const bytes = Buffer.from(reg.artifact.base64, 'base64');
  const { rows } = await f.pool.query<{ store_id: string; sku: string }>(
    `SELECT store_id, sku FROM series ORDER BY store_id, sku LIMIT 10`,
  );
  const vectors = await f.store.readMany(rows.map((r) => ({ storeId: r.store_id, sku: r.sku })));
  const H = sig.horizon;
  const F = sig.features.length;
  let point = 0;
  let quantile = 0;
  for (const v of vectors) {
    if (!v) throw new Error('a series has no online vector');
    expect(v.asOf).toBe(reg.dataset.cutoff);
    expect(v.numFeatures).toBe(F);
    const input = v.values.slice(0, H * F);
    const out = await runOnnxModel(bytes, input, [H, F], {
      inputName: sig.inputs[0].name,
      outputName: sig.outputs[0].name,
    });
    const served = applyPostprocess(readPostprocess(sig), out.data, 0, H, v.scale);
    const inMemory = result.model.forecast(v.values, v.scale);
    // Points: the float32 output's rounding only. Quantiles add a residual to it, which may bring
    // them near 0: measured against the series scale there.
    point = Math.max(point, maxRelDiff(served.point, inMemory.point));
    served.quantiles.forEach((q, i) => (quantile = Math.max(quantile, maxRelDiff(q, inMemory.quantiles[i], v.scale))));
    expect(inMemory.point.every(Number.isFinite)).toBe(true);
  }
  return { series: vectors.length, point, quantile };
}

function expectValidRegistration(result: PipelineResult): void {
  const parsed = RegisterVersionRequest.safeParse({ ...result.registration, runId: 'run-1', createdBy: 'test' });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues, null, 2));
  const bytes = Buffer.from(result.registration.artifact.base64, 'base64');
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.registration.artifact.sha256);
}

describe('training pipeline on the feature store (PostgreSQL + Redis)', () => {
  let f: PipelineFixture;
  let gbdt: PipelineResult;
  let knownAt: Date;

  beforeAll(async () => {
    f = await createPipelineFixture('pipeline');
  });

  afterAll(async () => {
    await f?.close();
  });

  it('trains a GBDT: a valid registration, ONNX equal to the in-memory model on the online vectors, better than seasonal naive', async () => {
    knownAt = new Date();
    const ctx = recordingContext(f, { knownAt });
    gbdt = await runTrainingPipeline(trainSpec(f, { hyperParameters: { numTrees: 150 } }), ctx);
    expectValidRegistration(gbdt);
    const reg = gbdt.registration;

    // Every stage reported its start and end, in order.
    const starts = ctx.progressEvents.filter(([, p]) => p === 0).map(([s]) => s);
    const ends = ctx.progressEvents.filter(([, p]) => p === 1).map(([s]) => s);
    expect(starts).toEqual([...PIPELINE_STAGES]);
    expect(ends).toEqual([...PIPELINE_STAGES]);

    expect(reg.family).toBe('gbdt');
    expect(reg.signature.featureSet).toBe(f.settings.featureSet.fingerprint);
    expect(reg.signature.features).toEqual([...f.store.featureSet.names]);
    expect(reg.signature.target.transform).toBe('scaled');
    expect(reg.hyperParameters).toMatchObject({ numTrees: 150, learningRate: 0.08, trainAnchors: 14, anchorStride: 1 });
    expect(reg.dataset).toMatchObject({ knownAt: knownAt.toISOString(), series: 50, from: null });
    expect(reg.dataset.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(reg.metrics.windows).toMatchObject({ horizon: 7, series: 50 });
    expect(reg.metrics.windows.cutoffs).toHaveLength(2);
    expect(reg.metrics.perWindow).toHaveLength(2);
    expect(gbdt.parity.maxRelDiff).toBeLessThanOrEqual(1e-4);

    const online = await onlineParity(f, gbdt);
    expect(online.series).toBe(10);
    expect(online.point).toBeLessThanOrEqual(1e-6);
    expect(online.quantile).toBeLessThanOrEqual(1e-6);

    const { model, seasonalNaive } = reg.metrics;
    console.log(
      `pipeline gbdt: ${gbdt.rows} rows, ${gbdt.series} series; WAPE ${model.wape.toFixed(4)} vs seasonal naive ${seasonalNaive.wape.toFixed(4)}; ` +
        `MASE ${model.mase.toFixed(3)} vs ${seasonalNaive.mase.toFixed(3)}; coverage ${model.coverage?.toFixed(3)} (nominal ${model.coverage_nominal}); ` +
        `parity ${gbdt.parity.maxRelDiff.toExponential(2)}, online point ${online.point.toExponential(2)}, quantiles ${online.quantile.toExponential(2)}; stage ms ${JSON.stringify(gbdt.stageMs)}`,
    );
    expect(model.wape).toBeLessThan(seasonalNaive.wape);
    for (const k of ['wape', 'mae', 'rmse', 'smape', 'mase', 'rmsse', 'pinball', 'coverage', 'bias'])
      expect(Number.isFinite(model[k])).toBe(true);
  });

  it('trains seasonal naive on the same data: same dataset hash and windows, served the same way', async () => {
    const ctx = recordingContext(f, { knownAt });
    const naive = await runTrainingPipeline(trainSpec(f, { family: 'seasonal-naive' }), ctx);
    expectValidRegistration(naive);
    const reg = naive.registration;
    expect(reg.hyperParameters).toMatchObject({ seasonLength: 7 });
    // Same rows read at the same arrival bound: same content hash, whatever the family.
    expect(reg.dataset.contentHash).toBe(gbdt.registration.dataset.contentHash);
    expect(reg.dataset.rows).toBe(gbdt.registration.dataset.rows);
    // Same windows and series: the same key, and the reference scores the same.
    expect(reg.metrics.windows).toEqual(gbdt.registration.metrics.windows);
    expect(reg.metrics.seasonalNaive).toEqual(gbdt.registration.metrics.seasonalNaive);
    // The family is seasonal naive read from the feature vectors: it scores as the reference does.
    expect(reg.metrics.model.wape).toBeCloseTo(reg.metrics.seasonalNaive.wape, 2);
    expect(naive.parity.maxRelDiff).toBe(0);
    const online = await onlineParity(f, naive);
    expect(online.point).toBeLessThanOrEqual(1e-6);
    expect(online.quantile).toBeLessThanOrEqual(1e-6);
  });

  it('backtests the registered ONNX artifact on the candidate windows: same key, same reference', async () => {
    const reg = gbdt.registration;
    const ctx = recordingContext(f, { knownAt });
    const metrics = await runBacktestOnly(
      { ...trainSpec(f), windows: { cutoffs: reg.metrics.windows.cutoffs, horizon: reg.metrics.windows.horizon } },
      ctx,
      { bytes: Buffer.from(reg.artifact.base64, 'base64'), signature: reg.signature },
    );
    expect(metrics.windows).toEqual(reg.metrics.windows);
    expect(metrics.seasonalNaive).toEqual(reg.metrics.seasonalNaive);
    expect(Number.isFinite(metrics.model.wape)).toBe(true);
    // The refit backtest is deterministic: rerun without the artifact, it reproduces the registered figures.
    const refit = await runBacktestOnly(
      {
        ...trainSpec(f, { hyperParameters: { numTrees: 150 } }),
        windows: { cutoffs: reg.metrics.windows.cutoffs, horizon: 7 },
      },
      recordingContext(f, { knownAt }),
    );
    expect(refit.model).toEqual(reg.metrics.model);
  });
});
