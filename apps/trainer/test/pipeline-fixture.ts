/**
 * A feature store of its own for the pipeline's integration tests: a migrated schema, synthetic
 * events of ~50 series written straight into it (each arriving an hour after it happened), the
 * online vectors refreshed into a Redis key prefix of its own, and a PipelineContext that records
 * progress and logs.
 */
import { createPgPool } from '@shelfcast/db';
import { OnlineRefresher, OnlineStore, writeEvents, type FeatureStoreSettings } from '@shelfcast/feature-store';
import { retailFeatureSet } from '@shelfcast/features-core';
import { TrainJobData, type JobInput } from '@shelfcast/queue';
import { simulateRetail } from '@shelfcast/simulation';
import { createTestSchema, testRedisPrefix, testServers, type TestSchema } from '@shelfcast/testing';
import Redis from 'ioredis';
import type { Pool } from 'pg';

import type { PipelineContext, PipelineStage } from '../src/pipeline';

export const ONLINE_HORIZON = 14;

export interface PipelineFixture {
  pool: Pool;
  redis: Redis;
  store: OnlineStore;
  settings: FeatureStoreSettings;
  events: number;
  close(): Promise<void>;
}

export async function createPipelineFixture(
  label: string,
  sim = { stores: 2, skus: 25, days: 182, seed: 11 },
): Promise<PipelineFixture> {
  const schema: TestSchema = await createTestSchema(label);
  const pool = createPgPool({ url: schema.url, schema: schema.schema, maxConnections: 4 });
  const keys = testRedisPrefix(label);
  const redis = new Redis(testServers.redisUrl);
  const featureSet = retailFeatureSet({ frequency: 'daily', measure: 'units' });
  const settings: FeatureStoreSettings = { featureSet, measure: 'units', horizon: ONLINE_HORIZON };
  const events = [...simulateRetail(sim).events()];
  for (let i = 0; i < events.length; i += 5000)
    await writeEvents(
      pool,
      events.slice(i, i + 5000).map((event) => ({ event, arrivedAt: Date.parse(event.time) + 3_600_000 })),
    );
  const store = new OnlineStore(redis, featureSet, `${keys.prefix}:`);
  await new OnlineRefresher(pool, store, { measure: 'units', horizon: ONLINE_HORIZON }).drain();
  return {
    pool,
    redis,
    store,
    settings,
    events: events.length,
    async close() {
      await pool.end();
      await schema.drop();
      await keys.cleanup();
      redis.disconnect();
    },
  };
}

export interface RecordingContext extends PipelineContext {
  progressEvents: Array<[PipelineStage, number]>;
  logs: string[];
  controller: AbortController;
}

export function recordingContext(
  f: Pick<PipelineFixture, 'pool' | 'settings'>,
  extra: Partial<PipelineContext> = {},
  onProgress?: (stage: PipelineStage, fraction: number, controller: AbortController) => void,
): RecordingContext {
  const controller = new AbortController();
  const progressEvents: Array<[PipelineStage, number]> = [];
  const logs: string[] = [];
  return {
    pool: f.pool,
    settings: f.settings,
    signal: controller.signal,
    progress(stage, fraction) {
      progressEvents.push([stage, fraction]);
      onProgress?.(stage, fraction, controller);
    },
    log(message) {
      logs.push(message);
    },
    codeVersion: 'test',
    ...extra,
    controller,
    progressEvents,
    logs,
  };
}

/** A train spec sized for tests: horizon 7, two backtest windows a week apart, 14 training anchors per fit. */
export function trainSpec(f: Pick<PipelineFixture, 'settings'>, overrides: Partial<JobInput<'train'>> = {}) {
  return TrainJobData.parse({
    runId: 'run-1',
    modelName: 'demand',
    family: 'gbdt',
    featureSetVersion: f.settings.featureSet.fingerprint,
    horizon: 7,
    backtest: { windows: 2, step: 7 },
    ...overrides,
    hyperParameters: { trainAnchors: 14, ...overrides.hyperParameters },
  });
}
