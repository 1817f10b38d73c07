import os from 'node:os';

import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { RequestKind, RunKind } from '@shelfcast/contracts';
import { Lifecycle, LOGGER, type Logger } from '@shelfcast/observability';
import { InvalidJobError, isJobName, parseJob, QUEUES, type JobData, type JobName, type Redis } from '@shelfcast/queue';
import { DelayedError, QueueEvents, UnrecoverableError, WaitingChildrenError, Worker, type Job } from 'bullmq';

import type { TrainerConfig } from '../config';
import type { QueueContextProvider } from '../queue/training-queue';
import { CancelBus } from '../runs/cancel-bus';
import { RunsRepository, type NewRun, type RunOutcome } from '../runs/runs.repository';
import type { TrainerMetrics } from '../trainer.metrics';
import { QUEUE_CONTEXT, TRAINER_CONFIG, TRAINER_METRICS } from '../tokens';
import { classify } from './errors';
import { FlowHandler, WAITING_STAGES, type ParentAttempt } from './flows.handler';
import { BACKTEST_STAGES, RunScope, TRAIN_STAGES, type StageWeights } from './run-scope';
import { TrainHandler, type Attempt } from './train.handler';

const WEIGHTS: Record<JobName, StageWeights> = {
  train: TRAIN_STAGES,
  'tune-trial': TRAIN_STAGES,
  backtest: BACKTEST_STAGES,
  tune: { plan: [0, 2], trials: [2, 95], aggregate: [95, 96], register: [96, 100] },
  'retrain-all': { plan: [0, 2], parts: [2, 95], aggregate: [95, 100] },
};

/** The run kind a job records (its job name). */
const RUN_KIND: Record<JobName, RunKind> = {
  train: 'train',
  backtest: 'backtest',
  tune: 'tune',
  'tune-trial': 'tune-trial',
  'retrain-all': 'retrain-all',
};

/**
 * The training queue's worker: at most TRAINER_CONCURRENCY runs at once in this process. Each run is
 * recorded in the runs table (status, stage, percent, timings, metrics, logs, error, attempts); its
 * AbortSignal fires on a cancellation (Redis channel, and a poll of the table for messages missed),
 * on its timeout, or on shutdown (the run goes back to the queue for another worker). Transient faults
 * are retried with exponential backoff; a bad spec fails at once (UnrecoverableError). A worker that is
 * killed stops renewing its job's lock: after TRAINER_LOCK_MS another worker takes the job over, runs
 * it again under the same run id, and the registry's idempotency by run id registers it once.
 */
