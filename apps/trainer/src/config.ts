import { commonEnv, databaseEnv, env, featureStoreEnv, httpEnv, kafkaEnv, redisEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the trainer service reads; validated once at boot. */
export const TrainerConfig = z.object({
  ...commonEnv,
  ...httpEnv(3003),
  ...kafkaEnv,
  ...databaseEnv,
  ...redisEnv,
  ...featureStoreEnv,
  /** Base URL of the model registry. */
  REGISTRY_URL: env.url(['http', 'https'], 'http://127.0.0.1:3004'),
  /** Run the queue's worker in this process (false: API, schedules and alerts only). */
  TRAINER_WORKER: env.bool(true),
  /** Runs one process works on at the same time. */
  TRAINER_CONCURRENCY: env.int(1, 1),
  /** Consume alert events and enqueue retraining (false: another instance does). */
  TRAINER_ALERTS: env.bool(true),
  /** Consumer group of the alert consumer. */
  TRAINER_ALERTS_GROUP: z.string().min(1).default('shelfcast-trainer-alerts'),
  /** Attempts of a run before it fails for good (transient faults only; a bad spec fails at once). */
  TRAINER_ATTEMPTS: env.int(4, 1),
  /** First retry delay, ms; doubles with each attempt. */
  TRAINER_BACKOFF_MS: env.int(5000, 0),
  /** Longest a run may take once started, ms (a spec's `timeoutSeconds` overrides it). */
  TRAINER_RUN_TIMEOUT_MS: env.int(2 * 3600 * 1000, 1000),
  /** A job's lock, ms: a worker that stops renewing it (killed) loses the job to another after this. */
  TRAINER_LOCK_MS: env.int(30000, 1000),
  /** How often workers look for jobs whose lock expired, ms. */
  TRAINER_STALLED_INTERVAL_MS: env.int(15000, 500),
  /** Takeovers after a lost lock before a job fails. */
  TRAINER_MAX_STALLED: env.int(3, 1),
  /** How often a worker checks the runs table for cancellations it may have missed, ms. */
  TRAINER_CANCEL_POLL_MS: env.int(2000, 100),
  /** Least time between two progress writes of one run, ms (stage changes are written at once). */
  TRAINER_PROGRESS_INTERVAL_MS: env.int(500, 0),
  /** Longest SIGTERM waits for runs in flight before handing them back to the queue, ms. */
  TRAINER_DRAIN_MS: env.int(10000, 0),
  /** PostgreSQL connections of the feature-store pool the pipeline reads through. */
  TRAINER_DB_CONNECTIONS: env.int(4, 1),
  /**
   * Rows a run's dataset may hold (series x anchors x horizons kept; each row is the feature vector
   * in float32 plus ~40 bytes): a run past it fails with a readable error rather than the worker's memory.
   */
  TRAINER_MAX_DATASET_ROWS: env.int(3_000_000, 1),
  /** Code version recorded with every registered version (default: git commit, else the package version). */
  TRAINER_CODE_VERSION: z.string().min(1).optional(),
});
export type TrainerConfig = z.infer<typeof TrainerConfig>;
