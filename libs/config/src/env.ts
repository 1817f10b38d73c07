import { z } from 'zod';

/** Reusable variable types: each coerces the string the environment holds and says what it expects. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  number: (fallback: number) => z.coerce.number().finite().default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  url: (protocols: string[], fallback?: string) => {
    const base = z.string().refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `expected a URL with scheme ${protocols.join(' or ')}` },
    );
    return fallback === undefined ? base : base.default(fallback);
  },
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .refine((v) => v.length > 0, { message: 'expected a comma-separated list' }),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** Variables every service understands. */
export const commonEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_TIMEOUT_MS: env.int(15000, 0),
};

export const kafkaEnv = {
  KAFKA_BROKERS: env.list('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('shelfcast'),
  /** Prepended to every topic and consumer group: lets tests and tenants share one broker. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ - only')
    .default(''),
  KAFKA_TOPIC_PARTITIONS: env.int(6, 1),
  KAFKA_TOPIC_RETENTION_MS: env.int(7 * 24 * 3600 * 1000, -1),
  KAFKA_REPLICATION_FACTOR: env.int(1, 1),
};

export const databaseEnv = {
  DATABASE_URL: env.url(['postgres', 'postgresql'], 'postgresql://postgres@127.0.0.1:5432/shelfcast'),
  /** PostgreSQL schema the service uses (tests give each run its own). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
    .default('public'),
};

export const redisEnv = {
  REDIS_URL: env.url(['redis', 'rediss'], 'redis://127.0.0.1:6379'),
  /** Prepended to every Redis key and BullMQ queue prefix. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:._-]*$/, 'letters, digits, : . _ - only')
    .default('shelfcast'),
};

export const httpEnv = (port: number) => ({
  HOST: z.string().default('0.0.0.0'),
  PORT: env.port(port),
});

export type CommonEnv = z.infer<z.ZodObject<typeof commonEnv>>;
export type KafkaEnv = z.infer<z.ZodObject<typeof kafkaEnv>>;
export type DatabaseEnv = z.infer<z.ZodObject<typeof databaseEnv>>;
export type RedisEnv = z.infer<z.ZodObject<typeof redisEnv>>;

/**
 * The feature set every service that reads or writes features agrees on (features, trainer,
 * inference): the same variables give the same definitions, hence the same fingerprint.
 */
export const featureStoreEnv = {
  FEATURES_FREQUENCY: z.enum(['daily', 'weekly', 'monthly']).default('weekly'),
  /** Grid origin; weekly grids take their weekday from it. */
  FEATURES_GRID_ORIGIN: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a YYYY-MM-DD date')
    .default('2000-01-02'),
  /** Weekly grids: a week is labelled by its first (start) or last (end) day. */
  FEATURES_WEEK_LABEL: z.enum(['start', 'end']).default('end'),
  /** What the series values are: units sold, or net sales in currency units. */
  FEATURES_MEASURE: z.enum(['units', 'net_sales']).default('units'),
  /** Periods ahead each online vector covers. */
  FEATURES_HORIZON: env.int(8, 1),
  FEATURES_SET_VERSION: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('1'),
  /** A JSON holiday calendar ({"regions": {...}, "defaultRegion": "...", "maxDistanceDays": n}); default: US retail holidays. */
  FEATURES_HOLIDAYS_FILE: z.string().min(1).optional(),
};
export type FeatureStoreEnv = z.infer<z.ZodObject<typeof featureStoreEnv>>;
