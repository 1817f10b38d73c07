import { z } from 'zod';

/**
 * Queue names. Renaming one strands the jobs already waiting in it: add a new queue instead.
 * (BullMQ forbids ':' in queue names.)
 */
export const QUEUES = {
  training: 'shelfcast-training-v1',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const isoDate = z.iso.date();

/** What a training run learns from and how it is judged. */
export const TrainJobData = z.strictObject({
  runId: z.string().min(1).max(64),
  modelName: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ -'),
  family: z.enum([
    'seasonal-naive',
    'moving-average',
    'exponential-smoothing',
    'holt-winters',
    'gbdt',
    'mlp',
    'rnn',
    'tcn',
    'transformer',
  ]),
  hyperParameters: z.record(z.string(), z.union([z.number().finite(), z.string(), z.boolean()])).default({}),
  featureSetVersion: z.string().min(1),
  seriesFilter: z
    .strictObject({
      storeIds: z.array(z.string()).optional(),
      skus: z.array(z.string()).optional(),
      categories: z.array(z.string()).optional(),
      departments: z.array(z.string()).optional(),
    })
    .default({}),
  frequency: z.enum(['daily', 'weekly', 'monthly']).default('daily'),
  horizon: z.number().int().min(1).max(28),
  quantiles: z.array(z.number().gt(0).lt(1)).default([0.1, 0.5, 0.9]),
  trainingWindow: z.strictObject({ from: isoDate, to: isoDate }).optional(),
  backtest: z
    .strictObject({ windows: z.number().int().min(1).max(52), step: z.number().int().min(1) })
    .default({ windows: 3, step: 7 }),
  requestedBy: z.string().min(1).default('system'),
});

export const BacktestJobData = TrainJobData.extend({ modelVersion: z.number().int().positive().optional() });

/** Every job kind: a name, the queue it runs on, and the schema of its payload. */
export const JOBS = {
  train: { queue: QUEUES.training, schema: TrainJobData },
  backtest: { queue: QUEUES.training, schema: BacktestJobData },
} as const;

export type JobName = keyof typeof JOBS;
export type JobData<N extends JobName> = z.infer<(typeof JOBS)[N]['schema']>;
export type JobInput<N extends JobName> = z.input<(typeof JOBS)[N]['schema']>;
/** A discriminated union of `{ name, data }`: a job name and its payload are checked together. */
export type JobItem = { [N in JobName]: { name: N; data: JobData<N> } }[JobName];
export type JobsOn<Q extends QueueName> = { [N in JobName]: (typeof JOBS)[N]['queue'] extends Q ? N : never }[JobName];

/** A payload that does not match its job's schema: never retried. */
export class InvalidJobError extends Error {
  constructor(name: string, detail: string) {
    super(`job ${name} has an invalid payload: ${detail}`);
    this.name = 'InvalidJobError';
  }
}

export function parseJob<N extends JobName>(name: N, data: unknown): JobData<N> {
  const spec = JOBS[name];
  if (!spec) throw new InvalidJobError(String(name), 'unknown job name');
  const result = spec.schema.safeParse(data);
  if (!result.success) {
    throw new InvalidJobError(
      name,
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  }
  return result.data as JobData<N>;
}