@Injectable()
export class TrainingWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private worker: Worker | undefined;
  private events: QueueEvents | undefined;
  private eventsConnection: Redis | undefined;
  private connection: Redis | undefined;
  private poller: NodeJS.Timeout | undefined;
  private readonly active = new Map<string, RunScope>();
  readonly name = `${os.hostname()}:${process.pid}`;

  constructor(
    @Inject(TRAINER_CONFIG) private readonly config: TrainerConfig,
    @Inject(QUEUE_CONTEXT) private readonly context: QueueContextProvider,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TRAINER_METRICS) private readonly metrics: TrainerMetrics,
    private readonly runs: RunsRepository,
    private readonly cancelBus: CancelBus,
    private readonly trainHandler: TrainHandler,
    private readonly flowHandler: FlowHandler,
    private readonly lifecycle: Lifecycle,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.TRAINER_WORKER) return;
    this.connection = this.context.connect();
    this.worker = new Worker(QUEUES.training, (job, token, signal) => this.process(job, token, signal), {
      connection: this.connection,
      prefix: this.context.prefix,
      concurrency: this.config.TRAINER_CONCURRENCY,
      lockDuration: this.config.TRAINER_LOCK_MS,
      stalledInterval: this.config.TRAINER_STALLED_INTERVAL_MS,
      maxStalledCount: this.config.TRAINER_MAX_STALLED,
    });
    this.worker.on('error', (e) => this.logger.warn({ err: e }, 'training worker error'));
    // A job that lost its lock too often is failed by BullMQ's stalled check, not by a processor: record it.
    this.eventsConnection = this.context.connect();
    this.events = new QueueEvents(QUEUES.training, { connection: this.eventsConnection, prefix: this.context.prefix });
    this.events.on('error', (e) => this.logger.debug({ err: e }, 'queue events error'));
    this.events.on('failed', ({ jobId, failedReason }) => {
      if (/more than allowable limit/.test(failedReason)) void this.recordLostJob(jobId, failedReason);
    });
    void this.cancelBus
      .subscribe((runId) => this.cancelLocal(runId))
      .catch((e: unknown) => this.logger.warn({ err: e }, 'cannot subscribe to cancellations; polling only'));
    this.poller = setInterval(() => void this.pollCancellations(), this.config.TRAINER_CANCEL_POLL_MS);
    this.poller.unref();
    this.lifecycle.onDrain(() => this.drain());
    this.logger.info(
      { worker: this.name, concurrency: this.config.TRAINER_CONCURRENCY, lockMs: this.config.TRAINER_LOCK_MS },
      'training worker started',
    );
  }

  /** SIGTERM: take no new job; give runs in flight TRAINER_DRAIN_MS, then hand them back to the queue. */
  private async drain(): Promise<void> {
    if (!this.worker) return;
    if (this.poller) clearInterval(this.poller);
    const closing = this.worker.close();
    const timer = setTimeout(() => {
      if (this.active.size)
        this.logger.warn({ runs: [...this.active.keys()] }, 'handing runs in flight back to the queue');
      this.worker?.cancelAllJobs('shutdown');
    }, this.config.TRAINER_DRAIN_MS);
    await closing;
    clearTimeout(timer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
    await this.events?.close();
    this.eventsConnection?.disconnect();
    this.connection?.disconnect();
  }

  private cancelLocal(runId: string): void {
    const scope = this.active.get(runId);
    if (!scope || scope.signal.aborted) return;
    scope.log(`cancel received by worker ${this.name}`, {}, 'warn');
    if (!this.worker?.cancelJob(runId, 'cancelled')) scope.abort('cancelled');
  }

  private async pollCancellations(): Promise<void> {
    try {
      for (const id of await this.runs.cancelRequested([...this.active.keys()])) this.cancelLocal(id);
    } catch (e) {
      this.logger.debug({ err: e }, 'cannot poll cancellations now');
    }
  }

  private async recordLostJob(runId: string, message: string): Promise<void> {
    try {
      const error = `${message}: its worker was lost more often than TRAINER_MAX_STALLED allows`;
      if (await this.runs.finish(runId, { status: 'failed', error, errorKind: 'internal' }))
        this.logger.error({ runId, error: message }, 'run failed outside its processor');
    } catch (e) {
      this.logger.warn({ err: e, runId }, 'cannot record a lost run');
    }
  }

  /** One attempt of one job. */
  async process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    const runId = job.id as string;
    const name = job.name;
    let data: JobData<JobName>;
    try {
      if (!isJobName(name))
        throw new InvalidJobError(name, `unknown job name; known: train, backtest, tune, retrain-all`);
      data = parseJob(name, job.data);
    } catch (e) {
      await this.recordInvalidJob(job, (e as Error).message);
      throw new UnrecoverableError((e as Error).message);
    }
    const existing = await this.runs.find(runId);
    // A parent back from waiting for its children resumes its attempt; it does not start another.
    const resuming = (Object.values(WAITING_STAGES) as string[]).includes(existing?.stage ?? '');
    const maxAttempts = job.opts.attempts ?? 1;
    const row = await this.runs.begin(this.newRun(job, name, data, maxAttempts), this.name, !resuming);
    if (!row) {
      // Cancelled while queued, or finished already by a worker whose lock had expired.
      this.logger.info({ runId }, 'run is finished or cancelled already; skipping');
      return { skipped: true };
    }

    const scope = new RunScope({
      runId,
      job,
      repo: this.runs,
      logger: this.logger,
      weights: WEIGHTS[name],
      progressIntervalMs: this.config.TRAINER_PROGRESS_INTERVAL_MS,
    });
    scope.follow(signal);
    this.active.set(runId, scope);
    // A parent waiting for its children has no clock of its own: each child has its own.
    if (name !== 'tune' && name !== 'retrain-all')
      scope.startTimeout(data.timeoutSeconds ? data.timeoutSeconds * 1000 : this.config.TRAINER_RUN_TIMEOUT_MS);
    if (row.cancelRequested) scope.abort('cancelled');
    if (!resuming)
      scope.log(`attempt ${row.attempts} of ${maxAttempts} started on ${this.name}`, {
        attempt: row.attempts,
        worker: this.name,
        trigger: row.trigger,
      });
    const end = this.metrics.runSeconds.startTimer({ kind: name });
    try {
      scope.signal.throwIfAborted();
      const attempt = { runId, scope, startedAt: row.startedAt ?? new Date() };
      const outcome = await this.dispatch(name, data, attempt, { ...attempt, job, token: token ?? '', row });
      if (outcome.status === 'succeeded') scope.log('run succeeded');
      await scope.dispose();
      await this.runs.finish(runId, outcome);
      await outcome
        .afterFinish?.()
        .catch((e: unknown) => this.logger.warn({ err: e, runId }, 'clean-up after the run failed'));
      this.metrics.runs.inc({ kind: name, status: outcome.status });
      if (row.parentId) await this.runs.updateParentPercent(row.parentId);
      if (outcome.status !== 'succeeded') throw new UnrecoverableError(outcome.error ?? outcome.status);
      return { status: outcome.status, modelVersion: outcome.modelVersion ?? null };
    } catch (e) {
      if (e instanceof WaitingChildrenError) {
        await scope.dispose();
        throw e;
      }
      if (e instanceof UnrecoverableError) throw e;
      throw await this.failed(job, token, row.parentId, scope, e);
    } finally {
      end();
      this.active.delete(runId);
      await scope.dispose();
    }
  }

  private dispatch(
    name: JobName,
    data: JobData<JobName>,
    attempt: Attempt,
    parent: ParentAttempt,
  ): Promise<RunOutcome> {
    switch (name) {
      case 'train':
        return this.trainHandler.train(data as JobData<'train'>, attempt);
      case 'tune-trial':
        return this.trainHandler.trial(data as JobData<'tune-trial'>, attempt);
      case 'backtest':
        return this.trainHandler.backtest(data as JobData<'backtest'>, attempt);
      case 'tune':
        return this.flowHandler.tune(data as JobData<'tune'>, parent);
      case 'retrain-all':
        return this.flowHandler.retrainAll(data as JobData<'retrain-all'>, parent);
    }
  }

  /** Records a failed attempt and returns what to throw to BullMQ (retry, hand back, or fail for good). */
  private async failed(
    job: Job,
    token: string | undefined,
    parentId: string | null,
    scope: RunScope,
    error: unknown,
  ): Promise<Error> {
    const runId = job.id as string;
    const reason = scope.abortReason;
    // The stage the run was in (timings() below closes it).
    const stage = scope.currentStage ?? 'start';
    const stageMs = scope.timings();
    try {
      if (reason === 'shutdown') {
        scope.log('worker shutting down: the run goes back to the queue', {}, 'warn');
        await scope.flush();
        await this.runs.requeue(runId, 'handed back by a worker shutting down', 'transient', stageMs);
        await job.moveToDelayed(Date.now(), token);
        return new DelayedError();
      }
      if (reason) {
        const status = reason === 'cancelled' ? 'cancelled' : 'failed';
        const message = reason === 'cancelled' ? `cancelled during ${stage}` : `timed out during ${stage}`;
        scope.log(message, {}, reason === 'cancelled' ? 'warn' : 'error');
        await scope.flush();
        await this.runs.finish(runId, { status, error: message, errorKind: reason, stageMs });
        this.metrics.runs.inc({ kind: job.name, status });
        if (parentId) await this.runs.updateParentPercent(parentId);
        return new UnrecoverableError(message);
      }
      const c = classify(error);
      const attempt = job.attemptsMade + 1;
      const last = !c.retry || attempt >= (job.opts.attempts ?? 1);
      scope.log(
        last ? `failed: ${c.message}` : `attempt ${attempt} failed, retrying with backoff: ${c.message}`,
        { errorKind: c.kind, attempt },
        'error',
      );
      await scope.flush();
      if (last) {
        await this.runs.finish(runId, { status: 'failed', error: c.message, errorKind: c.kind, stageMs });
        this.metrics.runs.inc({ kind: job.name, status: 'failed' });
        if (parentId) await this.runs.updateParentPercent(parentId);
      } else {
        await this.runs.requeue(runId, `attempt ${attempt}: ${c.message}`, c.kind, stageMs);
      }
      return c.retry ? asError(error) : new UnrecoverableError(c.message);
    } catch (recording) {
      // The database may be the fault itself: BullMQ's retry still applies, and the next attempt records.
      this.logger.warn({ err: recording, runId }, 'cannot record the failed attempt');
      return asError(error);
    }
  }

  private newRun(job: Job, name: JobName, data: JobData<JobName>, maxAttempts: number): NewRun {
    const origin = data.origin;
    const scheduleId = origin?.scheduleId ?? (job.repeatJobKey ? job.repeatJobKey : undefined);
    return {
      id: job.id as string,
      kind: RUN_KIND[name],
      modelName: data.modelName,
      spec: { ...data, runId: job.id } as Record<string, unknown>,
      trigger: origin?.trigger ?? (scheduleId ? 'schedule' : 'api'),
      requestedBy: data.requestedBy,
      maxAttempts,
      ...(scheduleId ? { scheduleId } : {}),
      ...(origin?.parentRunId ? { parentId: origin.parentRunId } : {}),
    };
  }

  /** A job whose payload does not parse: recorded as a failed run when it names a model, so that it shows in the API. */
  private async recordInvalidJob(job: Job, message: string): Promise<void> {
    const raw = (job.data ?? {}) as { modelName?: unknown };
    const kind = (['train', 'backtest', 'tune', 'retrain-all'] as RequestKind[]).find((k) => k === job.name);
    try {
      await this.runs.create([
        {
          id: job.id as string,
          kind: kind ?? 'train',
          modelName: typeof raw.modelName === 'string' ? raw.modelName : '(unknown)',
          spec: (job.data ?? {}) as Record<string, unknown>,
          trigger: 'api',
          requestedBy: 'unknown',
          maxAttempts: job.opts.attempts ?? 1,
        },
      ]);
      await this.runs.finish(job.id as string, { status: 'failed', error: message, errorKind: 'invalid_spec' });
    } catch (e) {
      this.logger.warn({ err: e, jobId: job.id }, 'cannot record an invalid job');
    }
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
