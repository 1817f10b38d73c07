import type { Logger } from '@shelfcast/observability';
import type { Job } from 'bullmq';

import type { LogEntry, RunsRepository } from '../runs/runs.repository';
import type { AbortReason } from './errors';

/** Where each stage sits in a run's 0..100 percent: [start, end]. */
export type StageWeights = Record<string, readonly [number, number]>;

export const TRAIN_STAGES: StageWeights = {
  dataset: [0, 25],
  train: [25, 60],
  backtest: [60, 85],
  export: [85, 90],
  parity: [90, 95],
  register: [95, 100],
};

export const BACKTEST_STAGES: StageWeights = {
  resolve: [0, 5],
  dataset: [5, 35],
  backtest: [35, 95],
  register: [95, 100],
};

export interface RunScopeOptions {
  runId: string;
  job: Job;
  repo: RunsRepository;
  logger: Logger;
  weights: StageWeights;
  /** Least time between two progress writes, ms (stage changes are written at once). */
  progressIntervalMs: number;
}

/**
 * One attempt of one run inside a worker: its AbortSignal (cancel, timeout, shutdown), its progress
 * (percent and stage, to the job and to the runs table, throttled), its stage timings and its log lines.
 * Writes are serialised and best effort: a database hiccup must not fail a run that is otherwise fine.
 */
export class RunScope {
  readonly controller = new AbortController();
  readonly stageMs: Record<string, number> = {};
  private stage: string | undefined;
  private stageStartedAt = 0;
  private percent = 0;
  private lastWrite = 0;
  private writtenStage: string | undefined;
  private pendingLogs: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly log_: Logger;

  constructor(private readonly options: RunScopeOptions) {
    this.log_ = options.logger.child({ runId: options.runId, job: options.job.name });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the run was aborted, if it was. */
  get abortReason(): AbortReason | undefined {
    if (!this.signal.aborted) return undefined;
    const reason: unknown = this.signal.reason;
    return reason === 'timeout' || reason === 'shutdown' ? reason : 'cancelled';
  }

  get currentStage(): string | undefined {
    return this.stage;
  }

  /** Follows another signal (BullMQ's, which `worker.cancelJob` fires). */
  follow(signal: AbortSignal | undefined): void {
    if (!signal) return;
    if (signal.aborted) this.abort(signal.reason);
    else signal.addEventListener('abort', () => this.abort(signal.reason), { once: true });
  }

  abort(reason: unknown): void {
    if (!this.signal.aborted)
      this.controller.abort(reason === 'timeout' || reason === 'shutdown' ? reason : 'cancelled');
  }

  startTimeout(ms: number): void {
    this.timeout = setTimeout(() => {
      this.log(`timed out after ${Math.round(ms / 1000)} s`, { timeoutMs: ms }, 'error');
      this.abort('timeout');
    }, ms);
    this.timeout.unref();
  }

  /** Progress within a stage (fraction 0..1). */
  progress(stage: string, fraction: number): void {
    const now = Date.now();
    if (stage !== this.stage) {
      this.closeStage(now);
      this.stage = stage;
      this.stageStartedAt = now;
    }
    const weight = this.options.weights[stage];
    if (weight) {
      const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
      this.percent = Math.max(this.percent, weight[0] + f * (weight[1] - weight[0]));
    }
    this.schedule(now);
  }

  log(message: string, fields?: Record<string, unknown>, level: LogEntry['level'] = 'info'): void {
    this.log_[level]({ ...fields }, message);
    this.pendingLogs.push({ at: new Date(), level, message, ...(fields ? { fields: plain(fields) } : {}) });
    this.schedule(Date.now());
  }

  /** Ends the current stage's clock; returns every stage's milliseconds. */
  timings(): Record<string, number> {
    this.closeStage(Date.now());
    this.stage = undefined;
    return { ...this.stageMs };
  }

  /** Writes what is pending now and waits for every write so far. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.chain = this.chain.then(() => this.write());
    await this.chain;
  }

  async dispose(): Promise<void> {
    if (this.timeout) clearTimeout(this.timeout);
    await this.flush();
  }

  private closeStage(now: number): void {
    if (this.stage !== undefined)
      this.stageMs[this.stage] = (this.stageMs[this.stage] ?? 0) + (now - this.stageStartedAt);
  }

  private schedule(now: number): void {
    const due = this.lastWrite + this.options.progressIntervalMs;
    if (this.stage !== this.writtenStage || now >= due) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => void this.flush(), due - now);
    this.timer.unref?.();
  }

  private async write(): Promise<void> {
    this.lastWrite = Date.now();
    const logs = this.pendingLogs.splice(0);
    const stage = this.stage ?? this.writtenStage;
    const percent = this.percent;
    this.writtenStage = this.stage;
    try {
      if (stage !== undefined) {
        await Promise.all([
          this.options.repo.progress(this.options.runId, stage, percent),
          this.options.job.updateProgress({ stage, percent: Math.round(percent * 10) / 10 }),
        ]);
      }
      await this.options.repo.appendLogs(this.options.runId, logs);
    } catch (e) {
      this.log_.warn({ err: e }, 'cannot record the run’s progress now; carrying on');
    }
  }
}

/** JSON-safe copy of log fields (bigints and errors included). */
function plain(fields: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(fields, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Error ? { name: v.name, message: v.message } : v,
    ),
  ) as Record<string, unknown>;
}
