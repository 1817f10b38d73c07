import { commonEnv, databaseEnv, env, featureStoreEnv, httpEnv, kafkaEnv, redisEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the features service reads; validated once at boot. */
export const FeaturesConfig = z.object({
  ...commonEnv,
  ...httpEnv(3002),
  ...kafkaEnv,
  ...databaseEnv,
  ...redisEnv,
  ...featureStoreEnv,
  /** Consumer group of the aggregating consumer. */
  FEATURES_CONSUMER_GROUP: z.string().min(1).default('shelfcast-features'),
  /** Partitions one instance processes at the same time (each batch is one transaction). */
  FEATURES_PARTITIONS_CONCURRENTLY: env.int(3, 1),
  /** Largest fetch per partition, bytes: bounds a batch (and its transaction). */
  FEATURES_MAX_BATCH_BYTES: env.int(2 * 1024 * 1024, 1024),
  /** Run the aggregating consumer (false: this instance only refreshes online vectors). */
  FEATURES_CONSUME: env.bool(true),
  /** Run the online refresher (false: another instance does). */
  FEATURES_REFRESH: env.bool(true),
  /** Series per online refresh chunk. */
  FEATURES_REFRESH_CHUNK: env.int(500, 1),
  /** A series is refreshed this long after its first new event at the earliest, ms: bursts coalesce. */
  FEATURES_REFRESH_DELAY_MS: env.int(2000, 0),
  /** The delay is waived once this instance's consumer has had no batch for this long, ms: a burst has ended. */
  FEATURES_REFRESH_SETTLE_MS: env.int(250, 1),
  /** Series at an older anchor are swept once the anchor has stayed put this long, ms (backfills move it often). */
  FEATURES_SWEEP_AFTER_MS: env.int(1000, 0),
  /** Wait between refresh rounds when nothing is dirty, ms. */
  FEATURES_REFRESH_IDLE_MS: env.int(200, 1),
  /** PostgreSQL connections of the feature store's pool. */
  FEATURES_DB_CONNECTIONS: env.int(8, 2),
});
export type FeaturesConfig = z.infer<typeof FeaturesConfig>;
