/**
 * A backtest without a new version (the `backtest` job): the spec's family refitted per window, or
 * a registered version's ONNX artifact scored as it is, on the spec's windows or on explicit ones
 * (another version's `metrics.windows`, so that the registry's gate can compare both on the same
 * window set: same cutoffs, horizon and series give the same `windows.key`).
 */
import type { BacktestMetrics, ModelSignature } from '@shelfcast/contracts';
import type { JobData } from '@shelfcast/queue';

import { backtestAgainstNaive, backtestSeries, onnxForecaster, refitForecaster } from './backtest';
import { StageRunner } from './control';
import { InvalidSpecError } from './errors';
import { prepareRun } from './pipeline';
import { readPostprocess } from './signature';
import type { PipelineContext } from './types';

export type BacktestOnlySpec = JobData<'backtest'> & {
  /** Explicit windows: the last known day of each (`metrics.windows.cutoffs` of a version) and their horizon. */
  windows?: { cutoffs: readonly string[]; horizon: number };
};

/** A registered version to score without refitting. */
export interface BacktestArtifact {
  bytes: Uint8Array;
  signature: ModelSignature;
}

function checkArtifact(a: BacktestArtifact, spec: BacktestOnlySpec, ctx: PipelineContext): void {
  const fs = ctx.settings.featureSet;
  const s = a.signature;
  if (s.featureSet !== fs.fingerprint)
    throw new InvalidSpecError(`the model reads feature set ${s.featureSet}; the store serves ${fs.fingerprint}`);
  if (s.features.length !== fs.names.length || s.features.some((n, i) => n !== fs.names[i]))
    throw new InvalidSpecError("the model's feature columns differ from the feature set's");
  const horizon = spec.windows?.horizon ?? spec.horizon;
  if (horizon > s.horizon)
    throw new InvalidSpecError(`windows of horizon ${horizon} exceed the model's horizon ${s.horizon}`);
  const pp = readPostprocess(s);
  const missing = spec.quantiles.filter((q) => !pp.levels.some((l) => Math.abs(l - q) < 1e-12));
  if (missing.length > 0)
    throw new InvalidSpecError(`quantiles ${missing.join(', ')} are not among the model's (${pp.levels.join(', ')})`);
}

/**
 * Backtests on the spec's (or the explicit) windows; stages 'dataset' then 'backtest'. With an
 * artifact, its model is scored at each window's anchor as it is (it may have seen those periods
 * in training); without, the spec's family is refitted on the rows before each window.
 */
export async function runBacktestOnly(
  spec: BacktestOnlySpec,
  ctx: PipelineContext,
  artifact?: BacktestArtifact,
): Promise<BacktestMetrics> {
  if (artifact) checkArtifact(artifact, spec, ctx);
  const stages = new StageRunner(ctx);
  const run = await prepareRun(spec, ctx, stages, artifact ? 'scoring-backtest' : 'refit-backtest', {
    windows: spec.windows,
  });
  const { plan, rows } = run;
  const metrics = await stages.run('backtest', async (progress) => {
    const control = { signal: ctx.signal, progress };
    const model = artifact
      ? onnxForecaster(
          rows,
          artifact.bytes,
          { inputName: artifact.signature.inputs[0].name, outputName: artifact.signature.outputs[0].name },
          readPostprocess(artifact.signature),
          control,
          plan.windowStarts.length,
        )
      : refitForecaster(plan, rows, control);
    return backtestAgainstNaive(plan, backtestSeries(run.actuals), model, run.keys, control);
  });
  ctx.log('pipeline backtest done', {
    windowsKey: metrics.windows.key,
    model: metrics.model,
    seasonalNaive: metrics.seasonalNaive,
  });
  return metrics;
}
