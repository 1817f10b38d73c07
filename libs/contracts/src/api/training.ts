import { z } from 'zod';

import { AliasName, HyperParameters, ModelName } from './registry';

/**
 * The trainer's HTTP API (apps/trainer, port 3003): training runs and their schedules.
 *
 * - POST /v1/runs                 CreateRunRequest → 202 TrainingRun (queued)
 * - GET  /v1/runs                 ListRunsQuery → ListRunsResponse (newest first, keyset pagination)
 * - GET  /v1/runs/{id}            TrainingRunDetail (children and the latest log lines included)
 * - POST /v1/runs/{id}/cancel     CancelRunRequest → 202 TrainingRun
 * - POST /v1/schedules            ScheduleRequest → 201 TrainingSchedule
 * - GET  /v1/schedules            → { items: TrainingSchedule[] }
 * - GET/PUT/DELETE /v1/schedules/{id}
 *
 * The specs below are also the payloads of the training queue's jobs (@shelfcast/queue adds the run id).
 */

export const ModelFamily = z.enum([
  'seasonal-naive',
  'moving-average',
  'exponential-smoothing',
  'holt-winters',
  'gbdt',
  'mlp',
  'rnn',
  'tcn',
  'transformer',
]);
export type ModelFamily = z.infer<typeof ModelFamily>;

const isoDate = z.iso.date();

/** Which series a run learns from: every series when empty; each list narrows it. */
export const SeriesFilter = z.strictObject({
  storeIds: z.array(z.string()).optional(),
  skus: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
  departments: z.array(z.string()).optional(),
});
export type SeriesFilter = z.infer<typeof SeriesFilter>;

/** What a training run learns from and how it is judged. */
export const TrainSpec = z.strictObject({
  modelName: ModelName,
  family: ModelFamily,
  hyperParameters: HyperParameters.default({}),
  /** Feature-set version the run must train on (the deployment's `FEATURES_SET_VERSION` or its fingerprint). */
  featureSetVersion: z.string().min(1),
  seriesFilter: SeriesFilter.default({}),
  frequency: z.enum(['daily', 'weekly', 'monthly']).default('daily'),
  horizon: z.number().int().min(1).max(28),
  quantiles: z.array(z.number().gt(0).lt(1)).default([0.1, 0.5, 0.9]),
  trainingWindow: z.strictObject({ from: isoDate, to: isoDate }).optional(),
  backtest: z
    .strictObject({ windows: z.number().int().min(1).max(52), step: z.number().int().min(1) })
    .default({ windows: 3, step: 7 }),
  requestedBy: z.string().min(1).max(128).default('system'),
  /** Longest the run may take once started, seconds (default: the trainer's TRAINER_RUN_TIMEOUT_MS). */
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
});
export type TrainSpec = z.infer<typeof TrainSpec>;

/** A backtest of a registered version on the spec's windows; the result is appended to the version's evaluations. */
export const BacktestSpec = TrainSpec.extend({
  /** Version to evaluate; default the version behind `alias`. */
  modelVersion: z.number().int().positive().optional(),
  /** Alias whose version is evaluated when `modelVersion` is not given (default `production`). */
  alias: AliasName.optional(),
  /** Score on the windows of another version of the model (its `metrics.windows`), e.g. a candidate the gate compares with. */
  windowsOfVersion: z.number().int().positive().optional(),
  /** Score on explicit windows: the last known day of each and their horizon. */
  windows: z
    .strictObject({ cutoffs: z.array(isoDate).min(1).max(52), horizon: z.number().int().min(1).max(28) })
    .optional(),
});
export type BacktestSpec = z.infer<typeof BacktestSpec>;

/** Metrics a run can be judged on; lower is better for each. */
export const TuneMetric = z.enum(['wape', 'mae', 'rmse', 'smape', 'mase', 'rmsse', 'pinball']);

