import { commonEnv, databaseEnv, env, httpEnv, kafkaEnv, redisEnv } from '@shelfcast/config';
import { z } from 'zod';

/** Every variable the ingestion service reads; validated once at boot. */
export const IngestionConfig = z.object({
  ...commonEnv,
  ...httpEnv(3001),
  ...kafkaEnv,
  ...databaseEnv,
  ...redisEnv,
  /** Largest JSON or CSV body, in bytes (413 above). */
  INGEST_MAX_BODY_BYTES: env.int(16 * 1024 * 1024, 1024),
  /** Largest streamed NDJSON body, in bytes (413 above). */
  INGEST_MAX_STREAM_BYTES: env.int(512 * 1024 * 1024, 1024),
  /** Longest NDJSON line or CSV row, in bytes. */
  INGEST_MAX_LINE_BYTES: env.int(1024 * 1024, 256),
  /** Most events in one JSON or CSV request (413 above); NDJSON streams are processed in chunks. */
  INGEST_MAX_BATCH_EVENTS: env.int(10_000, 1),
  /** Most events in one NDJSON stream. */
  INGEST_MAX_STREAM_EVENTS: env.int(5_000_000, 1),
  /** Events published per Kafka round in a stream. */
  INGEST_CHUNK_EVENTS: env.int(2_000, 1),
  /** Requests per API key per minute (429 above). */
  INGEST_RATE_LIMIT_PER_MINUTE: env.int(6_000, 1),
  /**
   * How long a published event id is remembered at least, so a re-send is not published twice (ids are
   * kept in generations of this length: remembered for between one and two windows).
   */
  INGEST_DEDUP_WINDOW_S: env.int(48 * 3600, 60),
  /** How long a verified API key is trusted without asking PostgreSQL again (revocation delay). */
  INGEST_API_KEY_CACHE_MS: env.int(30_000, 0),
  /** Seconds a client should wait before retrying when Kafka is unavailable. */
  INGEST_RETRY_AFTER_S: env.int(5, 1),
  /** Consume the raw topic that back ends may publish to directly. */
  INGEST_RAW_CONSUMER: env.bool(true),
});
export type IngestionConfig = z.infer<typeof IngestionConfig>;
