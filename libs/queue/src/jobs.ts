import { BacktestSpec, RetrainAllSpec, RunTrigger, TrainSpec, TuneSpec } from '@shelfcast/contracts';
import { z } from 'zod';

/**
 * Queue names. Renaming one strands the jobs already waiting in it: add a new queue instead.
 * (BullMQ forbids ':' in queue names.)
 */
export const QUEUES = {
  training: 'shelfcast-training-v1',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The run id of a job: the id its run is recorded and registered under. */
const runId = z.string().min(1).max(128);

/** Who asked for a job; absent on jobs added by hand (counted as the API). */
export const JobOrigin = z.strictObject({
  trigger: RunTrigger,
  scheduleId: z.string().min(1).optional(),
  parentRunId: z.string().min(1).optional(),
  /** Id of the alert event that triggered a retraining. */
  alertId: z.string().min(1).optional(),
});
export type JobOrigin = z.infer<typeof JobOrigin>;

const jobFields = { runId, origin: JobOrigin.optional() };

/** What a training run learns from and how it is judged (the spec of `@shelfcast/contracts` plus its run id). */
export const TrainJobData = TrainSpec.extend(jobFields);
export const BacktestJobData = BacktestSpec.extend(jobFields);
/** A hyper-parameter search: the parent of `tune-trial` children. */
export const TuneJobData = TuneSpec.extend(jobFields);
/** One trial of a `tune` parent: trains and backtests, keeps its model as a candidate, registers nothing. */
export const TuneTrialJobData = TrainSpec.extend({ ...jobFields, trial: z.number().int().min(0) });
/** Retraining of every group of series: the parent of one `train` child per group. */
export const RetrainAllJobData = RetrainAllSpec.extend(jobFields);

/** Every job kind: a name, the queue it runs on, and the schema of its payload. */
export const JOBS = {
  train: { queue: QUEUES.training, schema: TrainJobData },
  backtest: { queue: QUEUES.training, schema: BacktestJobData },
  tune: { queue: QUEUES.training, schema: TuneJobData },
  'tune-trial': { queue: QUEUES.training, schema: TuneTrialJobData },
  'retrain-all': { queue: QUEUES.training, schema: RetrainAllJobData },
} as const;

export type JobName = keyof typeof JOBS;
export type JobData<N extends JobName> = z.infer<(typeof JOBS)[N]['schema']>;
export type JobInput<N extends JobName> = z.input<(typeof JOBS)[N]['schema']>;
/** A discriminated union of `{ name, data }`: a job name and its payload are checked together. */
export type JobItem = { [N in JobName]: { name: N; data: JobData<N> } }[JobName];
export type JobsOn<Q extends QueueName> = { [N in JobName]: (typeof JOBS)[N]['queue'] extends Q ? N : never }[JobName];

export type TrainJobData = JobData<'train'>;
export type BacktestJobData = JobData<'backtest'>;
export type TuneJobData = JobData<'tune'>;
export type TuneTrialJobData = JobData<'tune-trial'>;
export type RetrainAllJobData = JobData<'retrain-all'>;

/** A payload that does not match its job's schema: never retried. */
export class InvalidJobError extends Error {
  constructor(name: string, detail: string) {
    super(`job ${name} has an invalid payload: ${detail}`);
    this.name = 'InvalidJobError';
  }
}

export function isJobName(name: string): name is JobName {
  return Object.prototype.hasOwnProperty.call(JOBS, name);
}

export function parseJob<N extends JobName>(name: N, data: unknown): JobData<N> {
  if (!isJobName(name)) throw new InvalidJobError(String(name), 'unknown job name');
  const result = JOBS[name].schema.safeParse(data);
  if (!result.success) {
    throw new InvalidJobError(
      name,
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  }
  return result.data as JobData<N>;
}
