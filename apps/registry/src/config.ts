import { commonEnv, databaseEnv, env, httpEnv, kafkaEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the registry service reads; validated once at boot. */
export const RegistryConfig = z.object({
  ...commonEnv,
  ...httpEnv(3004),
  ...kafkaEnv,
  ...databaseEnv,
  /** Largest request body in bytes (a registration carries its artifact as base64): 413 above. */
  REGISTRY_MAX_BODY_BYTES: env.int(64 * 1024 * 1024, 1024),
  /** Largest artifact (decoded bytes): 413 above. */
  REGISTRY_MAX_ARTIFACT_BYTES: env.int(48 * 1024 * 1024, 1),
  /** Metric the promotion gate compares (lower is better; `bias` by its absolute value). */
  REGISTRY_GATE_METRIC: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a metric name such as wape')
    .default('wape'),
  /**
   * Relative improvement the gate asks for: the candidate must be below `reference x (1 - margin)`
   * against seasonal naive and against production. 0 means strictly better; 0.02 means 2 % better.
   */
  REGISTRY_GATE_MARGIN: z.coerce.number().min(0).lt(1).default(0),
  /** Publish the outbox to Kafka from this process. */
  REGISTRY_OUTBOX_RELAY: env.bool(true),
  /** How often the relay looks for events written by other instances (it is woken at once for its own). */
  REGISTRY_OUTBOX_POLL_MS: env.int(1000, 10),
  /** Events per Kafka send. */
  REGISTRY_OUTBOX_BATCH: env.int(100, 1),
  /** First wait after a failed send; it doubles per failure up to the maximum. */
  REGISTRY_OUTBOX_RETRY_MS: env.int(200, 1),
  REGISTRY_OUTBOX_MAX_BACKOFF_MS: env.int(10_000, 1),
  /** Hours a sent event stays in the outbox table before the relay deletes it (0: at the next purge). */
  REGISTRY_OUTBOX_RETENTION_HOURS: env.int(168, 0),
  /** PostgreSQL connections of the service's pool. */
  REGISTRY_DB_CONNECTIONS: env.int(10, 2),
});
export type RegistryConfig = z.infer<typeof RegistryConfig>;
