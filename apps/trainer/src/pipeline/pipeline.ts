/**
 * One training run as an async function: point-in-time dataset from the feature store, fit,
 * rolling-origin backtest against seasonal naive, ONNX export, parity check in onnxruntime-node,
 * and the registration body describing all of it. No queue, no HTTP: the trainer's worker wraps it.
 */
import { createHash } from 'node:crypto';

import { asOfDate, readWatermark, type SeriesRef } from '@shelfcast/feature-store';
import { checkOnnxParity, PARITY_TOLERANCE } from '@shelfcast/ml';
import type { JobData } from '@shelfcast/queue';

import { backtestAgainstNaive, backtestSeries, refitForecaster } from './backtest';
import { StageRunner, throwIfCancelled } from './control';
import { loadDataset, type RowStore, type SeriesActuals } from './dataset';
import { InvalidSpecError, ParityCheckFailed } from './errors';
import { recordedHyperParameters } from './hyper-parameters';
import { fitFamily, type CalibratedFit } from './models';
import { planAnchors, planRun, type DatasetMode, type PlanOptions, type RunPlan } from './plan';
import {
  describeFilter,
  isUnrestricted,
  loadSeriesCatalog,
  selectSeries,
  type SeriesFilter,
  type SeriesInfo,
} from './series-filter';
import { applyPostprocess, buildSignature, POSTPROCESS_METHOD, type Postprocess } from './signature';
import type { PipelineContext, PipelineResult, TrainedModel } from './types';

export interface PreparedRun {
  plan: RunPlan;
  knownAt: Date | null;
  selected: SeriesInfo[];
  /** Keys of the selected series, sorted. */
  keys: string[];
  /** The selected series when the filter restricts; undefined: every series. */
  only: SeriesRef[] | undefined;
  rows: RowStore;
  contentHash: string;
  /** Actuals of the selected series through the last target period (labels and backtest actuals). */
  actuals: Map<string, SeriesActuals>;
}

/** Plans the run, resolves the series filter and reads the dataset (stage 'dataset'). */
export async function prepareRun(
  spec: JobData<'train'>,
  ctx: PipelineContext,
  stages: StageRunner,
  mode: DatasetMode,
  options: PlanOptions = {},
): Promise<PreparedRun> {
  throwIfCancelled(ctx.signal, 'dataset');
  const knownAt = ctx.knownAt === 'latest' ? null : (ctx.knownAt ?? new Date());
  return stages.run('dataset', async (progress) => {
    const watermark = await readWatermark(ctx.pool);
    const plan = planRun(spec, ctx.settings, watermark, options);
    const anchors = planAnchors(plan, mode);
    // The series set (part of the windows key) is the series with data by the last period read, so
    // a later backtest on the same windows finds the same set even after new series appeared.
    const lastDay = asOfDate(plan.featureSet, anchors.lastTarget);
    const filter: SeriesFilter = spec.seriesFilter;
    const catalog = await loadSeriesCatalog(ctx.pool, lastDay, knownAt);
    const selected = selectSeries(catalog, filter);
    if (selected.length === 0)
      throw new InvalidSpecError(
        `seriesFilter selects no series (${describeFilter(filter)}; the store has ${catalog.length} series with data by ${lastDay})`,
      );
    const only = isUnrestricted(filter) ? undefined : selected.map(({ storeId, sku }) => ({ storeId, sku }));
    ctx.log('pipeline dataset planned', {
      family: plan.family,
      series: selected.length,
      anchors: anchors.all.length,
      cutoff: plan.cutoffDate,
      windows: plan.windowCutoffs,
      knownAt: knownAt?.toISOString() ?? 'latest',
    });
    const keys = selected.map((s) => `${s.storeId}|${s.sku}`).sort();
    const { rows, contentHash, actuals, source } = await loadDataset({
      pool: ctx.pool,
      plan,
      anchors,
      series: only,
      selected: new Set(keys),
      knownAt,
      signal: ctx.signal,
      progress,
      maxRows: ctx.maxDatasetRows,
    });
    ctx.log('pipeline dataset read', { rows: rows.count, series: rows.numSeries, contentHash, source });
    return { plan, knownAt, selected, keys, only, rows, contentHash, actuals };
  });
}

