import { loadConfig } from '@shelfcast/config';
import { retailEventRecord, type RetailEvent } from '@shelfcast/contracts';
import { createPgPool } from '@shelfcast/db';
import { createServiceContext } from '@shelfcast/observability';
import {
  dailyTruth,
  type DailyTruth,
  createTestKafka,
  createTestSchema,
  testRedisPrefix,
  testServers,
  type TestKafka,
  type TestSchema,
} from '@shelfcast/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Partitioners, type Kafka } from 'kafkajs';
import type { Pool } from 'pg';

import { createFeaturesApp } from '../src/app';
import { FeaturesConfig } from '../src/config';

/** A schema, topics and a Redis prefix of the test's own, and the variables that point a features service at them. */
export async function featuresEnvironment(label = 'features') {
  const schema: TestSchema = await createTestSchema(label);
  const kafka: TestKafka = await createTestKafka(label);
  const redis = testRedisPrefix(label);
  const pool: Pool = createPgPool({ url: schema.url, schema: schema.schema, maxConnections: 3 });
  const env: Record<string, string> = {
    DATABASE_URL: schema.url,
    DATABASE_SCHEMA: schema.schema,
    KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: kafka.prefix,
    KAFKA_TOPIC_PARTITIONS: '3',
    REDIS_URL: testServers.redisUrl,
    REDIS_KEY_PREFIX: redis.prefix,
    FEATURES_REFRESH_IDLE_MS: '50',
  };
  return {
    schema,
    kafka,
    redis,
    pool,
    env,
    /** Publishes events as a back end (or ingestion) would: topic by type, key by series, the platform's headers. */
    publish: (events: readonly RetailEvent[], options: { raw?: Array<{ topic: string; value: string }> } = {}) =>
      publish(kafka.kafka, kafka.prefix, events, options.raw ?? []),
    /** Polls until `check` holds (or throws with `what` after the timeout). */
    waitUntil,
    async close() {
      await pool.end();
      await kafka.cleanup();
      await redis.cleanup();
      await schema.drop();
    },
  };
}

export async function publish(
  kafka: Kafka,
  prefix: string,
  events: readonly RetailEvent[],
  raw: Array<{ topic: string; value: string }> = [],
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  try {
    const byTopic = new Map<string, Array<{ key: string; value: string; headers: Record<string, string> }>>();
    for (const e of events) {
      const { topic, ...message } = retailEventRecord(e);
      const list = byTopic.get(prefix + topic) ?? [];
      list.push(message);
      byTopic.set(prefix + topic, list);
    }
    for (const r of raw)
      byTopic.set(prefix + r.topic, [
        ...(byTopic.get(prefix + r.topic) ?? []),
        { key: 'x', value: r.value, headers: {} },
      ]);
    for (const [topic, messages] of byTopic)
      for (let i = 0; i < messages.length; i += 2000)
        await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2000) });
  } finally {
    await producer.disconnect();
  }
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The features app in this process, on an environment from `featuresEnvironment`. */
export async function startFeatures(env: Record<string, string>, extra: Record<string, string> = {}) {
  const config = loadConfig(FeaturesConfig, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
    ...extra,
  });
  const app: NestFastifyApplication = await createFeaturesApp(config, createServiceContext('features', config));
  return { app, config };
}

export { dailyTruth };

/** The aggregates in the database, in the same shape as `dailyTruth`. */
export async function dailyAggregates(pool: Pool): Promise<Map<string, DailyTruth>> {
  const { rows } = await pool.query<{ key: string; units: string; cents: string; on_hand_min: number | null }>(
    `SELECT store_id || '|' || sku || '|' || to_char(day, 'YYYY-MM-DD') AS key, units::text,
            (net_sales * 100)::text AS cents, on_hand_min
     FROM series_daily`,
  );
  return new Map(
    rows.map((r) => [r.key, { units: Number(r.units), cents: Number(r.cents), onHandMin: r.on_hand_min }]),
  );
}

/** Differences between two aggregate maps (empty when equal), for a readable failure. */
export function differences(expected: Map<string, DailyTruth>, actual: Map<string, DailyTruth>, limit = 10): string[] {
  const out: string[] = [];
  for (const [k, e] of expected) {
    const a = actual.get(k);
    if (!a || a.units !== e.units || a.cents !== e.cents || a.onHandMin !== e.onHandMin)
      out.push(`${k}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) out.push(`${k}: unexpected ${JSON.stringify(actual.get(k))}`);
  return out.slice(0, limit);
}

export async function countRows(pool: Pool, table: 'retail_events' | 'online_dirty' | 'series'): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}
