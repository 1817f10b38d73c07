import { Inject, Injectable } from '@nestjs/common';
import type { AlertRaised, CreateRunRequest, RequestKind, TrainingRun as TrainingRunView } from '@shelfcast/contracts';
import { ApiError, LOGGER, type Logger } from '@shelfcast/observability';
import type { JobInput, JobName } from '@shelfcast/queue';
import type { Job } from 'bullmq';

import type { TrainerConfig } from '../config';
import { TrainingQueue } from '../queue/training-queue';
import type { TrainerMetrics } from '../trainer.metrics';
import { TRAINER_CONFIG, TRAINER_METRICS } from '../tokens';
import { CancelBus } from './cancel-bus';
import { newRunId } from './run-ids';
import { RunsRepository, toView, type Trigger } from './runs.repository';

/** Longest a request waits for Redis to take a job before answering 503. */
const QUEUE_TIMEOUT_MS = 5000;

export type AlertOutcome = 'enqueued' | 'deduplicated' | 'no-model' | 'no-previous-run' | 'ignored';

/** Starting and cancelling runs: the API's and the alert consumer's side of the queue. */
@Injectable()
export class RunsService {
  constructor(
    private readonly runs: RunsRepository,
    private readonly queue: TrainingQueue,
    private readonly cancelBus: CancelBus,
    @Inject(TRAINER_CONFIG) private readonly config: TrainerConfig,
    @Inject(TRAINER_METRICS) private readonly metrics: TrainerMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Queues a validated run; resolves once Redis holds the job and the runs table the run. */
  async start(request: CreateRunRequest): Promise<TrainingRunView> {
    const runId = newRunId();
    await this.enqueue(request.kind, request.spec, runId, 'api');
    return toView(await this.runs.get(runId));
  }

  /**
   * Cancels a run and its open children: queued ones at once, running ones through their worker's
   * AbortSignal (they end as cancelled at their next check). Finished runs cannot be cancelled (409).
   */
  async cancel(id: string, actor: string, reason?: string): Promise<TrainingRunView> {
    const run = await this.runs.get(id);
    if (run.status === 'succeeded' || run.status === 'failed')
      throw new ApiError(409, 'run_finished', `run ${id} has ${run.status} already and cannot be cancelled`);
    if (run.status === 'cancelled') return toView(run);
    const message = `cancelled by ${actor}${reason ? `: ${reason}` : ''}`;
    const ids = [id, ...(await this.runs.openChildren(id))];
    const { cancelled, flagged } = await this.runs.requestCancel(ids, message);
    await this.runs.appendLogs(id, [
      {
        at: new Date(),
        level: 'warn',
        message: `cancel requested by ${actor}`,
        fields: reason ? { reason } : undefined,
      },
    ]);
    if (flagged.length) await this.cancelBus.publish(flagged);
    this.logger.info({ runId: id, actor, reason, cancelled, flagged }, 'cancel requested');
    return toView(await this.runs.get(id));
  }

  /**
   * An accuracy or drift alert: retrains the model with the spec of its latest successful run
   * (a tune's best trial as a plain train). At most one such retraining is pending per model
   * (BullMQ deduplication, held until the job finishes).
   */
  async retrainFromAlert(alert: AlertRaised): Promise<{ outcome: AlertOutcome; runId?: string }> {
    const { kind, modelName } = alert.data;
    if (kind !== 'accuracy-degraded' && kind !== 'data-drift') return { outcome: 'ignored' };
    if (!modelName) return { outcome: 'no-model' };
    const last = await this.runs.lastSucceeded(modelName);
    if (!last) {
      this.logger.warn(
        { modelName, alert: alert.id },
        'alert for a model this trainer never trained; nothing to retrain',
      );
      return { outcome: 'no-previous-run' };
    }
    const spec = retrainSpec(
      last.kind,
      last.spec as Record<string, unknown>,
      last.result as Record<string, unknown> | null,
    );
    const runId = newRunId();
    const job = await this.enqueue(
      'train',
      { ...spec, requestedBy: `alert:${kind}` },
      runId,
      'alert',
      { alertId: alert.id },
      { deduplication: { id: `alert-retrain.${modelName}` } },
    );
    if (job.id !== runId) {
      this.logger.info(
        { modelName, pending: job.id, alert: alert.id },
        'a retraining of this model is pending already',
      );
      return { outcome: 'deduplicated', runId: job.id };
    }
    this.logger.info({ modelName, runId, alert: alert.id, from: last.id }, `alert ${kind}: retraining ${modelName}`);
    return { outcome: 'enqueued', runId };
  }

  private async enqueue(
    kind: RequestKind,
    spec: Record<string, unknown>,
    runId: string,
    trigger: Trigger,
    origin: { alertId?: string } = {},
    options: { deduplication?: { id: string } } = {},
  ): Promise<Job> {
    const data = { ...spec, runId, origin: { trigger, ...origin } } as JobInput<JobName>;
    let timer: NodeJS.Timeout | undefined;
    const job = await Promise.race([
      this.queue.add(kind, data, options),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ApiError(
                503,
                'queue_unavailable',
                'the training queue (Redis) is unavailable; try again later',
                undefined,
                { 'retry-after': '5' },
              ),
            ),
          QUEUE_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (job.id === runId) {
      await this.runs.create([
        {
          id: runId,
          kind,
          modelName: String(spec.modelName),
          spec: { ...(job.data as Record<string, unknown>) },
          trigger,
          requestedBy: String((job.data as { requestedBy?: string }).requestedBy ?? 'system'),
          maxAttempts: job.opts.attempts ?? this.config.TRAINER_ATTEMPTS,
        },
      ]);
      this.metrics.enqueued.inc({ kind, trigger });
    }
    return job;
  }
}

/** A `train` spec from a finished run's recorded payload (run-specific fields dropped). */
export function retrainSpec(
  kind: string,
  recorded: Record<string, unknown>,
  result: Record<string, unknown> | null,
): Record<string, unknown> {
  const {
    runId: _runId,
    origin: _origin,
    trial: _trial,
    search: _search,
    groupBy: _groupBy,
    storeGroups: _storeGroups,
    ...spec
  } = recorded;
  if (kind === 'tune') {
    const best = (result as { best?: { hyperParameters?: Record<string, unknown> } } | null)?.best;
    if (best?.hyperParameters) spec.hyperParameters = best.hyperParameters;
  }
  return spec;
}
