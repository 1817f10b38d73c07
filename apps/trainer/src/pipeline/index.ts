/**
 * One training run (and a backtest without a new version) as async functions over the feature
 * store: the contract between the pipeline and the trainer's worker.
 */
export { runBacktestOnly, type BacktestArtifact, type BacktestOnlySpec } from './backtest-only';
export { InvalidSpecError, ParityCheckFailed, PipelineCancelled } from './errors';
export { knownHyperParameters, SUPPORTED_FAMILIES, type Family } from './hyper-parameters';
export { runTrainingPipeline } from './pipeline';
export { applyPostprocess, readPostprocess, type Postprocess } from './signature';
export {
  PIPELINE_STAGES,
  type ParitySummary,
  type PipelineContext,
  type PipelineResult,
  type PipelineStage,
  type Registration,
  type SeriesForecastOut,
  type TrainedModel,
} from './types';
