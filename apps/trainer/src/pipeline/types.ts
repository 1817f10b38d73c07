import type { RegisterVersionRequest } from '@shelfcast/contracts';
import type { FeatureStoreSettings } from '@shelfcast/feature-store';
import type { Pool } from 'pg';

import type { Family } from './hyper-parameters';

export const PIPELINE_STAGES = ['dataset', 'train', 'backtest', 'export', 'parity'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export interface PipelineContext {
  /** The feature store's PostgreSQL (same database and schema as the features service). */
  pool: Pool;
  /** `featureStoreSettings(env)` of @shelfcast/feature-store: the feature set, measure and online horizon served. */
  settings: FeatureStoreSettings;
  /** Cancellation: the run throws PipelineCancelled between stages and inside long loops once it fires. */
  signal: AbortSignal;
  /** Progress within a stage, fraction 0..1 (0 when the stage starts, 1 when it ends). */
  progress(stage: PipelineStage, fraction: number): void;
  log(message: string, fields?: Record<string, unknown>): void;
  /** Git commit or package version recorded with the model. */
  codeVersion: string;
  /**
   * Arrival bound of the dataset: only events that arrived by then count. Default: when the run
   * starts. Pass the first attempt's instant on a retry to rebuild the same dataset (same content
   * hash); 'latest' takes every event that has arrived (recorded as 'latest').
   */
  knownAt?: Date | 'latest';
  /** Largest relative difference accepted between the ONNX model and the in-memory model. Default 1e-4. */
  parityTolerance?: number;
  /** Rows the dataset may hold; a run past it fails with InvalidSpecError. Default: no limit. */
  maxDatasetRows?: number;
}

/** A registration body for RegistryClient.registerVersion, less what the worker adds (runId, createdBy). */
export type Registration = Omit<RegisterVersionRequest, 'runId' | 'createdBy'>;

/** Point and quantile forecasts of one series, in the measure's units; quantiles[level][h - 1]. */
export interface SeriesForecastOut {
  point: number[];
  quantiles: number[][];
}

/** The model a run trained, in memory (for checks against its ONNX artifact; not serialisable). */
export interface TrainedModel {
  family: Family;
  numFeatures: number;
  /** Feature-space predictions (value / series scale) of row-major float32 rows: what the ONNX output holds. */
  predictScaled(rows: Float32Array, numRows: number): Float64Array;
  /**
   * Forecasts of one series from its rows of horizons 1..H (the first H rows of its online vector)
   * and its scale (the vector's header): the same post-processing the signature describes.
   */
  forecast(rows: Float32Array, scale: number): SeriesForecastOut;
}

export interface ParitySummary {
  maxRelDiff: number;
  maxAbsDiff: number;
  rows: number;
  tolerance: number;
}

export interface PipelineResult {
  registration: Registration;
  stageMs: Record<PipelineStage, number>;
  /** Rows of the dataset (series x anchors x horizons kept) and the series they cover. */
  rows: number;
  series: number;
  model: TrainedModel;
  parity: ParitySummary;
}