/** One hyper-parameter's search space: a list of values, or a range (log-uniform when `scale` is `log`). */
export const SearchDimension = z.union([
  z.strictObject({ values: z.array(z.union([z.number().finite(), z.string(), z.boolean()])).min(1) }),
  z
    .strictObject({
      min: z.number().finite(),
      max: z.number().finite(),
      scale: z.enum(['linear', 'log']).default('linear'),
      integer: z.boolean().default(false),
    })
    .refine((d) => d.max >= d.min, { message: 'max must be at least min', path: ['max'] })
    .refine((d) => d.scale !== 'log' || d.min > 0, { message: 'a log scale needs min > 0', path: ['min'] }),
]);

/** Hyper-parameter search: `trials` child runs sample the space (seeded); the best by `metric` is registered. */
export const TuneSpec = TrainSpec.extend({
  search: z.strictObject({
    space: z
      .record(z.string().min(1), SearchDimension)
      .refine((s) => Object.keys(s).length > 0, { message: 'give at least one hyper-parameter to search' }),
    trials: z.number().int().min(1).max(64).default(8),
    metric: TuneMetric.default('wape'),
    seed: z.number().int().default(1),
  }),
});
export type TuneSpec = z.infer<typeof TuneSpec>;

/**
 * Retrains every group of series as one flow: one child run (and one registered model,
 * `<modelName>.<group>`) per category, department or store group, shared among all workers.
 */
export const RetrainAllSpec = TrainSpec.extend({
  groupBy: z.enum(['category', 'department', 'store-group']).default('category'),
  /** Number of store groups (stores split in contiguous, similarly sized groups) for `store-group`. */
  storeGroups: z.number().int().min(1).max(256).default(8),
});
export type RetrainAllSpec = z.infer<typeof RetrainAllSpec>;

/** What a client may ask for. */
export const REQUEST_KINDS = ['train', 'backtest', 'tune', 'retrain-all'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
/** Every kind of run recorded: the requested kinds and the trials a `tune` starts. */
export const RUN_KINDS = [...REQUEST_KINDS, 'tune-trial'] as const;
export const RunKind = z.enum(RUN_KINDS);
export type RunKind = z.infer<typeof RunKind>;

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

/** The spec schema of each kind of run. */
export const RUN_SPECS = {
  train: TrainSpec,
  backtest: BacktestSpec,
  tune: TuneSpec,
  'retrain-all': RetrainAllSpec,
} as const satisfies Record<RequestKind, z.ZodType>;

/** POST /v1/runs */
export const CreateRunRequest = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('train'), spec: TrainSpec }),
  z.strictObject({ kind: z.literal('backtest'), spec: BacktestSpec }),
  z.strictObject({ kind: z.literal('tune'), spec: TuneSpec }),
  z.strictObject({ kind: z.literal('retrain-all'), spec: RetrainAllSpec }),
]);
export type CreateRunRequest = z.infer<typeof CreateRunRequest>;
export type CreateRunRequestInput = z.input<typeof CreateRunRequest>;

/** POST /v1/runs/{id}/cancel (body optional). */
export const CancelRunRequest = z.strictObject({
  actor: z.string().min(1).max(200).default('api'),
  reason: z.string().max(1000).optional(),
});

export const RunTrigger = z.enum(['api', 'schedule', 'alert', 'parent']);

const timestamp = z.string();

