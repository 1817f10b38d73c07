import { Inject, Injectable } from '@nestjs/common';
import { PRODUCTION_ALIAS, type BacktestMetrics } from '@shelfcast/contracts';
import { abortablePool } from '@shelfcast/db';
import type { FeatureStoreSettings } from '@shelfcast/feature-store';
import type { BacktestJobData, TrainJobData, TuneTrialJobData } from '@shelfcast/queue';
import type { RegistryClient } from '@shelfcast/registry-client';
import type { Pool } from 'pg';

import { runBacktestOnly, runTrainingPipeline, type PipelineContext, type PipelineResult } from '../pipeline';
import { RunsRepository, type RunOutcome } from '../runs/runs.repository';
import type { TrainerConfig } from '../config';
import { CODE_VERSION, FEATURE_POOL, FEATURE_SETTINGS, REGISTRY_CLIENT, TRAINER_CONFIG } from '../tokens';
import { PermanentRunError } from './errors';
import type { RunScope } from './run-scope';

/** What a handler is given for one attempt of one run. */
export interface Attempt {
  runId: string;
  scope: RunScope;
  /** When the run first started: the dataset's knowledge bound, the same on every attempt. */
  startedAt: Date;
}

/**
 * The runs that train or score one model: `train` (pipeline, then registration under the run id),
 * `tune-trial` (pipeline, then the model kept as a candidate for its parent) and `backtest`
 * (a registered version scored on windows, appended to its evaluations).
 */
@Injectable()
export class TrainHandler {
  constructor(
    private readonly runs: RunsRepository,
    @Inject(FEATURE_POOL) private readonly pool: Pool,
    @Inject(FEATURE_SETTINGS) private readonly settings: FeatureStoreSettings,
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(CODE_VERSION) private readonly codeVersion: string,
    @Inject(TRAINER_CONFIG) private readonly config: TrainerConfig,
  ) {}

  pipelineContext(attempt: Attempt): PipelineContext {
    const { scope } = attempt;
    return {
      // A cancel or a timeout also ends the run's statements in PostgreSQL (a long aggregate, a lock wait).
      pool: abortablePool(this.pool, scope.signal),
      settings: this.settings,
      signal: scope.signal,
      progress: (stage, fraction) => scope.progress(stage, fraction),
      log: (message, fields) => scope.log(message, fields),
      codeVersion: this.codeVersion,
      knownAt: attempt.startedAt,
      maxDatasetRows: this.config.TRAINER_MAX_DATASET_ROWS,
    };
  }

  async train(data: TrainJobData, attempt: Attempt): Promise<RunOutcome> {
    const { runId, scope } = attempt;
    const result = await runTrainingPipeline({ ...data, runId }, this.pipelineContext(attempt));
    scope.signal.throwIfAborted();
    scope.progress('register', 0);
    const registered = await this.registry.registerVersion(data.modelName, {
      ...result.registration,
      runId,
      createdBy: data.requestedBy,
    });
    scope.progress('register', 1);
    scope.log(
      registered.created
        ? `registered ${data.modelName} version ${registered.version.version}`
        : `${data.modelName} version ${registered.version.version} was already registered by this run`,
      { version: registered.version.version, sha256: registered.version.artifact.sha256 },
    );
    return {
      status: 'succeeded',
      modelVersion: registered.version.version,
      metrics: result.registration.metrics,
      result: { ...summary(result), registered: { created: registered.created } },
      stageMs: { ...scope.timings(), ...result.stageMs },
    };
  }

  /** A tune trial: trains and backtests like `train`, keeps the model for its parent, registers nothing. */
  async trial(data: TuneTrialJobData, attempt: Attempt): Promise<RunOutcome> {
    const { runId, scope } = attempt;
    const { trial: _trial, ...spec } = data;
    const result = await runTrainingPipeline({ ...spec, runId }, this.pipelineContext(attempt));
    scope.signal.throwIfAborted();
    scope.progress('register', 0);
    const { base64, ...artifact } = result.registration.artifact;
    await this.runs.saveCandidate(runId, { ...result.registration, artifact }, Buffer.from(base64, 'base64'));
    scope.progress('register', 1);
    scope.log(`trial ${data.trial} kept as a candidate`, { metrics: result.registration.metrics.model });
    return {
      status: 'succeeded',
      metrics: result.registration.metrics,
      result: { ...summary(result), trial: data.trial, hyperParameters: result.registration.hyperParameters },
      stageMs: { ...scope.timings(), ...result.stageMs },
    };
  }

  /** Scores a registered version on the spec's windows (or another version's) and appends the evaluation. */
  async backtest(data: BacktestJobData, attempt: Attempt): Promise<RunOutcome> {
    const { runId, scope } = attempt;
    scope.progress('resolve', 0);
    const version =
      data.modelVersion !== undefined
        ? await this.registry.getVersion(data.modelName, data.modelVersion)
        : await this.registry.getAlias(data.modelName, data.alias ?? PRODUCTION_ALIAS);
    let windows = data.windows;
    if (data.windowsOfVersion !== undefined) {
      const other = await this.registry.getVersion(data.modelName, data.windowsOfVersion);
      windows = { cutoffs: other.metrics.windows.cutoffs, horizon: other.metrics.windows.horizon };
    }
    const { bytes } = await this.registry.getArtifact(data.modelName, version.version);
    scope.progress('resolve', 1);
    scope.log(`scoring ${data.modelName} version ${version.version}`, {
      version: version.version,
      windows: windows ?? 'the spec’s',
    });
    if (windows && windows.horizon > version.signature.horizon)
      throw new PermanentRunError(
        `windows of horizon ${windows.horizon} exceed the horizon ${version.signature.horizon} of ${data.modelName} version ${version.version}`,
      );
    const metrics: BacktestMetrics = await runBacktestOnly(
      { ...data, runId, ...(windows ? { windows } : {}) },
      this.pipelineContext(attempt),
      { bytes, signature: version.signature },
    );
    scope.signal.throwIfAborted();
    scope.progress('register', 0);
    await this.registry.addEvaluation(data.modelName, version.version, { ...metrics, runId });
    scope.progress('register', 1);
    return {
      status: 'succeeded',
      modelVersion: version.version,
      metrics,
      result: { evaluated: { modelName: data.modelName, version: version.version, windowsKey: metrics.windows.key } },
      stageMs: scope.timings(),
    };
  }
}

function summary(result: PipelineResult) {
  return { series: result.series, rows: result.rows, parity: result.parity, dataset: result.registration.dataset };
}