function trainedModel(fit: CalibratedFit, pp: Postprocess, horizon: number): TrainedModel {
  const m = fit.model;
  const predictScaled = (rows: Float32Array, numRows: number): Float64Array =>
    m.predictScaled({ data: rows, numRows, numFeatures: m.numFeatures, layout: 'row-major' });
  return {
    family: m.family,
    numFeatures: m.numFeatures,
    predictScaled,
    forecast: (rows, scale) =>
      applyPostprocess(pp, predictScaled(rows.subarray(0, horizon * m.numFeatures), horizon), 0, horizon, scale),
  };
}

/** Runs one training run; see PipelineContext for cancellation, progress and the arrival bound. */
export async function runTrainingPipeline(spec: JobData<'train'>, ctx: PipelineContext): Promise<PipelineResult> {
  const stages = new StageRunner(ctx);
  const run = await prepareRun(spec, ctx, stages, 'train');
  const { plan, rows } = run;

  const fit = await stages.run('train', (progress) =>
    fitFamily(plan, rows, plan.lastPeriod + 1, { signal: ctx.signal, stage: 'train', progress }),
  );
  ctx.log('pipeline model fitted', {
    ...fit.model.info,
    trainRows: fit.trainRows,
    calibrationRows: fit.calibrationRows,
  });

  const metrics = await stages.run('backtest', async (progress) => {
    const control = { signal: ctx.signal, progress };
    return backtestAgainstNaive(
      plan,
      backtestSeries(run.actuals),
      refitForecaster(plan, rows, control),
      run.keys,
      control,
    );
  });
  ctx.log('pipeline backtest done', {
    windowsKey: metrics.windows.key,
    model: metrics.model,
    seasonalNaive: metrics.seasonalNaive,
  });

  const signature = buildSignature(plan, ctx.settings, fit.residualQuantiles);
  const bytes = await stages.run('export', async () =>
    fit.model.exportOnnx({
      'shelfcast.family': plan.family,
      'shelfcast.feature_set': plan.featureSet.fingerprint,
      'shelfcast.target': 'scaled',
      'shelfcast.horizon': String(plan.horizon),
      'shelfcast.dataset_hash': run.contentHash,
    }),
  );

  const tolerance = ctx.parityTolerance ?? PARITY_TOLERANCE;
  const parity = await stages.run('parity', async (progress) => {
    // Held out: the latest rows (their targets are in the future, so no fit saw them).
    let heldOut = rows.rowsAt(plan.lastPeriod);
    if (heldOut.length === 0) heldOut = rows.rowsAt(plan.windowStarts[plan.windowStarts.length - 1] - 1);
    const m = rows.matrix(heldOut);
    const report = await checkOnnxParity(bytes, m, fit.model.predictScaled(m));
    progress(0.9);
    if (!(report.maxRelDiff <= tolerance)) throw new ParityCheckFailed(report.maxRelDiff, tolerance, report.worstRow);
    return { maxRelDiff: report.maxRelDiff, maxAbsDiff: report.maxAbsDiff, rows: report.numRows, tolerance };
  });
  ctx.log('pipeline parity checked', { ...parity });

  const pp: Postprocess = { method: POSTPROCESS_METHOD, levels: plan.levels, residualQuantiles: fit.residualQuantiles };
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    registration: {
      artifact: {
        format: 'onnx',
        base64: buffer.toString('base64'),
        sha256: createHash('sha256').update(buffer).digest('hex'),
      },
      family: plan.family,
      signature,
      hyperParameters: recordedHyperParameters(plan.hyper),
      metrics,
      dataset: {
        from: plan.fromDate,
        to: plan.toDate,
        cutoff: plan.cutoffDate,
        knownAt: run.knownAt ? run.knownAt.toISOString() : 'latest',
        rows: rows.count,
        series: rows.numSeries,
        contentHash: run.contentHash,
      },
      codeVersion: ctx.codeVersion,
      tags: { family: plan.family, featureSet: plan.featureSet.fingerprint, measure: plan.measure },
      description:
        `${plan.family} over ${rows.numSeries} series (${describeFilter(spec.seriesFilter)}), data to ${plan.cutoffDate}, horizon ${plan.horizon}`.slice(
          0,
          4000,
        ),
    },
    stageMs: stages.ms,
    rows: rows.count,
    series: rows.numSeries,
    model: trainedModel(fit, pp, plan.horizon),
    parity,
  };
}