/** A training run as the API shows it. */
export const TrainingRun = z.object({
  id: z.string(),
  kind: RunKind,
  status: RunStatus,
  /** Stage in progress, or the last one reached. */
  stage: z.string().nullable(),
  /** 0..100 */
  percent: z.number(),
  modelName: z.string(),
  modelVersion: z.number().int().nullable(),
  spec: z.record(z.string(), z.unknown()),
  /** Milliseconds per stage. */
  stageMs: z.record(z.string(), z.number()),
  metrics: z.record(z.string(), z.unknown()).nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  errorKind: z.enum(['invalid_spec', 'timeout', 'transient', 'internal', 'cancelled']).nullable(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  cancelRequested: z.boolean(),
  trigger: RunTrigger,
  scheduleId: z.string().nullable(),
  parentId: z.string().nullable(),
  worker: z.string().nullable(),
  requestedBy: z.string(),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  updatedAt: timestamp,
});
export type TrainingRun = z.infer<typeof TrainingRun>;

export const RunLogLine = z.object({
  at: timestamp,
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()).nullable(),
});
export type RunLogLine = z.infer<typeof RunLogLine>;

/** GET /v1/runs/{id}: the run, its children (trials or parts) and its latest log lines. */
export const TrainingRunDetail = TrainingRun.extend({
  children: z.array(
    TrainingRun.pick({
      id: true,
      kind: true,
      status: true,
      stage: true,
      percent: true,
      modelName: true,
      modelVersion: true,
      error: true,
    }),
  ),
  logs: z.array(RunLogLine),
});
export type TrainingRunDetail = z.infer<typeof TrainingRunDetail>;

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(values)).min(1));

/** GET /v1/runs query: filters (comma lists for status and kind), newest first. */
export const ListRunsQuery = z.strictObject({
  status: csv(RUN_STATUSES).optional(),
  kind: csv(RUN_KINDS).optional(),
  modelName: z.string().min(1).optional(),
  parentId: z.string().min(1).optional(),
  trigger: RunTrigger.optional(),
  createdAfter: z.iso.datetime({ offset: true }).optional(),
  createdBefore: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().min(1).optional(),
});
export type ListRunsQuery = z.infer<typeof ListRunsQuery>;

export const ListRunsResponse = z.object({ items: z.array(TrainingRun), nextCursor: z.string().nullable() });
export type ListRunsResponse = z.infer<typeof ListRunsResponse>;

/** Cron with 5 fields (minute precision) or 6 (seconds first). */
const cron = z
  .string()
  .trim()
  .refine((c) => [5, 6].includes(c.split(/\s+/).length), { message: 'a cron expression with 5 or 6 fields' });

const scheduleCommon = {
  cron,
  timezone: z
    .string()
    .min(1)
    .default('UTC')
    .refine(
      (tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'an IANA time zone, e.g. Europe/Berlin' },
    ),
  enabled: z.boolean().default(true),
  description: z.string().max(1000).optional(),
  createdBy: z.string().min(1).max(200).default('api'),
};

/** POST /v1/schedules and PUT /v1/schedules/{id}: repeatable retraining of one model. */
export const ScheduleRequest = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('train'), spec: TrainSpec, ...scheduleCommon }),
  z.strictObject({ kind: z.literal('backtest'), spec: BacktestSpec, ...scheduleCommon }),
  z.strictObject({ kind: z.literal('tune'), spec: TuneSpec, ...scheduleCommon }),
  z.strictObject({ kind: z.literal('retrain-all'), spec: RetrainAllSpec, ...scheduleCommon }),
]);
export type ScheduleRequest = z.infer<typeof ScheduleRequest>;

export const TrainingSchedule = z.object({
  id: z.string(),
  modelName: z.string(),
  kind: RunKind,
  cron: z.string(),
  timezone: z.string(),
  spec: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  description: z.string().nullable(),
  createdBy: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
  /** When the next run is due (null while disabled). */
  nextRunAt: timestamp.nullable(),
});
export type TrainingSchedule = z.infer<typeof TrainingSchedule>;

export const ListSchedulesQuery = z.strictObject({ modelName: z.string().min(1).optional() });
export const ListSchedulesResponse = z.object({ items: z.array(TrainingSchedule) });

/** Path parameters: a run's or a schedule's id. */
export const IdPath = z.strictObject({ id: z.string().min(1).max(128) });
export type IdPath = z.infer<typeof IdPath>;
